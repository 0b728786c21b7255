"""Faults end in a clear state and message, with nothing lost or mixed."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aiprovider.errors import ConfigConflict, ProviderFailure
from aiprovider.models import AuditEvent, KeyTest, ProviderConfig, UsageRecord
from aiprovider.routing import route_ai_call
from aiprovider.services import (
    _claim_key_test,
    key_test_execute,
    key_test_request,
    key_tests_expire,
    provider_config_for,
    provider_config_update,
)
from scoop_byok.celery import app as celery_app
from tests.api.envelope import assert_error
from tests.security.conftest import canary

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


def provider_url(account) -> str:  # type: ignore[no-untyped-def]
    return reverse("api-ai-provider", kwargs={"account_id": account.pk})


def key_tests_url(account) -> str:  # type: ignore[no-untyped-def]
    return reverse("api-key-tests", kwargs={"account_id": account.pk})


def config_state(account) -> tuple:  # type: ignore[no-untyped-def]
    config = ProviderConfig.objects.get(account=account)
    return (
        config.provider,
        config.encrypted_key,
        config.stored_key_provider,
        config.key_hint,
        config.fallback_to_system,
        config.version,
    )


# Broker down ----------------------------------------------------------------


@pytest.fixture
def broker_down() -> Iterator[None]:
    """Point the Celery app at a port nothing listens on, then restore it."""
    names = ("broker_url", "broker_write_url", "broker_read_url")
    saved = {name: celery_app.conf[name] for name in names}
    saved_pool = celery_app._pool
    saved_producers = celery_app.amqp._producer_pool
    for name in names:
        celery_app.conf[name] = UNREACHABLE_BROKER
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield
    finally:
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
        for name, value in saved.items():
            celery_app.conf[name] = value
        celery_app._pool = saved_pool
        celery_app.amqp._producer_pool = saved_producers


@pytest.mark.django_db
def test_a_key_test_with_the_broker_down_is_a_clear_503_and_changes_nothing(
    owner, account, api_for, save_key, broker_down
):
    save_key(account, "anthropic", canary("anthropic"))
    before = config_state(account)
    client = api_for(owner)

    response = client.post(
        key_tests_url(account),
        {"provider": "openai", "api_key": canary("openai")},
        format="json",
    )

    body = assert_error(response, 503, "queue_unavailable")
    assert "try again" in body["detail"]
    test = KeyTest.objects.get(account=account)
    assert (test.status, test.result, test.candidate_ciphertext) == (
        "failed",
        "incomplete",
        "",
    )
    assert config_state(account) == before
    saved = client.put(
        provider_url(account),
        {"provider": "openai", "api_key": canary("openai")},
        format="json",
    )
    assert saved.status_code == 200
    assert saved.json()["byok_active"] is True


# Worker killed mid-test -------------------------------------------------------


@pytest.mark.django_db
def test_a_test_whose_worker_died_is_failed_by_the_sweep_and_its_key_erased(
    owner, account, settings, queued_key_tests
):
    test = key_test_request(
        account=account,
        actor=owner,
        source="api",
        provider="anthropic",
        api_key=canary("anthropic"),
    )
    assert _claim_key_test(str(test.pk)) is not None  # the worker took it...
    # ...and died before recording anything.

    later = timezone.now() + timedelta(seconds=settings.KEY_TEST_DEADLINE_S + 1)
    expired = key_tests_expire(now=later)

    test.refresh_from_db()
    assert expired == 1
    assert (test.status, test.result, test.candidate_ciphertext) == (
        "failed",
        "incomplete",
        "",
    )
    assert test.message
    assert test.finished_at is not None


@pytest.mark.django_db
def test_polling_a_test_past_its_deadline_reports_it_incomplete(
    owner, account, api_for, settings, queued_key_tests
):
    client = api_for(owner)
    queued = client.post(
        key_tests_url(account),
        {"provider": "openai", "api_key": canary("openai")},
        format="json",
    ).json()
    KeyTest.objects.filter(pk=queued["id"]).update(
        created_at=timezone.now() - timedelta(seconds=settings.KEY_TEST_DEADLINE_S + 1)
    )

    polled = client.get(
        reverse(
            "api-key-test", kwargs={"account_id": account.pk, "test_id": queued["id"]}
        )
    ).json()

    assert (polled["status"], polled["result"]) == ("failed", "incomplete")
    assert KeyTest.objects.get(pk=queued["id"]).candidate_ciphertext == ""


@pytest.mark.django_db
def test_a_late_message_for_an_expired_test_does_not_run_it(
    owner, account, settings, queued_key_tests, fake_provider
):
    test = key_test_request(
        account=account,
        actor=owner,
        source="api",
        provider="anthropic",
        api_key=canary("anthropic"),
    )
    KeyTest.objects.filter(pk=test.pk).update(
        created_at=timezone.now() - timedelta(seconds=settings.KEY_TEST_DEADLINE_S + 1)
    )

    key_test_execute(str(test.pk))

    test.refresh_from_db()
    assert (test.status, test.result) == ("failed", "incomplete")
    assert fake_provider.requests == []


@pytest.mark.django_db
def test_the_sweep_erases_old_candidates_whatever_their_state(
    owner, account, queued_key_tests
):
    test = key_test_request(
        account=account,
        actor=owner,
        source="api",
        provider="anthropic",
        api_key=canary("anthropic"),
    )
    KeyTest.objects.filter(pk=test.pk).update(status="succeeded")

    key_tests_expire(now=timezone.now() + timedelta(minutes=10))

    assert KeyTest.objects.get(pk=test.pk).candidate_ciphertext == ""


# Provider timeouts and 5xx ----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "behaviour", ["hang", "slow3", "servererror", "gatewaytimeout", "overloaded"]
)
@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_a_key_test_against_a_failing_provider_ends_provider_unavailable(
    provider, behaviour, owner, account, settings, queued_key_tests
):
    settings.KEY_TEST_TIMEOUT_S = 0.5
    test = key_test_request(
        account=account,
        actor=owner,
        source="api",
        provider=provider,
        api_key=canary(provider, behaviour),
    )

    key_test_execute(str(test.pk))

    test.refresh_from_db()
    assert (test.status, test.result) == ("failed", "provider_unavailable")
    assert test.candidate_ciphertext == ""
    assert test.message


@pytest.mark.django_db
@pytest.mark.parametrize("behaviour", ["hang", "servererror"])
def test_a_routed_call_to_a_failing_provider_is_recorded_and_costs_nothing(
    behaviour, owner, account, settings, save_key
):
    settings.AI_CALL_TIMEOUT_S = 0.5
    save_key(account, "openai", canary("openai", behaviour))
    credits = account.credits_balance

    with pytest.raises(ProviderFailure) as failed:
        route_ai_call(account=account, user=owner, task="query", prompt="Hi")

    assert failed.value.category == "provider_unavailable"
    assert failed.value.status == 503
    record = UsageRecord.objects.get(account=account)
    assert record.outcome == "provider_unavailable"
    assert record.credits_charged == 0
    account.refresh_from_db()
    assert account.credits_balance == credits


# Database error mid-save --------------------------------------------------------


@pytest.fixture
def failing_audit_table() -> Iterator[None]:
    """Make every audit insert fail inside the database, as a full disk would."""
    if connection.vendor != "sqlite":
        pytest.skip("the trigger is written for SQLite")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TRIGGER fail_audit BEFORE INSERT ON aiprovider_auditevent "
            "BEGIN SELECT RAISE(ABORT, 'audit write failed'); END;"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS fail_audit")


@pytest.mark.django_db
def test_a_database_error_mid_save_leaves_the_configuration_untouched(
    owner, account, save_key, failing_audit_table
):
    provider_config_for(account)
    before = config_state(account)

    with pytest.raises(DatabaseError):
        save_key(account, "anthropic", canary("anthropic"))

    assert config_state(account) == before


@pytest.mark.django_db
def test_a_database_error_while_replacing_a_key_keeps_the_old_key(
    owner, account, save_key, request
):
    save_key(account, "anthropic", canary("anthropic"))
    before = config_state(account)
    events = AuditEvent.objects.count()
    request.getfixturevalue("failing_audit_table")

    with pytest.raises(DatabaseError):
        provider_config_update(
            account=account,
            actor=owner,
            source="web",
            provider="openai",
            api_key=canary("openai"),
            fallback_to_system=True,
        )

    assert config_state(account) == before
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_an_api_save_that_hits_a_database_error_saves_nothing(
    owner, account, api_for, save_key, monkeypatch
):
    save_key(account, "anthropic", canary("anthropic"))
    before = config_state(account)

    def failing_audit(**kwargs: object) -> None:
        raise DatabaseError("audit write failed")

    monkeypatch.setattr("aiprovider.services.audit_record", failing_audit)
    client = api_for(owner)
    client.raise_request_exception = False

    response = client.put(
        provider_url(account),
        {"provider": "openai", "api_key": canary("openai")},
        format="json",
    )

    assert response.status_code >= 500
    assert canary("openai") not in response.content.decode()
    assert config_state(account) == before


# Two admins at once -------------------------------------------------------------


@pytest.mark.django_db
def test_of_two_api_saves_from_the_same_version_the_second_gets_412(
    owner, admin, account, api_for
):
    first, second = api_for(owner), api_for(admin)
    etag = first.get(provider_url(account))["ETag"]
    assert second.get(provider_url(account))["ETag"] == etag

    won = first.put(
        provider_url(account),
        {"provider": "anthropic", "api_key": canary("anthropic")},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    lost = second.put(
        provider_url(account),
        {"provider": "openai", "api_key": canary("openai")},
        format="json",
        HTTP_IF_MATCH=etag,
    )

    assert won.status_code == 200
    assert_error(lost, 412, "conflict")
    config = ProviderConfig.objects.get(account=account)
    assert (config.provider, config.stored_key_provider, config.key_hint) == (
        "anthropic",
        "anthropic",
        "…" + canary("anthropic")[-4:],
    )


@pytest.mark.django_db
def test_of_two_web_saves_from_the_same_page_the_second_is_asked_to_reload(
    owner, admin, account
):
    url = reverse("ai-provider-settings", kwargs={"account_id": account.pk})
    browsers = []
    for user in (owner, admin):
        browser = Client()
        browser.force_login(user)
        browser.get(url)
        browsers.append(browser)
    version = ProviderConfig.objects.get(account=account).version

    browsers[0].post(
        url,
        {"provider": "openai", "api_key": canary("openai"), "version": version},
    )
    lost = browsers[1].post(
        url,
        {"provider": "anthropic", "api_key": canary("anthropic"), "version": version},
    )

    assert lost.status_code == 200
    assert "Reload the page" in lost.content.decode()
    config = ProviderConfig.objects.get(account=account)
    assert (config.provider, config.stored_key_provider) == ("openai", "openai")


@pytest.mark.django_db
def test_saves_without_a_version_are_last_write_wins_and_never_mixed(
    owner, admin, account
):
    for actor, provider in [(owner, "anthropic"), (admin, "openai")]:
        provider_config_update(
            account=account,
            actor=actor,
            source="api",
            provider=provider,
            api_key=canary(provider),
        )

    config = ProviderConfig.objects.get(account=account)
    assert (config.provider, config.stored_key_provider, config.key_hint) == (
        "openai",
        "openai",
        "…" + canary("openai")[-4:],
    )
    assert config.read_key() == canary("openai")


@pytest.mark.django_db
def test_a_stale_version_raises_before_anything_is_written(owner, account):
    provider_config_update(
        account=account,
        actor=owner,
        source="api",
        provider="anthropic",
        api_key=canary("anthropic"),
    )
    before = config_state(account)

    with pytest.raises(ConfigConflict):
        provider_config_update(
            account=account,
            actor=owner,
            source="api",
            provider="openai",
            api_key=canary("openai"),
            expected_version=before[-1] - 1,
        )

    assert config_state(account) == before
