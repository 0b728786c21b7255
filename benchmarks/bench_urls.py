"""The product's URLs plus a bare authenticated endpoint to compare with.

``GET /bench/bare/`` goes through the same middleware, the same DRF
authentication classes (API token, then session) and the same
``IsAuthenticated`` permission as every product endpoint, and then does
nothing: its requests per second are the ceiling an authenticated API
request can reach on this server.
"""

from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scoop_byok.urls import urlpatterns as product_urlpatterns

BARE_PATH = "bench/bare/"


class BareAuthenticatedView(APIView):
    """Authenticate the caller with the project's defaults and say ok."""

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


urlpatterns = [
    path(BARE_PATH, BareAuthenticatedView.as_view(), name="bench-bare"),
    *product_urlpatterns,
]
