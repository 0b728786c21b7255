from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.management.commands._passwords import checked_email, new_user_password
from accounts.models import Account, Role
from accounts.services import membership_add, user_get_or_create


class Command(BaseCommand):
    help = "Add a user (created if new) to an account with a role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("account_id", type=int)
        parser.add_argument("email")
        parser.add_argument("--role", choices=Role.values, default=Role.MEMBER)
        parser.add_argument("--password", help="The user's password, if new.")

    def handle(self, *args: object, **options: object) -> None:
        account = Account.objects.filter(pk=options["account_id"]).first()
        if account is None:
            raise CommandError(f"No account with id {options['account_id']}.")
        email = checked_email(str(options["email"]))
        password = new_user_password(self, email, options.get("password"))  # type: ignore[arg-type]
        try:
            with transaction.atomic():
                user = user_get_or_create(email=email, password=password)
                membership = membership_add(
                    account=account, user=user, role=str(options["role"])
                )
        except ValueError as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(f"{user.email} is now {membership.role} of {account.name}.")
