"""The interactive API docs work in a real browser under the site's CSP."""

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_docs_list_every_operation_from_the_apps_own_files(
    page: Page,
    owner: User,
    sign_in: Callable[[User], None],
    foreign_requests: Callable[[], list[str]],
):
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    sign_in(owner)

    page.goto("/api/v1/docs/")

    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible(timeout=15_000)
    assert operations.count() >= 14
    expect(
        page.get_by_text("/api/v1/accounts/{account_id}/ai-provider/").first
    ).to_be_visible()
    assert foreign_requests() == []
    assert refused == []
