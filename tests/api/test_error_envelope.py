"""The one JSON error envelope, and that it never carries a key."""

import pytest
from django.urls import reverse
from rest_framework import exceptions
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from scoop_byok.api_errors import exception_handler
from tests.api.envelope import assert_error


def handle(exc: Exception, body: dict | None = None, query: str = ""):  # type: ignore[no-untyped-def]
    """Run the API's exception handler as a view would, for a JSON request."""
    raw = APIRequestFactory().post(f"/api/v1/x/{query}", body or {}, format="json")
    request = Request(raw, parsers=[JSONParser()])
    return exception_handler(exc, {"request": request})


def test_nested_validation_errors_are_flattened_to_field_paths():
    exc = exceptions.ValidationError(
        {"usage": {"input_tokens": [exceptions.ErrorDetail("Too big.", "max_value")]}}
    )

    response = handle(exc)

    assert response.status_code == 400
    assert response.data == {
        "code": "max_value",
        "detail": "usage.input_tokens: Too big.",
        "errors": {"usage.input_tokens": [{"code": "max_value", "detail": "Too big."}]},
    }


def test_a_submitted_key_in_an_error_message_is_redacted(key):
    submitted = key("openai")
    exc = exceptions.ValidationError({"api_key": [f"Bad key {submitted[:40]}!"]})

    response = handle(exc, body={"api_key": submitted[:40]})

    assert submitted[:40] not in str(response.data)
    assert "[redacted]" in response.data["detail"]


def test_a_key_shaped_value_of_any_field_is_redacted(key):
    submitted = key("anthropic")
    exc = exceptions.ValidationError({"name": [f"'{submitted}' is not a name."]})

    response = handle(exc, body={"name": submitted})

    assert submitted not in str(response.data)


def test_key_shaped_text_is_redacted_even_when_it_was_not_submitted(key):
    leaked = key("openai")

    response = handle(exceptions.NotFound(f"No thing {leaked}."))

    assert leaked not in str(response.data)
    assert response.data["code"] == "not_found"


def test_an_api_key_query_parameter_is_redacted():
    submitted = "unusual-shaped-secret-1234"
    exc = exceptions.ValidationError({"from": [f"Not a date: {submitted}"]})

    response = handle(exc, query=f"?from=x&api_key={submitted}")

    assert submitted not in str(response.data)


def test_key_prefix_hints_in_our_own_messages_survive():
    exc = exceptions.ValidationError({"api_key": ["Keys start with sk-ant-api03-."]})

    response = handle(exc)

    assert response.data["detail"] == "api_key: Keys start with sk-ant-api03-."


def test_malformed_json_is_a_400_parse_error(owner, account, api_for, ai_provider_url):
    response = api_for(owner).generic(
        "PUT", ai_provider_url, "{not json", content_type="application/json"
    )

    assert_error(response, 400, "parse_error")


def test_an_unsupported_media_type_is_415(owner, api_for, ai_provider_url):
    response = api_for(owner).generic(
        "PUT", ai_provider_url, "provider=system", content_type="text/plain"
    )

    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    "path",
    ["/api/v1/nothing/", "/api/v1/accounts", "/api/v1/accounts/abc/ai-provider/"],
)
def test_unknown_api_paths_get_a_json_404(path, owner, api_for):
    response = api_for(owner).get(path)

    assert_error(response, 404, "not_found")


def test_a_json_array_body_is_a_clear_400(owner, api_for, ai_provider_url):
    response = api_for(owner).put(ai_provider_url, ["system"], format="json")

    body = assert_error(response, 400, "invalid")
    assert body["errors"]


def test_the_token_endpoint_lives_where_the_spec_says():
    assert reverse("api-token") == "/api/v1/auth/token/"
