"""How the OpenAPI schema describes the API token authentication."""

from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme


class APITokenScheme(KnoxTokenScheme):
    target_class = "accounts.auth.APITokenAuthentication"
