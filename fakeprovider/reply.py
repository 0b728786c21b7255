"""The provider-neutral shape of one HTTP answer, and request ids.

Wire modules build ``Reply`` objects; only the server turns them into bytes, so
the formats stay testable without sockets.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field


@dataclass
class Reply:
    """Status, extra headers and a JSON body to send back."""

    status: int
    body: object
    headers: dict[str, str] = field(default_factory=dict)

    def body_bytes(self) -> bytes:
        # ASCII-only JSON cannot fail to encode, whatever a prompt contained.
        return json.dumps(self.body).encode("ascii")


def new_request_id() -> str:
    """Return a request id in the ``req_...`` style both providers use."""
    return "req_" + secrets.token_hex(12)


def new_id(prefix: str) -> str:
    """Return a random object id such as ``msg_...`` or ``chatcmpl-...``."""
    return prefix + secrets.token_hex(12)


def not_found() -> Reply:
    """The body a misconfigured reverse proxy or web framework would send.

    It deliberately has no provider envelope and no provider request id, so the
    product can tell "wrong base URL" apart from a provider's own 404.
    """
    return Reply(404, {"detail": "Not Found"})


def redirect_elsewhere() -> Reply:
    """A redirect, as a proxy or a moved endpoint sends it.

    A client that followed it would carry the API key to wherever it points.
    """
    return Reply(
        307,
        {"detail": "Temporary Redirect"},
        {"location": "/elsewhere/v1/collect"},
    )


def foreign_service_answer() -> Reply:
    """A 200 that is JSON but nothing like a provider's reply."""
    return Reply(200, {"status": "ok", "service": "not-an-ai-provider"})
