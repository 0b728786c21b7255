"""Account Settings → AI Provider, and the usage page."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import account_view
from accounts.models import Membership
from aiprovider.errors import ConfigConflict, InvalidInput
from aiprovider.forms import ProviderSettingsForm
from aiprovider.keyformat import KEY_CONSOLES
from aiprovider.models import AuditSource, KeyState
from aiprovider.selectors import PARTIAL_WARNING, config_status, last_saved_key_test
from aiprovider.services import (
    provider_config_clear,
    provider_config_for,
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
@require_http_methods(["GET", "POST"])
@account_view(managers_only=True)
def ai_provider_settings(request: HttpRequest, membership: Membership) -> HttpResponse:
    config = provider_config_for(membership.account)
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
    config.refresh_from_db()
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
        },
    )


@sensitive_variables("form")
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
        messages.warning(request, f"Settings saved. {PARTIAL_WARNING}")
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
    provider_config_clear(
        account=membership.account,
        actor=request.user,
        source=AuditSource.WEB,
        ip_address=client_ip(request),
    )
    messages.success(request, CLEARED_MESSAGE)
    return redirect("ai-provider-settings", account_id=membership.account_id)
