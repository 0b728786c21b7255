"""Turn a provider's error answer into one stable category and a next step.

Providers report the same problem in different ways: Anthropic reports a
missing credit balance as a 400 ``invalid_request_error``, OpenAI uses 429
for both an empty quota and a rate limit, and an OpenAI restricted key gets
an error with no code at all. So classification looks at the error's type
and code first, then at known message text, and only then at the HTTP
status, and always falls back to something sensible for answers it has
never seen.
"""

import math
import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

from django.utils import timezone

from aiprovider.keyformat import KEY_CONSOLES, PROVIDER_LABELS

VALID = "valid"
INVALID_KEY = "invalid_key"
INSUFFICIENT_PERMISSIONS = "insufficient_permissions"
BILLING = "billing"
RATE_LIMITED = "rate_limited"
PROVIDER_UNAVAILABLE = "provider_unavailable"
MISCONFIGURED_ENDPOINT = "misconfigured_endpoint"
BAD_REQUEST = "bad_request"
INCOMPLETE = "incomplete"

# Failures that say the key itself is unusable until someone acts, as
# opposed to a passing problem on the provider's side.
PERMANENT_KEY_FAILURES = frozenset({INVALID_KEY, INSUFFICIENT_PERMISSIONS, BILLING})

BY_TYPE_OR_CODE = {
    "authentication_error": INVALID_KEY,
    "invalid_api_key": INVALID_KEY,
    "permission_error": INSUFFICIENT_PERMISSIONS,
    "insufficient_permissions": INSUFFICIENT_PERMISSIONS,
    "billing_error": BILLING,
    "insufficient_quota": BILLING,
    "billing_hard_limit_reached": BILLING,
    "billing_not_active": BILLING,
    "account_deactivated": BILLING,
    "rate_limit_error": RATE_LIMITED,
    "rate_limit_exceeded": RATE_LIMITED,
    "overloaded_error": PROVIDER_UNAVAILABLE,
    "api_error": PROVIDER_UNAVAILABLE,
    "server_error": PROVIDER_UNAVAILABLE,
    "timeout_error": PROVIDER_UNAVAILABLE,
    "engine_overloaded": PROVIDER_UNAVAILABLE,
    "request_too_large": BAD_REQUEST,
}
BY_MESSAGE = (
    ("credit balance", BILLING),
    ("exceeded your current quota", BILLING),
    ("billing", BILLING),
    ("spend limit", BILLING),
    ("insufficient permissions", INSUFFICIENT_PERMISSIONS),
    ("missing scopes", INSUFFICIENT_PERMISSIONS),
    ("does not have permission", INSUFFICIENT_PERMISSIONS),
    ("incorrect api key", INVALID_KEY),
    ("invalid x-api-key", INVALID_KEY),
    ("invalid api key", INVALID_KEY),
    ("rate limit", RATE_LIMITED),
    ("overloaded", PROVIDER_UNAVAILABLE),
)
# OpenAI writes waits Go-style: "20s", "1.5s", "120ms", "6m0s", "1h2m".
DURATION = re.compile(r"(?:\d+(?:\.\d+)?(?:ms|h|m|s))+")
DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
DURATION_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
RETRY_IN_TEXT = re.compile(r"try again in (" + DURATION.pattern + ")", re.IGNORECASE)
RESET_HEADERS = (
    "x-ratelimit-reset-requests",
    "x-ratelimit-reset-tokens",
    "anthropic-ratelimit-requests-reset",
    "anthropic-ratelimit-tokens-reset",
)
DEFAULT_RETRY_AFTER_S = 60
# A provider (or a proxy in front of it) may send any number; a wait longer
# than a day is no advice, and the value must fit the database column.
MAX_RETRY_AFTER_S = 24 * 3600


@dataclass(frozen=True)
class ProviderAnswer:
    """What a provider's error response said, key material removed."""

    status: int | None
    error_type: str = ""
    error_code: str = ""
    message: str = ""
    request_id: str = ""
    retry_after_s: int | None = None
    connection_failed: bool = False
    # The endpoint answered, but not with anything the SDK could read as
    # this provider's reply (an HTML page, another service's JSON).
    unreadable_reply: bool = False
    model: str = ""

    @property
    def model_not_found(self) -> bool:
        """Whether the provider said the requested model does not exist."""
        if self.error_code == "model_not_found":
            return True
        text = self.message.lower()
        # Anthropic's unknown-model error is a not_found_error whose message
        # starts "model: <id>"; a not_found_error without it is a wrong path.
        if self.error_type == "not_found_error":
            return text.startswith("model:")
        return (
            self.status == 404
            and "model" in text
            and ("does not exist" in text or "not found" in text)
        )


def classify(answer: ProviderAnswer) -> str:
    """Return the failure category for a provider's error answer."""
    if answer.connection_failed:
        return PROVIDER_UNAVAILABLE
    if answer.unreadable_reply:
        return MISCONFIGURED_ENDPOINT
    for marker in (answer.error_code, answer.error_type):
        if marker in BY_TYPE_OR_CODE:
            return BY_TYPE_OR_CODE[marker]
    if answer.model_not_found:
        return BAD_REQUEST
    if answer.status == 404:
        # Not about the model, so the path itself does not exist: the base
        # URL points at the wrong place, whoever answered.
        return MISCONFIGURED_ENDPOINT
    text = answer.message.lower()
    for fragment, category in BY_MESSAGE:
        if fragment in text:
            return category
    return _classify_by_status(answer)


def _classify_by_status(answer: ProviderAnswer) -> str:
    status = answer.status or 0
    if status == 401:
        return INVALID_KEY
    if status == 403:
        return INSUFFICIENT_PERMISSIONS
    if status == 402:
        return BILLING
    if status == 429:
        return RATE_LIMITED
    if 300 <= status < 400:
        return MISCONFIGURED_ENDPOINT
    if status in (408, 409) or status >= 500:
        return PROVIDER_UNAVAILABLE
    return BAD_REQUEST


