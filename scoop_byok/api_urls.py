from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from aiprovider import api as aiprovider_api

urlpatterns = [
    path(
        "accounts/<int:account_id>/ai-provider/key-tests/",
        aiprovider_api.KeyTestListView.as_view(),
        name="api-key-tests",
    ),
    path(
        "accounts/<int:account_id>/ai-provider/key-tests/<uuid:test_id>/",
        aiprovider_api.KeyTestDetailView.as_view(),
        name="api-key-test",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
