"""Turn a provider's error answer into one stable category and a next step.

Providers report the same problem in different ways: Anthropic reports a
missing credit balance as a 400 ``invalid_request_error``, OpenAI uses 429
for both an empty quota and a rate limit, and an OpenAI restricted key gets
an error with no code at all. So classification looks at the error's type
and code first, then at known message text, and only then at the HTTP
status, and always falls back to something sensible for answers it has
never seen.
"""

import re
from dataclasses import dataclass
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
RETRY_IN_TEXT = re.compile(r"try again in (\d+(?:\.\d+)?)\s*(ms|s)\b", re.IGNORECASE)
DEFAULT_RETRY_AFTER_S = 60


@dataclass(frozen=True)
class ProviderAnswer:
    """What a provider's error response said, key material removed."""

    status: int | None
    error_type: str = ""
    error_code: str = ""
    message: str = ""
    request_id: str = ""
    retry_after_s: int | None = None
    # Whether the body was the provider's own error envelope rather than,
    # say, a proxy's HTML page.
    from_provider: bool = False
    connection_failed: bool = False
    model: str = ""


def classify(answer: ProviderAnswer) -> str:
    """Return the failure category for a provider's error answer."""
    if answer.connection_failed:
        return PROVIDER_UNAVAILABLE
    for marker in (answer.error_code, answer.error_type):
        if marker in BY_TYPE_OR_CODE:
            return BY_TYPE_OR_CODE[marker]
    if answer.error_code == "model_not_found" or answer.error_type == "not_found_error":
        return BAD_REQUEST
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
    if status == 404 and not answer.from_provider:
        return MISCONFIGURED_ENDPOINT
    if 300 <= status < 400:
        return MISCONFIGURED_ENDPOINT
    if status in (408, 409) or status >= 500:
        return PROVIDER_UNAVAILABLE
    return BAD_REQUEST


def retry_after_seconds(headers: dict[str, str], message: str) -> int | None:
    """Return when to retry, from headers first and then the message text."""
    if headers.get("retry-after-ms"):
        try:
            return max(1, round(float(headers["retry-after-ms"]) / 1000))
        except ValueError:
            pass
    raw = headers.get("retry-after", "").strip()
    if raw:
        try:
            return max(1, round(float(raw)))
        except ValueError:
            pass
        try:
            delta = parsedate_to_datetime(raw) - timezone.now()
            return max(1, round(delta.total_seconds()))
        except (TypeError, ValueError):
            pass
    match = RETRY_IN_TEXT.search(message)
    if match:
        amount = float(match.group(1))
        return max(1, round(amount / 1000 if match.group(2) == "ms" else amount))
    return None


def describe(
    category: str,
    *,
    provider: str,
    request_id: str = "",
    retry_after_s: int | None = None,
    model: str = "",
    during: str = "test",
) -> str:
    """Return a plain message saying what happened and what to do next.

    ``during`` is ``"test"`` for a key test, ``"call"`` for an AI call made
    with the account's saved key (the next step points at the settings) and
    ``"system"`` for a call on Scoop's own key.
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
        + ("; this says nothing about your key." if during == "test" else "."),
        MISCONFIGURED_ENDPOINT: f"The {label} endpoint configured for this "
        "Scoop deployment answered “not found”. This is a server setting, not "
        "your key: ask your Scoop administrator to check "
        f"{provider.upper()}_BASE_URL.",
        BAD_REQUEST: _bad_request_message(label, model),
        INCOMPLETE: "The test could not finish (the worker stopped, the queue "
        "lost it, or it ran out of time). Run the test again.",
    }
    message = messages.get(category, messages[BAD_REQUEST])
    if request_id:
        message += f" (Provider request id: {request_id})"
    return message


def _bad_request_message(label: str, model: str) -> str:
    if model:
        return (
            f"{label} refused the request for model {model}. If the model was "
            "retired, ask your Scoop administrator to update the model "
            "setting; otherwise try again and contact support with the "
            "request id."
        )
    return (
        f"{label} refused the request. Try again; if it keeps failing, contact "
        "support with the request id."
    )
