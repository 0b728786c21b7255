"""``manage.py seed_demo`` builds a usable demo account and is safe to re-run."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from pytest_django.fixtures import Settings

from accounts.management.commands.seed_demo import (
    DEMO_ACCOUNT_NAME,
    DEMO_PASSWORD,
    SAMPLE_DATASETS,
)
from accounts.models import Account, Membership, Role, User
from analytics.models import Dataset

pytestmark = pytest.mark.django_db

EXPECTED_ROLES = {
    "owner@demo.test": Role.OWNER,
    "admin@demo.test": Role.ADMIN,
    "member@demo.test": Role.MEMBER,
}


@pytest.fixture
def debug_site(settings: Settings) -> None:
    settings.DEBUG = True


@pytest.fixture(autouse=True)
def _no_password_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCOOP_PASSWORD", raising=False)


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def demo_account() -> Account:
    return Account.objects.get(name=DEMO_ACCOUNT_NAME)


def roles_in(account: Account) -> dict[str, str]:
    return {m.user.email: m.role for m in account.memberships.select_related("user")}


def test_creates_an_account_with_owner_admin_and_member(debug_site: None) -> None:
    seed()

    assert roles_in(demo_account()) == EXPECTED_ROLES


def test_loads_every_sample_dataset_with_its_rows(debug_site: None) -> None:
    seed()

    datasets = {d.name: d for d in demo_account().datasets.all()}
    assert set(datasets) == {name for name, _ in SAMPLE_DATASETS}
    assert datasets["Seattle weather"].row_count == 1461
    assert datasets["Iowa electricity"].columns == [
        "year",
        "source",
        "net_generation",
    ]
    assert all(d.uploaded_by.email == "owner@demo.test" for d in datasets.values())


def test_gives_the_demo_users_starting_credits(debug_site: None) -> None:
    seed()

    assert demo_account().credits_balance > 0


def test_prints_every_login_with_the_default_password(debug_site: None) -> None:
    output = seed()

    for email in EXPECTED_ROLES:
        line = next(line for line in output.splitlines() if email in line)
        assert DEMO_PASSWORD in line
    assert f"id {demo_account().pk}" in output


@pytest.mark.parametrize("email", sorted(EXPECTED_ROLES))
def test_every_demo_user_can_sign_in_with_the_default_password(
    debug_site: None, email: str
) -> None:
    seed()

    assert authenticate(username=email, password=DEMO_PASSWORD) is not None


def test_running_twice_creates_nothing_twice(debug_site: None) -> None:
    seed()
    second_output = seed()

    assert Account.objects.filter(name=DEMO_ACCOUNT_NAME).count() == 1
    assert User.objects.filter(email__in=EXPECTED_ROLES).count() == 3
    assert Membership.objects.count() == 3
    assert Dataset.objects.count() == len(SAMPLE_DATASETS)
    assert "0 added now" in second_output


def test_rerun_repairs_roles_passwords_and_missing_datasets(
    debug_site: None,
) -> None:
    seed()
    account = demo_account()
    Membership.objects.filter(user__email="member@demo.test").update(role=Role.ADMIN)
    owner = User.objects.get(email="owner@demo.test")
    owner.set_password("something else entirely")
    owner.save()
    account.datasets.filter(name="US employment").delete()

    seed()

    assert roles_in(account) == EXPECTED_ROLES
    assert authenticate(username=owner.email, password=DEMO_PASSWORD) is not None
    assert account.datasets.filter(name="US employment").count() == 1


def test_password_option_sets_the_password_and_is_not_printed() -> None:
    output = seed("--password", "a-password-of-my-own")

    user = authenticate(username="admin@demo.test", password="a-password-of-my-own")
    assert user is not None
    assert "a-password-of-my-own" not in output
    assert "(the password you gave)" in output


def test_password_comes_from_scoop_password_when_no_option(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SCOOP_PASSWORD", "from-the-environment")

    seed()

    assert authenticate(username="member@demo.test", password="from-the-environment")


def test_published_default_password_is_refused_without_debug(
    settings: Settings,
) -> None:
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--password or SCOOP_PASSWORD"):
        seed()

    assert not Account.objects.filter(name=DEMO_ACCOUNT_NAME).exists()
    assert not User.objects.filter(email__in=EXPECTED_ROLES).exists()


def test_leaves_other_accounts_alone(debug_site: None, account: Account) -> None:
    seed()

    assert Account.objects.filter(pk=account.pk, name=account.name).exists()
    assert not account.datasets.exists()
