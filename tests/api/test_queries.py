"""AI questions through the API: who answered, who pays, and clear refusals."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Account
from aiprovider.models import ProviderConfig, UsageRecord
from analytics.models import Dataset
from tests.api.envelope import assert_error

ANSWER_FIELDS = {
    "id",
    "answer",
    "fell_back",
    "provider",
    "model",
    "billing",
    "usage",
    "credits_charged",
}


@pytest.fixture
def queries_url(account) -> str:  # type: ignore[no-untyped-def]
    return reverse("api-queries", kwargs={"account_id": account.pk})


@pytest.fixture
def dataset(account, owner) -> Dataset:
    return Dataset.objects.create(
        account=account,
        name="Regions",
        uploaded_by=owner,
        columns=["region", "amount"],
        row_count=2,
        content="region,amount\nnorth,10\nsouth,20\n",
    )


def ask(client, url, **body):  # type: ignore[no-untyped-def]
    return client.post(
        url, {"question": "Show me a summary of this data", **body}, format="json"
    )


def test_system_default_answers_and_charges_credits(
    member, account, api_for, queries_url, dataset, settings
):
    response = ask(api_for(member), queries_url, dataset=dataset.pk)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == ANSWER_FIELDS
    assert body["answer"]
    assert body["provider"] == settings.SYSTEM_AI_PROVIDER
    assert body["model"] == settings.AI_MODELS[settings.SYSTEM_AI_PROVIDER]["query"]
    assert body["billing"] == "system"
    assert body["usage"]["input_tokens"] > 0
    assert body["usage"]["output_tokens"] > 0
    charged = Decimal(body["credits_charged"])
    assert charged > 0
    account.refresh_from_db()
    assert account.credits_balance == Decimal(1000) - charged


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_byok_answers_from_the_accounts_provider_without_credits(
    provider, owner, member, account, api_for, ai_provider_url, queries_url, key
):
    api_for(owner).put(
        ai_provider_url, {"provider": provider, "api_key": key(provider)}, format="json"
    )

    response = ask(api_for(member), queries_url, task="why")

    body = response.json()
    assert response.status_code == 200
    assert body["provider"] == provider
    assert body["billing"] == "byok"
    assert Decimal(body["credits_charged"]) == 0
    account.refresh_from_db()
    assert account.credits_balance == Decimal(1000)
    assert UsageRecord.objects.get().task == "why"


def test_a_dataset_of_another_account_is_refused_like_a_missing_one(
    member, api_for, queries_url, other_account
):
    foreign = Dataset.objects.create(
        account=other_account,
        name="Secret",
        columns=["a"],
        row_count=1,
        content="a\n1\n",
    )

    foreign_answer = ask(api_for(member), queries_url, dataset=foreign.pk)
    missing_answer = ask(api_for(member), queries_url, dataset=foreign.pk + 1000)

    body = assert_error(foreign_answer, 400, "does_not_exist")
    assert set(body["errors"]) == {"dataset"}
    assert foreign_answer.json() == missing_answer.json()
    assert not UsageRecord.objects.exists()


def test_exhausted_credits_are_402_and_call_no_provider(
    member, account, api_for, queries_url, fake_provider
):
    Account.objects.filter(pk=account.pk).update(credits_balance=0)

    response = ask(api_for(member), queries_url)

    body = assert_error(response, 402, "credits_exhausted")
    assert "credits" in body["detail"]
    assert fake_provider.requests == []


def test_a_partial_byok_setup_is_409_with_a_reason_and_never_falls_back(
    owner, member, account, api_for, ai_provider_url, queries_url
):
    api_for(owner).put(ai_provider_url, {"provider": "openai"}, format="json")

    response = ask(api_for(member), queries_url)

    body = assert_error(response, 409, "byok_not_usable")
    assert body["reason"] == "missing_key"
    assert "Both provider AND key must be set" in body["detail"]
    assert not UsageRecord.objects.filter(billing="system").exists()


def test_an_unreadable_stored_key_is_409_unreadable(
    owner, member, account, api_for, ai_provider_url, queries_url, key
):
    api_for(owner).put(
        ai_provider_url, {"provider": "openai", "api_key": key("openai")}, format="json"
    )
    ProviderConfig.objects.filter(account=account).update(encrypted_key="v1.garbage")

    response = ask(api_for(member), queries_url)

    assert assert_error(response, 409, "byok_not_usable")["reason"] == "unreadable"


@pytest.mark.parametrize(
    ("behaviour", "status", "code"),
    [
        ("invalid", 502, "invalid_key"),
        ("nocredit", 502, "billing"),
        ("ratelimited", 429, "rate_limited"),
        ("servererror", 503, "provider_unavailable"),
    ],
)
def test_provider_failures_map_to_the_spec_statuses(
    behaviour, status, code, owner, api_for, ai_provider_url, queries_url, key
):
    api_key = key("anthropic", behaviour)
    api_for(owner).put(
        ai_provider_url, {"provider": "anthropic", "api_key": api_key}, format="json"
    )

    response = ask(api_for(owner), queries_url)

    assert_error(response, status, code)
    assert api_key not in response.content.decode()
    if code == "rate_limited":
        assert int(response["Retry-After"]) > 0


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"question": ""}, "question", "blank"),
        ({"question": "x" * 2001}, "question", "max_length"),
        ({"task": "poetry"}, "task", "invalid_choice"),
        ({"dataset": "abc"}, "dataset", "invalid"),
        ({"dataset": 0}, "dataset", "min_value"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(
    body, field, code, member, api_for, queries_url
):
    response = ask(api_for(member), queries_url, **body)

    result = assert_error(response, 400, code)
    assert set(result["errors"]) == {field}
