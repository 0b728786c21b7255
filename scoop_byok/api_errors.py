"""One JSON error envelope for the whole API.

Every error is ``{"code", "detail", "errors"}``, where ``errors`` maps a
field to ``[{"code", "detail"}]``. A submitted API key is never echoed:
messages are written not to repeat input, and as a second line of defence
any error text that contains a submitted key, or anything shaped like a
provider key, is replaced.
"""

import logging
import re
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response

from accounts.permissions import MANAGERS_ONLY
from aiprovider.errors import ServiceError

SECRET_FIELDS = ("api_key",)
# Anything shaped like a provider key; no message of ours contains one.
KEY_LIKE = re.compile(r"sk-[A-Za-z0-9_\-]{12,}")
REDACTED = "[redacted]"
GENERIC_CODES = {
    status.HTTP_401_UNAUTHORIZED: "not_authenticated",
    status.HTTP_403_FORBIDDEN: "permission_denied",
    status.HTTP_404_NOT_FOUND: "not_found",
    status.HTTP_405_METHOD_NOT_ALLOWED: "method_not_allowed",
    status.HTTP_406_NOT_ACCEPTABLE: "not_acceptable",
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "unsupported_media_type",
    status.HTTP_429_TOO_MANY_REQUESTS: "throttled",
}

logger = logging.getLogger(__name__)


def error_body(
    code: str,
    detail: str,
    errors: dict[str, list[dict[str, str]]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {"code": code, "detail": detail, "errors": errors or {}, **extra}


def error_response(code: str, detail: str, status: int) -> JsonResponse:
    """The error envelope as a plain Django response, for answers given
    outside DRF views (URL fallbacks, middleware, error handlers)."""
    return JsonResponse(error_body(code, detail), status=status)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = _build(exc)
    if response is None:
        return None
    _scrub_submitted_secrets(response, context)
    return response


def _build(exc: Exception) -> Response | None:
    if isinstance(exc, ServiceError):
        errors = (
            {exc.field: [{"code": exc.code, "detail": exc.detail}]} if exc.field else {}
        )
        body = error_body(exc.code, exc.detail, errors, **exc.extra)
        return Response(body, status=exc.status, headers=exc.headers)
    if isinstance(exc, DatabaseError):
        logger.exception("Database error in an API request")
        return Response(
            error_body(
                "database_unavailable",
                "Nothing was saved: the database did not answer. Try again in "
                "a moment.",
            ),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or MANAGERS_ONLY)
    if isinstance(exc, exceptions.ValidationError):
        return _validation_response(exc)
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if isinstance(exc, exceptions.Throttled) and exc.wait:
            headers["Retry-After"] = str(int(exc.wait))
        if isinstance(
            exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)
        ):
            headers["WWW-Authenticate"] = 'Token realm="api"'
        return Response(
            error_body(_code_of(exc), str(exc.detail)),
            status=exc.status_code,
            headers=headers,
        )
    return None


def _code_of(exc: exceptions.APIException) -> str:
    """Return the exception's own code, e.g. ``authentication_failed``."""
    codes = exc.get_codes()
    if isinstance(codes, str):
        return codes
    return GENERIC_CODES.get(exc.status_code, "error")


def _validation_response(exc: exceptions.ValidationError) -> Response:
    errors: dict[str, list[dict[str, str]]] = {}
    _flatten(exc.detail, "", errors)
    first_field, first_errors = next(
        iter(errors.items()), ("", [{"code": "invalid", "detail": "Invalid input."}])
    )
    code = first_errors[0]["code"]
    detail = first_errors[0]["detail"]
    if first_field and first_field != "non_field_errors":
        detail = f"{first_field}: {detail}"
    return Response(
        error_body(code, detail, errors), status=status.HTTP_400_BAD_REQUEST
    )


def _flatten(detail: Any, prefix: str, errors: dict[str, list[dict[str, str]]]) -> None:
    if isinstance(detail, dict):
        for name, value in detail.items():
            _flatten(value, f"{prefix}.{name}" if prefix else str(name), errors)
    elif isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail) for item in detail):
            field = prefix or "non_field_errors"
            errors.setdefault(field, []).extend(
                {"code": item.code, "detail": str(item)} for item in detail
            )
        else:
            for index, item in enumerate(detail):
                _flatten(item, f"{prefix}[{index}]", errors)
    elif isinstance(detail, exceptions.ErrorDetail):
        errors.setdefault(prefix or "non_field_errors", []).append(
            {"code": detail.code, "detail": str(detail)}
        )


def _scrub_submitted_secrets(response: Response, context: dict[str, Any]) -> None:
    request = context.get("request")
    secrets = _submitted_secrets(request) if request is not None else set()
    # Longest first, so a stripped key never leaves its padding behind.
    ordered = sorted(secrets, key=len, reverse=True)
    response.data = _replace(response.data, ordered)


def _submitted_secrets(request: Any) -> set[str]:
    """Return submitted values that are, or look like, API keys.

    The ``api_key`` field counts wherever it is nested; any other field or
    query parameter counts when its value looks like a provider key, since
    people paste keys into the wrong box.
    """
    try:
        body = request.data
    except Exception:  # noqa: BLE001 - an unparsable body holds nothing to scrub
        body = None
    secrets: set[str] = set()
    sources = [_strings(body), _strings(getattr(request, "query_params", None))]
    for source in sources:
        for field, value in source:
            if field in SECRET_FIELDS or KEY_LIKE.search(value):
                if len(value.strip()) >= 4:
                    secrets.update({value, value.strip()})
    return secrets


def _strings(data: Any, field: str = "") -> Iterator[tuple[str, str]]:
    """Yield ``(field name, string)`` for every string in submitted data."""
    if isinstance(data, str):
        yield field, data
    elif hasattr(data, "lists"):  # QueryDict: every value of every field
        for name, values in data.lists():
            for value in values:
                yield from _strings(value, str(name))
    elif isinstance(data, dict):
        for name, value in data.items():
            yield from _strings(value, field if field in SECRET_FIELDS else str(name))
    elif isinstance(data, list):
        for item in data:
            yield from _strings(item, field)


def _replace(data: Any, secrets: list[str]) -> Any:
    if isinstance(data, str):
        for secret in secrets:
            data = data.replace(secret, REDACTED)
        return KEY_LIKE.sub(REDACTED, data)
    if isinstance(data, dict):
        return {key: _replace(value, secrets) for key, value in data.items()}
    if isinstance(data, list):
        return [_replace(item, secrets) for item in data]
    return data


def server_error(request: HttpRequest) -> HttpResponse:
    """Answer a crash in JSON under the API, and with the site's page elsewhere."""
    if request.path.startswith("/api/"):
        return error_response(
            "server_error",
            "Something went wrong on our side. Try again; if it keeps "
            "happening, contact support.",
            status=500,
        )
    return defaults.server_error(request)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Refuse a malformed request in JSON under the API (e.g. a body too big)."""
    if request.path.startswith("/api/"):
        return error_response(
            "bad_request",
            "The request could not be read: it is malformed or larger "
            "than the server accepts.",
            status=400,
        )
    return defaults.bad_request(request, exception)
