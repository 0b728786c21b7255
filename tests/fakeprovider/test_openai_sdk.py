"""The fake provider as the official OpenAI SDK sees it."""

from __future__ import annotations

from collections.abc import Callable

import openai
import pytest

from fakeprovider import FakeProviderServer, demo_key

Gpt = Callable[..., openai.OpenAI]
MODEL = "gpt-4o-mini"
HELLO = [{"role": "user", "content": "Is this key working?"}]

# behaviour -> (exception class, status, type, code)
ERRORS: dict[str, tuple[type[openai.APIStatusError], int, str, str | None]] = {
    "invalid": (
        openai.AuthenticationError,
        401,
        "invalid_request_error",
        "invalid_api_key",
    ),
    "nocredit": (
        openai.RateLimitError,
        429,
        "insufficient_quota",
        "insufficient_quota",
    ),
    "ratelimited": (openai.RateLimitError, 429, "requests", "rate_limit_exceeded"),
    "overloaded": (openai.InternalServerError, 503, "server_error", None),
    "servererror": (openai.InternalServerError, 500, "server_error", None),
    "restricted": (openai.AuthenticationError, 401, "invalid_request_error", None),
    "badrequest": (openai.BadRequestError, 400, "invalid_request_error", None),
}


def ask(client: openai.OpenAI, **overrides: object) -> openai.types.chat.ChatCompletion:
    arguments: dict[str, object] = {"model": MODEL, "messages": HELLO}
    arguments.update(overrides)
    return client.chat.completions.create(**arguments)  # type: ignore[call-overload]


