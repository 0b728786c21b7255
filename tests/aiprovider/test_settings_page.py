"""Account Settings → AI Provider, as owners, admins and members see it."""

import re

import pytest

from aiprovider.models import AuditEvent, ProviderConfig

pytestmark = pytest.mark.django_db


def _url(account) -> str:
    return f"/accounts/{account.pk}/settings/ai-provider/"


def _version(account) -> int:
    return ProviderConfig.objects.get(account=account).version


def _post(client, account, **data):
    data.setdefault("fallback_to_system", "")
    return client.post(_url(account), data, follow=True)


def test_the_page_offers_three_options_hints_and_buttons(account, owner, client_for):
    html = client_for(owner).get(_url(account)).content.decode()

    assert "System Default" in html and "uses Scoop's AI" in html
    assert "Claude (Anthropic)" in html and "OpenAI" in html
    assert "console.anthropic.com" in html and "platform.openai.com" in html
    assert 'type="password"' in html
    for button in ("Test API Key", "Save Settings", "Clear &amp; Use System Default"):
        assert button in html
    assert "data-confirm=" in html


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_saving_a_key_activates_byok_and_clears_the_field(
    account, key, client_for, role, request
):
    user = request.getfixturevalue(role)
    api_key = key("anthropic")

    page = _post(
        client_for(user),
        account,
        provider="anthropic",
        api_key=api_key,
        version=_version(account) if ProviderConfig.objects.exists() else 1,
    )

    html = page.content.decode()
    assert "BYOK is now active" in html
    assert "BYOK is active - Using Claude (Anthropic)" in html
    assert "Currently configured" in html
    assert api_key not in html
    assert api_key[-4:] in html
    assert not re.search(r'name="api_key"[^>]*value="[^"]+', html)


def test_openai_banner_names_openai(account, owner, key, client_for):
    client = client_for(owner)
    client.get(_url(account))

    page = _post(client, account, provider="openai", api_key=key("openai"), version=1)

    assert "BYOK is active - Using OpenAI" in page.content.decode()


def test_a_provider_without_a_key_shows_the_partial_warning(account, owner, client_for):
    client = client_for(owner)
    client.get(_url(account))

    page = _post(client, account, provider="openai", api_key="", version=1)

    html = page.content.decode()
    assert "Both provider AND key must be set for BYOK to activate." in html
    assert "BYOK is active" not in html


def test_a_bad_key_is_explained_on_the_field_and_nothing_is_saved(
    account, owner, key, client_for
):
    client = client_for(owner)
    client.get(_url(account))
    pasted = '"' + key("openai") + '"'

    page = _post(client, account, provider="openai", api_key=pasted, version=1)

    html = page.content.decode()
    assert "Remove the quotation marks around the key." in html
    assert key("openai") not in html
    config = ProviderConfig.objects.get(account=account)
    assert config.provider == "system" and not config.has_stored_key


def test_a_stale_page_is_refused_with_a_clear_message(
    account, owner, admin, key, client_for
):
    owner_client, admin_client = client_for(owner), client_for(admin)
    owner_client.get(_url(account))
    _post(admin_client, account, provider="openai", api_key=key("openai"), version=1)

    page = _post(
        owner_client, account, provider="anthropic", api_key=key("anthropic"), version=1
    )

    assert "Someone else changed these settings" in page.content.decode()
    assert ProviderConfig.objects.get(account=account).provider == "openai"


def test_clear_returns_to_system_default(account, owner, key, client_for):
    client = client_for(owner)
    client.get(_url(account))
    _post(client, account, provider="anthropic", api_key=key("anthropic"), version=1)

    page = client.post(f"{_url(account)}clear/", follow=True)

    html = page.content.decode()
    assert "Settings cleared. Using system defaults." in html
    config = ProviderConfig.objects.get(account=account)
    assert config.provider == "system"
    assert not config.has_stored_key
    assert "Currently configured" not in html
    assert AuditEvent.objects.filter(account=account, action="cleared").exists()


def test_members_are_told_the_page_is_for_owners_and_admins(
    account, member, client_for
):
    page = client_for(member).get(_url(account))

    assert page.status_code == 403
    assert "Only visible to owners and admins" in page.content.decode()


def test_members_cannot_save_or_clear(account, member, key, client_for):
    client = client_for(member)

    saved = client.post(
        _url(account), {"provider": "openai", "api_key": key("openai"), "version": 1}
    )
    cleared = client.post(f"{_url(account)}clear/")

    assert (saved.status_code, cleared.status_code) == (403, 403)
    assert not ProviderConfig.objects.filter(
        account=account, provider="openai"
    ).exists()


def test_other_accounts_users_get_not_found(account, outsider, client_for):
    assert client_for(outsider).get(_url(account)).status_code == 404


def test_the_last_test_of_the_saved_key_is_shown(
    account, owner, key, client_for, save_key
):
    from aiprovider.services import key_test_execute, key_test_request

    save_key(account, "openai", key("openai"))
    test = key_test_request(
        account=account, actor=owner, source="web", provider="openai", api_key=None
    )
    key_test_execute(str(test.pk))

    html = client_for(owner).get(_url(account)).content.decode()

    last = re.search(r'data-testid="last-test">(.*?)</dd>', html, re.S).group(1)
    assert "Valid" in last


def test_a_key_pasted_into_the_hidden_version_never_comes_back(
    account, owner, key, client_for
):
    api_key = key("openai")

    page = _post(
        client_for(owner), account, provider="openai", api_key="", version=api_key
    )

    html = page.content.decode()
    assert api_key not in html
    assert "This page is out of date." in html
    assert not ProviderConfig.objects.filter(provider="openai").exists()


def test_saving_a_key_whose_last_test_failed_says_so(account, owner, key, client_for):
    from aiprovider.services import key_test_execute, key_test_request

    client = client_for(owner)
    client.get(_url(account))
    bad = key("openai", "invalid")
    test = key_test_request(
        account=account, actor=owner, source="web", provider="openai", api_key=bad
    )
    key_test_execute(str(test.pk))

    page = _post(client, account, provider="openai", api_key=bad, version=1)

    html = page.content.decode()
    assert "The last test of this key failed:" in html
    assert "OpenAI rejected this API key" in html


def test_saving_a_provider_without_a_key_says_ai_features_will_fail(
    account, owner, client_for
):
    client = client_for(owner)
    client.get(_url(account))

    page = _post(client, account, provider="anthropic", api_key="", version=1)

    assert "AI features of this account will fail" in page.content.decode()


def test_clearing_from_a_stale_page_is_refused(account, owner, admin, key, client_for):
    owner_client, admin_client = client_for(owner), client_for(admin)
    owner_client.get(_url(account))
    _post(admin_client, account, provider="openai", api_key=key("openai"), version=1)

    page = owner_client.post(f"{_url(account)}clear/", {"version": 1}, follow=True)

    assert "Someone else changed these settings" in page.content.decode()
    assert ProviderConfig.objects.get(account=account).provider == "openai"