def retry_after_seconds(headers: dict[str, str], message: str) -> int | None:
    """Return when to retry, from headers first and then the message text.

    ``headers`` must have lowercase names. Whatever the source, the answer
    is a whole number of seconds between 1 and a day, or None.
    """
    for seconds in (
        _seconds_from_number(headers.get("retry-after-ms", ""), scale=0.001),
        _seconds_from_number(headers.get("retry-after", "")),
        _seconds_from_http_date(headers.get("retry-after", "")),
        _seconds_from_text(message),
        *(_seconds_from_reset(headers.get(name, "")) for name in RESET_HEADERS),
    ):
        if seconds is not None:
            return _bounded_wait(seconds)
    return None


def _bounded_wait(seconds: float) -> int:
    return max(1, min(MAX_RETRY_AFTER_S, math.ceil(seconds)))


def _seconds_from_number(raw: str, *, scale: float = 1.0) -> float | None:
    try:
        value = float(raw.strip()) * scale
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def _seconds_from_http_date(raw: str) -> float | None:
    try:
        when = parsedate_to_datetime(raw.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - timezone.now()).total_seconds())


def _seconds_from_text(message: str) -> float | None:
    match = RETRY_IN_TEXT.search(message)
    return _duration_seconds(match.group(1)) if match else None


def _seconds_from_reset(raw: str) -> float | None:
    """Read a rate-limit reset header: a Go duration or an RFC 3339 time."""
    raw = raw.strip()
    if not raw:
        return None
    if DURATION.fullmatch(raw):
        return _duration_seconds(raw)
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - timezone.now()).total_seconds())


def _duration_seconds(text: str) -> float:
    return sum(
        float(amount) * DURATION_SECONDS[unit]
        for amount, unit in DURATION_PART.findall(text)
    )


def describe(
    category: str,
    *,
    provider: str,
    request_id: str = "",
    retry_after_s: int | None = None,
    model: str = "",
    model_not_found: bool = False,
    during: str = "test",
) -> str:
    """Return a plain message saying what happened and what to do next.

    ``during`` is ``"test"`` for a key test, ``"call"`` for an AI call made
    with the account's saved key (the next step points at the settings) and
    ``"system"`` for a call on Scoop's own key. ``model_not_found`` says the
    provider reported ``model`` as unknown, the one ``bad_request`` an
    administrator can fix by changing the model setting.
    """
    label = PROVIDER_LABELS.get(provider, provider)
    console = KEY_CONSOLES.get(provider, "your provider's console")
    fix_key = {
        "test": f"create a new key in {console}",
        "call": "fix the key in Account Settings → AI Provider, or revert to "
        "System Default",
    }.get(during, "contact Scoop support")
    wait = retry_after_s or DEFAULT_RETRY_AFTER_S
    messages = {
        VALID: "API key is valid and working",
        INVALID_KEY: f"{label} rejected this API key as invalid or revoked. "
        f"Check that you copied the whole key, or {fix_key}.",
        INSUFFICIENT_PERMISSIONS: f"This {label} key is not allowed to call "
        f"models. Give it model access (or use an unrestricted key) in "
        f"{console}"
        + ("." if during == "test" else ", then update it in Account Settings."),
        BILLING: f"{label} refused the call for a billing reason: no credit "
        "left, quota or spend limit reached, or the account is suspended. Add "
        f"credit or raise the limit in your {label} billing settings"
        + (
            ", then test again."
            if during == "test"
            else ", or revert to System Default."
        ),
        RATE_LIMITED: f"{label} is rate-limiting this key. Try again in "
        f"{wait} seconds.",
        PROVIDER_UNAVAILABLE: f"{label} is not responding properly right now "
        "(overloaded, an error on their side, or a timeout). Try again in a "
        "few minutes"
        + {
            "test": "; this says nothing about your key.",
            "call": ". To keep working meanwhile, turn on “Fall back to Scoop "
            "AI” or revert to System Default in Account Settings → AI Provider.",
        }.get(during, "."),
        MISCONFIGURED_ENDPOINT: f"The {label} address configured for this "
        f"Scoop deployment does not lead to the {label} API: it answered “not "
        "found”, redirected elsewhere, or sent something the provider never "
        "sends. This is a server setting, not your key: ask your Scoop "
        f"administrator to check {provider.upper()}_BASE_URL.",
        BAD_REQUEST: _bad_request_message(
            label, provider, model if model_not_found else ""
        ),
        INCOMPLETE: "The test could not finish (the worker stopped, the queue "
        "lost it, or it ran out of time). Run the test again.",
    }
    message = messages.get(category, messages[BAD_REQUEST])
    if request_id:
        message += f" (Provider request id: {request_id})"
    return message


def _bad_request_message(label: str, provider: str, missing_model: str) -> str:
    if missing_model:
        return (
            f"{label} does not offer the model {missing_model} to this key: it "
            "may have been retired or renamed. Ask your Scoop administrator to "
            f"update the model setting (AI_MODEL_{provider.upper()}_…)."
        )
    return (
        f"{label} refused the request as invalid. Try again; if it keeps "
        "failing, contact support with the request id."
    )


def describe_answer(
    category: str, answer: ProviderAnswer, *, provider: str, during: str = "test"
) -> str:
    """Return :func:`describe`'s message for what a provider answered."""
    return describe(
        category,
        provider=provider,
        request_id=answer.request_id,
        retry_after_s=answer.retry_after_s,
        model=answer.model,
        model_not_found=answer.model_not_found,
        during=during,
    )
