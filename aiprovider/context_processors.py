from django.http import HttpRequest

from accounts.context_processors import viewed_membership
from aiprovider.health import key_alerts as alerts_for
from aiprovider.models import ProviderConfig


def key_alerts(request: HttpRequest) -> dict[str, object]:
    """Put the saved key's problems on every page its owners and admins see."""
    membership = viewed_membership(request)
    if membership is None or not membership.can_manage_ai:
        return {}
    config = ProviderConfig.objects.filter(account_id=membership.account_id).first()
    return {"key_alerts": alerts_for(config)}
