"""The Django admin: every page works for staff, and none shows key material.

Staff see configuration state and may clear a configuration, but no admin
page (list, change form, search, history) ever contains a key, a key's
ciphertext, an API token or its digest.
"""

from collections.abc import Iterator

import pytest
from django.contrib import admin as django_admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from knox.models import AuthToken

from accounts.models import APIToken
from accounts.services import api_token_create
from aiprovider.models import (
    AuditEvent,
    CreditLedgerEntry,
    KeyTest,
    ProviderConfig,
    UsageRecord,
)
from aiprovider.services import key_test_request, provider_config_update
from analytics.models import Dataset
from analytics.services import question_ask

# Models whose single objects staff may open; tokens are list-only.
LIST_ONLY = {APIToken}
SEARCH_TERM = "acme"


@pytest.fixture
def staff_client(staff) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def secrets(account, owner, admin, member, key, monkeypatch) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """Fill every admin model with data, and return every secret in it."""
    from aiprovider.tasks import run_key_test

    monkeypatch.setattr(run_key_test, "apply_async", lambda *a, **k: None)
    Group.objects.create(name="Acme support")
    dataset = Dataset.objects.create(
        account=account,
        name="Acme regions",
        uploaded_by=owner,
        columns=["region", "amount"],
        row_count=1,
        content="region,amount\nnorth,10\n",
    )
    # A System Default call first: a usage row and a credit ledger entry.
    question_ask(account=account, user=member, question="Summary?", dataset=dataset)
    saved_key = key("anthropic")
    provider_config_update(
        account=account,
        actor=owner,
        source="web",
        provider="anthropic",
        api_key=saved_key,
    )
    question_ask(account=account, user=member, question="And now, BYOK?")
    tested_key = key("openai")
    pending = key_test_request(
        account=account,
        actor=admin,
        source="web",
        provider="openai",
        api_key=tested_key,
    )
    _, token = api_token_create(user=owner)

    config = ProviderConfig.objects.get(account=account)
    stored_token = AuthToken.objects.get(user=owner)
    pending.refresh_from_db()
    assert config.encrypted_key and pending.candidate_ciphertext
    yield [
        saved_key,
        saved_key[:-4],
        tested_key,
        tested_key[:-4],
        config.encrypted_key,
        config.key_fingerprint,
        pending.candidate_ciphertext,
        pending.key_fingerprint,
        token,
        stored_token.token_key,
        stored_token.digest,
    ]


def registered_models() -> list[type]:
    return sorted(django_admin.site._registry, key=lambda model: model._meta.label)


def admin_url(model: type, view: str, *args: object) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def assert_no_secrets(response, secrets: list[str]) -> None:  # type: ignore[no-untyped-def]
    page = response.content.decode()
    for secret in secrets:
        assert secret not in page, f"{response.request['PATH_INFO']} shows a secret"


def test_every_expected_model_is_in_the_admin():
    labels = {model._meta.label for model in registered_models()}

    assert {
        "accounts.Account",
        "accounts.Membership",
        "accounts.User",
        "accounts.APIToken",
        "aiprovider.ProviderConfig",
        "aiprovider.KeyTest",
        "aiprovider.UsageRecord",
        "aiprovider.CreditLedgerEntry",
        "aiprovider.AuditEvent",
    } <= labels
    assert "knox.AuthToken" not in labels


def test_the_admin_index_shows_no_secrets(staff_client, secrets):
    response = staff_client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert_no_secrets(response, secrets)


@pytest.mark.parametrize("model", registered_models(), ids=lambda m: m._meta.label)
def test_every_changelist_and_its_search_work_without_secrets(
    model, staff_client, secrets
):
    listing = staff_client.get(admin_url(model, "changelist"))
    search = staff_client.get(admin_url(model, "changelist"), {"q": SEARCH_TERM})

    assert listing.status_code == 200
    assert search.status_code == 200
    assert listing.context["cl"].result_count >= 1
    if django_admin.site._registry[model].search_fields:
        assert search.context["cl"].result_count >= 1
    assert_no_secrets(listing, secrets)
    assert_no_secrets(search, secrets)


@pytest.mark.parametrize(
    "model",
    [m for m in registered_models() if m not in LIST_ONLY],
    ids=lambda m: m._meta.label,
)
def test_every_change_page_and_history_work_without_secrets(
    model, staff_client, secrets
):
    obj = model._default_manager.first()

    change = staff_client.get(admin_url(model, "change", obj.pk))
    history = staff_client.get(admin_url(model, "history", obj.pk))

    assert change.status_code == 200
    assert history.status_code == 200
    assert_no_secrets(change, secrets)
    assert_no_secrets(history, secrets)


