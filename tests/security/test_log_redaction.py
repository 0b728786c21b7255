"""The redacting log filter and crash-report classes, tested on their own.

They are the second line of defence: whatever a library or a careless line
of code puts in a log record or a crash report, no key-shaped text leaves.
"""

import logging
import sys

import pytest
from django.test import RequestFactory

from scoop_byok.logging import (
    REDACTED,
    RedactingExceptionReporter,
    RedactingExceptionReporterFilter,
    RedactSecretsFilter,
    redact,
)
from tests.security.conftest import MALFORMED_CANARY, assert_no_secret, canary

ANTHROPIC = canary("anthropic")
OPENAI = canary("openai")
LEGACY_OPENAI = "sk-" + "Ab3" * 16
SERVICE_ACCOUNT = "sk-svcacct-" + "Zx9_" * 10
OPAQUE_TOKEN = "d2f1c0ffee4e8a6b9c7d5e3f1a2b4c6d8e0f1a2b"
SECRETS = [ANTHROPIC, OPENAI, LEGACY_OPENAI, SERVICE_ACCOUNT]


def record(
    msg: object, args: object = (), exc_info: object = None
) -> logging.LogRecord:
    return logging.LogRecord(
        "tests.security",
        logging.WARNING,
        __file__,
        1,
        msg,
        args,
        exc_info,  # type: ignore[arg-type]
    )


def filtered(rec: logging.LogRecord) -> str:
    assert RedactSecretsFilter().filter(rec) is True
    return logging.Formatter().format(rec)


@pytest.mark.parametrize("secret", SECRETS)
def test_a_key_in_the_message_is_redacted(secret):
    assert_no_secret(filtered(record(f"calling with {secret} now")), [secret], "log")


@pytest.mark.parametrize("secret", SECRETS)
def test_a_key_in_the_arguments_is_redacted(secret):
    out = filtered(record("options: %s", ({"headers": {"x": secret}},)))
    assert_no_secret(out, [secret], "log")
    assert REDACTED in out


def test_a_key_in_a_mapping_argument_is_redacted():
    out = filtered(record("key=%(key)s", ({"key": ANTHROPIC},)))
    assert_no_secret(out, [ANTHROPIC], "log")


def test_a_key_in_exception_text_and_traceback_is_redacted():
    try:
        raise ValueError(f"Error code: 401 - Authorization: Bearer {OPENAI}")
    except ValueError:
        rec = record("provider call failed", exc_info=sys.exc_info())

    out = filtered(rec)

    assert "ValueError" in out
    assert_no_secret(out, [OPENAI], "traceback")


def test_preformatted_exception_text_is_redacted():
    rec = record("failed")
    rec.exc_text = f"Traceback ...\nRuntimeError: key {ANTHROPIC}"

    assert_no_secret(filtered(rec), [ANTHROPIC], "exc_text")


@pytest.mark.parametrize(
    "text",
    [
        f"Authorization: Bearer {OPAQUE_TOKEN}",
        f"authorization: bearer {OPAQUE_TOKEN}",
        f"x-api-key: {OPAQUE_TOKEN}",
        f"{{'x-api-key': '{OPAQUE_TOKEN}'}}",
        f"[(b'x-api-key', b'{OPAQUE_TOKEN}')]",
        f"api_key={OPAQUE_TOKEN}",
        f'{{"api_key": "{OPAQUE_TOKEN}"}}',
        f"Authorization: Token {OPAQUE_TOKEN}",
    ],
)
def test_header_and_field_values_named_like_credentials_are_redacted(text):
    assert OPAQUE_TOKEN not in redact(text)


def test_a_malformed_key_loses_its_key_shaped_part():
    assert MALFORMED_CANARY.split(" ")[0] not in redact(f"got {MALFORMED_CANARY}")


@pytest.mark.parametrize(
    "text",
    [
        "Key test finished: account=3 provider=openai result=valid",
        "Token authentication failed for user 4",
        "sk-learn model trained",
        "Audit: account=1 action=cleared source=web actor=2 provider=system",
    ],
)
def test_ordinary_log_lines_are_left_alone(text):
    assert redact(text) == text


def test_a_record_whose_arguments_do_not_fit_is_still_redacted():
    out = filtered(record("two values %s %s", (ANTHROPIC,)))

    assert_no_secret(out, [ANTHROPIC], "broken record")


def test_the_filter_is_on_every_configured_handler(settings):
    handlers = settings.LOGGING["handlers"]
    assert handlers
    for name, handler in handlers.items():
        assert "redact_secrets" in handler.get("filters", []), name


# Crash reports --------------------------------------------------------------


def crash_with_key_in_locals():  # type: ignore[no-untyped-def]
    api_key = ANTHROPIC  # noqa: F841 - what a crashing frame would hold
    nested = {"headers": {"authorization": f"Bearer {OPENAI}"}}  # noqa: F841
    raise RuntimeError(f"upstream said: invalid key {ANTHROPIC}")


def crash_report(request, settings):  # type: ignore[no-untyped-def]
    try:
        crash_with_key_in_locals()
    except RuntimeError:
        exc_info = sys.exc_info()
    return RedactingExceptionReporter(request, *exc_info)


@pytest.mark.parametrize("debug", [True, False])
def test_crash_reports_hide_keys_in_locals_post_query_and_message(settings, debug):
    settings.DEBUG = debug
    settings.DEFAULT_EXCEPTION_REPORTER_FILTER = (
        "scoop_byok.logging.RedactingExceptionReporterFilter"
    )
    request = RequestFactory().post(
        f"/somewhere/?token={OPENAI}",
        {"api_key": ANTHROPIC, "provider": OPENAI},
        HTTP_X_API_KEY=OPENAI,
    )
    request.sensitive_post_parameters = ["api_key"]  # type: ignore[attr-defined]

    reporter = crash_report(request, settings)
    html = reporter.get_traceback_html()
    text = reporter.get_traceback_text()

    assert "crash_with_key_in_locals" in html
    assert "upstream said" in text
    assert_no_secret(html, [ANTHROPIC, OPENAI], "the HTML crash report")
    assert_no_secret(text, [ANTHROPIC, OPENAI], "the text crash report")


def test_the_filter_honours_sensitive_markers_even_with_debug_on(settings, rf):
    settings.DEBUG = True
    request = rf.post("/", {"api_key": "short", "other": "visible"})
    request.sensitive_post_parameters = ["api_key"]

    params = RedactingExceptionReporterFilter().get_post_parameters(request)

    assert params["api_key"] != "short"
    assert params["other"] == "visible"


def test_the_project_uses_the_redacting_crash_report_classes(settings):
    assert settings.DEFAULT_EXCEPTION_REPORTER_FILTER == (
        "scoop_byok.logging.RedactingExceptionReporterFilter"
    )
    assert settings.DEFAULT_EXCEPTION_REPORTER == (
        "scoop_byok.logging.RedactingExceptionReporter"
    )


def test_provider_refusals_are_logged_but_not_mailed(account, owner, key, settings):
    import logging

    from django.core import mail
    from django.test import Client

    from aiprovider.services import provider_config_update

    settings.ADMINS = [("Ops", "ops@scoop.test")]
    logging.config.dictConfig(settings.LOGGING)
    provider_config_update(
        account=account,
        actor=owner,
        source="web",
        provider="openai",
        api_key=key("openai", "invalid"),
    )
    client = Client()
    client.force_login(owner)

    response = client.post(
        f"/api/v1/accounts/{account.pk}/ai/queries/",
        {"question": "Hi"},
        content_type="application/json",
    )

    assert response.status_code == 502
    assert [m.subject for m in mail.outbox] == []
