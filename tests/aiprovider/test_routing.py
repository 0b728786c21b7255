"""Every AI feature goes through the router, on the right key and bill."""

from decimal import Decimal

import pytest
from django.conf import settings

from aiprovider.errors import BYOKNotUsable, CreditsExhausted, ProviderFailure
from aiprovider.models import Billing, CreditLedgerEntry, ProviderConfig, UsageRecord
from aiprovider.providers import adapter_for, base_url_for
from aiprovider.routing import route_ai_call
from aiprovider.usage import credits_for, estimated_cost

pytestmark = pytest.mark.django_db

TASKS = ["query", "why", "ml_analysis", "predictive", "summary", "chart", "canvas"]


def _key_sent(request) -> str:
    if "x-api-key" in request.headers:
        return request.headers["x-api-key"]
    return request.headers["authorization"].removeprefix("Bearer ")


def _inference_requests(fake_provider):
    return [
        r
        for r in fake_provider.requests
        if r.path.endswith(("/messages", "/chat/completions"))
    ]


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
@pytest.mark.parametrize("task", TASKS)
def test_each_task_reaches_the_accounts_provider_with_the_accounts_key(
    account, owner, key, save_key, fake_provider, provider, task
):
    api_key = key(provider)
    save_key(account, provider, api_key)

    answer = route_ai_call(account=account, user=owner, task=task, prompt="Hello")

    (sent,) = _inference_requests(fake_provider)
    assert _key_sent(sent) == api_key
    assert sent.body["model"] == settings.AI_MODELS[provider][task]
    assert answer.provider == provider
    assert answer.billing == Billing.BYOK


def test_a_byok_call_is_recorded_at_list_price_and_spends_no_credits(
    account, owner, key, save_key
):
    save_key(account, "openai", key("openai"))
    balance_before = account.credits_balance

    answer = route_ai_call(account=account, user=owner, task="why", prompt="Why?")

    record = UsageRecord.objects.get(pk=answer.usage_record_id)
    assert record.billing == Billing.BYOK
    assert record.outcome == "ok"
    assert (record.input_tokens, record.output_tokens) == (
        answer.input_tokens,
        answer.output_tokens,
    )
    assert record.input_tokens > 0 and record.output_tokens > 0
    assert record.estimated_cost == estimated_cost(
        answer.model, answer.input_tokens, answer.output_tokens
    )
    assert record.credits_charged == 0
    account.refresh_from_db()
    assert account.credits_balance == balance_before
    assert (
        not CreditLedgerEntry.objects.filter(account=account)
        .exclude(reason="grant")
        .exists()
    )


def test_a_system_default_call_uses_scoops_key_and_debits_credits_by_tokens(
    account, owner, fake_provider
):
    balance_before = account.credits_balance

    answer = route_ai_call(account=account, user=owner, task="query", prompt="Hi")

    (sent,) = _inference_requests(fake_provider)
    system_key = {
        "anthropic": settings.SYSTEM_ANTHROPIC_API_KEY,
        "openai": settings.SYSTEM_OPENAI_API_KEY,
    }[settings.SYSTEM_AI_PROVIDER]
    assert _key_sent(sent) == system_key
    charged = credits_for(answer.input_tokens, answer.output_tokens)
    assert charged > 0
    assert answer.credits_charged == charged
    account.refresh_from_db()
    assert account.credits_balance == balance_before - charged
    entry = CreditLedgerEntry.objects.get(account=account, reason="ai_call")
    assert entry.amount == -charged
    assert entry.balance_after == account.credits_balance
    assert entry.usage_record_id == answer.usage_record_id


def test_system_default_without_credits_is_refused_before_any_call(
    account, owner, fake_provider
):
    account.credits_balance = Decimal(0)
    account.save()

    with pytest.raises(CreditsExhausted) as refused:
        route_ai_call(account=account, user=owner, task="query", prompt="Hi")

    assert refused.value.status == 402
    assert _inference_requests(fake_provider) == []


def test_byok_calls_work_with_no_credits_left(account, owner, key, save_key):
    account.credits_balance = Decimal(0)
    account.save()
    save_key(account, "anthropic", key("anthropic"))

    answer = route_ai_call(account=account, user=owner, task="query", prompt="Hi")

    assert answer.billing == Billing.BYOK


def test_a_provider_without_a_key_is_refused_not_sent_to_scoop(
    account, owner, save_key, fake_provider
):
    save_key(account, "openai", None)

    with pytest.raises(BYOKNotUsable) as refused:
        route_ai_call(account=account, user=owner, task="query", prompt="Hi")

    assert refused.value.reason == "missing_key"
    assert refused.value.status == 409
    assert "Both provider AND key must be set" in refused.value.detail
    assert fake_provider.requests == []


