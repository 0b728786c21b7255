"""Usage rows, estimated cost, Scoop credits and key health for AI calls."""

import logging
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F

from accounts.models import Account, User
from aiprovider.models import Billing, CreditLedgerEntry, UsageRecord
from aiprovider.providers import Completion

logger = logging.getLogger(__name__)

MILLION = Decimal(1_000_000)
THOUSAND = Decimal(1_000)
COST_PLACES = Decimal("0.000001")
CREDIT_PLACES = Decimal("0.0001")


def estimated_cost(model: str, input_tokens: int, output_tokens: int) -> Decimal:
    """Return the provider list price of a call, from AI_MODEL_PRICES."""
    prices = settings.AI_MODEL_PRICES.get(model)
    if prices is None:
        return Decimal(0)
    cost = (
        Decimal(str(prices.get("input", 0))) * input_tokens
        + Decimal(str(prices.get("output", 0))) * output_tokens
    ) / MILLION
    return cost.quantize(COST_PLACES, rounding=ROUND_HALF_UP)


def credits_for(input_tokens: int, output_tokens: int) -> Decimal:
    """Return the Scoop credits a System Default call of this size costs."""
    rate = Decimal(settings.AI_CREDITS_PER_1K_TOKENS)
    amount = rate * (input_tokens + output_tokens) / THOUSAND
    return amount.quantize(CREDIT_PLACES, rounding=ROUND_HALF_UP)


def account_has_credits(account: Account) -> bool:
    return Account.objects.filter(pk=account.pk, credits_balance__gt=0).exists()


def record_successful_call(
    *,
    account: Account,
    user: User | None,
    task: str,
    provider: str,
    billing: str,
    completion: Completion,
    latency_ms: int,
) -> UsageRecord:
    """Store the usage row of a successful call and debit credits if due."""
    charge = (
        credits_for(completion.input_tokens, completion.output_tokens)
        if billing == Billing.SYSTEM
        else Decimal(0)
    )
    record = UsageRecord(
        account=account,
        user=user,
        task=task,
        provider=provider,
        model=completion.model,
        billing=billing,
        input_tokens=completion.input_tokens,
        output_tokens=completion.output_tokens,
        estimated_cost=estimated_cost(
            completion.model, completion.input_tokens, completion.output_tokens
        ),
        credits_charged=charge,
        latency_ms=latency_ms,
        outcome="ok",
        provider_request_id=completion.request_id,
    )
    if not charge:
        # A BYOK row stands alone: one INSERT, no transaction round trips.
        record.save(force_insert=True)
        return record
    with transaction.atomic():
        record.save(force_insert=True)
        credits_debit(account=account, amount=charge, usage_record=record)
    return record


def record_failed_call(
    *,
    account: Account,
    user: User | None,
    task: str,
    provider: str,
    model: str,
    billing: str,
    outcome: str,
    request_id: str,
    latency_ms: int,
) -> UsageRecord:
    """Store the usage row of a failed call; failures cost no credits."""
    return UsageRecord.objects.create(
        account=account,
        user=user,
        task=task,
        provider=provider,
        model=model,
        billing=billing,
        latency_ms=latency_ms,
        outcome=outcome,
        provider_request_id=request_id,
    )


def credits_debit(
    *, account: Account, amount: Decimal, usage_record: UsageRecord | None = None
) -> Decimal:
    """Take ``amount`` credits from the account and write the ledger entry."""
    return _credits_change(
        account=account,
        amount=-amount,
        reason=CreditLedgerEntry.Reason.AI_CALL,
        usage_record=usage_record,
    )


def credits_grant(*, account: Account, amount: Decimal, note: str = "") -> Decimal:
    """Add ``amount`` credits to the account and write the ledger entry."""
    return _credits_change(
        account=account,
        amount=amount,
        reason=CreditLedgerEntry.Reason.GRANT,
        note=note,
    )


def _credits_change(
    *,
    account: Account,
    amount: Decimal,
    reason: str,
    usage_record: UsageRecord | None = None,
    note: str = "",
) -> Decimal:
    with transaction.atomic():
        Account.objects.filter(pk=account.pk).update(
            credits_balance=F("credits_balance") + amount
        )
        balance = Account.objects.values_list("credits_balance", flat=True).get(
            pk=account.pk
        )
        CreditLedgerEntry.objects.create(
            account=account,
            amount=amount,
            balance_after=balance,
            reason=reason,
            usage_record=usage_record,
            note=note,
        )
    account.credits_balance = balance
    return balance
