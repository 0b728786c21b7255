"""Account Settings → AI Provider in a real browser, end to end.

The page's JavaScript queues the key test through the API and polls it; the
thread Celery worker runs the test against the fake provider; the question
about an uploaded dataset goes through the router with the saved key.
"""

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Dialog, Page, expect

from accounts.models import Account, User
from aiprovider.models import ProviderConfig
from fakeprovider import FakeProviderServer, RecordedRequest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAMPLE_CSV = (
    Path(__file__).resolve().parents[2]
    / "analytics"
    / "sample_data"
    / "iowa-electricity.csv"
)
QUESTION = "Show me a summary of this data"
SYSTEM_DEFAULT_STATE = "Using System Default (Scoop AI credits)."
# Work done by the Celery worker (key tests, dataset summaries) takes about a
# second here; the margin only absorbs a busy machine.
WORKER_TIMEOUT_MS = 30_000

# Record every state the key test result box goes through, so a progress
# message that is replaced quickly is still seen.
WATCH_TEST_RESULT = """() => {
  const box = document.getElementById("key-test-result");
  window.keyTestStates = [];
  new MutationObserver(() => window.keyTestStates.push({
    visible: !box.hidden, kind: box.className, text: box.textContent,
  })).observe(box, {attributes: true, childList: true, characterData: true});
}"""


# Steps a person takes ---------------------------------------------------


def open_ai_provider_settings(page: Page) -> None:
    page.get_by_role("link", name="Account Settings → AI Provider").click()
    expect(page.get_by_role("heading", name="AI Provider")).to_be_visible()


def run_key_test_with_claude(page: Page, api_key: str) -> None:
    page.get_by_role("radio", name="Claude (Anthropic)").check()
    page.get_by_label("API key").fill(api_key)
    page.evaluate(WATCH_TEST_RESULT)
    page.get_by_role("button", name="Test API Key").click()


def upload_dataset(page: Page, name: str, path: Path) -> None:
    page.get_by_role("link", name="Datasets", exact=True).click()
    page.get_by_label("Name").fill(name)
    page.get_by_label("CSV file").set_input_files(path)
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()


def ask(page: Page, question: str) -> None:
    page.get_by_label("Question", exact=True).fill(question)
    page.get_by_role("button", name="Ask").click()


def clear_and_confirm(page: Page) -> list[str]:
    """Click "Clear & Use System Default", accept the confirmation."""
    confirmations: list[str] = []

    def accept(dialog: Dialog) -> None:
        confirmations.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    page.get_by_role("button", name="Clear & Use System Default").click()
    expect(
        page.get_by_role("status").filter(
            has_text="Settings cleared. Using system defaults."
        )
    ).to_be_visible()
    return confirmations


# What the page and the provider show -------------------------------------


def key_test_states(page: Page) -> list[dict[str, object]]:
    return page.evaluate("window.keyTestStates")


def key_sent(request: RecordedRequest) -> str | None:
    """Return the API key a provider call carried, however the SDK sent it."""
    bearer = request.headers.get("authorization", "")
    if bearer.startswith("Bearer "):
        return bearer.removeprefix("Bearer ")
    return request.headers.get("x-api-key")


def messages_calls_with(fake: FakeProviderServer, text: str) -> list[RecordedRequest]:
    return [
        request
        for request in fake.requests
        if request.path == "/v1/messages" and text in str(request.body)
    ]


def expect_system_default(page: Page) -> None:
    expect(page.get_by_test_id("system-banner")).to_have_text(SYSTEM_DEFAULT_STATE)
    expect(page.get_by_test_id("byok-banner")).to_have_count(0)
    expect(page.get_by_test_id("configured-badge")).to_have_count(0)
    system = page.get_by_role("radio", name=re.compile("^System Default"))
    expect(system).to_be_checked()


def assert_nothing_saved(account: Account) -> None:
    config = ProviderConfig.objects.get(account=account)
    assert (config.provider, config.has_stored_key) == ("system", False)


# The flows ---------------------------------------------------------------


def turn_on_byok_with_a_tested_claude_key(page: Page, claude_key: str) -> None:
    open_ai_provider_settings(page)
    run_key_test_with_claude(page, claude_key)

    result = page.locator("#key-test-result")
    expect(result).to_contain_text(
        "✓ API key is valid and working", timeout=WORKER_TIMEOUT_MS
    )
    expect(result).to_have_class(re.compile(r"\bsuccess\b"))
    progress = [s for s in key_test_states(page) if "progress" in str(s["kind"])]
    assert progress, "no progress was shown while the key test ran"
    assert all(s["visible"] and "Testing your key…" in s["text"] for s in progress)

    page.get_by_role("button", name="Save Settings").click()

    saved = page.get_by_role("status").filter(has_text="BYOK is now active")
    expect(saved).to_be_visible()
    banner = page.get_by_test_id("byok-banner")
    expect(banner).to_have_text("BYOK is active - Using Claude (Anthropic)")
    expect(banner).to_have_class(re.compile(r"\bsuccess\b"))
    expect(page.get_by_test_id("configured-badge")).to_have_text("Currently configured")
    expect(page.locator("code.hint")).to_have_text("…" + claude_key[-4:])
    expect(page.get_by_label("API key")).to_have_value("")
    expect(page.get_by_role("radio", name="Claude (Anthropic)")).to_be_checked()
    expect(page.get_by_test_id("last-test")).to_contain_text(
        "API key is valid and working"
    )
    assert claude_key not in page.content()


