"""The fake provider as the official Anthropic SDK sees it."""

from __future__ import annotations

from collections.abc import Callable

import anthropic
import pytest

from fakeprovider import FakeProviderServer, demo_key

Claude = Callable[..., anthropic.Anthropic]
MODEL = "claude-haiku-4-5"
HELLO = [{"role": "user", "content": "Is this key working?"}]

# behaviour -> (exception class, status, error.type)
ERRORS: dict[str, tuple[type[anthropic.APIStatusError], int, str]] = {
    "invalid": (anthropic.AuthenticationError, 401, "authentication_error"),
    "nocredit": (anthropic.BadRequestError, 400, "invalid_request_error"),
    "ratelimited": (anthropic.RateLimitError, 429, "rate_limit_error"),
    "overloaded": (anthropic.OverloadedError, 529, "overloaded_error"),
    "servererror": (anthropic.InternalServerError, 500, "api_error"),
    "restricted": (anthropic.PermissionDeniedError, 403, "permission_error"),
    "badrequest": (anthropic.BadRequestError, 400, "invalid_request_error"),
}


def ask(client: anthropic.Anthropic, **overrides: object) -> anthropic.types.Message:
    arguments: dict[str, object] = {
        "model": MODEL,
        "max_tokens": 256,
        "messages": HELLO,
    }
    arguments.update(overrides)
    return client.messages.create(**arguments)  # type: ignore[arg-type]


