"""The account management commands operators run."""

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from accounts.models import Account, Membership, Role, User

pytestmark = pytest.mark.django_db


def _run(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue().strip()


def test_create_account_prints_the_new_accounts_id_and_makes_the_owner():
    printed = _run(
        "create_account", "Acme", owner="ann@acme.test", password="pw-1234567"
    )

    account = Account.objects.get(pk=int(printed))
    assert account.name == "Acme"
    membership = Membership.objects.get(account=account)
    assert (membership.user.email, membership.role) == ("ann@acme.test", Role.OWNER)
    assert authenticate(username="ann@acme.test", password="pw-1234567")
    assert account.credits_balance > 0


def test_create_account_reads_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("SCOOP_PASSWORD", "from-the-env-1")

    _run("create_account", "Acme", owner="ann@acme.test")

    assert authenticate(username="ann@acme.test", password="from-the-env-1")


def test_without_a_password_or_terminal_the_command_says_how_to_give_one(
    monkeypatch,
):
    monkeypatch.delenv("SCOOP_PASSWORD", raising=False)

    with pytest.raises(CommandError, match="--password or the SCOOP_PASSWORD"):
        _run("create_account", "Acme", owner="ann@acme.test")
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("name", "email", "message"),
    [
        ("", "ann@acme.test", "Give the account a name."),
        ("Acme", "not-an-email", "is not an email address"),
    ],
)
def test_create_account_refuses_bad_input_clearly(name, email, message):
    with pytest.raises(CommandError, match=message):
        _run("create_account", name, owner=email, password="pw-1234567")
    assert not Account.objects.exists()


def test_add_member_adds_a_new_user_with_the_role(account):
    printed = _run(
        "add_member", str(account.pk), "bo@acme.test", role="admin", password="pw-98765"
    )

    assert printed == f"bo@acme.test is now admin of {account.name}."
    assert Membership.objects.get(account=account, user__email="bo@acme.test").role == (
        Role.ADMIN
    )


def test_add_member_never_changes_an_existing_users_password(account, outsider):
    _run("add_member", str(account.pk), outsider.email, password="hijacked-1")

    assert authenticate(
        username=outsider.email, password="correct horse battery staple"
    )
    assert not authenticate(username=outsider.email, password="hijacked-1")


def test_add_member_refuses_an_unknown_account():
    with pytest.raises(CommandError, match="No account with id 999"):
        _run("add_member", "999", "bo@acme.test", password="pw-98765")


def test_the_only_owner_cannot_be_demoted(account, owner):
    with pytest.raises(CommandError, match="only owner"):
        _run("add_member", str(account.pk), owner.email, role="member")

    assert Membership.objects.get(account=account, user=owner).role == Role.OWNER


def test_a_refused_add_member_creates_no_user(account, owner, monkeypatch):
    monkeypatch.setenv("SCOOP_PASSWORD", "pw-98765")

    with pytest.raises(CommandError):
        _run("add_member", str(account.pk), "new@acme.test", role="boss")

    assert not User.objects.filter(email="new@acme.test").exists()


def test_expired_api_tokens_are_pruned_and_live_ones_kept(owner):
    from datetime import timedelta

    from django.utils import timezone
    from knox.models import AuthToken

    from accounts.services import api_token_create, api_tokens_prune_expired

    expired, _ = api_token_create(user=owner)
    live, _ = api_token_create(user=owner)
    AuthToken.objects.filter(pk=expired.pk).update(
        expiry=timezone.now() - timedelta(minutes=1)
    )

    assert api_tokens_prune_expired() == 1
    assert list(AuthToken.objects.values_list("pk", flat=True)) == [live.pk]
