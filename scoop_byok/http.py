from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """Return the address the request came from, as the web server saw it."""
    return request.META.get("REMOTE_ADDR") or None
