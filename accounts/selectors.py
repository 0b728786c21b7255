"""Reads about accounts and memberships, always scoped to a user."""

from django.db.models import QuerySet

from accounts.models import Membership, User
from scoop_byok.precompiled import PrecompiledRead


def memberships_of(user: User) -> QuerySet[Membership]:
    """Return the user's memberships, with their accounts, by account name."""
    return (
        Membership.objects.filter(user=user)
        .select_related("account")
        .order_by("account__name", "account_id")
    )


# The largest id a 64-bit primary key holds; larger numbers match no row.
MAX_DATABASE_ID = 2**63 - 1


def _membership_with_config(user_id: object, account_id: object) -> QuerySet:
    # The AI provider configuration comes along in the same query: nearly
    # every account page and endpoint reads it next.
    return (
        Membership.objects.select_related(
            "account",
            "account__provider_config",
            "account__provider_config__updated_by",
        )
        .filter(user_id=user_id, account_id=account_id)
        .order_by()
    )


# Runs on every account page and API request; see scoop_byok.precompiled.
_MEMBERSHIP_WITH_CONFIG = PrecompiledRead(
    _membership_with_config, user_id=-7_340_001, account_id=-7_340_002
)


def membership_in(user: User, account_id: object) -> Membership | None:
    """Return the user's membership in an account, or None if there is none."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        account_pk = int(str(account_id))
    except ValueError:
        return None
    if not 0 < account_pk <= MAX_DATABASE_ID:
        return None
    return _MEMBERSHIP_WITH_CONFIG.first(user_id=user.pk, account_id=account_pk)
