"""A key test end to end: request, a real Celery worker, the stored result.

Tests marked ``on_worker`` queue through ``key_test_request`` and let the
session's Celery worker run the task against the fake provider, then read
the row back; the others check refusals, the throttle and the sweep, with a
broker that loses every message.
"""

import os
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from aiprovider import crypto
from aiprovider.errors import KeyTestThrottled, SavedKeyUnusable
from aiprovider.models import KeyTest, ProviderConfig
from aiprovider.services import (
    key_test_request,
    key_tests_expire,
    provider_config_update,
)
from aiprovider.tasks import run_key_test, sweep_key_tests

pytestmark = pytest.mark.django_db


def on_worker(test):
    """Run ``test`` with committed data, so the Celery worker can see it."""
    return pytest.mark.worker(pytest.mark.django_db(transaction=True)(test))


# Settings changed here reach a worker thread, not a worker process.
needs_worker_in_process = pytest.mark.skipif(
    os.environ.get("SCOOP_TEST_WORKER") == "process",
    reason="changes settings that a separate worker process cannot see",
)

# behaviour of the fake provider -> the stored result
FAILURES = {
    "invalid": "invalid_key",
    "restricted": "insufficient_permissions",
    "nocredit": "billing",
    "ratelimited": "rate_limited",
    "servererror": "provider_unavailable",
    "redirect": "misconfigured_endpoint",
    "badrequest": "bad_request",
}
# Answers that did not come from the provider carry no request id.
NOT_FROM_PROVIDER = {"redirect"}


@pytest.fixture
def request_test(account, owner):
    def request(provider, api_key=None, *, on=None):
        return key_test_request(
            account=on or account,
            actor=owner,
            source="api",
            provider=provider,
            api_key=api_key,
        )

    return request


def _fresh(test_id, *statuses):
    """Read a key test back, or None while the worker holds the table.

    The test database is SQLite with a shared in-memory cache, where a
    reader that meets the worker's write gets "table is locked" at once
    instead of waiting; the poll simply tries again.
    """
    try:
        return KeyTest.objects.filter(pk=test_id, status__in=statuses).first()
    except OperationalError:
        return None


@pytest.fixture
def finished(wait_for):
    """Wait for a key test to finish and return it fresh from the database."""

    def wait(test):
        return wait_for(lambda: _fresh(test.pk, "succeeded", "failed"))

    return wait


def _lost_in_the_queue(monkeypatch):
    """Make the broker accept tasks and then lose them."""
    monkeypatch.setattr(run_key_test, "apply_async", lambda *args, **kwargs: None)


def _age(test, seconds):
    KeyTest.objects.filter(pk=test.pk).update(
        created_at=timezone.now() - timedelta(seconds=seconds)
    )


def _assert_nothing_of_the_key_kept(test, key):
    assert test.candidate_ciphertext == ""
    for value in (test.message, test.provider_request_id, test.model, test.key_hint):
        assert key not in value
        assert key[:-4] not in value


@on_worker
@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_a_working_key_succeeds_and_its_candidate_is_erased(
    provider, request_test, finished, key, fake_provider, celery_worker
):
    api_key = key(provider, "valid")

    test = finished(request_test(provider, api_key))

    assert test.status == "succeeded"
    assert test.result == "valid"
    assert test.message == "API key is valid and working"
    assert test.provider_request_id.startswith("req_")
    assert test.model == settings.AI_MODELS[provider]["key_test"]
    assert test.key_hint == "…" + api_key[-4:]
    assert test.duration_ms is not None
    assert test.finished_at is not None
    _assert_nothing_of_the_key_kept(test, api_key)
    (call,) = fake_provider.requests
    assert call.body["model"] == settings.AI_MODELS[provider]["key_test"]


@on_worker
@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_each_failure_is_stored_with_its_code_and_message(
    provider, request_test, finished, key, celery_worker
):
    keys = {behaviour: key(provider, behaviour) for behaviour in FAILURES}
    queued = {behaviour: request_test(provider, keys[behaviour]) for behaviour in keys}

    for behaviour, result in FAILURES.items():
        test = finished(queued[behaviour])
        assert (test.status, test.result) == ("failed", result), behaviour
        assert test.message, behaviour
        if result == "rate_limited":
            assert test.retry_after_s == 20
            assert "Try again in 20 seconds" in test.message
        else:
            assert test.retry_after_s is None, behaviour
        if result == "bad_request":
            assert "retired" not in test.message
        if behaviour not in NOT_FROM_PROVIDER:
            assert test.provider_request_id.startswith("req_"), behaviour
            assert test.provider_request_id in test.message, behaviour
        _assert_nothing_of_the_key_kept(test, keys[behaviour])