def test_valid_key_gets_labelled_answer_with_usage(claude: Claude) -> None:
    message = ask(claude())
    assert message.type == "message"
    assert message.role == "assistant"
    assert message.model == MODEL
    assert message.stop_reason == "end_turn"
    text = message.content[0].text  # type: ignore[union-attr]
    assert text.startswith(f"[Fake Claude · {MODEL}] ")
    assert "Is this key working?" in text
    assert message.usage.input_tokens == 5  # 20 characters / 4
    assert message.usage.output_tokens == -(-len(text) // 4)


def test_csv_prompt_is_summarised(claude: Claude) -> None:
    prompt = "Summarise this:\nregion,month,revenue\nNorth,Jan,100\nSouth,Jan,250\n"
    message = ask(claude(), messages=[{"role": "user", "content": prompt}])
    text = message.content[0].text  # type: ignore[union-attr]
    assert "3 columns (region, month, revenue)" in text
    assert "2 data rows" in text


def test_one_token_budget_gets_short_reply(claude: Claude) -> None:
    message = ask(claude(), max_tokens=1)
    assert message.content[0].text == "OK"  # type: ignore[union-attr]
    assert message.usage.output_tokens == 1
    assert message.stop_reason == "max_tokens"


@pytest.mark.parametrize("behaviour", sorted(ERRORS))
def test_error_behaviours(claude: Claude, behaviour: str) -> None:
    error_class, status, error_type = ERRORS[behaviour]
    key = demo_key("anthropic", behaviour)
    with pytest.raises(error_class) as caught:
        ask(claude(key=key))
    error = caught.value
    assert error.status_code == status
    assert isinstance(error.body, dict)
    assert error.body["type"] == "error"
    assert error.body["error"]["type"] == error_type
    assert error.type == error_type
    assert error.request_id is not None
    assert error.request_id.startswith("req_")
    assert error.body["request_id"] == error.request_id
    assert error.response.headers["content-type"] == "application/json"
    assert key not in error.response.text


def test_error_messages_match_the_real_api(claude: Claude) -> None:
    with pytest.raises(anthropic.AuthenticationError) as bad_key:
        ask(claude("invalid"))
    assert bad_key.value.api_message == "invalid x-api-key"
    with pytest.raises(anthropic.BadRequestError) as no_credit:
        ask(claude("nocredit"))
    assert no_credit.value.api_message is not None
    assert no_credit.value.api_message.startswith("Your credit balance is too low")


def test_rate_limit_carries_retry_after_and_limits(claude: Claude) -> None:
    with pytest.raises(anthropic.RateLimitError) as caught:
        ask(claude("ratelimited"))
    headers = caught.value.response.headers
    assert headers["retry-after"] == "20"
    assert headers["anthropic-ratelimit-requests-remaining"] == "0"
    assert headers["anthropic-ratelimit-requests-reset"].endswith("Z")
    assert "anthropic-ratelimit-tokens-limit" in headers


def test_key_without_marker_is_rejected(claude: Claude) -> None:
    with pytest.raises(anthropic.AuthenticationError):
        ask(claude(key="sk-ant-api03-" + "x" * 93 + "AA"))


@pytest.mark.parametrize("behaviour", ["nocredit", "restricted", "badrequest"])
def test_inference_only_errors_still_list_models(
    claude: Claude, behaviour: str
) -> None:
    client = claude(behaviour)
    ids = [model.id for model in client.models.list()]
    assert "claude-sonnet-4-5" in ids
    with pytest.raises(anthropic.APIStatusError):
        ask(client)


def test_invalid_key_cannot_list_models(claude: Claude) -> None:
    with pytest.raises(anthropic.AuthenticationError):
        claude("invalid").models.list()


@pytest.mark.parametrize("model", ["retired-claude-2", "claude-does-not-exist"])
def test_unknown_model(claude: Claude, model: str) -> None:
    with pytest.raises(anthropic.NotFoundError) as caught:
        ask(claude(), model=model)
    assert caught.value.body["error"] == {  # type: ignore[index]
        "type": "not_found_error",
        "message": f"model: {model}",
    }
    with pytest.raises(anthropic.NotFoundError):
        claude().models.retrieve(model)


def test_key_arrives_as_bearer_token(
    claude: Claude, server: FakeProviderServer
) -> None:
    key = demo_key("anthropic", "valid", salt="recorded")
    ask(claude(key=key))
    (request,) = server.requests
    assert (request.method, request.path) == ("POST", "/v1/messages")
    # The 2.x SDK uses Authorization: Bearer, not x-api-key.
    assert request.headers["authorization"] == f"Bearer {key}"
    assert "x-api-key" not in request.headers
    assert "anthropic-version" in request.headers
    assert isinstance(request.body, dict)
    assert request.body["model"] == MODEL


def test_x_api_key_header_is_accepted(
    claude: Claude, server: FakeProviderServer
) -> None:
    key = demo_key("anthropic", "valid")
    message = claude().messages.create(
        model=MODEL,
        max_tokens=64,
        messages=HELLO,  # type: ignore[arg-type]
        extra_headers={"Authorization": anthropic.omit, "X-Api-Key": key},
    )
    text = message.content[0].text  # type: ignore[union-attr]
    assert text.startswith("[Fake Claude")
    assert server.requests[-1].headers["x-api-key"] == key
    assert "authorization" not in server.requests[-1].headers


def test_missing_key_is_401(claude: Claude) -> None:
    with pytest.raises(anthropic.AuthenticationError) as caught:
        claude().models.list(extra_headers={"Authorization": anthropic.omit})
    assert caught.value.type == "authentication_error"


def test_wrong_base_url_gets_non_provider_404(
    claude: Claude, server: FakeProviderServer
) -> None:
    client = anthropic.Anthropic(
        api_key=demo_key("anthropic", "valid"),
        base_url=server.openai_base_url,  # a common mistake: .../v1 twice
        max_retries=0,
        timeout=5,
    )
    with pytest.raises(anthropic.NotFoundError) as caught:
        ask(client)
    assert caught.value.body == {"detail": "Not Found"}
    assert caught.value.request_id is None
    assert server.requests[-1].path == "/v1/v1/messages"


def test_hang_times_out_on_client_timeout(claude: Claude) -> None:
    with pytest.raises(anthropic.APITimeoutError):
        ask(claude("hang", timeout=0.5))
