"""Key tests through the API: 202 at once, poll for the result, throttled."""

import uuid

import pytest
from django.urls import reverse

from aiprovider.models import KeyTest, ProviderConfig
from tests.api.envelope import assert_error

DETAIL_FIELDS = {
    "id",
    "status",
    "result",
    "message",
    "retry_after_s",
    "provider",
    "provider_request_id",
    "key_hint",
    "duration_ms",
    "created_at",
    "finished_at",
}


@pytest.fixture
def tests_url(account) -> str:  # type: ignore[no-untyped-def]
    return reverse("api-key-tests", kwargs={"account_id": account.pk})


def detail_url(account, test_id) -> str:  # type: ignore[no-untyped-def]
    return reverse(
        "api-key-test", kwargs={"account_id": account.pk, "test_id": test_id}
    )


def test_a_key_test_is_accepted_at_once_and_only_its_id_is_queued(
    owner, account, api_for, tests_url, key, queued_key_tests
):
    api_key = key("openai")

    response = api_for(owner).post(
        tests_url, {"provider": "openai", "api_key": api_key}, format="json"
    )

    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "pending"
    assert uuid.UUID(body["id"])
    assert set(body) == DETAIL_FIELDS
    assert body["key_hint"] == "…" + api_key[-4:]
    assert api_key not in response.content.decode()
    assert queued_key_tests == [((body["id"],), {})]


def test_the_saved_key_is_retested_when_no_key_is_sent(
    owner, account, api_for, tests_url, ai_provider_url, key, queued_key_tests
):
    client = api_for(owner)
    client.put(
        ai_provider_url,
        {"provider": "anthropic", "api_key": key("anthropic")},
        format="json",
    )

    response = client.post(tests_url, {"provider": "anthropic"}, format="json")

    assert response.status_code == 202
    assert KeyTest.objects.get(pk=response.json()["id"]).uses_saved_key


def test_retesting_a_saved_key_of_another_provider_is_400(
    owner, api_for, tests_url, ai_provider_url, key, queued_key_tests
):
    client = api_for(owner)
    client.put(
        ai_provider_url, {"provider": "openai", "api_key": key("openai")}, format="json"
    )

    response = client.post(tests_url, {"provider": "anthropic"}, format="json")

    assert_error(response, 400, "key_wrong_provider")
    assert queued_key_tests == []


def test_retesting_an_unreadable_saved_key_is_409(
    owner, account, api_for, tests_url, ai_provider_url, key, queued_key_tests
):
    client = api_for(owner)
    client.put(
        ai_provider_url, {"provider": "openai", "api_key": key("openai")}, format="json"
    )
    ProviderConfig.objects.filter(account=account).update(encrypted_key="v1.garbage")

    response = client.post(tests_url, {"provider": "openai"}, format="json")

    body = assert_error(response, 409, "key_unreadable")
    assert "unreadable" in body["detail"]


def test_retesting_with_nothing_saved_asks_for_a_key(owner, api_for, tests_url):
    response = api_for(owner).post(tests_url, {"provider": "openai"}, format="json")

    assert_error(response, 400, "key_empty")


@pytest.mark.parametrize(
    ("provider", "code"),
    [
        ("system", "invalid_choice"),
        ("", "invalid_choice"),
        (None, "null"),
        ("sk-ant-api03-" + "x" * 95, "invalid_choice"),
    ],
)
def test_only_a_byok_provider_can_be_tested(
    provider, code, owner, api_for, tests_url, key
):
    response = api_for(owner).post(
        tests_url, {"provider": provider, "api_key": key("openai")}, format="json"
    )

    body = assert_error(response, 400, code)
    assert set(body["errors"]) == {"provider"}
    assert key("openai") not in response.content.decode()
    if provider:
        assert provider not in response.content.decode()


def test_a_refused_key_is_never_queued_or_echoed(
    owner, api_for, tests_url, key, queued_key_tests
):
    api_key = key("openai")

    response = api_for(owner).post(
        tests_url, {"provider": "anthropic", "api_key": api_key}, format="json"
    )

    assert_error(response, 400, "key_wrong_provider")
    assert api_key not in response.content.decode()
    assert queued_key_tests == []
    assert not KeyTest.objects.exists()


