"""How a saved key is doing over time: health, the failing-key breaker, age.

A key that the provider rejects for good (revoked, no permission, no
billing) would fail every call after it. The breaker notices the first such
rejection, stops further calls from going out, tells the account's owners
and admins once, and closes again when the key is replaced, passes a
re-test, or the account returns to System Default. Rate limits and outages
are temporary and never open it.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.models import MANAGER_ROLES, Membership
from aiprovider import failures
from aiprovider.audit import audit_record
from aiprovider.keyformat import KEY_CONSOLES, PROVIDER_LABELS
from aiprovider.models import AuditAction, AuditSource, Provider, ProviderConfig

logger = logging.getLogger(__name__)

# Health timestamps of successful calls are refreshed at most this often, to
# keep writes off the hot path of busy accounts.
HEALTH_WRITE_INTERVAL = timedelta(seconds=60)

BREAKER_REASONS = {
    failures.INVALID_KEY: "the key is invalid or has been revoked",
    failures.INSUFFICIENT_PERMISSIONS: "the key is not allowed to call models",
    failures.BILLING: "the provider account has no credit or billing set up",
}


def key_outcome_record(config: ProviderConfig, *, category: str) -> None:
    """Note how the saved key fared in a real call, opening the breaker if due."""
    now = timezone.now()
    if category == failures.VALID:
        if (
            config.last_success_at
            and now - config.last_success_at < HEALTH_WRITE_INTERVAL
        ):
            return
        _same_key(config).update(last_used_at=now, last_success_at=now)
        return
    _same_key(config).update(
        last_used_at=now, last_failure_at=now, last_failure=category
    )
    if category in failures.PERMANENT_KEY_FAILURES:
        breaker_trip(config, reason=category)


def key_test_result_record(
    *, account_id: int, fingerprint: str, provider: str, result: str, message: str
) -> None:
    """Note what a finished test showed, if it tested the key saved now.

    A passing test closes the breaker; a permanent rejection opens it, just
    as the same answer to a real call would.
    """
    now = timezone.now()
    fields: dict[str, object] = {
        "last_test_result": result,
        "last_test_message": message,
        "last_test_finished_at": now,
    }
    if result == failures.VALID:
        fields.update(last_success_at=now, breaker_open=False, breaker_reason="")
    elif result in failures.PERMANENT_KEY_FAILURES:
        fields.update(last_failure_at=now, last_failure=result)
    saved = ProviderConfig.objects.filter(
        account_id=account_id, key_fingerprint=fingerprint, stored_key_provider=provider
    )
    saved.update(**fields)
    if result in failures.PERMANENT_KEY_FAILURES:
        for config in saved.select_related("account"):
            breaker_trip(config, reason=result)


def _same_key(config: ProviderConfig) -> QuerySet[ProviderConfig]:
    """The configuration, only while it still holds the key that was used.

    A call that was running when the owner saved another key, or cleared
    it, must not write its outcome onto what is saved now.
    """
    return ProviderConfig.objects.filter(
        pk=config.pk,
        key_fingerprint=config.key_fingerprint,
        stored_key_provider=config.stored_key_provider,
    )


def breaker_trip(config: ProviderConfig, *, reason: str) -> bool:
    """Open the breaker for the key ``config`` holds; True if this opened it.

    The update is conditional on the same key still being saved and the
    breaker still closed, so a slow call finishing after the owner saved a
    new key cannot disable the new one, and concurrent failures notify once.
    """
    with transaction.atomic():
        opened = (
            _same_key(config)
            .filter(breaker_open=False)
            .update(breaker_open=True, breaker_reason=reason)
        )
        if not opened:
            return False
        audit_record(
            account=config.account,
            actor=None,
            action=AuditAction.BREAKER_OPENED,
            source=AuditSource.SYSTEM,
            provider=config.stored_key_provider,
            key_hint=config.key_hint,
            detail=f"Provider rejected the saved key: {reason}",
        )
        transaction.on_commit(lambda: _queue_breaker_email(config.pk))
    logger.warning(
        "Breaker opened: account=%s provider=%s reason=%s",
        config.account_id,
        config.stored_key_provider,
        reason,
    )
    return True


def _queue_breaker_email(config_id: int) -> None:
    from aiprovider.tasks import send_breaker_email

    try:
        send_breaker_email.delay(config_id)
    except Exception:  # noqa: BLE001 - the banner still tells them
        logger.exception("Could not queue the breaker email: config=%s", config_id)


def breaker_email_send(config_id: int) -> int:
    """Email the account's owners and admins that calls with its key stopped."""
    config = (
        ProviderConfig.objects.select_related("account").filter(pk=config_id).first()
    )
    if config is None or not config.breaker_open:
        return 0
    recipients = sorted(
        Membership.objects.filter(
            account_id=config.account_id,
            role__in=MANAGER_ROLES,
            user__is_active=True,
        ).values_list("user__email", flat=True)
    )
    if not recipients:
        return 0
    label = PROVIDER_LABELS.get(config.stored_key_provider, "Your provider")
    return send_mail(
        subject=f"Scoop paused AI calls for {_one_line(config.account.name)}: "
        f"{label} rejected the key",
        message=_breaker_email_body(config, label),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )


