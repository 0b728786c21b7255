from django.core.management.base import BaseCommand, CommandParser

from accounts.management.commands._passwords import password_from
from accounts.models import User
from accounts.services import account_create, user_get_or_create


class Command(BaseCommand):
    help = "Create an account and its owner; prints the new account's id."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The account's name.")
        parser.add_argument("--owner", required=True, help="The owner's email.")
        parser.add_argument("--password", help="The owner's password, if new.")

    def handle(self, *args: object, **options: str) -> None:
        is_new = not User.objects.filter(email__iexact=options["owner"]).exists()
        password = password_from(options.get("password"), required=is_new)
        owner = user_get_or_create(email=options["owner"], password=password)
        account = account_create(name=options["name"], owner=owner)
        self.stdout.write(str(account.pk))
