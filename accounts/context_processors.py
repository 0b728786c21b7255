from django.http import HttpRequest

from accounts.models import Membership
from accounts.selectors import memberships_of


def _memberships(request: HttpRequest) -> list[Membership]:
    """Return the signed-in user's memberships, read once per request."""
    cached = getattr(request, "_scoop_memberships", None)
    if cached is None:
        cached = list(memberships_of(request.user))
        request._scoop_memberships = cached
    return cached


def viewed_membership(request: HttpRequest) -> Membership | None:
    """Return the user's membership of the account the URL points at."""
    resolved = getattr(request, "account_membership", None)
    if resolved is not None:
        return resolved
    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    if user is None or not user.is_authenticated or match is None:
        return None
    account_id = match.kwargs.get("account_id")
    return next((m for m in _memberships(request) if m.account_id == account_id), None)


def current_account(request: HttpRequest) -> dict[str, object]:
    """Expose the signed-in user's memberships and the account being viewed."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "memberships": _memberships(request),
        "current_membership": viewed_membership(request),
    }
