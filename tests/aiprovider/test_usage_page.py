"""The usage page: tokens and estimated cost by user, task, provider and day."""

import re

import pytest

from aiprovider.models import UsageRecord
from aiprovider.routing import route_ai_call

pytestmark = pytest.mark.django_db


def _row(html: str, label: str) -> list[str]:
    match = re.search(rf"<tr><th>{re.escape(label)}</th>(.*?)</tr>", html, re.S)
    assert match, f"no row {label!r}"
    return re.findall(r'<td class="num">([^<]*)</td>', match.group(1))


@pytest.fixture
def calls(account, owner, member, key, save_key):
    """One System Default call by the member, then two BYOK calls by the owner."""
    route_ai_call(account=account, user=member, task="summary", prompt="Hi")
    save_key(account, "openai", key("openai"))
    route_ai_call(account=account, user=owner, task="query", prompt="Hi")
    route_ai_call(account=account, user=owner, task="why", prompt="Why?")
    return list(UsageRecord.objects.filter(account=account).order_by("pk"))


def test_owners_see_byok_and_credits_side_by_side(account, owner, calls, client_for):
    html = client_for(owner).get(f"/accounts/{account.pk}/usage/").content.decode()

    byok = [r for r in calls if r.billing == "byok"]
    system = [r for r in calls if r.billing == "system"]
    byok_row = _row(html, "Your own key (BYOK)")
    system_row = _row(html, "System Default (Scoop credits)")
    assert byok_row[0] == "2"
    assert int(byok_row[1]) == sum(r.input_tokens for r in byok)
    assert byok_row[4] == "0.0000"
    assert system_row[0] == "1"
    assert system_row[4] == str(system[0].credits_charged)
    assert 'data-testid="usage-chart"' in html
    for table in ("user", "task", "provider", "day"):
        assert f'data-testid="usage-by-{table}"' in html
    assert "member@acme.test" in html and "owner@acme.test" in html


def test_the_chart_stacks_each_days_tokens_by_billing(
    account, owner, calls, client_for
):
    html = client_for(owner).get(f"/accounts/{account.pk}/usage/").content.decode()

    day = calls[0].created_at.date().isoformat()
    byok_tokens = sum(r.input_tokens + r.output_tokens for r in calls[1:])
    system_tokens = calls[0].input_tokens + calls[0].output_tokens
    assert (
        f"{day}: {byok_tokens} BYOK tokens, {system_tokens} System Default tokens"
        in html
    )


def test_members_see_only_their_own_usage(account, member, calls, client_for):
    html = client_for(member).get(f"/accounts/{account.pk}/usage/").content.decode()

    assert "Your own AI calls" in html
    assert _row(html, "Total")[0] == "1"
    assert "owner@acme.test</td>" not in html


def test_a_bad_period_is_explained_not_a_server_error(account, owner, client_for):
    page = client_for(owner).get(
        f"/accounts/{account.pk}/usage/", {"start": "2026-13-01", "end": "yesterday"}
    )

    assert page.status_code == 200
    html = page.content.decode()
    assert "Enter the first day as YYYY-MM-DD." in html
    assert "Enter the last day as YYYY-MM-DD." in html


def test_a_reversed_period_is_explained(account, owner, client_for):
    page = client_for(owner).get(
        f"/accounts/{account.pk}/usage/", {"start": "2026-02-01", "end": "2026-01-01"}
    )

    assert "Choose a last day on or after the first day." in page.content.decode()


def test_other_accounts_users_cannot_see_the_usage(account, outsider, client_for):
    assert client_for(outsider).get(f"/accounts/{account.pk}/usage/").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(account, client_for):
    page = client_for(None).get(f"/accounts/{account.pk}/usage/")

    assert page.status_code == 302
    assert page["Location"].startswith("/login/")
