"""Response headers every page carries."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

from scoop_byok.api_errors import error_response


def _policy(directives: dict[str, str]) -> str:
    return "; ".join(f"{name} {sources}" for name, sources in directives.items())


class ContentSecurityPolicyMiddleware:
    """Allow scripts, styles and connections from this site only.

    The app serves every script, style and chart itself, so a policy of
    'self' costs nothing and stops injected markup from loading or sending
    anything elsewhere. The API docs page gets its few documented
    exceptions (its UI library sets inline styles).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = _policy(settings.CONTENT_SECURITY_POLICY)
        self.exceptions = {
            prefix: _policy({**settings.CONTENT_SECURITY_POLICY, **relaxed})
            for prefix, relaxed in settings.CONTENT_SECURITY_POLICY_EXCEPTIONS.items()
        }

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = next(
            (
                policy
                for prefix, policy in self.exceptions.items()
                if request.path.startswith(prefix)
            ),
            self.policy,
        )
        response.headers.setdefault("Content-Security-Policy", policy)
        return response


class PrivateAPIResponsesMiddleware:
    """Keep API answers (key hints, usage, audit) out of every cache."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/api/") and not response.has_header(
            "Cache-Control"
        ):
            patch_cache_control(response, no_store=True, private=True)
        return response


class APIBodyLengthRequiredMiddleware:
    """Refuse API writes whose body Django would silently read as empty.

    Django reads a request body only up to its Content-Length; a chunked
    body without one arrives empty, and a save would then "succeed" having
    changed nothing. Such requests get a clear 411 instead.
    """

    BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.path.startswith("/api/")
            and request.method in self.BODY_METHODS
            and "HTTP_TRANSFER_ENCODING" in request.META
            and not request.META.get("CONTENT_LENGTH")
        ):
            return error_response(
                "length_required",
                "Send the request body with a Content-Length header; chunked "
                "bodies are not accepted.",
                status=411,
            )
        return self.get_response(request)
