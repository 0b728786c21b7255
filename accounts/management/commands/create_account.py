from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.management.commands._passwords import checked_email, new_user_password
from accounts.services import account_create, user_get_or_create


class Command(BaseCommand):
    help = "Create an account and its owner; prints the new account's id."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The account's name.")
        parser.add_argument("--owner", required=True, help="The owner's email.")
        parser.add_argument("--password", help="The owner's password, if new.")

    def handle(self, *args: object, **options: str) -> None:
        name = options["name"].strip()
        if not name:
            raise CommandError("Give the account a name.")
        email = checked_email(options["owner"])
        password = new_user_password(self, email, options.get("password"))
        owner = user_get_or_create(email=email, password=password)
        account = account_create(name=name, owner=owner)
        self.stdout.write(str(account.pk))
