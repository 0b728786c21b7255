"""Gunicorn's logger with the access log redacted like every other log.

The access log writes the request line (query string included), the
Referer and the User-Agent before any Django code runs, so the project's
logging filter never sees them; a key pasted into any of those would
otherwise reach the log in plaintext.
"""

from typing import Any
from urllib.parse import unquote_plus

from gunicorn.glogging import Logger

from scoop_byok.logging import REDACTED, redact


class RedactingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: dict, request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            name: _redacted(value) if isinstance(value, str) else value
            for name, value in atoms.items()
        }


def _redacted(value: str) -> str:
    # A key may arrive percent-encoded (sk%2Dproj%2D...); when the decoded
    # text holds one, the whole value goes rather than a readable remainder.
    decoded = unquote_plus(value)
    if decoded != value and redact(decoded) != decoded:
        return REDACTED
    return redact(value)
