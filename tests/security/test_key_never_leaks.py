"""A known key pushed through every flow appears in plaintext nowhere.

Each test drives one family of flows with canary keys, collects everything
the product said or wrote along the way (responses, pages, logs at DEBUG,
broker messages, a database dump) and searches it for the key and for its
middle part.
"""

import io
import json
import sys

import pytest
from django.contrib import admin as django_admin
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from aiprovider.models import KeyTest, ProviderConfig
from aiprovider.routing import route_ai_call
from tests.security.conftest import assert_no_secret, canary

FAILURE_BEHAVIOURS = ("invalid", "nocredit", "ratelimited", "overloaded")
EXPECTED_RESULTS = {
    "valid": "valid",
    "invalid": "invalid_key",
    "nocredit": "billing",
    "ratelimited": "rate_limited",
    "overloaded": "provider_unavailable",
}


def provider_url(account) -> str:  # type: ignore[no-untyped-def]
    return reverse("api-ai-provider", kwargs={"account_id": account.pk})


def key_tests_url(account) -> str:  # type: ignore[no-untyped-def]
    return reverse("api-key-tests", kwargs={"account_id": account.pk})


def settings_url(account) -> str:  # type: ignore[no-untyped-def]
    return reverse("ai-provider-settings", kwargs={"account_id": account.pk})


def dump_database() -> str:
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    return out.getvalue()


def run_key_test(client, account, wait_for, *, provider: str, api_key: str):  # type: ignore[no-untyped-def]
    """Queue a key test through the API and return every answer up to its end."""
    answers = []
    queued = client.post(
        key_tests_url(account),
        {"provider": provider, "api_key": api_key},
        format="json",
    )
    answers.append(queued.content.decode())
    assert queued.status_code == 202, queued.content
    test_id = queued.json()["id"]
    detail = reverse(
        "api-key-test", kwargs={"account_id": account.pk, "test_id": test_id}
    )

    def finished():  # type: ignore[no-untyped-def]
        response = client.get(detail)
        answers.append(response.content.decode())
        return response.json()["status"] in ("succeeded", "failed")

    wait_for(finished)
    return test_id, answers


# Key tests on a real worker ------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("provider", ["anthropic", "openai"])
@pytest.mark.parametrize("behaviour", ("valid",) + FAILURE_BEHAVIOURS)
def test_a_key_test_leaks_the_key_nowhere(
    provider,
    behaviour,
    owner,
    account,
    api_for,
    celery_worker,
    wait_for,
    debug_logs,
    published_messages,
    worker_log,
):
    api_key = canary(provider, behaviour)

    test_id, answers = run_key_test(
        api_for(owner), account, wait_for, provider=provider, api_key=api_key
    )

    test = KeyTest.objects.get(pk=test_id)
    assert test.candidate_ciphertext == ""
    assert test.result == EXPECTED_RESULTS[behaviour]
    queued = [m.body for m in published_messages if m.routing_key == "key_tests"]
    assert len(queued) == 1
    args, kwargs, _embed = queued[0]  # type: ignore[misc]
    assert (list(args), kwargs) == ([test_id], {})
    for message in published_messages:
        assert_no_secret(json.dumps(message.body), [api_key], "a broker message body")
        assert_no_secret(message.headers, [api_key], "broker message headers")
    assert_no_secret("\n".join(answers), [api_key], "key test responses")
    # The worker's log lines were captured, so the search below means something.
    separate_worker_log = worker_log()
    assert "Key test finished" in debug_logs.raw_text() + separate_worker_log
    if provider == "anthropic" and not separate_worker_log:
        assert "Request options" in debug_logs.raw_text()  # the SDK's DEBUG dump
    assert_no_secret(separate_worker_log, [api_key], "the worker process's log")
    assert_no_secret(debug_logs.raw_text(), [api_key], "raw log records")
    assert_no_secret(debug_logs.handled.getvalue(), [api_key], "the redacted log")
    assert_no_secret(dump_database(), [api_key], "dumpdata")


