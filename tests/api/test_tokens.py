"""Signing in to the API: hashed expiring tokens, throttling and CSRF."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.api import SignInThrottle
from tests.api.envelope import assert_error
from tests.conftest import PASSWORD


def sign_in(email: str, password: str, client: APIClient | None = None, **extra):  # type: ignore[no-untyped-def]
    client = client or APIClient()
    return client.post(
        reverse("api-token"),
        {"username": email, "password": password},
        format="json",
        **extra,
    )


def token_client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_email_and_password_give_a_token_that_authenticates(owner, account):
    response = sign_in("owner@acme.test", PASSWORD)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expiry"}
    assert body["expiry"]
    accounts = token_client(body["token"]).get(reverse("api-accounts"))
    assert accounts.status_code == 200
    assert accounts.json()["results"][0]["id"] == account.pk


def test_the_email_is_matched_without_regard_to_case(owner):
    assert sign_in("Owner@ACME.test", PASSWORD).status_code == 200


def test_tokens_are_stored_only_as_a_digest(owner):
    token = sign_in("owner@acme.test", PASSWORD).json()["token"]

    stored = AuthToken.objects.get(user=owner)
    assert token not in (stored.digest, stored.token_key)
    assert stored.digest != token and len(stored.digest) == 128
    assert token not in repr(list(AuthToken.objects.values()))


def test_tokens_expire_after_the_configured_lifetime(owner, settings):
    before = timezone.now()

    body = sign_in("owner@acme.test", PASSWORD).json()

    stored = AuthToken.objects.get(user=owner)
    lifetime = settings.REST_KNOX["TOKEN_TTL"]
    assert before + lifetime <= stored.expiry <= timezone.now() + lifetime
    assert body["expiry"].startswith(stored.expiry.date().isoformat())


def test_an_expired_token_is_refused_with_401(owner):
    token = sign_in("owner@acme.test", PASSWORD).json()["token"]
    AuthToken.objects.filter(user=owner).update(
        expiry=timezone.now() - timedelta(seconds=1)
    )

    response = token_client(token).get(reverse("api-accounts"))

    assert_error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"].startswith("Token")


def test_an_unknown_token_is_refused_with_401(owner):
    response = token_client("0" * 64).get(reverse("api-accounts"))

    assert_error(response, 401, "authentication_failed")


def test_a_provider_key_sent_as_a_token_is_not_echoed(owner, key):
    provider_key = key("anthropic")

    response = token_client(provider_key).get(reverse("api-accounts"))

    assert_error(response, 401, "authentication_failed")
    assert provider_key not in response.content.decode()


def test_a_wrong_password_is_refused_with_a_clear_message(owner):
    response = sign_in("owner@acme.test", "not the password")

    body = assert_error(response, 400, "invalid_credentials")
    assert body["detail"] == "Unable to sign in with that email and password."
    assert not AuthToken.objects.exists()


def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(owner):
    unknown = sign_in("nobody@acme.test", PASSWORD).json()
    wrong = sign_in("owner@acme.test", "not the password").json()

    assert unknown == wrong


def test_an_inactive_user_cannot_sign_in(owner):
    owner.is_active = False
    owner.save()

    assert_error(sign_in("owner@acme.test", PASSWORD), 400, "invalid_credentials")


def test_missing_fields_are_400_with_each_field_named(db):
    response = APIClient().post(reverse("api-token"), {}, format="json")

    body = assert_error(response, 400, "required")
    assert set(body["errors"]) == {"username", "password"}


def test_the_password_is_never_echoed_in_errors(owner):
    password = "hunter2-" + "x" * 300

    response = sign_in("not-an-email-" + "y" * 300, password)

    assert password not in response.content.decode()


def test_many_sign_in_requests_from_one_client_are_throttled(owner):
    allowed = SignInThrottle().num_requests
    for attempt in range(allowed):
        assert sign_in(f"nobody{attempt}@acme.test", "wrong").status_code == 400

    response = sign_in("owner@acme.test", PASSWORD)

    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0


def test_repeated_wrong_passwords_for_one_email_lock_it_for_a_while(owner, settings):
    settings.SIGN_IN_MAX_FAILURES_PER_EMAIL = 3
    for _ in range(3):
        assert sign_in("owner@acme.test", "wrong").status_code == 400

    response = sign_in("owner@acme.test", PASSWORD)

    assert_error(response, 429, "throttled")
    assert "Too many sign-in attempts — wait" in response.json()["detail"]


def test_a_forged_forwarded_for_header_does_not_hide_the_client(owner, settings):
    settings.SIGN_IN_MAX_FAILURES_PER_IP = 3
    for attempt in range(3):
        sign_in(
            f"nobody{attempt}@acme.test",
            "wrong",
            HTTP_X_FORWARDED_FOR=f"10.9.0.{attempt}",
        )

    response = sign_in("owner@acme.test", PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.9")

    assert response.status_code == 429


def test_create_api_token_prints_a_working_token(owner, account):
    out, err = StringIO(), StringIO()

    call_command("create_api_token", "owner@acme.test", stdout=out, stderr=err)

    token = out.getvalue().strip()
    assert len(token) == 64
    assert "Expires" in err.getvalue()
    response = token_client(token).get(reverse("api-accounts"))
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_create_api_token_refuses_an_unknown_email(db):
    with pytest.raises(CommandError, match="No active user"):
        call_command("create_api_token", "nobody@acme.test", stdout=StringIO())


# Session authentication -------------------------------------------------


@pytest.fixture
def browser(owner) -> Client:
    """A signed-in web session that enforces CSRF like a real browser."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    return client


def csrf_token_of(client: Client) -> str:
    """Return the CSRF token a page of the web app hands the browser."""
    client.get(reverse("login"))
    return client.cookies["csrftoken"].value


def test_a_web_session_may_read_without_a_csrf_token(browser, account):
    response = browser.get(
        reverse("api-ai-provider", kwargs={"account_id": account.pk})
    )

    assert response.status_code == 200


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_web_session_must_send_a_csrf_token_to_change_anything(
    method, browser, account
):
    url = reverse("api-ai-provider", kwargs={"account_id": account.pk})

    response = getattr(browser, method)(
        url, {"provider": "system"}, content_type="application/json"
    )

    body = assert_error(response, 403, "permission_denied")
    assert "CSRF" in body["detail"]


def test_a_web_session_with_its_csrf_token_may_change_settings(browser, account):
    url = reverse("api-ai-provider", kwargs={"account_id": account.pk})

    response = browser.patch(
        url,
        {"fallback_to_system": True},
        content_type="application/json",
        headers={"X-CSRFToken": csrf_token_of(browser)},
    )

    assert response.status_code == 200
    assert response.json()["fallback_to_system"] is True


def test_a_token_needs_no_csrf_token(owner, account, api_for):
    client = api_for(owner)
    client.enforce_csrf_checks = True
    url = reverse("api-ai-provider", kwargs={"account_id": account.pk})

    assert (
        client.patch(url, {"fallback_to_system": True}, format="json").status_code
        == 200
    )