def test_no_change_form_offers_a_key_or_ciphertext_field(staff_client, secrets):
    for model in (ProviderConfig, KeyTest):
        obj = model._default_manager.first()
        page = staff_client.get(admin_url(model, "change", obj.pk)).content.decode()

        for name in ("encrypted_key", "candidate_ciphertext", "key_fingerprint"):
            assert f'name="{name}"' not in page
            assert f"field-{name}" not in page


def test_api_tokens_are_listed_but_never_opened(staff_client, secrets, owner):
    digest = AuthToken.objects.get(user=owner).digest

    listing = staff_client.get(admin_url(APIToken, "changelist"))
    opened = staff_client.get(admin_url(APIToken, "change", digest))
    deleted = staff_client.get(admin_url(APIToken, "delete", digest))

    assert owner.email in listing.content.decode()
    assert opened.status_code in (302, 403)
    assert deleted.status_code in (302, 403)
    assert_no_secrets(opened, secrets)
    assert staff_client.get(admin_url(APIToken, "add")).status_code == 403


def test_staff_can_revoke_a_users_api_tokens(staff_client, secrets, owner):
    response = staff_client.post(
        admin_url(type(owner), "changelist"),
        {"action": "revoke_api_tokens", "_selected_action": [owner.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert not AuthToken.objects.filter(user=owner).exists()
    assert "Revoked 1 API token(s)." in response.content.decode()


@pytest.mark.parametrize(
    "model", [AuditEvent, UsageRecord, CreditLedgerEntry, KeyTest, ProviderConfig]
)
def test_records_only_the_product_writes_are_read_only(model, staff_client, secrets):
    obj = model._default_manager.first()
    before = model._default_manager.count()

    add = staff_client.get(admin_url(model, "add"))
    change = staff_client.post(admin_url(model, "change", obj.pk), {"detail": "x"})
    delete = staff_client.post(admin_url(model, "delete", obj.pk), {"post": "yes"})
    listing = staff_client.get(admin_url(model, "changelist")).content.decode()

    assert add.status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 403
    assert model._default_manager.count() == before
    assert admin_url(model, "add") not in listing
    assert 'value="delete_selected"' not in listing


def test_clearing_a_configuration_from_the_admin_is_audited(
    staff_client, secrets, account, staff
):
    config = ProviderConfig.objects.get(account=account)

    response = staff_client.post(
        admin_url(ProviderConfig, "changelist"),
        {"action": "clear_to_system_default", "_selected_action": [config.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "Cleared 1 configuration(s) back to System Default." in (
        response.content.decode()
    )
    config.refresh_from_db()
    assert config.provider == "system"
    assert config.encrypted_key == ""
    assert config.stored_key_provider == ""
    event = AuditEvent.objects.filter(account=account).latest("id")
    assert (event.action, event.source, event.actor) == ("cleared", "admin", staff)
    assert event.actor_email == staff.email
    history = staff_client.get(admin_url(ProviderConfig, "history", config.pk))
    assert "Cleared to System Default." in history.content.decode()
    assert LogEntry.objects.filter(object_id=str(config.pk)).count() == 1


def test_clearing_touches_no_other_data(staff_client, secrets, account):
    config = ProviderConfig.objects.get(account=account)
    counts = [
        m.objects.count() for m in (UsageRecord, CreditLedgerEntry, KeyTest, Dataset)
    ]

    staff_client.post(
        admin_url(ProviderConfig, "changelist"),
        {"action": "clear_to_system_default", "_selected_action": [config.pk]},
    )

    assert counts == [
        m.objects.count() for m in (UsageRecord, CreditLedgerEntry, KeyTest, Dataset)
    ]


def test_searching_by_a_key_finds_nothing(staff_client, secrets, key):
    fragment = key("anthropic")[:30]

    for model in (ProviderConfig, KeyTest, AuditEvent):
        response = staff_client.get(admin_url(model, "changelist"), {"q": fragment})

        assert response.context["cl"].result_count == 0


def test_the_provider_configuration_shows_its_state(staff_client, secrets, account):
    config = ProviderConfig.objects.get(account=account)

    page = staff_client.get(
        admin_url(ProviderConfig, "change", config.pk)
    ).content.decode()

    assert "BYOK is active - Using Claude (Anthropic)" in page
    assert config.key_hint in page


def test_people_who_are_not_staff_cannot_open_the_admin(owner, client_for):
    response = client_for(owner).get(admin_url(ProviderConfig, "changelist"))

    assert response.status_code == 302
    assert "/login/" in response["Location"]
