"""Rotating the encryption keyring loses no key; a missing key fails closed."""

import base64
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from aiprovider import crypto
from aiprovider.checks import check_stored_secrets
from aiprovider.errors import BYOKNotUsable
from aiprovider.models import KeyTest, ProviderConfig
from aiprovider.routing import route_ai_call
from aiprovider.services import key_test_execute, key_test_request
from fakeprovider import demo_key
from tests.factories import AccountFactory, MembershipFactory

REPO_ROOT = Path(__file__).resolve().parents[2]
UNREADABLE = "Stored key unreadable — please re-enter it"


def new_encryption_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


@pytest.fixture
def old_key(settings) -> str:  # type: ignore[no-untyped-def]
    key = new_encryption_key()
    settings.BYOK_ENCRYPTION_KEYS = [key]
    return key


@pytest.fixture
def saved_accounts(old_key, save_key):  # type: ignore[no-untyped-def]
    """Three accounts with keys saved under the old encryption key only."""
    accounts = []
    for index, provider in enumerate(["anthropic", "openai", "anthropic"]):
        account = AccountFactory(name=f"Rotating {index}")
        MembershipFactory(account=account, role="owner")
        save_key(account, provider, demo_key(provider, "valid", salt=f"rot{index}"))
        accounts.append(account)
    return accounts


def pending_test(account, owner, queued_key_tests) -> KeyTest:  # type: ignore[no-untyped-def]
    test = key_test_request(
        account=account,
        actor=owner,
        source="api",
        provider="openai",
        api_key=demo_key("openai", "valid", salt="pending"),
    )
    assert test.candidate_ciphertext
    return test


def run(command: str) -> str:
    out = io.StringIO()
    call_command(command, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_rotating_the_keyring_keeps_every_configuration_and_pending_test_working(
    settings, old_key, saved_accounts, account, owner, queued_key_tests
):
    test = pending_test(account, owner, queued_key_tests)
    newest = new_encryption_key()
    settings.BYOK_ENCRYPTION_KEYS = [newest, old_key]

    output = run("reencrypt_secrets")
    settings.BYOK_ENCRYPTION_KEYS = [newest]

    assert "Re-encrypted 4" in output
    for config in ProviderConfig.objects.exclude(encrypted_key=""):
        assert crypto.is_sealed_with_newest_key(config.encrypted_key)
    for routed in saved_accounts:
        answer = route_ai_call(account=routed, user=None, task="query", prompt="Hi")
        assert answer.billing == "byok"
    key_test_execute(str(test.pk))
    test.refresh_from_db()
    assert (test.status, test.result, test.candidate_ciphertext) == (
        "succeeded",
        "valid",
        "",
    )
    assert "All stored secrets decrypt." in run("check_secrets")


@pytest.mark.django_db
def test_reencrypting_twice_changes_nothing_the_second_time(
    settings, old_key, saved_accounts
):
    settings.BYOK_ENCRYPTION_KEYS = [new_encryption_key(), old_key]
    run("reencrypt_secrets")
    tokens = list(ProviderConfig.objects.values_list("encrypted_key", flat=True))

    output = run("reencrypt_secrets")

    assert "Re-encrypted 0, already current 3" in output
    assert list(ProviderConfig.objects.values_list("encrypted_key", flat=True)) == (
        tokens
    )


@pytest.mark.django_db
def test_a_pending_test_whose_candidate_cannot_be_read_ends_failed_and_erased(
    settings, old_key, account, owner, queued_key_tests
):
    test = pending_test(account, owner, queued_key_tests)
    settings.BYOK_ENCRYPTION_KEYS = [new_encryption_key()]

    key_test_execute(str(test.pk))

    test.refresh_from_db()
    assert test.status == "failed"
    assert test.result == "incomplete"
    assert "Run the test again" in test.message
    assert test.candidate_ciphertext == ""


@pytest.fixture
def lost_key(settings, saved_accounts):  # type: ignore[no-untyped-def]
    """The keyring no longer holds the key the saved configurations need."""
    settings.BYOK_ENCRYPTION_KEYS = [new_encryption_key()]
    return saved_accounts


@pytest.mark.django_db
def test_check_secrets_fails_and_names_every_unreadable_configuration(lost_key):
    out = io.StringIO()

    with pytest.raises(CommandError, match="3 stored secret"):
        call_command("check_secrets", stdout=out)

    for account in lost_key:
        config = ProviderConfig.objects.get(account=account)
        assert f"id={config.pk} account={account.pk}" in out.getvalue()


def test_check_secrets_exits_non_zero_from_the_command_line(lost_key):
    with pytest.raises(SystemExit) as exited:
        call_command_from_cli("check_secrets")
    assert exited.value.code != 0


def call_command_from_cli(name: str) -> None:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["manage.py", name])


