"""The OpenAPI schema, its self-hosted docs, and a fuzz run over every operation."""

import re
from collections.abc import Iterator

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import reverse
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from accounts.services import api_token_create
from analytics.models import Dataset

# Every API endpoint, as the schema must document it.
DOCUMENTED = {
    ("/api/v1/auth/token/", "post"),
    ("/api/v1/accounts/", "get"),
    ("/api/v1/accounts/{account_id}/ai-provider/", "get"),
    ("/api/v1/accounts/{account_id}/ai-provider/", "put"),
    ("/api/v1/accounts/{account_id}/ai-provider/", "patch"),
    ("/api/v1/accounts/{account_id}/ai-provider/", "delete"),
    ("/api/v1/accounts/{account_id}/ai-provider/key-tests/", "post"),
    ("/api/v1/accounts/{account_id}/ai-provider/key-tests/{test_id}/", "get"),
    ("/api/v1/accounts/{account_id}/audit-events/", "get"),
    ("/api/v1/accounts/{account_id}/datasets/", "get"),
    ("/api/v1/accounts/{account_id}/datasets/", "post"),
    ("/api/v1/accounts/{account_id}/datasets/{dataset_id}/", "get"),
    ("/api/v1/accounts/{account_id}/ai/queries/", "post"),
    ("/api/v1/accounts/{account_id}/ai/usage/", "get"),
}
HTTP_METHODS = {"get", "put", "patch", "post", "delete"}
# Examples per operation and generation mode: enough to find a 500, few
# enough that the whole fuzz run stays well under a minute.
FUZZ_EXAMPLES = 25


def test_the_schema_is_valid_openapi_and_documents_every_endpoint(client):
    response = client.get(reverse("api-schema"), {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    operations = {
        (path, method)
        for path, item in schema["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    assert operations == DOCUMENTED
    assert "knoxApiToken" in schema["components"]["securitySchemes"]


def test_the_schema_never_offers_a_key_field_for_reading(client):
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()

    for name, component in schema["components"]["schemas"].items():
        properties = component.get("properties", {})
        if "api_key" in properties:
            assert name.endswith("Request"), name
            assert properties["api_key"].get("writeOnly", True)


def test_the_docs_load_every_script_and_style_from_the_app_itself(client):
    response = client.get(reverse("api-docs"))

    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith(".js") for a in assets)
    assert any(a.endswith(".css") for a in assets)
    for asset in assets:
        assert asset.startswith("/") and not asset.startswith("//"), asset
        assert client.get(asset).status_code == 200, asset
    assert not re.search(r"https?://", html)


def test_the_docs_script_fetches_the_schema_from_the_app(client):
    script = client.get(reverse("api-docs"), {"script": ""}).content.decode()

    assert not re.search(r"https?://(?!localhost)", script)
    assert reverse("api-schema") in script


# Fuzzing -------------------------------------------------------------------


@pytest.fixture
def wsgi_app() -> Iterator[WSGIHandler]:
    """The project's WSGI application, sharing this test's database transaction.

    A real server closes database connections between requests; inside a
    test that would end the transaction holding the fixtures.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def owner_token(owner) -> str:  # type: ignore[no-untyped-def]
    _, token = api_token_create(user=owner)
    return token


def test_fuzzing_every_operation_finds_no_server_error(
    wsgi_app, account, owner, owner_token, queued_key_tests
):
    Dataset.objects.create(
        account=account, name="Regions", columns=["a"], row_count=1, content="a\n1\n"
    )
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", wsgi_app)
    headers = {"Authorization": f"Token {owner_token}"}
    failures: list[str] = []

    for result in schema.get_all_operations():
        operation = result.ok()
        fixed = {"account_id": account.pk} if "{account_id}" in operation.path else None
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(
                mode, path_parameters=fixed, headers=headers
            )
            try:
                failures.extend(_server_errors(strategy))
            except Unsatisfiable:
                # Some operations have nothing that can be made invalid
                # once auth and the account are fixed.
                assert mode == GenerationMode.NEGATIVE, operation.label

    assert failures == []


def _server_errors(strategy) -> list[str]:  # type: ignore[no-untyped-def]
    found: list[str] = []

    @hypothesis_settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def send(case) -> None:  # type: ignore[no-untyped-def]
        response = case.call()
        if response.status_code >= 500:
            found.append(
                f"{case.method} {case.formatted_path} -> {response.status_code}: "
                f"{case.body!r} {case.query!r}"
            )

    send()
    return found
