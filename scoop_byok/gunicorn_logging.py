"""Gunicorn's logger with the access log redacted like every other log.

The access log writes the request line (query string included), the
Referer and the User-Agent before any Django code runs, so the project's
logging filter never sees them; a key pasted into any of those would
otherwise reach the log in plaintext.
"""

from typing import Any

from gunicorn.glogging import Logger

from scoop_byok.logging import redact


class RedactingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: dict, request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            name: redact(value) if isinstance(value, str) else value
            for name, value in atoms.items()
        }
