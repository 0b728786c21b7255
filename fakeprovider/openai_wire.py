"""OpenAI Chat Completions wire format, as the official SDK expects it.

Statuses, error types, codes and messages follow the team's provider
wire-format reference (``provider-wire.md``). OpenAI answers two unrelated
problems with 429 (no quota, rate limit), so the fake keeps ``type``/``code``
faithful: the product must tell them apart by those fields, never by status.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from fakeprovider.answers import build_answer
from fakeprovider.reply import Reply, new_id
from fakeprovider.wire import (
    RETRY_AFTER_SECONDS,
    TOKENS_RESET_SECONDS,
    Problem,
    bearer_token,
    max_tokens_problem,
)

LABEL = "Fake OpenAI"

MODELS: tuple[tuple[str, int], ...] = (
    ("gpt-4o-mini", 1721172741),
    ("gpt-4.1", 1744316542),
    ("gpt-4.1-mini", 1744318173),
)

ORGANIZATION = "org-fakeprovider"
RATE_LIMIT_REQUESTS = 3
RATE_LIMIT_TOKENS = 40000
DEFAULT_RATE_LIMITED_MODEL = "gpt-4o-mini"

# kind -> (status, type, code, message template)
ERRORS: dict[str, tuple[int, str, str | None, str]] = {
    "missing_key": (
        401,
        "invalid_request_error",
        None,
        (
            "You didn't provide an API key. You need to provide your API key in an "
            "Authorization header using Bearer auth (i.e. Authorization: Bearer "
            "YOUR_KEY)."
        ),
    ),
    "invalid": (
        401,
        "invalid_request_error",
        "invalid_api_key",
        (
            "Incorrect API key provided: {masked}. You can find your API key at "
            "https://platform.openai.com/account/api-keys."
        ),
    ),
    "nocredit": (
        429,
        "insufficient_quota",
        "insufficient_quota",
        (
            "You exceeded your current quota, please check your plan and billing "
            "details. For more information on this error, read the docs: "
            "https://platform.openai.com/docs/guides/error-codes/api-errors."
        ),
    ),
    "ratelimited": (
        429,
        "requests",
        "rate_limit_exceeded",
        (
            "Rate limit reached for {model} in organization "
            f"{ORGANIZATION} on requests per min (RPM): Limit {RATE_LIMIT_REQUESTS}, "
            f"Used {RATE_LIMIT_REQUESTS}, Requested 1. Please try again in "
            f"{RETRY_AFTER_SECONDS}s. Visit https://platform.openai.com/account/"
            "rate-limits to learn more."
        ),
    ),
    "overloaded": (
        503,
        "server_error",
        None,
        "The engine is currently overloaded, please try again later",
    ),
    "servererror": (
        500,
        "server_error",
        None,
        "The server had an error while processing your request. Sorry about that!",
    ),
    "restricted": (
        401,
        "invalid_request_error",
        None,
        (
            "You have insufficient permissions for this operation. Missing scopes: "
            "model.request. Check that your role in the organization and project, "
            "and the restricted key's scopes, allow this request."
        ),
    ),
    "restricted403": (
        403,
        "invalid_request_error",
        None,
        (
            "You have insufficient permissions for this operation. Missing scopes: "
            "model.request. Check that your role in the organization and project, "
            "and the restricted key's scopes, allow this request."
        ),
    ),
    "badrequest": (
        400,
        "invalid_request_error",
        None,
        "Invalid request: the request could not be processed.",
    ),
    "toolarge": (
        400,
        "invalid_request_error",
        "context_length_exceeded",
        (
            "This model's maximum context length is 128000 tokens. However, your "
            "messages resulted in 250000 tokens. Please reduce the length of the "
            "messages."
        ),
    ),
    "billinglimit": (
        400,
        "invalid_request_error",
        "billing_hard_limit_reached",
        "Billing hard limit has been reached.",
    ),
    "ratelimitedtokens": (
        429,
        "tokens",
        "rate_limit_exceeded",
        (
            "Rate limit reached for {model} in organization "
            f"{ORGANIZATION} on tokens per min (TPM): Limit {RATE_LIMIT_TOKENS}, "
            f"Used {RATE_LIMIT_TOKENS - 10}, Requested 500. Please try again in "
            f"{TOKENS_RESET_SECONDS // 60}m{TOKENS_RESET_SECONDS % 60}s. Visit "
            "https://platform.openai.com/account/rate-limits to learn more."
        ),
    ),
    # A gateway in front of the API gave up; its type is none OpenAI
    # documents, so only the status tells what happened.
    "gatewaytimeout": (504, "timeout", None, "Request timed out."),
    "model_not_found": (
        404,
        "invalid_request_error",
        "model_not_found",
        "The model `{model}` does not exist or you do not have access to it.",
    ),
    "invalid_request": (400, "invalid_request_error", None, "{problem}"),
}


class OpenAIWire:
    """Renders replies for ``POST /v1/chat/completions`` and ``GET /v1/models``."""

    name = "openai"

    def key_from(self, headers: Mapping[str, str]) -> str | None:
        return bearer_token(headers)

    def error(
        self,
        kind: str,
        *,
        key: str = "",
        model: str | None = None,
        problem: Problem | None = None,
    ) -> Reply:
        status, error_type, code, template = ERRORS[kind]
        message = template.format(
            masked=mask_key(key),
            model=model or DEFAULT_RATE_LIMITED_MODEL,
            problem=problem.message if problem else "",
        )
        if problem is not None and problem.code is not None:
            code = problem.code
        error = {
            "message": message,
            "type": error_type,
            "param": problem.param if problem else None,
            "code": code,
        }
        return Reply(status, {"error": error}, _headers_for(kind))

    def validate(self, payload: object, headers: Mapping[str, str]) -> Problem | None:
        if not isinstance(payload, dict):
            return Problem(
                "We could not parse the JSON body of your request. The body must be "
                "a JSON object."
            )
        if not isinstance(payload.get("model"), str) or not payload["model"]:
            return Problem("you must provide a model parameter")
        messages = payload.get("messages")
        if not isinstance(messages, list):
            return Problem(
                "Missing required parameter: 'messages'.",
                param="messages",
                code="missing_required_parameter",
            )
        if not messages:
            return Problem(
                "Invalid 'messages': empty array. Expected an array with minimum "
                "length 1.",
                param="messages",
                code="empty_array",
            )
        if payload.get("stream"):
            return Problem(
                "stream: streaming is not supported by the fake provider",
                param="stream",
            )
        return max_tokens_problem(payload, "max_completion_tokens") or (
            max_tokens_problem(payload, "max_tokens")
        )

    def completion(self, payload: dict[str, object]) -> Reply:
        model = str(payload["model"])
        texts, last_user = prompt_texts(payload)
        answer = build_answer(
            f"{LABEL} · {model}", texts, last_user, token_limit(payload)
        )
        body = {
            "id": new_id("chatcmpl-"),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": answer.text},
                    "finish_reason": "length" if answer.truncated else "stop",
                }
            ],
            "usage": {
                "prompt_tokens": answer.input_tokens,
                "completion_tokens": answer.output_tokens,
                "total_tokens": answer.input_tokens + answer.output_tokens,
            },
        }
        return Reply(200, body)

    def model_list(self) -> Reply:
        data = [_model_object(model_id, created) for model_id, created in MODELS]
        return Reply(200, {"object": "list", "data": data})

    def model_info(self, model_id: str) -> Reply:
        created = dict(MODELS).get(model_id, MODELS[0][1])
        return Reply(200, _model_object(model_id, created))

    def stamp(self, reply: Reply, request_id: str) -> Reply:
        reply.headers["x-request-id"] = request_id
        return reply


def _model_object(model_id: str, created: int) -> dict[str, object]:
    return {"id": model_id, "object": "model", "created": created, "owned_by": "openai"}


def mask_key(key: str) -> str:
    """Mask a key the way OpenAI's 401 message does: first 8, ``****``, last 4.

    Keys too short to mask that way are hidden entirely rather than half shown.
    """
    if len(key) < 20:
        return "****"
    return f"{key[:8]}****{key[-4:]}"


def token_limit(payload: Mapping[str, object]) -> int | None:
    """Newer models take max_completion_tokens; older callers send max_tokens."""
    for field in ("max_completion_tokens", "max_tokens"):
        value = payload.get(field)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _headers_for(kind: str) -> dict[str, str]:
    if kind == "ratelimited":
        return rate_limit_headers()
    if kind == "ratelimitedtokens":
        return tokens_limit_headers()
    return {}


def tokens_limit_headers() -> dict[str, str]:
    """A token limit's 429: no retry-after, only x-ratelimit-* counters."""
    reset = f"{TOKENS_RESET_SECONDS // 60}m{TOKENS_RESET_SECONDS % 60}s"
    return {
        "x-ratelimit-limit-tokens": str(RATE_LIMIT_TOKENS),
        "x-ratelimit-remaining-tokens": "0",
        "x-ratelimit-reset-tokens": reset,
    }