def test_too_many_tests_are_throttled_with_retry_after(
    owner, api_for, tests_url, key, settings, queued_key_tests
):
    settings.KEY_TEST_THROTTLE_COUNT = 2
    client = api_for(owner)
    body = {"provider": "openai", "api_key": key("openai")}
    for _ in range(2):
        assert client.post(tests_url, body, format="json").status_code == 202

    response = client.post(tests_url, body, format="json")

    error = assert_error(response, 429, "throttled")
    wait = int(response["Retry-After"])
    assert 0 < wait <= settings.KEY_TEST_THROTTLE_WINDOW_S
    assert error["detail"] == f"Too many test attempts — wait {wait} seconds"
    assert error["retry_after_s"] == wait
    assert len(queued_key_tests) == 2


def test_the_throttle_counts_per_account(
    owner, outsider, other_account, api_for, tests_url, key, settings, queued_key_tests
):
    settings.KEY_TEST_THROTTLE_COUNT = 1
    body = {"provider": "openai", "api_key": key("openai")}
    api_for(owner).post(tests_url, body, format="json")
    other_url = reverse("api-key-tests", kwargs={"account_id": other_account.pk})

    response = api_for(outsider).post(other_url, body, format="json")

    assert response.status_code == 202


def test_an_unreachable_broker_is_503_and_erases_the_candidate(
    owner, api_for, tests_url, key, monkeypatch
):
    from aiprovider.tasks import run_key_test

    def refuse(*args: object, **kwargs: object) -> None:
        raise ConnectionError("broker down")

    monkeypatch.setattr(run_key_test, "apply_async", refuse)

    response = api_for(owner).post(
        tests_url, {"provider": "openai", "api_key": key("openai")}, format="json"
    )

    assert_error(response, 503, "queue_unavailable")
    test = KeyTest.objects.get()
    assert test.candidate_ciphertext == ""
    assert test.result == "incomplete"


def test_polling_a_pending_test_shows_every_field(
    owner, account, api_for, tests_url, key, queued_key_tests
):
    client = api_for(owner)
    created = client.post(
        tests_url, {"provider": "anthropic", "api_key": key("anthropic")}, format="json"
    ).json()

    response = client.get(detail_url(account, created["id"]))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == DETAIL_FIELDS
    assert body["id"] == created["id"]
    assert body["status"] == "pending"
    assert body["provider"] == "anthropic"
    assert body["finished_at"] is None


def test_polling_an_unknown_test_is_404(owner, account, api_for):
    response = api_for(owner).get(detail_url(account, uuid.uuid4()))

    assert_error(response, 404, "not_found")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("behaviour", "status", "result"),
    [("valid", "succeeded", "valid"), ("nocredit", "failed", "billing")],
)
def test_a_worker_runs_the_test_and_the_poll_shows_its_result(
    behaviour, status, result, owner, account, api_for, key, celery_worker, wait_for
):
    client = api_for(owner)
    api_key = key("openai", behaviour)
    created = client.post(
        reverse("api-key-tests", kwargs={"account_id": account.pk}),
        {"provider": "openai", "api_key": api_key},
        format="json",
    ).json()

    def finished():  # type: ignore[no-untyped-def]
        body = client.get(detail_url(account, created["id"])).json()
        return (
            body
            if body["status"] != "pending" and body["status"] != "running"
            else None
        )

    body = wait_for(finished)

    assert body["status"] == status
    assert body["result"] == result
    assert body["message"]
    assert body["finished_at"]
    assert body["duration_ms"] is not None
    assert api_key not in str(body)
    assert KeyTest.objects.get(pk=created["id"]).candidate_ciphertext == ""


def test_the_accepted_test_says_where_to_poll(owner, account, api_for, key):
    response = api_for(owner).post(
        f"/api/v1/accounts/{account.pk}/ai-provider/key-tests/",
        {"provider": "openai", "api_key": key("openai")},
        format="json",
    )

    assert response.status_code == 202
    assert response["Location"] == (
        f"/api/v1/accounts/{account.pk}/ai-provider/key-tests/{response.json()['id']}/"
    )
