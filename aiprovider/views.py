"""Account Settings → AI Provider, and the usage page."""

from datetime import UTC, timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import account_view
from accounts.models import Membership
from aiprovider.charts import daily_tokens_chart
from aiprovider.errors import ConfigConflict, InvalidInput
from aiprovider.forms import USAGE_MAX_DAYS, ProviderSettingsForm, UsagePeriodForm
from aiprovider.health import key_age_days, rotation_due
from aiprovider.keyformat import KEY_CONSOLES, PROVIDER_LABELS
from aiprovider.models import AuditSource, KeyState, TaskType
from aiprovider.reports import UsagePeriod, grouped_usage, usage_records, usage_report
from aiprovider.selectors import config_status, last_saved_key_test, loaded_config_of
from aiprovider.services import (
    provider_config_clear,
    provider_config_update,
)
from scoop_byok.http import client_ip

CLEARED_MESSAGE = "Settings cleared. Using system defaults."
ACTIVE_MESSAGE = "BYOK is now active"
CONFLICT_MESSAGE = (
    "Someone else changed these settings while you were editing. Reload the "
    "page to see the current settings, then make your change again."
)


@sensitive_post_parameters("api_key")
@never_cache
@require_http_methods(["GET", "POST"])
@account_view(managers_only=True)
def ai_provider_settings(request: HttpRequest, membership: Membership) -> HttpResponse:
    config = loaded_config_of(membership.account)
    if request.method == "POST":
        form = ProviderSettingsForm(request.POST)
        if form.is_valid() and _save(request, membership, form):
            return redirect("ai-provider-settings", account_id=membership.account_id)
    else:
        form = ProviderSettingsForm(
            initial={
                "provider": config.provider,
                "fallback_to_system": config.fallback_to_system,
                "version": config.version,
            }
        )
    if not config.has_stored_key:
        form.fields["api_key"].widget.attrs["placeholder"] = "Paste your API key"
    return render(
        request,
        "aiprovider/settings.html",
        {
            "membership": membership,
            "config": config,
            "status": config_status(config),
            "last_test": last_saved_key_test(config),
            "form": form,
            "consoles": KEY_CONSOLES,
            "key_age_days": key_age_days(config),
            "rotation_due": rotation_due(config),
            "rotation_console": KEY_CONSOLES.get(config.stored_key_provider, ""),
        },
    )


@sensitive_variables("form", "data")
def _save(
    request: HttpRequest, membership: Membership, form: ProviderSettingsForm
) -> bool:
    """Save the form; return False (with errors on the form) if refused."""
    data = form.cleaned_data
    try:
        saved = provider_config_update(
            account=membership.account,
            actor=request.user,
            source=AuditSource.WEB,
            provider=data["provider"],
            api_key=data["api_key"],
            fallback_to_system=data["fallback_to_system"],
            expected_version=data["version"],
            ip_address=client_ip(request),
        )
    except InvalidInput as refused:
        form.add_error(
            refused.field if refused.field in form.fields else None, refused.detail
        )
        return False
    except ConfigConflict:
        form.add_error(None, CONFLICT_MESSAGE)
        return False

    state = saved.config.key_state()
    if state == KeyState.ACTIVE:
        messages.success(request, ACTIVE_MESSAGE)
    elif state == KeyState.MISSING_KEY:
        messages.warning(request, "Settings saved.")
    else:
        messages.success(
            request, f"Settings saved. {config_status(saved.config).message}"
        )
    for warning in saved.warnings:
        messages.warning(request, warning)
    return True


@require_POST
@account_view(managers_only=True)
def ai_provider_clear(request: HttpRequest, membership: Membership) -> HttpResponse:
    # The version the page showed: clearing what someone saved since would
    # throw away a key nobody here has seen.
    seen = request.POST.get("version", "")
    try:
        provider_config_clear(
            account=membership.account,
            actor=request.user,
            source=AuditSource.WEB,
            ip_address=client_ip(request),
            expected_version=int(seen) if seen.isdigit() else None,
        )
    except ConfigConflict:
        messages.error(request, CONFLICT_MESSAGE)
    else:
        messages.success(request, CLEARED_MESSAGE)
    return redirect("ai-provider-settings", account_id=membership.account_id)


USAGE_DEFAULT_DAYS = 30


@never_cache
@require_GET
@account_view()
def usage_page(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Tokens and estimated cost; owners and admins see everyone's."""
    today = timezone.now().astimezone(UTC).date()
    start = today - timedelta(days=USAGE_DEFAULT_DAYS - 1)
    end = today
    form = UsagePeriodForm(request.GET or None, initial={"start": start, "end": end})
    if form.is_bound and form.is_valid():
        start = form.cleaned_data["start"] or start
        end = form.cleaned_data["end"] or end
    if start > end or (end - start).days >= USAGE_MAX_DAYS:
        start, end = today - timedelta(days=USAGE_DEFAULT_DAYS - 1), today
    only_user = None if membership.can_manage_ai else request.user
    report = usage_report(
        membership.account,
        period=UsagePeriod(start, end),
        group_by=[],
        only_user=only_user,
    )
    records = usage_records(
        membership.account, period=UsagePeriod(start, end), only_user=only_user
    )
    tables = {
        name: _labelled(name, grouped_usage(records, [name]))
        for name in ("user", "task", "provider", "day")
    }
    chart = daily_tokens_chart(
        grouped_usage(records, ["day", "billing"]), start=start, end=end
    )
    membership.account.refresh_from_db(fields=["credits_balance"])
    return render(
        request,
        "aiprovider/usage.html",
        {
            "membership": membership,
            "form": form,
            "start": start,
            "end": end,
            "report": report,
            "tables": tables,
            "chart": chart,
            "own_only": only_user is not None,
        },
    )


def _labelled(grouping: str, rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """Give each usage row the name people know its group by."""
    for row in rows:
        value = row[grouping]
        if grouping == "task" and value in TaskType.values:
            row["label"] = TaskType(value).label
        elif grouping == "provider":
            row["label"] = PROVIDER_LABELS.get(str(value), value)
        elif grouping == "user":
            row["label"] = value or "(background work or former member)"
        else:
            row["label"] = value
    return rows
