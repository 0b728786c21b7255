from django.core.management.base import BaseCommand, CommandError

from aiprovider.secrets import unreadable_secrets


class Command(BaseCommand):
    help = "Report every stored secret that cannot be decrypted; exit 1 if any."

    def handle(self, *args: object, **options: object) -> None:
        unreadable = list(unreadable_secrets())
        for secret in unreadable:
            self.stdout.write(
                f"UNREADABLE {secret.kind} id={secret.pk} "
                f"account={secret.account_id}: {secret.reason}"
            )
        if unreadable:
            raise CommandError(
                f"{len(unreadable)} stored secret(s) cannot be decrypted."
            )
        self.stdout.write(self.style.SUCCESS("All stored secrets decrypt."))
