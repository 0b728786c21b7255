"""API clients for the personas, authenticated the way API clients are."""

from collections.abc import Callable, Iterator

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import api_token_create


@pytest.fixture(autouse=True)
def _fresh_throttles() -> Iterator[None]:
    """Start every test with no sign-in attempts counted against it."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_for() -> Callable[[User | None], APIClient]:
    """Return an API client with a real token of ``user`` (anonymous for None)."""

    def build(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            _, token = api_token_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    return build


@pytest.fixture
def ai_provider_url(account) -> str:  # type: ignore[no-untyped-def]
    return reverse("api-ai-provider", kwargs={"account_id": account.pk})


@pytest.fixture
def queued_key_tests(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Capture key tests handed to the broker instead of sending them.

    Tests that need a worker to run them use ``celery_worker`` instead.
    """
    from aiprovider.tasks import run_key_test

    sent: list[tuple] = []

    def capture(args: tuple = (), kwargs: dict | None = None, **options: object):
        sent.append((tuple(args), dict(kwargs or {})))

    monkeypatch.setattr(run_key_test, "apply_async", capture)
    return sent
