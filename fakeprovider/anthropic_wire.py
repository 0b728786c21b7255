"""Anthropic Messages API wire format, as the official SDK expects it.

Statuses, error types and messages follow the team's provider wire-format
reference (``provider-wire.md``), so the product's error classification is
exercised against the same shapes the real API sends.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from fakeprovider.answers import build_answer
from fakeprovider.reply import Reply, new_id
from fakeprovider.wire import (
    RETRY_AFTER_SECONDS,
    TOKENS_RESET_SECONDS,
    Problem,
    bearer_token,
    max_tokens_problem,
)

LABEL = "Fake Claude"

MODELS: tuple[tuple[str, str, str], ...] = (
    ("claude-sonnet-4-5", "Claude Sonnet 4.5", "2025-09-29T00:00:00Z"),
    ("claude-haiku-4-5", "Claude Haiku 4.5", "2025-10-15T00:00:00Z"),
    ("claude-opus-4-1", "Claude Opus 4.1", "2025-08-05T00:00:00Z"),
)

RATE_LIMIT_REQUESTS = 50
RATE_LIMIT_TOKENS = 40000

ERRORS: dict[str, tuple[int, str, str]] = {
    "missing_key": (401, "authentication_error", "x-api-key header is required"),
    "invalid": (401, "authentication_error", "invalid x-api-key"),
    "nocredit": (
        400,
        "invalid_request_error",
        (
            "Your credit balance is too low to access the Anthropic API. "
            "Please go to Plans & Billing to upgrade or purchase credits."
        ),
    ),
    "ratelimited": (
        429,
        "rate_limit_error",
        (
            "This request would exceed your account's rate limit. "
            "Please try again later."
        ),
    ),
    "overloaded": (529, "overloaded_error", "Overloaded"),
    "servererror": (500, "api_error", "Internal server error"),
    "restricted": (
        403,
        "permission_error",
        "Your API key does not have permission to use the specified resource.",
    ),
    "restricted403": (
        403,
        "permission_error",
        "Your API key does not have permission to use the specified resource.",
    ),
    "toolarge": (
        413,
        "request_too_large",
        "Request exceeds the maximum allowed number of bytes.",
    ),
    "billinglimit": (
        402,
        "billing_error",
        "Your organization has reached its monthly spend limit. Raise it in "
        "Plans & Billing to keep using the API.",
    ),
    "ratelimitedtokens": (
        429,
        "rate_limit_error",
        (
            f"This request would exceed your organization's rate limit of "
            f"{RATE_LIMIT_TOKENS} input tokens per minute."
        ),
    ),
    "gatewaytimeout": (504, "timeout_error", "Request timed out"),
    "badrequest": (
        400,
        "invalid_request_error",
        "Invalid request: the request could not be processed.",
    ),
    "model_not_found": (404, "not_found_error", "model: {model}"),
    "invalid_request": (400, "invalid_request_error", "{problem}"),
}


class AnthropicWire:
    """Renders replies for ``POST /v1/messages`` and ``GET /v1/models``."""

    name = "anthropic"

    def key_from(self, headers: Mapping[str, str]) -> str | None:
        # curl and older SDKs send x-api-key; the 2.x SDK sends a Bearer token.
        return headers.get("x-api-key") or bearer_token(headers)

    def error(
        self,
        kind: str,
        *,
        key: str = "",
        model: str | None = None,
        problem: Problem | None = None,
    ) -> Reply:
        status, error_type, template = ERRORS[kind]
        message = template.format(
            model=model or "", problem=problem.message if problem else ""
        )
        body = {"type": "error", "error": {"type": error_type, "message": message}}
        return Reply(status, body, _headers_for(kind))

    def validate(self, payload: object, headers: Mapping[str, str]) -> Problem | None:
        if not headers.get("anthropic-version"):
            return Problem("anthropic-version: header is required")
        if not isinstance(payload, dict):
            return Problem("Request body must be a JSON object.")
        if not isinstance(payload.get("model"), str) or not payload["model"]:
            return Problem("model: Field required")
        if "max_tokens" not in payload:
            return Problem("max_tokens: Field required")
        messages = payload.get("messages")
        if not isinstance(messages, list) or not messages:
            return Problem("messages: Field required")
        if payload.get("stream"):
            return Problem("stream: streaming is not supported by the fake provider")
        return max_tokens_problem(payload, "max_tokens")

    def completion(self, payload: dict[str, object]) -> Reply:
        model = str(payload["model"])
        texts, last_user = prompt_texts(payload)
        limit = payload.get("max_tokens")
        answer = build_answer(
            f"{LABEL} · {model}",
            texts,
            last_user,
            limit if isinstance(limit, int) else None,
        )
        body = {
            "id": new_id("msg_"),
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [{"type": "text", "text": answer.text}],
            "stop_reason": "max_tokens" if answer.truncated else "end_turn",
            "stop_sequence": None,
            "usage": {
                "input_tokens": answer.input_tokens,
                "output_tokens": answer.output_tokens,
            },
        }
        return Reply(200, body)

    def model_list(self) -> Reply:
        data = [_model_object(*model) for model in MODELS]
        body = {
            "data": data,
            "has_more": False,
            "first_id": data[0]["id"],
            "last_id": data[-1]["id"],
        }
        return Reply(200, body)

    def model_info(self, model_id: str) -> Reply:
        for model in MODELS:
            if model[0] == model_id:
                return Reply(200, _model_object(*model))
        return Reply(200, _model_object(model_id, model_id, MODELS[0][2]))

    def stamp(self, reply: Reply, request_id: str) -> Reply:
        reply.headers["request-id"] = request_id
        if isinstance(reply.body, dict) and reply.body.get("type") == "error":
            reply.body["request_id"] = request_id
        return reply


def _model_object(model_id: str, display_name: str, created_at: str) -> dict[str, str]:
    return {
        "type": "model",
        "id": model_id,
        "display_name": display_name,
        "created_at": created_at,
    }


def _headers_for(kind: str) -> dict[str, str]:
    if kind == "ratelimited":
        return rate_limit_headers()
    if kind == "ratelimitedtokens":
        return tokens_limit_headers()
    return {}


def tokens_limit_headers(now: datetime | None = None) -> dict[str, str]:
    """A token limit's 429: no retry-after, only the RFC 3339 reset time."""
    reset = (now or datetime.now(UTC)) + timedelta(seconds=TOKENS_RESET_SECONDS)
    return {
        "anthropic-ratelimit-tokens-limit": str(RATE_LIMIT_TOKENS),
        "anthropic-ratelimit-tokens-remaining": "0",
        "anthropic-ratelimit-tokens-reset": reset.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def rate_limit_headers(now: datetime | None = None) -> dict[str, str]:
    """The headers a 429 carries: retry-after plus RFC 3339 reset times."""
    reset = (now or datetime.now(UTC)) + timedelta(seconds=RETRY_AFTER_SECONDS)
    reset_text = reset.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "retry-after": str(RETRY_AFTER_SECONDS),
        "anthropic-ratelimit-requests-limit": str(RATE_LIMIT_REQUESTS),
        "anthropic-ratelimit-requests-remaining": "0",
        "anthropic-ratelimit-requests-reset": reset_text,
        "anthropic-ratelimit-tokens-limit": str(RATE_LIMIT_TOKENS),
        "anthropic-ratelimit-tokens-remaining": str(RATE_LIMIT_TOKENS),
        "anthropic-ratelimit-tokens-reset": reset_text,
    }


def prompt_texts(payload: Mapping[str, object]) -> tuple[list[str], str]:
    """Return every text of the prompt (system first) and the last user text."""
    texts = _block_texts(payload.get("system"))
    last_user = ""
    messages = payload.get("messages")
    for message in messages if isinstance(messages, list) else []:
        if not isinstance(message, dict):
            continue
        parts = _block_texts(message.get("content"))
        texts.extend(parts)
        if message.get("role") == "user":
            last_user = "\n".join(parts)
    return texts, last_user


def _block_texts(content: object) -> list[str]:
    """Texts of a string or a list of content blocks; other blocks are skipped."""
    if isinstance(content, str):
        return [content]
    if not isinstance(content, list):
        return []
    return [
        block["text"]
        for block in content
        if isinstance(block, dict)
        and block.get("type") == "text"
        and isinstance(block.get("text"), str)
    ]
