"""API token authentication."""

from django.utils import timezone
from knox.auth import TokenAuthentication
from knox.models import AuthToken


class APITokenAuthentication(TokenAuthentication):
    """Knox's hashed, expiring tokens, checking only the token presented.

    Knox by default also sweeps every other token of the user on each
    request, which costs a query per request; expired tokens are pruned by
    a periodic task instead, and an expired token is refused either way.
    """

    def _cleanup_token(self, auth_token: AuthToken) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False
