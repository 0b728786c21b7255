from django.core.management.base import BaseCommand, CommandError

from aiprovider.secrets import reencrypt_stored_secrets


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret (saved keys and pending key-test "
        "candidates) under the newest encryption key."
    )

    def handle(self, *args: object, **options: object) -> None:
        report = reencrypt_stored_secrets()
        self.stdout.write(
            f"Re-encrypted {report.reencrypted}, already current "
            f"{report.already_current}, unreadable {report.unreadable}."
        )
        if report.unreadable:
            raise CommandError(
                f"{report.unreadable} secret(s) could not be decrypted and were left "
                "as they are; run check_secrets for details."
            )
