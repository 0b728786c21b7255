"""The REST API, version 1."""

from django.http import HttpRequest, JsonResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import api as accounts_api
from aiprovider import api as aiprovider_api
from analytics import api as analytics_api
from scoop_byok.api_errors import error_response

account = "accounts/<dbid:account_id>/"


class APIDocsView(SpectacularSwaggerSplitView):
    """The interactive docs: a page to read, so only GET and HEAD."""

    http_method_names = ["get", "head"]


@csrf_exempt  # it changes nothing; every method gets the same JSON 404
def unknown_endpoint(request: HttpRequest) -> JsonResponse:
    """Answer paths under /api/v1/ that name no endpoint in the JSON envelope."""
    return error_response(
        "not_found",
        "No such API endpoint. Paths end with a slash; see /api/v1/docs/.",
        status=404,
    )


urlpatterns = [
    path("auth/token/", accounts_api.TokenCreateView.as_view(), name="api-token"),
    path("accounts/", accounts_api.AccountListView.as_view(), name="api-accounts"),
    path(
        f"{account}ai-provider/",
        aiprovider_api.ProviderConfigView.as_view(),
        name="api-ai-provider",
    ),
    path(
        f"{account}ai-provider/key-tests/",
        aiprovider_api.KeyTestListView.as_view(),
        name="api-key-tests",
    ),
    path(
        f"{account}ai-provider/key-tests/<uuid:test_id>/",
        aiprovider_api.KeyTestDetailView.as_view(),
        name="api-key-test",
    ),
    path(
        f"{account}audit-events/",
        aiprovider_api.AuditEventListView.as_view(),
        name="api-audit-events",
    ),
    path(
        f"{account}datasets/",
        analytics_api.DatasetListView.as_view(),
        name="api-datasets",
    ),
    path(
        f"{account}datasets/<dbid:dataset_id>/",
        analytics_api.DatasetDetailView.as_view(),
        name="api-dataset",
    ),
    path(
        f"{account}ai/queries/", analytics_api.QueryView.as_view(), name="api-queries"
    ),
    path(f"{account}ai/usage/", aiprovider_api.UsageView.as_view(), name="api-usage"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "docs/",
        APIDocsView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
    # Last, so only paths no endpoint claims reach it.
    re_path(r"", unknown_endpoint),
]
