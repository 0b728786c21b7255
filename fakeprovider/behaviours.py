"""Map an API key to the behaviour the fake provider acts out.

The fake provider has no accounts: the key itself says how the provider should
answer, so a test or a demo picks a failure mode just by choosing a key. A key
carries the marker ``fake-<behaviour>-`` anywhere in it; a key without a known
marker is treated like a real provider treats a wrong key (401).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BEHAVIOURS: tuple[str, ...] = (
    "valid",
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
    "redirect",
    "garbled",
    "drop",
    "slow",
    "hang",
)

# Errors real providers only raise once a model is actually asked to work:
# billing, permission scopes, request validation and model capacity. Listing
# models still succeeds for such keys, which is exactly the trap a key check
# has to avoid.
INFERENCE_ONLY: frozenset[str] = frozenset(
    {
        "nocredit",
        "restricted",
        "restricted403",
        "badrequest",
        "toolarge",
        "billinglimit",
        "overloaded",
    }
)

# Errors that can hit any endpoint, listing models included.
ANY_ENDPOINT: frozenset[str] = frozenset(
    {"ratelimited", "ratelimitedtokens", "servererror", "gatewaytimeout"}
)

# Answers that are not a provider's at all, as a misbehaving proxy or a wrong
# base URL produces them: a redirect elsewhere, a 200 with some other
# service's JSON, and a connection closed without any answer.
NOT_PROVIDER_ANSWERS: frozenset[str] = frozenset({"redirect", "garbled", "drop"})

MARKER_RE = re.compile(r"fake-([a-z0-9]+)-")
_SLOW_RE = re.compile(r"slow(\d{1,4})")

DEFAULT_SLOW_SECONDS = 5.0
HANG_SECONDS = 120.0
# A typo such as fake-slow9999- should not pin a server thread for hours.
MAX_SLOW_SECONDS = 300.0


@dataclass(frozen=True)
class Behaviour:
    """What the key asks for: a behaviour name and a delay before answering."""

    name: str
    delay_seconds: float = 0.0


def parse_marker(marker: str) -> Behaviour | None:
    """Turn the text between ``fake-`` and ``-`` into a behaviour, if known."""
    if marker == "slow":
        return Behaviour("slow", DEFAULT_SLOW_SECONDS)
    slow = _SLOW_RE.fullmatch(marker)
    if slow:
        return Behaviour("slow", min(float(slow.group(1)), MAX_SLOW_SECONDS))
    if marker == "hang":
        return Behaviour("hang", HANG_SECONDS)
    if marker in BEHAVIOURS:
        return Behaviour(marker)
    return None


def behaviour_for_key(key: str) -> Behaviour | None:
    """Return the behaviour of the first known marker in ``key``, else None.

    None means "no such key", which the server answers with the provider's 401.
    """
    for match in MARKER_RE.finditer(key):
        behaviour = parse_marker(match.group(1))
        if behaviour is not None:
            return behaviour
    return None