@on_worker
@needs_worker_in_process
def test_the_test_model_comes_from_settings(
    request_test, finished, key, fake_provider, settings, celery_worker
):
    settings.AI_MODELS = {
        **settings.AI_MODELS,
        "anthropic": {**settings.AI_MODELS["anthropic"], "key_test": "claude-opus-4-1"},
    }

    test = finished(request_test("anthropic", key("anthropic", "valid")))

    assert test.result == "valid"
    assert test.model == "claude-opus-4-1"
    assert fake_provider.requests[0].body["model"] == "claude-opus-4-1"


@on_worker
@needs_worker_in_process
def test_a_retired_test_model_is_a_bad_request(
    request_test, finished, key, settings, celery_worker
):
    settings.AI_MODELS = {
        **settings.AI_MODELS,
        "openai": {**settings.AI_MODELS["openai"], "key_test": "retired-gpt-3"},
    }

    test = finished(request_test("openai", key("openai", "valid")))

    assert test.result == "bad_request"
    assert test.model == "retired-gpt-3"


@on_worker
@needs_worker_in_process
def test_a_hanging_provider_ends_as_unavailable_after_the_timeout(
    request_test, finished, key, settings, celery_worker
):
    settings.KEY_TEST_TIMEOUT_S = 0.3

    test = finished(request_test("anthropic", key("anthropic", "hang")))

    assert test.result == "provider_unavailable"
    assert test.candidate_ciphertext == ""


@on_worker
@needs_worker_in_process
def test_a_wrong_base_url_is_a_misconfigured_endpoint(
    request_test, finished, key, fake_provider, settings, celery_worker
):
    settings.OPENAI_BASE_URL = fake_provider.base_url  # "/v1" left out

    test = finished(request_test("openai", key("openai", "valid")))

    assert test.result == "misconfigured_endpoint"
    assert "OPENAI_BASE_URL" in test.message


# Re-testing the saved key -------------------------------------------------


def _save(account, owner, provider, api_key):
    return provider_config_update(
        account=account, actor=owner, source="web", provider=provider, api_key=api_key
    ).config


@on_worker
def test_the_saved_key_is_retested_without_re_entering_it(
    account, owner, request_test, finished, key, fake_provider, celery_worker
):
    saved_key = key("openai", "valid", salt="saved")
    _save(account, owner, "openai", saved_key)

    test = finished(request_test("openai"))

    assert test.result == "valid"
    assert test.uses_saved_key
    assert test.key_hint == "…" + saved_key[-4:]
    assert fake_provider.requests[0].headers["authorization"] == f"Bearer {saved_key}"
    assert test.candidate_ciphertext == ""
    config = ProviderConfig.objects.get(account=account)
    assert config.last_success_at is not None


@on_worker
def test_a_failing_retest_of_the_saved_key_is_noted_on_its_health(
    account, owner, request_test, finished, key, celery_worker
):
    _save(account, owner, "anthropic", key("anthropic", "nocredit"))

    test = finished(request_test("anthropic"))

    assert test.result == "billing"
    config = ProviderConfig.objects.get(account=account)
    assert config.last_failure == "billing"


def test_retesting_a_saved_key_of_the_other_provider_is_refused_with_400(
    account, owner, request_test, key
):
    _save(account, owner, "openai", key("openai", "valid"))

    with pytest.raises(SavedKeyUnusable) as caught:
        request_test("anthropic")

    assert caught.value.status == 400
    assert caught.value.code == "key_wrong_provider"
    assert "belongs to OpenAI" in caught.value.detail
    assert not KeyTest.objects.exists()


