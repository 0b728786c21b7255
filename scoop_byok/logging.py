"""A logging filter that redacts anything shaped like a provider key.

Code never logs keys on purpose; this is the second line of defence for
the day an exception message, a third-party log line or a debug statement
carries one anyway.
"""

import logging
import re

KEY_PATTERN = re.compile(
    r"(?:sk-ant-[A-Za-z0-9_-]{6,}|sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,}"
    r"|(?i:bearer)\s+[A-Za-z0-9._~+/=-]{8,})"
)
REDACTED = "[redacted-key]"


def redact(text: str) -> str:
    """Return ``text`` with every key-shaped substring replaced."""
    return KEY_PATTERN.sub(REDACTED, text)


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is logged as is
            return True
        redacted = redact(message)
        if record.exc_info:
            # Tracebacks can hold an HTTP-layer error that quotes the key;
            # render it here so the redaction covers it too.
            formatted = logging.Formatter().formatException(record.exc_info)
            redacted = f"{redacted}\n{redact(formatted)}"
            record.exc_info = None
            record.exc_text = None
        record.msg = redacted
        record.args = None
        return True
