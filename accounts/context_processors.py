from django.http import HttpRequest

from accounts.selectors import memberships_of


def current_account(request: HttpRequest) -> dict[str, object]:
    """Expose the signed-in user's memberships and the account being viewed."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    memberships = list(memberships_of(user))
    account_id = getattr(
        request, "resolver_match", None
    ) and request.resolver_match.kwargs.get("account_id")
    current = next((m for m in memberships if m.account_id == account_id), None)
    return {"memberships": memberships, "current_membership": current}
