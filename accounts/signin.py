"""Sign-in attempts: refuse guessing before it gets far.

Failed attempts are counted in the shared cache, so every web worker sees
the same counts, in fixed windows of ``SIGN_IN_FAILURE_WINDOW_S``:

- per email from one client address: the ordinary guesser, stopped early;
- per client address, whatever the emails: one client trying many users;
- per email from anywhere, with a much higher limit: guessing spread over
  many addresses, without letting a stranger lock a user out with a few
  wrong passwords.

A successful sign-in resets nothing: an attacker who owns one account must
not be able to keep guessing at others.
"""

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache


def throttled_message(wait: int) -> str:
    return f"Too many sign-in attempts — wait {wait} seconds."


def refused_wait_seconds(request: object) -> int:
    """How long the authentication backend told this request to wait (0: it
    did not refuse it), for the way in to say so in its own words."""
    return getattr(request, "sign_in_wait_s", 0)


def _digest(value: str) -> str:
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


def _buckets(email: str, ip: str) -> list[tuple[str, int]]:
    return [
        (
            f"sign-in-failures:email-ip:{_digest(email + '|' + ip)}",
            settings.SIGN_IN_MAX_FAILURES_PER_EMAIL,
        ),
        (f"sign-in-failures:ip:{_digest(ip)}", settings.SIGN_IN_MAX_FAILURES_PER_IP),
        (
            f"sign-in-failures:email:{_digest(email)}",
            settings.SIGN_IN_MAX_FAILURES_PER_EMAIL_ANYWHERE,
        ),
    ]


def _window() -> tuple[int, float]:
    """Return the current window's start and the seconds left in it."""
    length = settings.SIGN_IN_FAILURE_WINDOW_S
    now = time.time()
    start = int(now // length) * length
    return start, start + length - now


def sign_in_wait_seconds(*, email: str, ip: str) -> int:
    """Return how long this client must wait before trying again (0 = go)."""
    start, left = _window()
    for key, limit in _buckets(email, ip):
        if cache.get(f"{key}:{start}", 0) >= limit:
            return max(1, math.ceil(left))
    return 0


def sign_in_failure_record(*, email: str, ip: str) -> None:
    start, _ = _window()
    for key, _limit in _buckets(email, ip):
        counter = f"{key}:{start}"
        # add() then incr() is atomic on Redis, so parallel failures are all
        # counted.
        cache.add(counter, 0, timeout=settings.SIGN_IN_FAILURE_WINDOW_S * 2)
        try:
            cache.incr(counter)
        except ValueError:
            cache.set(counter, 1, timeout=settings.SIGN_IN_FAILURE_WINDOW_S * 2)