@pytest.mark.django_db
def test_reencrypt_reports_secrets_it_cannot_read_and_leaves_them(lost_key):
    before = list(ProviderConfig.objects.values_list("encrypted_key", flat=True))

    with pytest.raises(CommandError, match="could not be decrypted"):
        run("reencrypt_secrets")

    after = list(ProviderConfig.objects.values_list("encrypted_key", flat=True))
    assert after == before


@pytest.mark.django_db
def test_the_system_check_warns_and_names_the_accounts(lost_key):
    warnings = check_stored_secrets()

    assert [w.id for w in warnings] == ["aiprovider.W001"]
    assert warnings[0].level < 40  # a warning, so migrate still runs
    for account in lost_key:
        assert str(account.pk) in warnings[0].msg


@pytest.mark.django_db
def test_the_settings_page_says_the_key_is_unreadable(lost_key):
    account = lost_key[0]
    owner = account.memberships.get().user
    browser = Client()
    browser.force_login(owner)

    page = browser.get(
        reverse("ai-provider-settings", kwargs={"account_id": account.pk})
    )

    assert page.status_code == 200
    assert UNREADABLE in page.content.decode()
    assert "Currently configured" not in page.content.decode()


@pytest.mark.django_db
def test_the_api_reports_the_key_unreadable_and_not_configured(lost_key, api_for):
    account = lost_key[1]
    owner = account.memberships.get().user

    body = (
        api_for(owner)
        .get(reverse("api-ai-provider", kwargs={"account_id": account.pk}))
        .json()
    )

    assert body["status_message"] == UNREADABLE
    assert body["byok_active"] is False
    assert body["key_configured"] is False


@pytest.mark.django_db
def test_calls_with_an_unreadable_key_fail_closed_instead_of_using_scoop_ai(
    lost_key, fake_provider
):
    with pytest.raises(BYOKNotUsable) as refused:
        route_ai_call(account=lost_key[0], user=None, task="query", prompt="Hi")

    assert refused.value.reason == "unreadable"
    assert fake_provider.requests == []


@pytest.mark.django_db
def test_a_ciphertext_copied_to_another_account_does_not_decrypt(
    settings, old_key, saved_accounts
):
    source, target = saved_accounts[0], saved_accounts[2]
    token = ProviderConfig.objects.get(account=source).encrypted_key
    ProviderConfig.objects.filter(account=target).update(encrypted_key=token)

    copied = ProviderConfig.objects.get(account=target)

    assert not copied.key_is_readable()
    with pytest.raises(BYOKNotUsable):
        route_ai_call(account=target, user=None, task="query", prompt="Hi")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if token[-2:] != "AA" else "BB"),
        lambda token: token.replace("v1.", "v2.", 1),
        lambda token: token.split(".")[0] + ".x." + token.split(".")[2],
        lambda token: token[: len(token) // 2],
        lambda token: "sk-ant-api03-" + "A" * 95,
    ],
)
def test_a_tampered_ciphertext_is_unreadable_never_passed_on(
    old_key, saved_accounts, tamper
):
    account = saved_accounts[0]
    config = ProviderConfig.objects.get(account=account)
    ProviderConfig.objects.filter(pk=config.pk).update(
        encrypted_key=tamper(config.encrypted_key)
    )

    with pytest.raises(BYOKNotUsable):
        route_ai_call(account=account, user=None, task="query", prompt="Hi")


# Start-up without secrets ---------------------------------------------------


def start_django(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "scoop_byok.settings",
        "CELERY_BROKER_URL": "memory://",
        # A developer's .env (bin/demo writes one) must not fill the gaps.
        "SCOOP_IGNORE_DOTENV": "1",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=REPO_ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_start_up_without_debug_needs_an_encryption_keyring():
    started = start_django(DEBUG="0", SECRET_KEY="s" * 50)

    assert started.returncode != 0
    assert "BYOK_ENCRYPTION_KEYS" in started.stderr


def test_start_up_without_debug_needs_a_secret_key():
    started = start_django(DEBUG="0", BYOK_ENCRYPTION_KEYS=new_encryption_key())

    assert started.returncode != 0
    assert "SECRET_KEY" in started.stderr


@pytest.mark.parametrize(
    "bad", ["not-base64!", base64.urlsafe_b64encode(b"short").decode()]
)
def test_start_up_refuses_a_malformed_encryption_key(bad):
    started = start_django(DEBUG="0", SECRET_KEY="s" * 50, BYOK_ENCRYPTION_KEYS=bad)

    assert started.returncode != 0
    assert "BYOK_ENCRYPTION_KEYS entry 1" in started.stderr
    assert bad not in started.stderr


def test_start_up_with_both_secrets_succeeds():
    started = start_django(
        DEBUG="0", SECRET_KEY="s" * 50, BYOK_ENCRYPTION_KEYS=new_encryption_key()
    )

    assert started.returncode == 0, started.stderr
