"""``manage.py seed_demo``: a demo account to click through, safe to re-run.

Running it again finds what the last run made instead of duplicating it, puts
the three demo users back on their roles and their password, and adds any
sample dataset that has gone missing.
"""

import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.models import Account, Role, User
from accounts.services import account_create, membership_add, user_get_or_create
from analytics.models import Dataset
from analytics.services import dataset_create

DEMO_ACCOUNT_NAME = "Demo Analytics"
# Published in the README: refused with DEBUG off (see ``_password``).
DEMO_PASSWORD = "scoop-demo-password"
DEMO_USERS = (
    (Role.OWNER, "owner@demo.test", "Olivia Owner"),
    (Role.ADMIN, "admin@demo.test", "Adam Admin"),
    (Role.MEMBER, "member@demo.test", "Maya Member"),
)
SAMPLE_DATA_DIR = Path(settings.BASE_DIR) / "analytics" / "sample_data"
SAMPLE_DATASETS = (
    ("Seattle weather", "seattle-weather.csv"),
    ("US employment", "us-employment.csv"),
    ("Iowa electricity", "iowa-electricity.csv"),
)


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str


class Command(BaseCommand):
    help = (
        "Create (or refresh) a demo account with an owner, an admin, a member "
        "and sample datasets, and print the logins."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            help="Password for the three demo users (else SCOOP_PASSWORD, else "
            f"{DEMO_PASSWORD!r}, which only a DEBUG site accepts).",
        )

    def handle(self, *args: object, **options: str | None) -> None:
        password, is_default = _password(options.get("password"))

        with transaction.atomic():
            account, logins = _seed_account(password)
            added = _seed_datasets(account, uploader=_account_owner(account))

        self._report(account, logins, added, password if is_default else None)

    def _report(
        self,
        account: Account,
        logins: list[DemoLogin],
        added: list[Dataset],
        shown_password: str | None,
    ) -> None:
        datasets = account.datasets.count()
        self.stdout.write(
            f'Demo account "{account.name}" (id {account.pk}): {datasets} '
            f"datasets, {len(added)} added now."
        )
        self.stdout.write("Sign in with:")
        password_text = shown_password or "(the password you gave)"
        for login in logins:
            self.stdout.write(f"  {login.role:<7} {login.email:<18} {password_text}")


def _password(option: str | None) -> tuple[str, bool]:
    """Return the demo password and whether it is the published default."""
    chosen = option or os.environ.get("SCOOP_PASSWORD")
    if chosen:
        return chosen, False
    if not settings.DEBUG:
        raise CommandError(
            "With DEBUG off, give the demo users a password of your own with "
            "--password or SCOOP_PASSWORD: the default one is published."
        )
    return DEMO_PASSWORD, True


def _seed_account(password: str) -> tuple[Account, list[DemoLogin]]:
    """Return the demo account, creating it, its users and their roles."""
    users = {
        role: user_get_or_create(email=email, password=password, full_name=name)
        for role, email, name in DEMO_USERS
    }
    owner = users[Role.OWNER]
    account = Account.objects.filter(
        name=DEMO_ACCOUNT_NAME, memberships__user=owner, memberships__role=Role.OWNER
    ).first()
    if account is None:
        account = account_create(name=DEMO_ACCOUNT_NAME, owner=owner)
    for role, user in users.items():
        membership_add(account=account, user=user, role=role)
    return account, [DemoLogin(str(role), user.email) for role, user in users.items()]


def _account_owner(account: Account) -> User | None:
    """Return the account's first owner (the demo uploads as them)."""
    membership = account.memberships.filter(role=Role.OWNER).first()
    return membership.user if membership else None


def _seed_datasets(account: Account, *, uploader: User | None) -> list[Dataset]:
    """Upload each sample dataset the account does not have yet."""
    existing = set(account.datasets.values_list("name", flat=True))
    return [
        dataset_create(
            account=account,
            user=uploader,
            name=name,
            raw=(SAMPLE_DATA_DIR / filename).read_bytes(),
        )
        for name, filename in SAMPLE_DATASETS
        if name not in existing
    ]