def test_retesting_an_unreadable_saved_key_is_refused_with_409(
    account, owner, request_test, key
):
    config = _save(account, owner, "anthropic", key("anthropic", "valid"))
    # Sealed for another row: decrypting it here must fail closed.
    foreign = crypto.encrypt(key("anthropic", "valid"), context="provider_config:0")
    ProviderConfig.objects.filter(pk=config.pk).update(encrypted_key=foreign)

    with pytest.raises(SavedKeyUnusable) as caught:
        request_test("anthropic")

    assert caught.value.status == 409
    assert caught.value.detail == "Stored key unreadable — please re-enter it"
    assert not KeyTest.objects.exists()


def test_retesting_with_nothing_saved_asks_for_a_key(request_test):
    with pytest.raises(SavedKeyUnusable) as caught:
        request_test("anthropic")

    assert caught.value.status == 400
    assert caught.value.code == "key_empty"


# Throttle -----------------------------------------------------------------


def test_too_many_tests_are_throttled_per_account_with_the_wait(
    request_test, key, other_account, settings, monkeypatch
):
    _lost_in_the_queue(monkeypatch)
    settings.KEY_TEST_THROTTLE_COUNT = 2
    settings.KEY_TEST_THROTTLE_WINDOW_S = 120
    request_test("anthropic", key("anthropic", "valid"))
    request_test("anthropic", key("anthropic", "valid"))

    with pytest.raises(KeyTestThrottled) as caught:
        request_test("anthropic", key("anthropic", "valid"))

    throttled = caught.value
    assert throttled.status == 429
    assert throttled.code == "throttled"
    assert 1 <= throttled.wait_s <= 120
    assert (
        throttled.detail == f"Too many test attempts — wait {throttled.wait_s} seconds"
    )
    assert throttled.headers == {"Retry-After": str(throttled.wait_s)}
    assert KeyTest.objects.count() == 2
    # Another account has its own allowance.
    request_test("anthropic", key("anthropic", "valid"), on=other_account)


# Tests that never finish --------------------------------------------------


def test_a_test_no_worker_ever_ran_is_failed_by_the_sweep(
    request_test, key, monkeypatch
):
    _lost_in_the_queue(monkeypatch)
    test = request_test("anthropic", key("anthropic", "valid"))
    assert KeyTest.objects.get(pk=test.pk).candidate_ciphertext != ""

    later = test.created_at + timedelta(seconds=settings.KEY_TEST_DEADLINE_S + 1)
    assert key_tests_expire(now=later) == 1

    swept = KeyTest.objects.get(pk=test.pk)
    assert swept.status == "failed"
    assert swept.result == "incomplete"
    assert "could not finish" in swept.message
    assert "Run the test again" in swept.message
    assert swept.candidate_ciphertext == ""


def test_the_sweep_leaves_tests_within_their_deadline_alone(
    request_test, key, monkeypatch
):
    _lost_in_the_queue(monkeypatch)
    test = request_test("anthropic", key("anthropic", "valid"))

    assert key_tests_expire() == 0
    assert KeyTest.objects.get(pk=test.pk).status == "pending"


@on_worker
def test_a_test_whose_worker_died_is_failed_by_the_sweep_task(
    request_test, key, monkeypatch, wait_for, celery_worker
):
    _lost_in_the_queue(monkeypatch)
    test = request_test("openai", key("openai", "valid"))
    # Claimed by a worker that then died before recording anything.
    KeyTest.objects.filter(pk=test.pk).update(
        status="running", started_at=timezone.now()
    )
    _age(test, settings.KEY_TEST_DEADLINE_S + 5)

    sweep_key_tests.delay()

    swept = wait_for(lambda: _fresh(test.pk, "failed"))
    assert swept.result == "incomplete"
    assert swept.candidate_ciphertext == ""


@on_worker
def test_a_task_arriving_after_its_deadline_never_calls_the_provider(
    request_test, key, monkeypatch, wait_for, fake_provider, celery_worker
):
    with monkeypatch.context() as patch:
        _lost_in_the_queue(patch)
        test = request_test("anthropic", key("anthropic", "valid"))
    _age(test, settings.KEY_TEST_DEADLINE_S + 5)

    run_key_test.delay(str(test.pk))

    late = wait_for(lambda: _fresh(test.pk, "failed"))
    assert late.result == "incomplete"
    assert late.candidate_ciphertext == ""
    assert fake_provider.requests == []
