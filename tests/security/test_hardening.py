"""Holes found by trying to break the product, each kept closed by a test."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from aiprovider.models import ProviderConfig
from aiprovider.services import provider_config_update
from scoop_byok.gunicorn_logging import RedactingLogger
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def saved_config(account, owner, key) -> ProviderConfig:
    return provider_config_update(
        account=account,
        actor=owner,
        source="web",
        provider="openai",
        api_key=key("openai"),
    ).config


@pytest.mark.parametrize(
    "query",
    [
        "encrypted_key__startswith=v1.",
        "key_fingerprint__startswith=a",
        "encrypted_key__regex=.",
    ],
)
def test_admin_lists_cannot_be_filtered_by_secret_columns(
    staff, saved_config, client_for, query
):
    response = client_for(staff).get(f"/admin/aiprovider/providerconfig/?{query}")

    assert response.status_code == 400


def test_admin_lists_still_filter_by_their_offered_filters(
    staff, saved_config, client_for
):
    response = client_for(staff).get(
        "/admin/aiprovider/providerconfig/?provider__exact=openai"
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/admin/accounts/apitoken/?token_key__startswith=a",
        "/admin/accounts/user/?password__startswith=md5",
    ],
)
def test_token_and_password_columns_cannot_be_probed(staff, client_for, path):
    assert client_for(staff).get(path).status_code == 400


def test_view_only_staff_cannot_clear_a_configuration(saved_config, client_for):
    viewer = UserFactory(email="viewer@scoop.test", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_providerconfig"))

    client_for(viewer).post(
        "/admin/aiprovider/providerconfig/",
        {"action": "clear_to_system_default", "_selected_action": [saved_config.pk]},
    )

    saved_config.refresh_from_db()
    assert saved_config.provider == "openai"
    assert saved_config.has_stored_key


def test_the_admin_sign_in_is_throttled_too(staff, settings):
    settings.SIGN_IN_MAX_FAILURES_PER_EMAIL = 3
    client = Client()
    for _ in range(3):
        client.post("/admin/login/", {"username": staff.email, "password": "guess"})

    page = client.post("/admin/login/", {"username": staff.email, "password": PASSWORD})

    assert "Too many sign-in attempts — wait" in page.content.decode()
    assert client.get("/admin/").status_code == 302


def test_the_web_server_access_log_redacts_keys(key):
    api_key = key("anthropic")
    logger = RedactingLogger.__new__(RedactingLogger)

    class Request:
        method = "GET"
        path = f"/api/v1/x/?api_key={api_key}"
        query = f"api_key={api_key}"
        uri = f"/api/v1/x/?api_key={api_key}"
        version = (1, 1)
        headers = [("REFERER", f"https://x.test/?k={api_key}")]

    class Response:
        status = "200 OK"
        sent = 10
        headers = []

    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": Request.uri,
        "QUERY_STRING": Request.query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"https://x.test/?k={api_key}",
        "HTTP_USER_AGENT": f"curl {api_key}",
    }
    logger.cfg = type("Cfg", (), {"access_log_format": ""})()

    atoms = logger.atoms(Response(), Request(), environ, _Duration())

    rendered = json.dumps(atoms, default=str)
    assert api_key not in rendered
    assert api_key[8:-4] not in rendered


class _Duration:
    seconds = 0
    microseconds = 1000


def test_an_account_id_too_large_for_the_database_is_not_found(owner, client_for):
    client = client_for(owner)

    assert client.get("/accounts/999999999999999999999/datasets/").status_code == 404
    response = client.get("/api/v1/accounts/999999999999999999999/ai-provider/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_the_last_representable_day_is_a_valid_usage_period(account, owner, client_for):
    client = client_for(owner)

    api = client.get(
        f"/api/v1/accounts/{account.pk}/ai/usage/",
        {"from": "9999-12-31", "to": "9999-12-31"},
    )
    web = client.get(
        f"/accounts/{account.pk}/usage/", {"start": "9999-12-30", "end": "9999-12-31"}
    )

    assert (api.status_code, web.status_code) == (200, 200)
    assert api.json()["calls"] == 0


def test_absurdly_nested_json_is_a_clear_400(account, owner, client_for):
    response = client_for(owner).patch(
        f"/api/v1/accounts/{account.pk}/ai-provider/",
        "[" * 100_000,
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_body_too_large_gets_a_json_400(account, owner, settings, client_for):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client = client_for(owner)
    client.raise_request_exception = False

    response = client.post(
        f"/api/v1/accounts/{account.pk}/ai/queries/",
        {"question": "x" * 4096},
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code in (400, 413, 415)
    assert response["Content-Type"] == "application/json"


def test_api_answers_are_never_cached(account, owner, client_for):
    response = client_for(owner).get(f"/api/v1/accounts/{account.pk}/ai-provider/")

    assert "no-store" in response["Cache-Control"]


def test_settings_pages_are_never_cached(account, owner, client_for):
    response = client_for(owner).get(f"/accounts/{account.pk}/settings/ai-provider/")

    assert "no-store" in response["Cache-Control"]


def test_pages_and_docs_carry_a_content_security_policy(client, owner, client_for):
    page = client.get("/login/")
    docs = client_for(owner).get("/api/v1/docs/")

    assert "script-src 'self'" in page["Content-Security-Policy"]
    assert "'unsafe-inline'" not in page["Content-Security-Policy"]
    assert "script-src 'self';" in docs["Content-Security-Policy"]


def test_a_percent_encoded_key_is_redacted_from_the_access_log(key):
    from scoop_byok.gunicorn_logging import _redacted

    api_key = key("openai")
    encoded = api_key.replace("-", "%2D")

    assert api_key[8:-4] not in _redacted(f"/api/v1/?q={encoded}")
    assert _redacted("/api/v1/accounts/?page=2") == "/api/v1/accounts/?page=2"


@pytest.mark.parametrize("method", ["put", "patch", "delete", "post"])
def test_unknown_api_paths_answer_json_404_for_every_method(owner, method):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)

    response = getattr(client, method)("/api/v1/no-such-thing")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_docs_page_refuses_other_methods_cleanly(owner, client_for):
    response = client_for(owner).options("/api/v1/docs/")

    assert response.status_code == 405


def test_a_chunked_api_write_without_a_length_is_refused_clearly(
    account, owner, client_for
):
    response = client_for(owner).generic(
        "PATCH",
        f"/api/v1/accounts/{account.pk}/ai-provider/",
        b"",
        content_type="application/json",
        HTTP_TRANSFER_ENCODING="chunked",
        CONTENT_LENGTH="",
    )

    assert response.status_code == 411
    assert response.json()["code"] == "length_required"