@pytest.mark.django_db(transaction=True)
def test_a_key_test_from_the_settings_page_leaks_the_key_nowhere(
    owner, account, celery_worker, wait_for, debug_logs, published_messages
):
    """The page's script posts the key with the session cookie and CSRF token."""
    api_key = canary("anthropic", "invalid")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    page = browser.get(settings_url(account))
    token = page.cookies["csrftoken"].value

    queued = browser.post(
        key_tests_url(account),
        json.dumps({"provider": "anthropic", "api_key": api_key}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert queued.status_code == 202, queued.content
    wait_for(lambda: KeyTest.objects.get(pk=queued.json()["id"]).is_finished)
    poll = browser.get(
        reverse(
            "api-key-test",
            kwargs={"account_id": account.pk, "test_id": queued.json()["id"]},
        )
    )
    after = browser.get(settings_url(account))

    assert poll.json()["result"] == "invalid_key"
    for text, where in [
        (queued.content.decode(), "the queued answer"),
        (poll.content.decode(), "the poll answer"),
        (after.content.decode(), "the settings page"),
        (debug_logs.raw_text(), "raw log records"),
        (debug_logs.handled.getvalue(), "the redacted log"),
        (json.dumps([m.body for m in published_messages]), "broker messages"),
    ]:
        assert_no_secret(text, [api_key], where)


# Saving, switching, clearing, re-encrypting --------------------------------


@pytest.mark.django_db
def test_saving_switching_and_clearing_through_the_api_leak_nothing(
    owner, account, api_for, canaries, debug_logs, capsys
):
    client = api_for(owner)
    url = provider_url(account)
    seen = [
        client.put(
            url,
            {"provider": "anthropic", "api_key": canaries["anthropic"]},
            format="json",
        ),
        client.get(url),
        client.patch(url, {"provider": "openai"}, format="json"),
        client.put(
            url, {"provider": "openai", "api_key": canaries["openai"]}, format="json"
        ),
        client.patch(url, {"provider": "system"}, format="json"),
        client.get(reverse("api-audit-events", kwargs={"account_id": account.pk})),
    ]
    dumped_while_saved = dump_database()
    call_command("reencrypt_secrets", stdout=io.StringIO())
    call_command("check_secrets", stdout=io.StringIO())
    seen += [client.delete(url), client.delete(url), client.get(url)]

    assert [r.status_code for r in seen] == [200] * len(seen)
    assert seen[-1].json()["provider"] == "system"
    secrets = list(canaries.values())
    for response in seen:
        assert_no_secret(response.content.decode(), secrets, "an API response")
        assert_no_secret(dict(response.items()), secrets, "response headers")
    assert_no_secret(dumped_while_saved, secrets, "dumpdata with a key saved")
    assert_no_secret(dump_database(), secrets, "dumpdata after clearing")
    assert_no_secret(debug_logs.raw_text(), secrets, "raw log records")
    assert_no_secret(debug_logs.handled.getvalue(), secrets, "the redacted log")
    assert_no_secret(capsys.readouterr(), secrets, "command output")


@pytest.mark.django_db
def test_routed_calls_with_a_saved_key_leak_nothing(
    owner, account, save_key, canaries, debug_logs
):
    save_key(account, "openai", canaries["openai"])

    answer = route_ai_call(account=account, user=owner, task="query", prompt="Hi")

    assert answer.billing == "byok"
    assert_no_secret(debug_logs.raw_text(), [canaries["openai"]], "raw log records")
    assert_no_secret(
        debug_logs.handled.getvalue(), [canaries["openai"]], "the redacted log"
    )


@pytest.mark.django_db
def test_the_web_settings_flow_leaks_nothing(owner, account, canaries, debug_logs):
    browser = Client()
    browser.force_login(owner)
    url = settings_url(account)
    pages = [browser.get(url)]
    for provider in ("anthropic", "openai"):
        pages.append(
            browser.post(
                url,
                {
                    "provider": provider,
                    "api_key": canaries[provider],
                    "version": ProviderConfig.objects.get(account=account).version,
                },
                follow=True,
            )
        )
    version = ProviderConfig.objects.get(account=account).version
    refused = [
        browser.post(
            url,
            {
                "provider": "anthropic",
                "api_key": canaries["malformed"],
                "version": version,
            },
        ),
        browser.post(
            url,
            {
                "provider": "anthropic",
                "api_key": canaries["openai"],
                "version": version,
            },
        ),
        browser.post(url, {"provider": canaries["anthropic"], "version": version}),
        browser.post(url, {"provider": "anthropic", "version": canaries["openai"]}),
        browser.post(
            url,
            {
                "provider": "openai",
                "api_key": canaries["openai"],
                "version": version - 1,
            },
        ),
    ]
    pages += refused
    hint_after_refusals = ProviderConfig.objects.get(account=account).key_hint
    pages.append(
        browser.post(
            reverse("ai-provider-clear", kwargs={"account_id": account.pk}),
            follow=True,
        )
    )

    assert "BYOK is now active" in pages[1].content.decode()
    assert [page.status_code for page in refused] == [200] * len(refused)
    assert hint_after_refusals == "…" + canaries["openai"][-4:]
    assert "Settings cleared. Using system defaults." in pages[-1].content.decode()
    secrets = list(canaries.values())
    for page in pages:
        assert_no_secret(page.content.decode(), secrets, "a settings page")
    assert_no_secret(debug_logs.raw_text(), secrets, "raw log records")
    assert_no_secret(debug_logs.handled.getvalue(), secrets, "the redacted log")


# Keys in the wrong place ----------------------------------------------------


@pytest.mark.django_db
def test_keys_in_wrong_fields_query_strings_and_headers_are_never_echoed(
    owner, account, api_for, canaries, queued_key_tests, debug_logs
):
    client = api_for(owner)
    url = provider_url(account)
    a_key, o_key, bad = canaries["anthropic"], canaries["openai"], canaries["malformed"]
    attempts = [
        client.put(url, {"provider": a_key}, format="json"),
        client.put(url, {"provider": "openai", "api_key": bad}, format="json"),
        client.put(url, {"provider": "openai", "api_key": a_key}, format="json"),
        client.put(url, {"provider": "anthropic", "api_key": [a_key]}, format="json"),
        client.put(
            url, {"provider": "anthropic", "api_key": {"k": a_key}}, format="json"
        ),
        client.put(
            url, {"provider": "anthropic", "fallback_to_system": a_key}, format="json"
        ),
        client.put(url, {a_key: a_key}, format="json"),
        client.put(
            url,
            {"provider": "anthropic", "api_key": a_key},
            format="json",
            HTTP_IF_MATCH=a_key,
        ),
        client.put(
            url,
            f'{{"provider": "anthropic", "api_key": "{a_key}"',
            content_type="application/json",
        ),
        client.put(
            url,
            f"provider=anthropic&api_key={a_key}",
            content_type="application/x-www-form-urlencoded",
        ),
        client.post(key_tests_url(account), {"provider": o_key}, format="json"),
        client.post(
            key_tests_url(account),
            {"provider": "anthropic", "api_key": bad},
            format="json",
        ),
        client.post(
            key_tests_url(account),
            {"provider": "anthropic", "api_key": o_key},
            format="json",
        ),
        client.get(f"{url}?api_key={a_key}&provider={o_key}"),
        client.put(f"{url}?api_key={a_key}", {"provider": a_key}, format="json"),
        client.get(
            reverse("api-usage", kwargs={"account_id": account.pk}),
            {"group_by": a_key, "from": o_key},
        ),
    ]
    anonymous = Client()
    attempts += [
        anonymous.get(url, HTTP_AUTHORIZATION=f"Bearer {a_key}"),
        anonymous.get(url, HTTP_AUTHORIZATION=f"Token {a_key}"),
        anonymous.get(url, HTTP_X_API_KEY=o_key),
        anonymous.post(
            reverse("api-token"),
            {"username": a_key, "password": o_key},
            content_type="application/json",
        ),
        anonymous.get(f"/api/v1/no-such-endpoint/?key={a_key}"),
    ]

    assert all(400 <= r.status_code < 500 or r.status_code == 200 for r in attempts)
    assert attempts[0].status_code == 400
    secrets = list(canaries.values())
    for response in attempts:
        assert_no_secret(response.content.decode(), secrets, "an error response")
        assert_no_secret(dict(response.items()), secrets, "response headers")
    assert queued_key_tests == []
    assert (
        not ProviderConfig.objects.filter(account=account)
        .exclude(encrypted_key="")
        .exists()
    )
    assert_no_secret(debug_logs.raw_text(), secrets, "raw log records")
    assert_no_secret(debug_logs.handled.getvalue(), secrets, "the redacted log")


# Admin -----------------------------------------------------------------------


@pytest.mark.django_db
def test_no_admin_page_shows_a_key(owner, staff, account, save_key, canaries):
    save_key(account, "anthropic", canaries["anthropic"])
    KeyTest.objects.create(
        account=account,
        provider="openai",
        key_hint="…" + canaries["openai"][-4:],
        candidate_ciphertext=ProviderConfig.objects.get(account=account).encrypted_key,
    )
    browser = Client()
    browser.force_login(staff)

    pages = {"/admin/": browser.get("/admin/")}
    for model, model_admin in django_admin.site._registry.items():
        meta = model._meta
        base = f"admin:{meta.app_label}_{meta.model_name}"
        changelist = reverse(f"{base}_changelist")
        pages[changelist] = browser.get(changelist)
        for obj in model_admin.get_queryset(pages[changelist].wsgi_request)[:5]:
            for view in ("change", "history"):
                url = reverse(f"{base}_{view}", args=[obj.pk])
                pages[url] = browser.get(url)

    assert all(page.status_code == 200 for page in pages.values()), {
        url: page.status_code for url, page in pages.items() if page.status_code != 200
    }
    config = ProviderConfig.objects.get(account=account)
    for url, page in pages.items():
        html = page.content.decode()
        assert_no_secret(html, list(canaries.values()), f"admin page {url}")
        assert config.encrypted_key not in html, f"ciphertext shown on {url}"
        assert config.key_fingerprint not in html, f"fingerprint shown on {url}"


# Error pages -----------------------------------------------------------------


def crash(view, request):  # type: ignore[no-untyped-def]
    """Run ``view`` and return how it failed, from a frame that holds no key."""
    try:
        view(request, account_id=request.user.memberships.first().account_id)
    except RuntimeError:
        return sys.exc_info()
    raise AssertionError("the view did not fail")


@pytest.mark.django_db
def test_the_debug_error_page_of_a_failed_save_hides_the_key(
    owner, account, canaries, monkeypatch, settings
):
    """A database error deep inside a save must not expose the key in locals."""
    from django.db import DatabaseError

    def failing_audit(**kwargs):  # type: ignore[no-untyped-def]
        raise DatabaseError("audit table is locked")

    monkeypatch.setattr("aiprovider.services.audit_record", failing_audit)
    settings.DEBUG = True
    browser = Client(raise_request_exception=False)
    browser.force_login(owner)

    page = browser.post(
        settings_url(account),
        {"provider": "anthropic", "api_key": canaries["anthropic"], "version": 1},
    )

    assert page.status_code == 500
    html = page.content.decode()
    assert "audit table is locked" in html
    assert_no_secret(html, [canaries["anthropic"]], "the DEBUG error page")


@pytest.mark.django_db
def test_the_debug_error_page_of_a_failed_api_save_hides_the_key(
    owner, account, api_for, canaries, monkeypatch, settings
):
    def failing_audit(**kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("audit write failed")

    monkeypatch.setattr("aiprovider.services.audit_record", failing_audit)
    settings.DEBUG = True
    client = api_for(owner)
    client.raise_request_exception = False

    page = client.put(
        provider_url(account),
        {"provider": "openai", "api_key": canaries["openai"]},
        format="json",
    )

    assert page.status_code == 500
    assert_no_secret(page.content.decode(), [canaries["openai"]], "the DEBUG page")


@pytest.mark.django_db
def test_error_reports_hide_the_posted_key(owner, account, canaries, rf, monkeypatch):
    """The report behind a 500 (page or email) masks api_key in POST data."""
    from django.views.debug import technical_500_response

    from aiprovider.views import ai_provider_settings

    request = rf.post(
        settings_url(account),
        {"provider": "anthropic", "api_key": canaries["anthropic"], "version": "x"},
    )
    request.user = owner
    request.session = {}  # type: ignore[assignment]
    request._messages = []  # type: ignore[attr-defined]

    def explode(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr("aiprovider.views.render", explode)
    report = technical_500_response(request, *crash(ai_provider_settings, request))

    html = report.content.decode()
    assert "renderer crashed" in html
    assert "api_key" in html
    assert_no_secret(html, [canaries["anthropic"]], "the error report")
