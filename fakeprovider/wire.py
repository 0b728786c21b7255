"""What every provider format implements, so the dispatcher stays provider-blind.

Anthropic and OpenAI differ in auth headers, error envelopes and body shapes,
but the fake plays the same scenarios for both. Each format module provides a
``Wire`` object; ``dispatch`` decides *what* happens and the wire decides *how
it looks on the wire*.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from fakeprovider.reply import Reply

# Error scenarios a wire must be able to render. Behaviour names double as
# error kinds; the rest come from the request itself.
ERROR_KINDS: tuple[str, ...] = (
    "missing_key",
    "invalid",
    "nocredit",
    "ratelimited",
    "overloaded",
    "servererror",
    "restricted",
    "restricted403",
    "badrequest",
    "toolarge",
    "billinglimit",
    "ratelimitedtokens",
    "gatewaytimeout",
    "model_not_found",
    "invalid_request",
)

RETRY_AFTER_SECONDS = 20
# How long a token-per-minute limit takes to reset; its 429 carries no
# retry-after header, only the reset time.
TOKENS_RESET_SECONDS = 90


@dataclass(frozen=True)
class Problem:
    """Why a request body is malformed; ``param`` and ``code`` feed OpenAI."""

    message: str
    param: str | None = None
    code: str | None = None


class Wire(Protocol):
    """One provider's wire format."""

    name: str

    def key_from(self, headers: Mapping[str, str]) -> str | None:
        """Return the API key the request carries, if any."""
        ...

    def error(
        self,
        kind: str,
        *,
        key: str = "",
        model: str | None = None,
        problem: Problem | None = None,
    ) -> Reply:
        """Render one of ``ERROR_KINDS`` as this provider would."""
        ...

    def validate(self, payload: object, headers: Mapping[str, str]) -> Problem | None:
        """Return what is wrong with an inference request, or None."""
        ...

    def completion(self, payload: dict[str, object]) -> Reply:
        """Answer a valid inference request."""
        ...

    def model_list(self) -> Reply:
        """List the models this fake offers."""
        ...

    def model_info(self, model_id: str) -> Reply:
        """Describe one model that exists."""
        ...

    def stamp(self, reply: Reply, request_id: str) -> Reply:
        """Attach the request id where this provider puts it."""
        ...


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """Return the token of an ``Authorization: Bearer <token>`` header."""
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def max_tokens_problem(payload: Mapping[str, object], field: str) -> Problem | None:
    """Check an optional positive-integer token limit."""
    value = payload.get(field)
    if value is None:
        return None
    # bool is an int subclass; true/false is not a token count.
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return Problem(
            f"{field}: Input should be an integer greater than or equal to 1",
            param=field,
            code="invalid_value",
        )
    return None
