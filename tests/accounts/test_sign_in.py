"""Signing in to the web app, and refusing password guessing."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def _sign_in(client: Client, email: str, password: str, ip: str = "10.0.0.1"):
    return client.post(
        "/login/", {"username": email, "password": password}, REMOTE_ADDR=ip
    )


def test_an_owner_signs_in_and_lands_on_their_datasets(owner, account):
    client = Client()

    response = _sign_in(client, owner.email, PASSWORD)

    assert response.status_code == 302
    assert client.get("/").url == f"/accounts/{account.pk}/datasets/"


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(owner):
    response = _sign_in(Client(), owner.email, "nope")

    assert response.status_code == 200
    assert "Your email and password didn't match" in response.content.decode()


def test_repeated_failures_for_one_email_are_throttled(owner, settings):
    settings.SIGN_IN_MAX_FAILURES_PER_EMAIL = 3
    client = Client()
    for attempt in range(3):
        _sign_in(client, owner.email, f"guess-{attempt}")

    refused = _sign_in(client, owner.email, PASSWORD)

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many sign-in attempts — wait" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_stranger_cannot_lock_a_user_out_with_a_few_guesses(owner, settings):
    settings.SIGN_IN_MAX_FAILURES_PER_EMAIL = 3
    for attempt in range(3):
        _sign_in(Client(), owner.email, f"guess-{attempt}", ip="203.0.113.7")

    assert _sign_in(Client(), owner.email, PASSWORD, ip="10.0.0.1").status_code == 302


def test_guessing_one_email_from_many_addresses_is_throttled(owner, settings):
    settings.SIGN_IN_MAX_FAILURES_PER_EMAIL_ANYWHERE = 4
    for attempt in range(4):
        _sign_in(Client(), owner.email, "guess", ip=f"198.51.100.{attempt}")

    assert _sign_in(Client(), owner.email, PASSWORD, ip="10.0.0.1").status_code == 429


def test_one_client_guessing_many_emails_is_throttled(owner, settings):
    settings.SIGN_IN_MAX_FAILURES_PER_IP = 4
    client = Client()
    for attempt in range(4):
        _sign_in(client, f"someone{attempt}@example.test", "guess")

    assert _sign_in(client, owner.email, PASSWORD).status_code == 429


def test_other_clients_and_emails_are_unaffected(owner, admin, settings):
    settings.SIGN_IN_MAX_FAILURES_PER_EMAIL = 2
    for _ in range(2):
        _sign_in(Client(), owner.email, "guess")

    assert _sign_in(Client(), admin.email, PASSWORD, ip="10.0.0.2").status_code == 302


def test_the_sign_in_form_needs_a_csrf_token(owner):
    client = Client(enforce_csrf_checks=True)

    assert _sign_in(client, owner.email, PASSWORD).status_code == 403
