from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from accounts.services import api_token_create


class Command(BaseCommand):
    help = "Issue an API token for a user and print it (it is shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")

    def handle(self, *args: object, **options: str) -> None:
        user = User.objects.filter(
            email__iexact=options["email"], is_active=True
        ).first()
        if user is None:
            raise CommandError(f"No active user with the email {options['email']}.")
        instance, token = api_token_create(user=user)
        self.stdout.write(token)
        self.stderr.write(f"Expires {instance.expiry:%Y-%m-%d %H:%M} UTC.")
