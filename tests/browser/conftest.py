"""Headless Chromium, driven by Playwright, against the live test server.

Playwright's own browser download is not available, so the tests drive the
system's Debian Chromium. Everything the browser talks to runs in this test
process on loopback: pytest-django's ``live_server``, the fake provider and
the thread Celery worker.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    expect,
    sync_playwright,
)
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from tests.conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Key tests and page loads finish in about a second here; the margin only
# absorbs a busy machine, it is not a speed requirement.
DEFAULT_TIMEOUT_MS = 30_000


@pytest.fixture(scope="package")
def chromium() -> Iterator[Browser]:
    """Start Debian's Chromium once for the browser tests.

    Playwright's sync API keeps an asyncio loop running in the main thread,
    which makes Django refuse ORM calls from the test (fixtures, database
    flushes) unless DJANGO_ALLOW_ASYNC_UNSAFE is set. It is set only while
    the browser runs, so other tests keep Django's safety check.
    """
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def requested_urls() -> list[str]:
    """Every URL the browser asked for during the test, in order."""
    return []


@pytest.fixture
def browser_context(
    chromium: Browser, live_server: LiveServer, requested_urls: list[str]
) -> Iterator[BrowserContext]:
    context = chromium.new_context(base_url=live_server.url)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.on("request", lambda request: requested_urls.append(request.url))
    yield context
    context.close()


@pytest.fixture
def page(browser_context: BrowserContext) -> Page:
    return browser_context.new_page()


@pytest.fixture
def sign_in(page: Page) -> Callable[[User], None]:
    """Sign ``user`` in through the login form, as a person would."""

    def submit(user: User) -> None:
        page.goto("/login/")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator(".who .email")).to_have_text(user.email)

    return submit


@pytest.fixture
def foreign_requests(
    live_server: LiveServer, requested_urls: list[str]
) -> Callable[[], list[str]]:
    """Return the requested URLs that did not go to the live server."""
    own = urlsplit(live_server.url)

    def collect() -> list[str]:
        assert requested_urls, "the browser made no requests at all"
        return [
            url
            for url in requested_urls
            if (urlsplit(url).scheme, urlsplit(url).netloc) != (own.scheme, own.netloc)
        ]

    return collect
