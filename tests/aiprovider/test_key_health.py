"""A revoked or unfunded key is noticed once, explained, and stops costing calls."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from aiprovider.errors import BYOKNotUsable, ProviderFailure
from aiprovider.health import breaker_email_send, rotation_due
from aiprovider.models import AuditEvent, ProviderConfig
from aiprovider.routing import route_ai_call
from aiprovider.services import provider_config_clear

pytestmark = pytest.mark.django_db


def _ask(account, user):
    return route_ai_call(account=account, user=user, task="query", prompt="Hi")


@pytest.mark.parametrize(
    ("behaviour", "reason"),
    [("invalid", "invalid_key"), ("nocredit", "billing")],
)
def test_a_permanent_rejection_opens_the_breaker_and_stops_further_calls(
    account, owner, key, save_key, fake_provider, behaviour, reason
):
    save_key(account, "anthropic", key("anthropic", behaviour))

    with pytest.raises(ProviderFailure):
        _ask(account, owner)
    sent_before = len(fake_provider.requests)
    with pytest.raises(BYOKNotUsable) as paused:
        _ask(account, owner)

    config = ProviderConfig.objects.get(account=account)
    assert config.breaker_open
    assert config.breaker_reason == reason
    assert paused.value.reason == "breaker_open"
    assert len(fake_provider.requests) == sent_before
    assert (
        AuditEvent.objects.filter(
            account=account, action="breaker_opened", source="system"
        ).count()
        == 1
    )


@pytest.mark.parametrize("behaviour", ["ratelimited", "overloaded", "servererror"])
def test_the_breaker_never_opens_on_rate_limits_or_outages(
    account, owner, key, save_key, behaviour
):
    save_key(account, "openai", key("openai", behaviour))

    for _ in range(3):
        with pytest.raises(ProviderFailure):
            _ask(account, owner)

    assert not ProviderConfig.objects.get(account=account).breaker_open


def test_owners_and_admins_are_told_once(
    account, owner, admin, member, key, save_key, django_capture_on_commit_callbacks
):
    save_key(account, "anthropic", key("anthropic", "invalid"))

    with django_capture_on_commit_callbacks() as callbacks:
        for _ in range(2):
            with pytest.raises((ProviderFailure, BYOKNotUsable)):
                _ask(account, owner)

    assert len(callbacks) == 1


def test_the_email_says_what_happened_and_what_to_do_without_the_key(
    account, owner, admin, member, key, save_key
):
    api_key = key("anthropic", "invalid")
    save_key(account, "anthropic", api_key)
    with pytest.raises(ProviderFailure):
        _ask(account, owner)

    sent = breaker_email_send(ProviderConfig.objects.get(account=account).pk)

    assert sent == 1
    (email,) = mail.outbox
    assert sorted(email.to) == sorted([owner.email, admin.email])
    assert "Claude (Anthropic) rejected" in email.subject
    assert "invalid or has been revoked" in email.body
    assert "console.anthropic.com" in email.body
    assert f"/accounts/{account.pk}/settings/ai-provider/" in email.body
    assert api_key not in email.subject + email.body
    assert api_key[-4:] in email.body


def test_saving_a_new_key_closes_the_breaker(account, owner, key, save_key):
    save_key(account, "openai", key("openai", "invalid"))
    with pytest.raises(ProviderFailure):
        _ask(account, owner)

    save_key(account, "openai", key("openai"))

    assert _ask(account, owner).billing == "byok"
    assert not ProviderConfig.objects.get(account=account).breaker_open


def test_reverting_to_system_default_closes_the_breaker(account, owner, key, save_key):
    save_key(account, "openai", key("openai", "nocredit"))
    with pytest.raises(ProviderFailure):
        _ask(account, owner)

    provider_config_clear(account=account, actor=owner, source="web")

    assert not ProviderConfig.objects.get(account=account).breaker_open
    assert _ask(account, owner).billing == "system"


def test_a_late_failure_of_the_old_key_cannot_pause_a_newly_saved_key(
    account, owner, key, save_key
):
    from aiprovider.health import breaker_trip

    old = save_key(account, "openai", key("openai", "invalid"))
    save_key(account, "openai", key("openai"))

    assert breaker_trip(old, reason="invalid_key") is False
    assert not ProviderConfig.objects.get(account=account).breaker_open


def test_every_page_of_owners_and_admins_shows_the_paused_banner(
    account, owner, member, key, save_key, client_for
):
    save_key(account, "anthropic", key("anthropic", "invalid"))
    with pytest.raises(ProviderFailure):
        _ask(account, owner)

    for path in (
        f"/accounts/{account.pk}/datasets/",
        f"/accounts/{account.pk}/usage/",
        f"/accounts/{account.pk}/settings/ai-provider/",
    ):
        page = client_for(owner).get(path).content.decode()
        assert "AI calls are paused: Claude (Anthropic) rejected the saved key" in page
    member_page = client_for(member).get(f"/accounts/{account.pk}/datasets/")
    assert "AI calls are paused" not in member_page.content.decode()


def test_keys_past_the_rotation_age_get_a_reminder(
    account, owner, key, save_key, client_for, settings
):
    settings.KEY_ROTATION_DAYS = 90
    config = save_key(account, "openai", key("openai"))
    assert not rotation_due(config)
    ProviderConfig.objects.filter(pk=config.pk).update(
        key_saved_at=timezone.now() - timedelta(days=91)
    )

    page = client_for(owner).get(f"/accounts/{account.pk}/settings/ai-provider/")

    html = page.content.decode()
    assert "The saved OpenAI key is 91 days old. Consider rotating it" in html
    assert "platform.openai.com" in html
    assert "91 days old" in html


def test_key_health_is_in_the_api(account, owner, key, save_key, client_for):
    save_key(account, "openai", key("openai", "invalid"))
    with pytest.raises(ProviderFailure):
        _ask(account, owner)

    body = client_for(owner).get(f"/api/v1/accounts/{account.pk}/ai-provider/").json()

    health = body["key_health"]
    assert health["breaker_open"] is True
    assert health["last_failure"] == "invalid_key"
    assert health["saved_at"] and health["last_failure_at"] and health["last_used_at"]
    assert body["byok_active"] is False


def test_a_call_still_running_when_the_key_changes_leaves_the_new_key_alone(
    account, owner, key, save_key
):
    from aiprovider.health import key_outcome_record

    old = save_key(account, "openai", key("openai"))
    save_key(account, "openai", key("openai", salt="new"))

    key_outcome_record(old, category="invalid_key")
    key_outcome_record(old, category="valid")

    config = ProviderConfig.objects.get(account=account)
    assert config.last_used_at is None
    assert config.last_failure == ""
    assert not config.breaker_open


def test_a_line_break_in_the_account_name_cannot_stop_the_email(
    account, owner, key, save_key
):
    account.name = "Acme\r\nBcc: someone@example.test"
    account.save()
    save_key(account, "anthropic", key("anthropic", "invalid"))
    with pytest.raises(ProviderFailure):
        _ask(account, owner)

    assert breaker_email_send(ProviderConfig.objects.get(account=account).pk) == 1
    (email,) = mail.outbox
    assert "\n" not in email.subject and "\r" not in email.subject
    assert email.bcc == []


def test_the_page_where_the_key_was_rejected_already_shows_the_banner(
    account, owner, key, save_key, client_for
):
    from analytics.services import dataset_create

    save_key(account, "openai", key("openai", "invalid"))
    dataset = dataset_create(
        account=account, user=owner, name="W", raw=b"a,b\n1,2\n3,4\n"
    )

    page = client_for(owner).post(
        f"/accounts/{account.pk}/datasets/{dataset.pk}/",
        {"question": "Hi", "task": "query"},
    )

    assert "AI calls are paused: OpenAI rejected the saved key" in page.content.decode()
