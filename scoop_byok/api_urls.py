"""The REST API, version 1."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts import api as accounts_api
from aiprovider import api as aiprovider_api
from analytics import api as analytics_api

account = "accounts/<int:account_id>/"

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
        f"{account}datasets/<int:dataset_id>/",
        analytics_api.DatasetDetailView.as_view(),
        name="api-dataset",
    ),
    path(
        f"{account}ai/queries/", analytics_api.QueryView.as_view(), name="api-queries"
    ),
    path(f"{account}ai/usage/", aiprovider_api.UsageView.as_view(), name="api-usage"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"
    ),
]