def test_an_unreadable_stored_key_is_refused_not_sent_to_scoop(
    account, owner, key, save_key, fake_provider
):
    config = save_key(account, "anthropic", key("anthropic"))
    ProviderConfig.objects.filter(pk=config.pk).update(
        encrypted_key=config.encrypted_key[:-8] + "AAAAAAAA"
    )

    with pytest.raises(BYOKNotUsable) as refused:
        route_ai_call(account=account, user=owner, task="query", prompt="Hi")

    assert refused.value.reason == "unreadable"
    assert "Stored key unreadable" in refused.value.detail
    assert fake_provider.requests == []


def test_a_failed_call_is_recorded_and_costs_nothing(account, owner, key, save_key):
    save_key(account, "openai", key("openai", "ratelimited"))

    with pytest.raises(ProviderFailure) as failed:
        route_ai_call(account=account, user=owner, task="query", prompt="Hi")

    assert failed.value.code == "rate_limited"
    assert failed.value.status == 429
    assert failed.value.retry_after_s and failed.value.retry_after_s > 0
    assert f"{failed.value.retry_after_s}" in failed.value.detail
    record = UsageRecord.objects.get(account=account)
    assert record.outcome == "rate_limited"
    assert record.billing == Billing.BYOK
    assert record.credits_charged == 0


@pytest.mark.parametrize(
    ("behaviour", "code", "next_step"),
    [
        ("invalid", "invalid_key", "Account Settings → AI Provider"),
        ("nocredit", "billing", "System Default"),
        ("overloaded", "provider_unavailable", "revert to System Default"),
    ],
)
def test_provider_failures_say_what_to_do_next(
    account, owner, key, save_key, behaviour, code, next_step
):
    api_key = key("anthropic", behaviour)
    save_key(account, "anthropic", api_key)

    with pytest.raises(ProviderFailure) as failed:
        route_ai_call(account=account, user=owner, task="query", prompt="Hi")

    assert failed.value.code == code
    assert next_step in failed.value.detail
    assert api_key not in failed.value.detail


def test_without_opt_in_an_outage_is_reported_not_billed_to_scoop(
    account, owner, key, save_key, fake_provider
):
    save_key(account, "anthropic", key("anthropic", "overloaded"))

    with pytest.raises(ProviderFailure) as failed:
        route_ai_call(account=account, user=owner, task="query", prompt="Hi")

    assert failed.value.code == "provider_unavailable"
    assert len(_inference_requests(fake_provider)) == 1
    assert not UsageRecord.objects.filter(billing=Billing.SYSTEM).exists()


def test_opted_in_fallback_answers_from_scoop_and_charges_credits(
    account, owner, key, save_key, fake_provider
):
    save_key(
        account, "anthropic", key("anthropic", "overloaded"), fallback_to_system=True
    )
    balance_before = account.credits_balance

    answer = route_ai_call(account=account, user=owner, task="query", prompt="Hi")

    assert answer.billing == Billing.SYSTEM
    assert answer.fell_back is True
    assert answer.credits_charged > 0
    rows = list(UsageRecord.objects.filter(account=account).order_by("pk"))
    assert [(r.billing, r.outcome) for r in rows] == [
        (Billing.BYOK, "provider_unavailable"),
        (Billing.SYSTEM, "ok"),
    ]
    account.refresh_from_db()
    assert account.credits_balance == balance_before - answer.credits_charged


@pytest.mark.parametrize("behaviour", ["invalid", "nocredit", "ratelimited"])
def test_fallback_never_covers_key_or_rate_limit_failures(
    account, owner, key, save_key, fake_provider, behaviour
):
    save_key(account, "openai", key("openai", behaviour), fallback_to_system=True)

    with pytest.raises(ProviderFailure):
        route_ai_call(account=account, user=owner, task="query", prompt="Hi")

    assert len(_inference_requests(fake_provider)) == 1
    assert not UsageRecord.objects.filter(billing=Billing.SYSTEM).exists()


def test_sdk_clients_are_reused_per_key_and_rebuilt_when_the_key_changes(key):
    adapter = adapter_for("openai")
    base_url = base_url_for("openai")
    first = adapter.client(api_key=key("openai"), base_url=base_url, max_retries=0)
    again = adapter.client(api_key=key("openai"), base_url=base_url, max_retries=0)
    other = adapter.client(
        api_key=key("openai", salt="rotated"), base_url=base_url, max_retries=0
    )

    assert first is again
    assert other is not first


def test_a_saved_key_change_is_used_on_the_very_next_call(
    account, owner, key, save_key, fake_provider
):
    save_key(account, "openai", key("openai"))
    route_ai_call(account=account, user=owner, task="query", prompt="Hi")
    rotated = key("openai", salt="rotated")
    save_key(account, "openai", rotated)
    fake_provider.clear()

    route_ai_call(account=account, user=owner, task="query", prompt="Hi")

    (sent,) = _inference_requests(fake_provider)
    assert _key_sent(sent) == rotated
