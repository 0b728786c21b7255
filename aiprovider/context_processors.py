from django.http import HttpRequest

from accounts.context_processors import viewed_membership
from aiprovider.health import key_alerts as alerts_for
from aiprovider.selectors import existing_config_of


def key_alerts(request: HttpRequest) -> dict[str, object]:
    """Put the saved key's problems on every page its owners and admins see."""
    membership = viewed_membership(request)
    if membership is None or not membership.can_manage_ai:
        return {}
    return {"key_alerts": alerts_for(existing_config_of(membership.account))}
