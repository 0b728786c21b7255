from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter

from accounts.views import SignInView
from aiprovider import views as aiprovider_views
from analytics import views as analytics_views
from scoop_byok.converters import DatabaseIdConverter
from scoop_byok.health import healthz

register_converter(DatabaseIdConverter, "dbid")

account_urls = [
    path("datasets/", analytics_views.datasets, name="datasets"),
    path("datasets/<dbid:dataset_id>/", analytics_views.dataset_detail, name="dataset"),
    path(
        "datasets/<dbid:dataset_id>/summary/",
        analytics_views.dataset_summarise,
        name="dataset-summarise",
    ),
    path("usage/", aiprovider_views.usage_page, name="usage"),
    path(
        "settings/ai-provider/",
        aiprovider_views.ai_provider_settings,
        name="ai-provider-settings",
    ),
    path(
        "settings/ai-provider/clear/",
        aiprovider_views.ai_provider_clear,
        name="ai-provider-clear",
    ),
]

urlpatterns = [
    path("", analytics_views.home, name="home"),
    path("accounts/<dbid:account_id>/", include(account_urls)),
    path("login/", SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("scoop_byok.api_urls")),
    path("healthz", healthz, name="healthz"),
]
handler400 = "scoop_byok.api_errors.bad_request"
handler500 = "scoop_byok.api_errors.server_error"
