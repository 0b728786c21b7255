"""Usage reports: tokens, estimated cost and calls, grouped as asked."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from accounts.models import Account, User
from aiprovider.models import UsageRecord

GROUPINGS = {
    "user": "user__email",
    "task": "task",
    "provider": "provider",
    "billing": "billing",
    "day": "day",
}


@dataclass(frozen=True)
class UsagePeriod:
    start: date | None
    end: date | None

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """Return the UTC instants that include both whole days."""
        low = datetime.combine(self.start, time.min, tzinfo=UTC) if self.start else None
        # The last representable day has no "next day": nothing lies beyond.
        high = (
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=UTC)
            if self.end and self.end < date.max
            else None
        )
        return low, high


def usage_records(
    account: Account, *, period: UsagePeriod, only_user: User | None = None
) -> QuerySet[UsageRecord]:
    low, high = period.bounds()
    records = UsageRecord.objects.filter(account=account)
    if low:
        records = records.filter(created_at__gte=low)
    if high:
        records = records.filter(created_at__lt=high)
    if only_user is not None:
        records = records.filter(user=only_user)
    return records


def _totals(records: QuerySet[UsageRecord]) -> dict[str, object]:
    totals = records.aggregate(
        input_tokens=Sum("input_tokens", default=0),
        output_tokens=Sum("output_tokens", default=0),
        estimated_cost=Sum("estimated_cost", default=Decimal(0)),
        credits_charged=Sum("credits_charged", default=Decimal(0)),
        calls=Count("id"),
        failed_calls=Count("id", filter=~Q(outcome="ok")),
    )
    return _format(totals)


def _format(row: dict[str, object]) -> dict[str, object]:
    row["estimated_cost"] = str(
        Decimal(row["estimated_cost"] or 0).quantize(Decimal("0.000001"))
    )
    row["credits_charged"] = str(
        Decimal(row["credits_charged"] or 0).quantize(Decimal("0.0001"))
    )
    row["currency"] = settings.AI_COST_CURRENCY
    return row


def usage_report(
    account: Account,
    *,
    period: UsagePeriod,
    group_by: list[str],
    only_user: User | None = None,
) -> dict[str, object]:
    """Return totals, the BYOK/credits split and the requested groups."""
    records = usage_records(account, period=period, only_user=only_user)
    report: dict[str, object] = {
        "totals": _totals(records),
        "by_billing": {
            billing: _totals(records.filter(billing=billing))
            for billing in ("byok", "system")
        },
    }
    if group_by:
        report["groups"] = grouped_usage(records, group_by)
    return report


def grouped_usage(
    records: QuerySet[UsageRecord], group_by: list[str]
) -> list[dict[str, object]]:
    fields = [GROUPINGS[name] for name in group_by]
    if "day" in group_by:
        records = records.annotate(day=TruncDate("created_at", tzinfo=UTC))
    rows = (
        records.values(*fields)
        .annotate(
            input_tokens=Sum("input_tokens"),
            output_tokens=Sum("output_tokens"),
            estimated_cost=Sum("estimated_cost"),
            credits_charged=Sum("credits_charged"),
            calls=Count("id"),
            failed_calls=Count("id", filter=~Q(outcome="ok")),
        )
        .order_by(*fields)
    )
    groups = []
    for row in rows:
        keys = {name: row.pop(GROUPINGS[name]) for name in group_by}
        if "day" in keys and keys["day"] is not None:
            keys["day"] = keys["day"].isoformat()
        groups.append({**keys, **_format(row)})
    return groups
