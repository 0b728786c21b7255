"""Record who changed what about an account's AI provider."""

import logging

from accounts.models import Account, User
from aiprovider.models import AuditEvent

logger = logging.getLogger(__name__)


def audit_record(
    *,
    account: Account,
    actor: User | None,
    action: str,
    source: str,
    ip_address: str | None = None,
    provider: str = "",
    key_hint: str = "",
    detail: str = "",
) -> AuditEvent:
    """Append one audit event; it never holds key material beyond the hint."""
    event = AuditEvent.objects.create(
        account=account,
        actor=actor,
        actor_email=actor.email if actor else "",
        action=action,
        source=source,
        ip_address=ip_address,
        provider=provider,
        key_hint=key_hint,
        detail=detail[:300],
    )
    logger.info(
        "Audit: account=%s action=%s source=%s actor=%s provider=%s",
        account.pk,
        action,
        source,
        actor.pk if actor else None,
        provider,
    )
    return event
