"""A crash while saving a key: the error report (email, log) hides the key."""

import sys

import pytest
from django.core.signals import got_request_exception
from django.views.debug import get_exception_reporter_class


@pytest.fixture
def crash_reports():  # type: ignore[no-untyped-def]
    """Collect the text report Django would email for each server error."""
    reports: list[str] = []

    def report(sender: object, request: object, **kwargs: object) -> None:
        reporter_class = get_exception_reporter_class(request)
        reporter = reporter_class(request, *sys.exc_info(), is_email=True)
        reports.append(reporter.get_traceback_text())

    got_request_exception.connect(report)
    yield reports
    got_request_exception.disconnect(report)


@pytest.mark.parametrize("body_format", ["json", "multipart"])
def test_a_crash_while_saving_keeps_the_key_out_of_the_error_report(
    body_format, owner, api_for, ai_provider_url, key, monkeypatch, crash_reports
):
    def failing_audit(**kwargs: object) -> None:
        raise RuntimeError("audit write failed")

    monkeypatch.setattr("aiprovider.services.audit_record", failing_audit)
    client = api_for(owner)
    client.raise_request_exception = False
    api_key = key("openai")

    response = client.put(
        ai_provider_url, {"provider": "openai", "api_key": api_key}, format=body_format
    )

    assert response.status_code == 500
    assert api_key not in response.content.decode()
    [report] = crash_reports
    assert "audit write failed" in report
    assert api_key not in report
