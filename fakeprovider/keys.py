"""Build realistic-looking demo keys that carry a fake-provider behaviour marker.

The product validates key shapes before it calls a provider, so demo keys must
pass the same format checks as real ones (length, prefix, alphabet) while still
telling the fake provider which behaviour to act out. Keys are deterministic so
fixtures and screenshots stay stable; ``salt`` gives distinct keys with the same
behaviour, for example to test that two stored keys are kept apart.
"""

from __future__ import annotations

import base64
import hashlib

from fakeprovider.behaviours import BEHAVIOURS, parse_marker

__all__ = ["BEHAVIOURS", "PROVIDERS", "demo_key"]

PROVIDERS: tuple[str, ...] = ("anthropic", "openai")

ANTHROPIC_PREFIX = "sk-ant-api03-"
ANTHROPIC_BODY_LENGTH = 93
ANTHROPIC_SUFFIX = "AA"

OPENAI_PREFIX = "sk-proj-"
# The base64 of "openai" that appears in the middle of real OpenAI keys.
OPENAI_INFIX = "T3BlbkFJ"
OPENAI_HALF_LENGTH = 74


def demo_key(provider: str, behaviour: str, salt: str = "") -> str:
    """Return a demo key for ``provider`` that selects ``behaviour``.

    ``behaviour`` is one of ``BEHAVIOURS`` or ``slow<N>`` (sleep N seconds).
    Anthropic keys are ``sk-ant-api03-`` + 93 characters + ``AA`` (108 in all);
    OpenAI keys are ``sk-proj-`` + 74 + ``T3BlbkFJ`` + 74 characters (164).
    """
    if parse_marker(behaviour) is None:
        raise ValueError(
            f"unknown behaviour {behaviour!r}; expected one of {BEHAVIOURS}"
        )
    marker = f"fake-{behaviour}-"
    seed = f"{provider}:{behaviour}:{salt}"
    if provider == "anthropic":
        body = _pad(marker, ANTHROPIC_BODY_LENGTH, seed)
        return f"{ANTHROPIC_PREFIX}{body}{ANTHROPIC_SUFFIX}"
    if provider == "openai":
        first = _pad(marker, OPENAI_HALF_LENGTH, seed + ":1")
        second = _pad("", OPENAI_HALF_LENGTH, seed + ":2")
        return f"{OPENAI_PREFIX}{first}{OPENAI_INFIX}{second}"
    raise ValueError(f"unknown provider {provider!r}; expected one of {PROVIDERS}")


def _pad(start: str, length: int, seed: str) -> str:
    """Extend ``start`` to ``length`` with characters derived from ``seed``.

    URL-safe base64 of a hash gives exactly the ``[A-Za-z0-9_-]`` alphabet of
    real keys without any randomness.
    """
    filler = ""
    counter = 0
    while len(start) + len(filler) < length:
        digest = hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        filler += base64.urlsafe_b64encode(digest).decode().rstrip("=")
        counter += 1
    return (start + filler)[:length]