def ask_claude_about_an_uploaded_dataset(page: Page, claude_key: str) -> None:
    upload_dataset(page, "Iowa electricity", SAMPLE_CSV)
    expect(page).to_have_title("Iowa electricity · Scoop")
    expect(page.get_by_test_id("routing-note")).to_contain_text(
        "BYOK is active - Using Claude (Anthropic)"
    )
    # The background summary runs on the worker with the same saved key;
    # the page shows it once it is written, without the user reloading.
    summary_model = settings.AI_MODELS["anthropic"]["summary"]
    expect(page.get_by_test_id("summary")).to_contain_text(
        f"[Fake Claude · {summary_model}]", timeout=WORKER_TIMEOUT_MS
    )
    expect(page.locator("#dataset-summary .answered-by")).to_have_text(
        "Written by Claude (Anthropic) · billed to your own key (BYOK)"
    )

    ask(page, QUESTION)

    answer = page.get_by_test_id("answer").filter(has_text=QUESTION)
    expect(answer).to_have_count(1)
    # The fake provider starts each answer with the model that was called.
    query_model = settings.AI_MODELS["anthropic"]["query"]
    expect(answer.locator(".answer-text")).to_contain_text(
        f"[Fake Claude · {query_model}] I see a table"
    )
    answered_by = answer.get_by_test_id("answered-by")
    expect(answered_by).to_contain_text("Answered by Claude (Anthropic)")
    expect(answered_by).to_contain_text("billed to your own key (BYOK)")
    assert claude_key not in page.content()


def test_owner_turns_byok_on_uses_it_and_reverts_to_system_default(
    page: Page,
    sign_in: Callable[[User], None],
    foreign_requests: Callable[[], list[str]],
    owner: User,
    account: Account,
    key: Callable[..., str],
    fake_provider: FakeProviderServer,
    celery_worker: None,
) -> None:
    claude_key = key("anthropic", "valid")
    sign_in(owner)

    turn_on_byok_with_a_tested_claude_key(page, claude_key)
    ask_claude_about_an_uploaded_dataset(page, claude_key)

    [call] = messages_calls_with(fake_provider, QUESTION)
    assert key_sent(call) == claude_key
    assert call.body["model"] == settings.AI_MODELS["anthropic"]["query"]
    assert "year,source,net_generation" in str(call.body["messages"])
    [summary_call] = messages_calls_with(fake_provider, "Summarise the dataset")
    assert key_sent(summary_call) == claude_key
    # Key test, background summary and question: all on the customer's key,
    # never on Scoop's.
    assert {key_sent(r) for r in fake_provider.requests} == {claude_key}

    open_ai_provider_settings(page)
    confirmations = clear_and_confirm(page)

    assert len(confirmations) == 1 and "System Default" in confirmations[0]
    expect_system_default(page)
    assert_nothing_saved(account)
    assert foreign_requests() == []


def test_member_is_told_the_settings_are_for_owners_and_admins(
    page: Page,
    sign_in: Callable[[User], None],
    foreign_requests: Callable[[], list[str]],
    member: User,
    account: Account,
) -> None:
    sign_in(member)

    expect(page.get_by_role("link", name="Datasets", exact=True)).to_be_visible()
    settings_link = page.get_by_role("link", name="Account Settings → AI Provider")
    expect(settings_link).to_have_count(0)
    response = page.goto(f"/accounts/{account.pk}/settings/ai-provider/")

    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Only visible to owners and admins"
    )
    expect(page.get_by_role("button", name="Save Settings")).to_have_count(0)
    assert foreign_requests() == []


def test_invalid_key_shows_why_the_test_failed_and_nothing_is_saved(
    page: Page,
    sign_in: Callable[[User], None],
    foreign_requests: Callable[[], list[str]],
    owner: User,
    account: Account,
    key: Callable[..., str],
    fake_provider: FakeProviderServer,
    celery_worker: None,
) -> None:
    bad_key = key("anthropic", "invalid")
    sign_in(owner)
    open_ai_provider_settings(page)

    run_key_test_with_claude(page, bad_key)

    result = page.locator("#key-test-result")
    expect(result).to_contain_text(
        "✗ Claude (Anthropic) rejected this API key as invalid or revoked. "
        "Check that you copied the whole key, or create a new key in "
        "console.anthropic.com → API Keys.",
        timeout=WORKER_TIMEOUT_MS,
    )
    expect(result).to_have_class(re.compile(r"\berror\b"))
    assert bad_key not in result.inner_text()
    assert [key_sent(r) for r in fake_provider.requests] == [bad_key]

    page.reload()

    expect_system_default(page)
    assert_nothing_saved(account)
    assert bad_key not in page.content()
    assert foreign_requests() == []
