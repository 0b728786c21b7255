"""One contract, both adapters: a key check through the real SDK over HTTP.

Every test runs once per provider against the fake provider, which speaks
each provider's wire format; the key picks the scenario.
"""

from dataclasses import dataclass

import pytest

from aiprovider.providers.anthropic_provider import AnthropicAdapter
from aiprovider.providers.base import KEY_CHECK_MAX_TOKENS, KeyCheck, ProviderAdapter
from aiprovider.providers.openai_provider import OpenAIAdapter
from fakeprovider import FakeProviderServer, demo_key

TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Contract:
    provider: str
    adapter_class: type[ProviderAdapter]
    model: str
    label: str
    base_url_env: str

    def base_url(self, server: FakeProviderServer) -> str:
        if self.provider == "anthropic":
            return server.anthropic_base_url
        return server.openai_base_url

    def wrong_base_url(self, server: FakeProviderServer) -> str:
        # The two classic mistakes: "/v1" added where the SDK adds it
        # itself, and "/v1" left out where the SDK expects it.
        if self.provider == "anthropic":
            return server.base_url + "/v1"
        return server.base_url


CONTRACTS = [
    Contract(
        "anthropic",
        AnthropicAdapter,
        "claude-haiku-4-5",
        "Claude (Anthropic)",
        "ANTHROPIC_BASE_URL",
    ),
    Contract("openai", OpenAIAdapter, "gpt-4.1-mini", "OpenAI", "OPENAI_BASE_URL"),
]


@pytest.fixture(params=CONTRACTS, ids=lambda contract: contract.provider)
def contract(request: pytest.FixtureRequest) -> Contract:
    return request.param


def check(
    contract: Contract,
    server: FakeProviderServer,
    key: str,
    *,
    model: str = "",
    base_url: str = "",
    timeout: float = TIMEOUT_S,
) -> KeyCheck:
    """Run a key check on a fresh adapter, as a new worker process would."""
    return contract.adapter_class().verify_key(
        api_key=key,
        base_url=base_url or contract.base_url(server),
        model=model or contract.model,
        timeout=timeout,
    )


# behaviour -> (result, whether the provider's request id comes back)
FAILURES = {
    "invalid": ("invalid_key", True),
    "restricted": ("insufficient_permissions", True),
    "restricted403": ("insufficient_permissions", True),
    "nocredit": ("billing", True),
    "billinglimit": ("billing", True),
    "ratelimited": ("rate_limited", True),
    "ratelimitedtokens": ("rate_limited", True),
    "overloaded": ("provider_unavailable", True),
    "servererror": ("provider_unavailable", True),
    "gatewaytimeout": ("provider_unavailable", True),
    "badrequest": ("bad_request", True),
    "toolarge": ("bad_request", True),
    "drop": ("provider_unavailable", False),
    "redirect": ("misconfigured_endpoint", False),
    "garbled": ("misconfigured_endpoint", False),
}
# What each message tells the user to do next.
NEXT_STEPS = {
    "invalid_key": "create a new key in",
    "insufficient_permissions": "Give it model access",
    "billing": "Add credit or raise the limit",
    "rate_limited": "Try again in",
    "provider_unavailable": "Try again in a few minutes",
    "misconfigured_endpoint": "ask your Scoop administrator to check",
    "bad_request": "contact support with the request id",
}


def test_a_working_key_is_valid_after_one_cheap_inference_call(contract, fake_provider):
    key = demo_key(contract.provider, "valid")

    outcome = check(contract, fake_provider, key)

    assert outcome.result == "valid"
    assert outcome.message == "API key is valid and working"
    assert outcome.request_id.startswith("req_")
    (request,) = fake_provider.requests
    assert request.method == "POST"
    assert request.path.endswith(("/v1/messages", "/v1/chat/completions"))
    assert request.body["model"] == contract.model
    token_limits = {
        request.body.get("max_tokens"),
        request.body.get("max_completion_tokens"),
    }
    assert KEY_CHECK_MAX_TOKENS in token_limits


@pytest.mark.parametrize("behaviour", sorted(FAILURES))
def test_each_provider_failure_is_classified_with_an_actionable_message(
    contract, fake_provider, behaviour
):
    key = demo_key(contract.provider, behaviour)
    expected, sends_request_id = FAILURES[behaviour]

    outcome = check(contract, fake_provider, key)

    assert outcome.result == expected
    assert contract.label in outcome.message
    assert NEXT_STEPS[expected] in outcome.message
    assert key not in outcome.message
    assert key[-12:] not in outcome.message
    if sends_request_id:
        assert outcome.request_id.startswith("req_")
        assert f"(Provider request id: {outcome.request_id})" in outcome.message
    else:
        assert outcome.request_id == ""
    assert len(fake_provider.requests) == 1, "the SDK must not retry"


