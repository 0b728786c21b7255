"""Redaction of anything shaped like a provider key in logs and error reports.

Code never logs keys on purpose; this is the second line of defence for
the day an exception message, a third-party log line, a debug statement or
a crash report's local variables carry one anyway.
"""

import logging
import re
from typing import Any

from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

KEY_PATTERN = re.compile(
    r"sk-ant-[A-Za-z0-9_-]{6,}"
    r"|sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,}"
    # An Authorization header's credential: any Bearer value, and long
    # enough Token or Basic values not to catch the words in a sentence.
    r"|(?i:\bbearer)\s+[A-Za-z0-9._~+/=-]{8,}"
    r"|\b(?:Token|Basic)\s+[A-Za-z0-9._~+/=-]{20,}"
)
# A header or setting named like a credential: keep the name, drop the value.
NAMED_SECRET = re.compile(
    r"(?i)(\b(?:x-api-key|api[_-]?key|authorization)\b[\"']?\s*[:=,]\s*"
    r"(?:b?[\"'])?)([^\s\"',}\]]{8,})"
)
REDACTED = "[redacted-key]"


def redact(text: str) -> str:
    """Return ``text`` with every key-shaped substring replaced."""
    text = NAMED_SECRET.sub(lambda m: m.group(1) + REDACTED, text)
    return KEY_PATTERN.sub(REDACTED, text)


class RedactSecretsFilter(logging.Filter):
    """Rewrite a record so that its message and traceback hold no key.

    The message is rendered with its arguments first, since a key can hide
    in an argument as easily as in the format string.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record still gets redacted
            message = f"{record.msg} {record.args!r}"
        redacted = redact(message)
        if record.exc_info or record.exc_text:
            # Tracebacks can hold an HTTP-layer error that quotes the key;
            # render it here so the redaction covers it too.
            formatted = record.exc_text or logging.Formatter().formatException(
                record.exc_info  # type: ignore[arg-type]
            )
            redacted = f"{redacted}\n{redact(formatted)}"
            record.exc_info = None
            record.exc_text = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        record.msg = redacted
        record.args = None
        return True


class _Shown:
    """A value as an error report shows it, already redacted."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


class RedactingExceptionReporterFilter(SafeExceptionReporterFilter):
    """Hide keys in crash reports, whether DEBUG is on or off.

    Django's filter switches itself off under DEBUG, which would put a
    posted key on the yellow error page; this one always honours
    ``sensitive_post_parameters`` and ``sensitive_variables``, and also
    redacts key-shaped text in every other variable and parameter, since
    a key can sit in a frame nobody thought to mark.
    """

    def is_active(self, request: Any) -> bool:
        return True

    def get_post_parameters(self, request: Any) -> Any:
        params = super().get_post_parameters(request)
        if not hasattr(params, "lists"):
            return params
        cleansed = params.copy()
        for name, values in params.lists():
            cleansed.setlist(name, [_redact_value(value) for value in values])
        return cleansed

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> Any:
        variables = super().get_traceback_frame_variables(request, tb_frame)
        return [(name, _Shown(_redacted_repr(value))) for name, value in variables]


def _redact_value(value: object) -> object:
    return redact(value) if isinstance(value, str) else value


def _redacted_repr(value: object) -> str:
    try:
        shown = repr(value)
    except Exception as exc:  # noqa: BLE001 - a broken repr is reported as such
        shown = f"<unprintable {type(value).__name__}: {type(exc).__name__}>"
    return redact(shown)


class RedactingExceptionReporter(ExceptionReporter):
    """Build crash reports (page and email) with key-shaped text redacted.

    Covers what the filter cannot reach: the exception's message, the
    request's path and query string, headers and cookies.
    """

    def get_traceback_data(self) -> dict[str, Any]:
        data = super().get_traceback_data()
        for name, value in data.items():
            # Query string, files and cookies arrive as lazy item views.
            if name.endswith("_items") and not isinstance(value, list | tuple):
                data[name] = list(value)
        return _redact_structure(data)


def _redact_structure(data: Any) -> Any:
    if isinstance(data, str):
        return redact(data)
    if isinstance(data, dict):
        return {key: _redact_structure(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_redact_structure(item) for item in data]
    if isinstance(data, tuple):
        return tuple(_redact_structure(item) for item in data)
    return data


class SkipProviderRefusals(logging.Filter):
    """Keep provider refusals (HTTP 502) out of error mail to the admins.

    A 502 here always means the customer's provider refused a call, with a
    message to the user saying what to do; an outage at one provider would
    otherwise send a mail per request. Those responses are still logged.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, "status_code", None) != 502
