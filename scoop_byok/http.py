from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """Return the address the request came from.

    Behind ``TRUSTED_PROXY_COUNT`` proxies, that is the address the nearest
    of them saw: the entry that many places from the right of
    ``X-Forwarded-For``. Entries further left are whatever the client chose
    to send, so they are never trusted.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None