def rate_limit_headers() -> dict[str, str]:
    """The headers a 429 carries: retry-after plus x-ratelimit-* counters."""
    return {
        "retry-after": str(RETRY_AFTER_SECONDS),
        "x-ratelimit-limit-requests": str(RATE_LIMIT_REQUESTS),
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": f"{RETRY_AFTER_SECONDS}s",
        "x-ratelimit-limit-tokens": str(RATE_LIMIT_TOKENS),
        "x-ratelimit-remaining-tokens": str(RATE_LIMIT_TOKENS),
        "x-ratelimit-reset-tokens": "6m0s",
    }


def prompt_texts(payload: Mapping[str, object]) -> tuple[list[str], str]:
    """Return every text of the prompt in order and the last user text."""
    texts: list[str] = []
    last_user = ""
    messages = payload.get("messages")
    for message in messages if isinstance(messages, list) else []:
        if not isinstance(message, dict):
            continue
        parts = _part_texts(message.get("content"))
        texts.extend(parts)
        if message.get("role") == "user":
            last_user = "\n".join(parts)
    return texts, last_user


def _part_texts(content: object) -> list[str]:
    """Texts of a string or a list of content parts; images etc. are skipped."""
    if isinstance(content, str):
        return [content]
    if not isinstance(content, list):
        return []
    return [
        part["text"]
        for part in content
        if isinstance(part, dict)
        and part.get("type") == "text"
        and isinstance(part.get("text"), str)
    ]