def _one_line(text: str) -> str:
    """``text`` fit for an email header: no line breaks or control characters."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _breaker_email_body(config: ProviderConfig, label: str) -> str:
    settings_url = settings.SITE_URL.rstrip("/") + reverse(
        "ai-provider-settings", kwargs={"account_id": config.account_id}
    )
    reason = BREAKER_REASONS.get(config.breaker_reason, config.breaker_reason)
    console = KEY_CONSOLES.get(config.stored_key_provider, "your provider's console")
    return (
        f"{label} rejected the API key saved for {config.account.name} "
        f"(key {config.key_hint}): {reason}.\n\n"
        "To avoid failing again, Scoop stopped sending AI calls with this key. "
        "Nothing is billed to Scoop credits instead.\n\n"
        "What to do:\n"
        f"- Create or check the key at {console}, then save it in Account "
        f"Settings → AI Provider: {settings_url}\n"
        "- Or re-test the saved key there once the problem is fixed on the "
        "provider's side\n"
        "- Or choose Clear & Use System Default to use Scoop AI again.\n"
    )


def key_age_days(config: ProviderConfig, now: datetime | None = None) -> int | None:
    """Return how many whole days ago the saved key was saved."""
    if not config.key_saved_at or not config.has_stored_key:
        return None
    return ((now or timezone.now()) - config.key_saved_at).days


def rotation_due(config: ProviderConfig, now: datetime | None = None) -> bool:
    """True when the key in use is older than the rotation reminder period."""
    age = key_age_days(config, now)
    return (
        config.provider != Provider.SYSTEM
        and age is not None
        and age >= settings.KEY_ROTATION_DAYS
    )


@dataclass(frozen=True)
class KeyAlert:
    level: str
    message: str
    console: str


def key_alerts(config: ProviderConfig | None) -> list[KeyAlert]:
    """Return what owners and admins must know about the saved key right now."""
    if config is None or config.provider == Provider.SYSTEM:
        return []
    label = PROVIDER_LABELS.get(config.stored_key_provider, "The provider")
    console = KEY_CONSOLES.get(config.stored_key_provider, "")
    alerts = []
    if config.breaker_open:
        reason = BREAKER_REASONS.get(config.breaker_reason, config.breaker_reason)
        alerts.append(
            KeyAlert(
                level="error",
                message=f"AI calls are paused: {label} rejected the saved key "
                f"({config.key_hint}): {reason}. Save a new key, re-test this "
                "one once fixed, or Clear & Use System Default.",
                console=console,
            )
        )
    if rotation_due(config):
        alerts.append(
            KeyAlert(
                level="warning",
                message=f"The saved {label} key is {key_age_days(config)} days "
                "old. Consider rotating it: create a new key, save it here, then "
                "revoke the old one.",
                console=console,
            )
        )
    return alerts
