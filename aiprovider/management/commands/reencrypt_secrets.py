from django.core.management.base import BaseCommand, CommandError

from aiprovider.secrets import reencrypt_provider_keys


class Command(BaseCommand):
    help = "Re-encrypt every stored provider key under the newest encryption key."

    def handle(self, *args: object, **options: object) -> None:
        report = reencrypt_provider_keys()
        self.stdout.write(
            f"Re-encrypted {report.reencrypted}, already current "
            f"{report.already_current}, unreadable {report.unreadable}."
        )
        if report.unreadable:
            raise CommandError(
                f"{report.unreadable} key(s) could not be decrypted and were left "
                "as they are; run check_secrets for details."
            )