def test_valid_key_gets_labelled_answer_with_usage(gpt: Gpt) -> None:
    completion = ask(gpt(), max_tokens=256)
    assert completion.object == "chat.completion"
    assert completion.model == MODEL
    choice = completion.choices[0]
    assert choice.finish_reason == "stop"
    text = choice.message.content or ""
    assert text.startswith(f"[Fake OpenAI · {MODEL}] ")
    assert "Is this key working?" in text
    usage = completion.usage
    assert usage is not None
    assert usage.prompt_tokens == 5
    assert usage.completion_tokens == -(-len(text) // 4)
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_max_completion_tokens_is_honoured(gpt: Gpt) -> None:
    completion = ask(gpt(), max_completion_tokens=1)
    assert completion.choices[0].message.content == "OK"
    assert completion.choices[0].finish_reason == "length"
    assert completion.usage is not None
    assert completion.usage.completion_tokens == 1


def test_csv_in_system_prompt_is_summarised(gpt: Gpt) -> None:
    messages = [
        {"role": "system", "content": "Data:\nname,score\nann,3\nbob,4\ncy,5"},
        {"role": "user", "content": "Who scored best?"},
    ]
    text = ask(gpt(), messages=messages).choices[0].message.content or ""
    assert "2 columns (name, score)" in text
    assert "3 data rows" in text
    assert "score ranges from 3 to 5" in text


@pytest.mark.parametrize("behaviour", sorted(ERRORS))
def test_error_behaviours(gpt: Gpt, behaviour: str) -> None:
    error_class, status, error_type, code = ERRORS[behaviour]
    key = demo_key("openai", behaviour)
    with pytest.raises(error_class) as caught:
        ask(gpt(key=key))
    error = caught.value
    assert error.status_code == status
    # The OpenAI SDK unwraps the envelope: body is the inner "error" object.
    assert isinstance(error.body, dict)
    assert error.body["type"] == error_type
    assert error.body["code"] == code
    assert error.body["param"] is None
    assert (error.type, error.code) == (error_type, code)
    assert error.request_id is not None
    assert error.request_id.startswith("req_")
    assert error.response.headers["content-type"] == "application/json"
    assert key not in error.response.text


def test_invalid_key_message_masks_the_key(gpt: Gpt) -> None:
    key = demo_key("openai", "invalid")
    with pytest.raises(openai.AuthenticationError) as caught:
        ask(gpt(key=key))
    masked = f"{key[:8]}****{key[-4:]}"
    assert caught.value.body["message"] == (  # type: ignore[index]
        f"Incorrect API key provided: {masked}. You can find your API key at "
        "https://platform.openai.com/account/api-keys."
    )
    assert key[8:-4] not in caught.value.response.text


def test_overloaded_body_is_exact(gpt: Gpt) -> None:
    with pytest.raises(openai.InternalServerError) as caught:
        ask(gpt("overloaded"))
    assert caught.value.response.json() == {
        "error": {
            "message": "The engine is currently overloaded, please try again later",
            "type": "server_error",
            "param": None,
            "code": None,
        }
    }


def test_rate_limit_carries_retry_after_and_limits(gpt: Gpt) -> None:
    with pytest.raises(openai.RateLimitError) as caught:
        ask(gpt("ratelimited"))
    error = caught.value
    assert "Please try again in 20s." in error.body["message"]  # type: ignore[index]
    assert error.response.headers["retry-after"] == "20"
    assert error.response.headers["x-ratelimit-remaining-requests"] == "0"
    assert error.response.headers["x-ratelimit-reset-requests"] == "20s"


def test_quota_and_rate_limit_share_status_but_not_code(gpt: Gpt) -> None:
    codes = set()
    for behaviour in ("nocredit", "ratelimited"):
        with pytest.raises(openai.RateLimitError) as caught:
            ask(gpt(behaviour))
        codes.add(caught.value.code)
    assert codes == {"insufficient_quota", "rate_limit_exceeded"}


@pytest.mark.parametrize("behaviour", ["nocredit", "restricted", "badrequest"])
def test_inference_only_errors_still_list_models(gpt: Gpt, behaviour: str) -> None:
    client = gpt(behaviour)
    ids = [model.id for model in client.models.list()]
    assert ids == ["gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini"]
    with pytest.raises(openai.APIStatusError):
        ask(client)


def test_invalid_key_cannot_list_models(gpt: Gpt) -> None:
    with pytest.raises(openai.AuthenticationError):
        gpt("invalid").models.list()


def test_unknown_model(gpt: Gpt) -> None:
    model = "retired-gpt-3"
    with pytest.raises(openai.NotFoundError) as caught:
        ask(gpt(), model=model)
    message = f"The model `{model}` does not exist or you do not have access to it."
    assert caught.value.body == {
        "message": message,
        "type": "invalid_request_error",
        "param": None,
        "code": "model_not_found",
    }
    with pytest.raises(openai.NotFoundError):
        gpt().models.retrieve("gpt-does-not-exist")


def test_key_arrives_as_bearer_token(gpt: Gpt, server: FakeProviderServer) -> None:
    key = demo_key("openai", "valid", salt="recorded")
    ask(gpt(key=key), max_completion_tokens=16)
    (request,) = server.requests
    assert (request.method, request.path) == ("POST", "/v1/chat/completions")
    assert request.headers["authorization"] == f"Bearer {key}"
    assert "anthropic-version" not in request.headers
    assert isinstance(request.body, dict)
    assert request.body["max_completion_tokens"] == 16


def test_missing_key_is_401(gpt: Gpt) -> None:
    with pytest.raises(openai.AuthenticationError) as caught:
        gpt().models.list(extra_headers={"Authorization": openai.omit})
    assert caught.value.type == "invalid_request_error"


def test_wrong_base_url_gets_non_provider_404(
    gpt: Gpt, server: FakeProviderServer
) -> None:
    client = openai.OpenAI(
        api_key=demo_key("openai", "valid"),
        base_url=server.base_url,  # a common mistake: /v1 left off
        max_retries=0,
        timeout=5,
    )
    with pytest.raises(openai.NotFoundError) as caught:
        ask(client)
    assert caught.value.body == {"detail": "Not Found"}
    assert caught.value.request_id is None
    assert server.requests[-1].path == "/chat/completions"


def test_hang_times_out_on_client_timeout(gpt: Gpt) -> None:
    with pytest.raises(openai.APITimeoutError):
        ask(gpt("hang", timeout=0.5))
