"""Errors the AI provider services raise, each with a stable code.

Views and the API turn these into responses in one place; every error
carries the HTTP status it maps to and a message that says what to do.
"""


class ServiceError(Exception):
    status = 400
    code = "invalid"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        field: str | None = None,
        status: int | None = None,
        extra: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.field = field
        self.extra = extra or {}
        self.headers = headers or {}


class InvalidInput(ServiceError):
    status = 400


class ConfigConflict(ServiceError):
    status = 412
    code = "conflict"


class SavedKeyUnusable(ServiceError):
    """The saved key cannot be re-tested (wrong provider or unreadable)."""


class KeyTestThrottled(ServiceError):
    status = 429
    code = "throttled"

    def __init__(self, wait_s: int) -> None:
        super().__init__(
            f"Too many test attempts — wait {wait_s} seconds",
            extra={"retry_after_s": wait_s},
            headers={"Retry-After": str(wait_s)},
        )
        self.wait_s = wait_s


class QueueUnavailable(ServiceError):
    status = 503
    code = "queue_unavailable"

    def __init__(self) -> None:
        super().__init__(
            "The key test could not be queued because the background worker "
            "queue is unreachable. Your settings were not changed; try again "
            "in a minute."
        )


class BYOKNotUsable(ServiceError):
    status = 409
    code = "byok_not_usable"

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail, extra={"reason": reason})
        self.reason = reason


class CreditsExhausted(ServiceError):
    status = 402
    code = "credits_exhausted"

    def __init__(self) -> None:
        super().__init__(
            "This account has no Scoop AI credits left. Buy more credits, or "
            "add your own Anthropic or OpenAI key in Account Settings → AI "
            "Provider."
        )


class ProviderFailure(ServiceError):
    """A provider refused or failed an AI call; ``code`` is its category."""

    STATUS_BY_CATEGORY = {
        "invalid_key": 502,
        "insufficient_permissions": 502,
        "billing": 502,
        "bad_request": 502,
        "rate_limited": 429,
        "provider_unavailable": 503,
        "misconfigured_endpoint": 503,
    }

    def __init__(
        self,
        category: str,
        detail: str,
        *,
        request_id: str = "",
        retry_after_s: int | None = None,
    ) -> None:
        headers = {"Retry-After": str(retry_after_s)} if retry_after_s else {}
        super().__init__(
            detail,
            code=category,
            status=self.STATUS_BY_CATEGORY.get(category, 502),
            extra={"provider_request_id": request_id, "retry_after_s": retry_after_s},
            headers=headers,
        )
        self.category = category
        self.request_id = request_id
        self.retry_after_s = retry_after_s
