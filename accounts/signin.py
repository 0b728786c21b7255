"""Sign-in attempts: refuse guessing before it gets far.

Failed attempts are counted per email address and per client address in
the shared cache, so every web worker sees the same count. A successful
sign-in does not reset the client's count: an attacker who owns one
account must not be able to keep guessing at others.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache


def _bucket_key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"sign-in-failures:{kind}:{digest}"


def _buckets(email: str, ip: str) -> list[tuple[str, int]]:
    return [
        (_bucket_key("email", email), settings.SIGN_IN_MAX_FAILURES_PER_EMAIL),
        (_bucket_key("ip", ip), settings.SIGN_IN_MAX_FAILURES_PER_IP),
    ]


def sign_in_wait_seconds(*, email: str, ip: str) -> int:
    """Return how long this client must wait before trying again (0 = go)."""
    now = time.time()
    window = settings.SIGN_IN_FAILURE_WINDOW_S
    wait = 0
    for key, limit in _buckets(email, ip):
        failures = [at for at in cache.get(key, []) if at > now - window]
        if len(failures) >= limit:
            wait = max(wait, int(failures[-limit] + window - now) + 1)
    return wait


def sign_in_failure_record(*, email: str, ip: str) -> None:
    now = time.time()
    window = settings.SIGN_IN_FAILURE_WINDOW_S
    for key, limit in _buckets(email, ip):
        failures = [at for at in cache.get(key, []) if at > now - window]
        failures.append(now)
        cache.set(key, failures[-limit:], timeout=window)
