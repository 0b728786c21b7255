"""Provider answers map to one stable category and an actionable message."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiprovider.failures import (
    MAX_RETRY_AFTER_S,
    ProviderAnswer,
    classify,
    describe,
    describe_answer,
    retry_after_seconds,
)

# (status, type, code, message) as the providers send them.
WIRE_CASES = [
    pytest.param(
        401,
        "authentication_error",
        "",
        "invalid x-api-key",
        "invalid_key",
        id="anthropic-bad-key",
    ),
    pytest.param(
        400,
        "invalid_request_error",
        "",
        "Your credit balance is too low to access the Anthropic API. Please go "
        "to Plans & Billing to upgrade or purchase credits.",
        "billing",
        id="anthropic-no-credit",
    ),
    pytest.param(
        429,
        "rate_limit_error",
        "",
        "This request would exceed your account's rate limit. Please try again later.",
        "rate_limited",
        id="anthropic-rate-limit",
    ),
    pytest.param(
        529,
        "overloaded_error",
        "",
        "Overloaded",
        "provider_unavailable",
        id="anthropic-overloaded",
    ),
    pytest.param(
        500,
        "api_error",
        "",
        "Internal server error",
        "provider_unavailable",
        id="anthropic-server-error",
    ),
    pytest.param(
        404,
        "not_found_error",
        "",
        "model: claude-old",
        "bad_request",
        id="anthropic-unknown-model",
    ),
    pytest.param(
        404,
        "not_found_error",
        "",
        "Not Found",
        "misconfigured_endpoint",
        id="anthropic-unknown-path",
    ),
    pytest.param(
        403,
        "permission_error",
        "",
        "Your API key does not have permission",
        "insufficient_permissions",
        id="anthropic-permission",
    ),
    pytest.param(
        402,
        "billing_error",
        "",
        "Spend limit reached",
        "billing",
        id="anthropic-billing-error",
    ),
    pytest.param(
        413,
        "request_too_large",
        "",
        "Request exceeds the maximum size",
        "bad_request",
        id="anthropic-too-large",
    ),
    pytest.param(
        401,
        "invalid_request_error",
        "invalid_api_key",
        "Incorrect API key provided: sk-proj-****MxYA.",
        "invalid_key",
        id="openai-bad-key",
    ),
    pytest.param(
        401,
        "invalid_request_error",
        "",
        "You have insufficient permissions for this operation. Missing scopes: "
        "model.request.",
        "insufficient_permissions",
        id="openai-restricted-401",
    ),
    pytest.param(
        403,
        "invalid_request_error",
        "",
        "You have insufficient permissions for this operation.",
        "insufficient_permissions",
        id="openai-restricted-403",
    ),
    pytest.param(
        429,
        "insufficient_quota",
        "insufficient_quota",
        "You exceeded your current quota, please check your plan and billing details.",
        "billing",
        id="openai-no-quota",
    ),
    pytest.param(
        429,
        "requests",
        "rate_limit_exceeded",
        "Rate limit reached for gpt-4o-mini in organization org-x on requests "
        "per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.",
        "rate_limited",
        id="openai-rate-limit",
    ),
    pytest.param(
        429,
        "tokens",
        "rate_limit_exceeded",
        "Rate limit reached on tokens",
        "rate_limited",
        id="openai-token-limit",
    ),
    pytest.param(
        500,
        "server_error",
        "",
        "The server had an error",
        "provider_unavailable",
        id="openai-server-error",
    ),
    pytest.param(
        404,
        "invalid_request_error",
        "model_not_found",
        "The model `gpt-old` does not exist or you do not have access to it.",
        "bad_request",
        id="openai-unknown-model",
    ),
    pytest.param(
        404,
        "invalid_request_error",
        "",
        "Invalid URL (POST /v1/v1/chat/completions)",
        "misconfigured_endpoint",
        id="openai-unknown-path",
    ),
    pytest.param(
        400,
        "invalid_request_error",
        "billing_hard_limit_reached",
        "Billing hard limit has been reached.",
        "billing",
        id="openai-hard-limit",
    ),
]


@pytest.mark.parametrize(("status", "type_", "code", "message", "expected"), WIRE_CASES)
def test_wire_answers_are_classified_by_type_code_message_then_status(
    status, type_, code, message, expected
):
    answer = ProviderAnswer(
        status=status, error_type=type_, error_code=code, message=message
    )

    assert classify(answer) == expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, "invalid_key"),
        (402, "billing"),
        (403, "insufficient_permissions"),
        (404, "misconfigured_endpoint"),
        (307, "misconfigured_endpoint"),
        (408, "provider_unavailable"),
        (409, "provider_unavailable"),
        (418, "bad_request"),
        (422, "bad_request"),
        (429, "rate_limited"),
        (502, "provider_unavailable"),
        (504, "provider_unavailable"),
        (599, "provider_unavailable"),
    ],
)
def test_unknown_answers_fall_back_on_the_status(status, expected):
    answer = ProviderAnswer(status=status, error_type="never_seen_before")

    assert classify(answer) == expected


def test_openai_429_is_told_apart_by_type_never_by_status():
    quota = ProviderAnswer(429, "insufficient_quota", "insufficient_quota")
    limit = ProviderAnswer(429, "requests", "rate_limit_exceeded")

    assert classify(quota) == "billing"
    assert classify(limit) == "rate_limited"


def test_connection_failures_and_unreadable_replies():
    assert classify(ProviderAnswer(None, connection_failed=True)) == (
        "provider_unavailable"
    )
    assert classify(ProviderAnswer(200, unreadable_reply=True)) == (
        "misconfigured_endpoint"
    )


# Retry-after --------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "message", "expected"),
    [
        ({"retry-after": "20"}, "", 20),
        ({"retry-after": "1.2"}, "", 2),
        ({"retry-after-ms": "1500", "retry-after": "9"}, "", 2),
        ({}, "Please try again in 20s. Visit", 20),
        ({}, "Please try again in 1.5s.", 2),
        ({}, "Please try again in 120ms.", 1),
        ({}, "Please try again in 6m0s.", 360),
        ({}, "Please try again in 1h2m3s.", 3723),
        ({"x-ratelimit-reset-tokens": "1m30s"}, "", 90),
        ({"retry-after": "soon"}, "", None),
        ({}, "Please try again later.", None),
        ({"retry-after": "1e400"}, "", None),
        ({"retry-after": "nan"}, "", None),
        ({"retry-after": "-5"}, "", None),
        ({"retry-after": "99999999999"}, "", MAX_RETRY_AFTER_S),
    ],
)
def test_retry_after_is_read_from_headers_then_text(headers, message, expected):
    assert retry_after_seconds(headers, message) == expected


def test_retry_after_accepts_an_http_date_and_an_rfc3339_reset():
    soon = datetime.now(UTC) + timedelta(seconds=45)
    http_date = soon.strftime("%a, %d %b %Y %H:%M:%S GMT")
    rfc3339 = soon.strftime("%Y-%m-%dT%H:%M:%SZ")

    from_date = retry_after_seconds({"retry-after": http_date}, "")
    from_reset = retry_after_seconds({"anthropic-ratelimit-tokens-reset": rfc3339}, "")

    assert 40 <= from_date <= 46
    assert 40 <= from_reset <= 46


@given(
    headers=st.dictionaries(
        st.sampled_from(
            [
                "retry-after",
                "retry-after-ms",
                "x-ratelimit-reset-requests",
                "anthropic-ratelimit-requests-reset",
            ]
        ),
        st.text(max_size=40),
    ),
    message=st.text(max_size=80),
)
def test_retry_after_never_crashes_and_stays_within_a_day(headers, message):
    seconds = retry_after_seconds(headers, message)

    assert seconds is None or 1 <= seconds <= MAX_RETRY_AFTER_S


# Messages -------------------------------------------------------------------

CATEGORIES = [
    "invalid_key",
    "insufficient_permissions",
    "billing",
    "rate_limited",
    "provider_unavailable",
    "misconfigured_endpoint",
    "bad_request",
]


def test_valid_says_so_in_the_contract_wording():
    assert describe("valid", provider="anthropic") == "API key is valid and working"


@pytest.mark.parametrize("category", CATEGORIES)
@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_every_failure_message_names_the_provider_and_carries_the_request_id(
    category, provider
):
    message = describe(category, provider=provider, request_id="req_abc123")

    assert ("Claude (Anthropic)" if provider == "anthropic" else "OpenAI") in message
    assert message.endswith("(Provider request id: req_abc123)")


def test_rate_limit_message_says_when_to_retry():
    message = describe("rate_limited", provider="openai", retry_after_s=20)

    assert "Try again in 20 seconds" in message


def test_misconfigured_endpoint_points_at_the_deployment_setting():
    message = describe("misconfigured_endpoint", provider="openai")

    assert "OPENAI_BASE_URL" in message
    assert "not your key" in message


def test_generic_bad_request_does_not_blame_model_retirement():
    answer = ProviderAnswer(
        400,
        "invalid_request_error",
        message="Invalid request: the request could not be processed.",
        model="claude-haiku-4-5",
    )

    message = describe_answer(classify(answer), answer, provider="anthropic")

    assert "retired" not in message
    assert "model setting" not in message
    assert "contact support with the request id" in message


@pytest.mark.parametrize(
    "answer",
    [
        ProviderAnswer(404, "not_found_error", message="model: claude-old"),
        ProviderAnswer(404, "invalid_request_error", "model_not_found"),
        ProviderAnswer(404, message="The model 'gpt-old' does not exist"),
    ],
)
def test_unknown_model_message_says_the_model_may_be_retired(answer):
    answer = ProviderAnswer(**{**answer.__dict__, "model": "some-model-1"})

    message = describe_answer(classify(answer), answer, provider="anthropic")

    assert classify(answer) == "bad_request"
    assert "some-model-1" in message
    assert "retired" in message
    assert "AI_MODEL_ANTHROPIC_" in message