@pytest.mark.parametrize(
    ("behaviour", "seconds"),
    [("ratelimited", (20, 20)), ("ratelimitedtokens", (80, 90))],
)
def test_rate_limits_say_when_to_retry(contract, fake_provider, behaviour, seconds):
    outcome = check(contract, fake_provider, demo_key(contract.provider, behaviour))

    low, high = seconds
    assert low <= outcome.retry_after_s <= high
    assert f"Try again in {outcome.retry_after_s} seconds" in outcome.message


def test_only_rate_limits_carry_a_retry_after(contract, fake_provider):
    outcome = check(contract, fake_provider, demo_key(contract.provider, "servererror"))

    assert outcome.retry_after_s is None


def test_a_hanging_provider_ends_as_unavailable_within_the_timeout(
    contract, fake_provider
):
    outcome = check(
        contract, fake_provider, demo_key(contract.provider, "hang"), timeout=0.3
    )

    assert outcome.result == "provider_unavailable"
    assert "this says nothing about your key" in outcome.message
    assert len(fake_provider.requests) == 1


def test_a_retired_model_is_a_bad_request_that_names_the_model(contract, fake_provider):
    outcome = check(
        contract,
        fake_provider,
        demo_key(contract.provider, "valid"),
        model="retired-model-2023",
    )

    assert outcome.result == "bad_request"
    assert "retired-model-2023" in outcome.message
    assert "model setting" in outcome.message
    assert fake_provider.requests[0].body["model"] == "retired-model-2023"


def test_a_generic_bad_request_does_not_mention_the_model(contract, fake_provider):
    outcome = check(contract, fake_provider, demo_key(contract.provider, "badrequest"))

    assert "retired" not in outcome.message
    assert contract.model not in outcome.message


def test_the_model_checked_is_the_one_asked_for(contract, fake_provider):
    other = "claude-opus-4-1" if contract.provider == "anthropic" else "gpt-4o-mini"

    outcome = check(
        contract, fake_provider, demo_key(contract.provider, "valid"), model=other
    )

    assert outcome.result == "valid"
    assert outcome.model == other
    assert fake_provider.requests[0].body["model"] == other


@pytest.mark.parametrize("behaviour", ["valid", "invalid"])
def test_a_wrong_base_url_is_a_misconfigured_endpoint_not_a_bad_key(
    contract, fake_provider, behaviour
):
    outcome = check(
        contract,
        fake_provider,
        demo_key(contract.provider, behaviour),
        base_url=contract.wrong_base_url(fake_provider),
    )

    assert outcome.result == "misconfigured_endpoint"
    assert contract.base_url_env in outcome.message
    assert "not your key" in outcome.message
    (request,) = fake_provider.requests
    assert request.path in ("/v1/v1/messages", "/chat/completions")


def test_a_redirect_is_not_followed_with_the_key(contract, fake_provider):
    outcome = check(contract, fake_provider, demo_key(contract.provider, "redirect"))

    assert outcome.result == "misconfigured_endpoint"
    assert [r.path for r in fake_provider.requests if "elsewhere" in r.path] == []


SERVER_ENVIRONMENT = {
    "ANTHROPIC_API_KEY": "sk-ant-api03-server-environment-key",
    "ANTHROPIC_AUTH_TOKEN": "server-environment-token",
    "ANTHROPIC_BASE_URL": "http://127.0.0.1:9",
    "ANTHROPIC_CUSTOM_HEADERS": "\n".join(
        [
            "Authorization: Bearer sk-ant-api03-server-custom-header",
            "x-api-key: sk-ant-api03-server-x-api-key",
            "anthropic-version: 1999-01-01",
            "anthropic-beta: server-beta",
            "X-Server-Tenant: scoop",
        ]
    ),
    "OPENAI_API_KEY": "sk-proj-server-environment-key",
    "OPENAI_ADMIN_KEY": "sk-admin-server-environment-key",
    "OPENAI_ORG_ID": "org-scoop-server",
    "OPENAI_PROJECT_ID": "proj_scoop_server",
    "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
    "OPENAI_CUSTOM_HEADERS": "\n".join(
        [
            "Authorization: Bearer sk-proj-server-custom-header",
            "OpenAI-Organization: org-from-custom-header",
            "User-Agent: server-agent",
            "X-Server-Tenant: scoop",
        ]
    ),
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "ALL_PROXY": "http://127.0.0.1:9",
}


def test_the_servers_environment_does_not_shape_a_customers_call(
    contract, fake_provider, monkeypatch
):
    for name, value in SERVER_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    key = demo_key(contract.provider, "valid")

    outcome = check(contract, fake_provider, key)

    assert outcome.result == "valid"
    (request,) = fake_provider.requests
    headers = request.headers
    assert headers["authorization"] == f"Bearer {key}"
    assert "x-api-key" not in headers
    assert "x-server-tenant" not in headers
    assert "openai-organization" not in headers
    assert "openai-project" not in headers
    assert "anthropic-beta" not in headers
    assert headers["user-agent"] != "server-agent"
    if contract.provider == "anthropic":
        assert headers["anthropic-version"] != "1999-01-01"
    assert not any("server" in value for value in headers.values())
