"""Writes for accounts, users and memberships."""

import logging
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from knox.models import AuthToken

from accounts.models import Account, Membership, Role, User

logger = logging.getLogger(__name__)


def user_get_or_create(
    *, email: str, password: str | None = None, full_name: str = ""
) -> User:
    """Return the user with this email, creating it (with ``password``) if new.

    An existing user's password is changed only when one is given.
    """
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        return User.objects.create_user(email.strip(), password, full_name=full_name)
    if password:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


def account_create(
    *, name: str, owner: User, starting_credits: Decimal | None = None
) -> Account:
    """Create an account with its owner and starting Scoop credits."""
    from aiprovider.usage import credits_grant

    name = name.strip()
    if not name:
        raise ValueError("An account needs a name.")
    credits = (
        Decimal(settings.AI_STARTING_CREDITS)
        if starting_credits is None
        else starting_credits
    )
    with transaction.atomic():
        account = Account.objects.create(name=name)
        Membership.objects.create(account=account, user=owner, role=Role.OWNER)
        if credits:
            credits_grant(account=account, amount=credits, note="Starting credits")
    logger.info("Account created: account=%s owner=%s", account.pk, owner.pk)
    return account


def membership_add(*, account: Account, user: User, role: str) -> Membership:
    """Add the user to the account with ``role``, or change their role."""
    if role not in Role.values:
        raise ValueError(f"Role must be one of: {', '.join(Role.values)}.")
    if role != Role.OWNER and _is_last_owner(account, user):
        raise ValueError(
            f"{user.email} is the only owner of {account.name}; make someone "
            "else owner first."
        )
    previous = (
        Membership.objects.filter(account=account, user=user)
        .values_list("role", flat=True)
        .first()
    )
    membership, created = Membership.objects.update_or_create(
        account=account, user=user, defaults={"role": role}
    )
    membership_change_audit(
        membership, previous_role=previous, actor=None, source="system"
    )
    logger.info(
        "Membership %s: account=%s user=%s role=%s",
        "added" if created else "updated",
        account.pk,
        user.pk,
        role,
    )
    return membership


def _is_last_owner(account: Account, user: User) -> bool:
    owners = Membership.objects.filter(account=account, role=Role.OWNER)
    return owners.filter(user=user).exists() and owners.count() == 1


def api_token_create(*, user: User) -> tuple[AuthToken, str]:
    """Issue an expiring API token; only its digest is stored."""
    instance, token = AuthToken.objects.create(user=user)
    logger.info("API token issued: user=%s expires=%s", user.pk, instance.expiry)
    return instance, token


def api_tokens_revoke(*, users: QuerySet[User]) -> int:
    """Delete every API token of ``users``; return how many were revoked."""
    revoked, _ = AuthToken.objects.filter(user__in=users).delete()
    logger.info("API tokens revoked: users=%s count=%s", users.count(), revoked)
    return revoked


def api_tokens_prune_expired() -> int:
    """Delete every API token past its expiry; return how many."""
    pruned, _ = AuthToken.objects.filter(expiry__lt=timezone.now()).delete()
    if pruned:
        logger.info("Expired API tokens pruned: count=%s", pruned)
    return pruned


def membership_change_audit(
    membership: Membership,
    *,
    previous_role: str | None,
    actor: User | None,
    source: str,
    removed: bool = False,
) -> None:
    """Record in the account's audit trail who may now do what."""
    from aiprovider.audit import audit_record
    from aiprovider.models import AuditAction

    if removed:
        action, detail = AuditAction.MEMBER_REMOVED, f"was {membership.role}"
    elif previous_role is None:
        action, detail = AuditAction.MEMBER_ADDED, f"as {membership.role}"
    elif previous_role != membership.role:
        action = AuditAction.MEMBER_ROLE_CHANGED
        detail = f"{previous_role} → {membership.role}"
    else:
        return
    audit_record(
        account=membership.account,
        actor=actor,
        action=action,
        source=source,
        detail=f"{membership.user.email} {detail}",
    )
