"""GET, PUT, PATCH and DELETE of an account's AI provider configuration."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aiprovider.models import AuditEvent, ProviderConfig
from aiprovider.selectors import PARTIAL_WARNING
from aiprovider.services import key_test_execute
from tests.api.envelope import assert_error

SHAPE = {
    "provider",
    "key_configured",
    "key_hint",
    "stored_key_provider",
    "byok_active",
    "status_message",
    "fallback_to_system",
    "last_test",
    "key_health",
    "version",
    "updated_at",
    "updated_by",
}


@pytest.fixture
def client(owner, api_for):  # type: ignore[no-untyped-def]
    return api_for(owner)


def put(client, url, body, **headers):  # type: ignore[no-untyped-def]
    return client.put(url, body, format="json", headers=headers)


def patch(client, url, body, **headers):  # type: ignore[no-untyped-def]
    return client.patch(url, body, format="json", headers=headers)


def test_a_fresh_account_uses_system_default(client, ai_provider_url):
    response = client.get(ai_provider_url)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == SHAPE
    assert body["provider"] == "system"
    assert body["byok_active"] is False
    assert body["key_configured"] is False
    assert body["last_test"] is None
    assert set(body["key_health"]) == {
        "saved_at",
        "last_used_at",
        "last_success_at",
        "last_failure_at",
        "last_failure",
        "breaker_open",
    }
    assert response["ETag"] == f'"{body["version"]}"'


def test_saving_provider_and_key_activates_byok(client, ai_provider_url, key, owner):
    api_key = key("anthropic")

    response = put(
        client, ai_provider_url, {"provider": "anthropic", "api_key": api_key}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["byok_active"] is True
    assert body["key_configured"] is True
    assert body["stored_key_provider"] == "anthropic"
    assert body["key_hint"] == "…" + api_key[-4:]
    assert body["status_message"] == "BYOK is active - Using Claude (Anthropic)"
    assert body["updated_by"] == owner.email
    assert body["warnings"] == []
    assert body["key_health"]["saved_at"]
    assert api_key not in response.content.decode()
    assert response["ETag"] == f'"{body["version"]}"'


def test_provider_is_required_on_put(client, ai_provider_url, key):
    response = put(client, ai_provider_url, {"api_key": key("anthropic")})

    body = assert_error(response, 400, "required")
    assert set(body["errors"]) == {"provider"}
    assert not ProviderConfig.objects.filter(encrypted_key__gt="").exists()


def test_patch_changes_only_what_it_names(client, ai_provider_url, key):
    put(client, ai_provider_url, {"provider": "openai", "api_key": key("openai")})

    response = patch(client, ai_provider_url, {"fallback_to_system": True})

    body = response.json()
    assert body["provider"] == "openai"
    assert body["byok_active"] is True
    assert body["fallback_to_system"] is True


@pytest.mark.parametrize(
    "blank", [{"api_key": ""}, {"api_key": None}, {}], ids=["blank", "null", "omitted"]
)
def test_a_blank_or_missing_key_keeps_the_stored_key(
    blank, client, ai_provider_url, key, account
):
    api_key = key("anthropic")
    put(client, ai_provider_url, {"provider": "anthropic", "api_key": api_key})

    response = put(client, ai_provider_url, {"provider": "anthropic", **blank})

    assert response.status_code == 200
    assert response.json()["byok_active"] is True
    assert ProviderConfig.objects.get(account=account).read_key() == api_key


def test_switching_provider_without_a_key_is_partial(
    client, ai_provider_url, key, account
):
    anthropic_key = key("anthropic")
    put(client, ai_provider_url, {"provider": "anthropic", "api_key": anthropic_key})

    response = put(client, ai_provider_url, {"provider": "openai"})

    assert response.status_code == 200
    body = response.json()
    assert body["provider"] == "openai"
    assert body["byok_active"] is False
    assert body["key_configured"] is False
    assert body["stored_key_provider"] == "anthropic"
    assert body["status_message"] == PARTIAL_WARNING
    # The old key stays, tagged with its own provider.
    assert ProviderConfig.objects.get(account=account).read_key() == anthropic_key


def test_a_key_saved_with_system_default_is_stored_but_unused(
    client, ai_provider_url, key
):
    response = put(
        client, ai_provider_url, {"provider": "system", "api_key": key("openai")}
    )

    body = response.json()
    assert body["provider"] == "system"
    assert body["byok_active"] is False
    assert body["stored_key_provider"] == "openai"
    assert "stored but not in use" in body["status_message"]


@pytest.mark.parametrize(
    "mask", ["sk-ant-****************abcd", "••••••••", "sk-…Xy9A"]
)
def test_masked_keys_are_rejected_and_never_stored(
    mask, client, ai_provider_url, account
):
    response = put(client, ai_provider_url, {"provider": "anthropic", "api_key": mask})

    body = assert_error(response, 400, "key_masked")
    assert body["errors"]["api_key"][0]["code"] == "key_masked"
    assert not ProviderConfig.objects.filter(
        account=account, encrypted_key__gt=""
    ).exists()


@pytest.mark.parametrize(
    ("mangle", "code"),
    [
        (lambda k: k[:20] + " " + k[20:], "key_whitespace"),
        (lambda k: f'"{k}"', "key_quoted"),
        (lambda k: f"Bearer {k}", "key_bearer_prefix"),
        (lambda k: k[:20] + "é" + k[20:], "key_control_or_non_ascii"),
        (lambda k: k + "A" * 600, "key_too_long"),
        (lambda k: k + "A" * 5000, "key_too_long"),
    ],
    ids=["whitespace", "quoted", "bearer", "non_ascii", "too_long", "far_too_long"],
)
def test_mangled_keys_are_refused_without_echoing_them(
    mangle, code, client, ai_provider_url, key
):
    submitted = mangle(key("anthropic"))

    response = put(
        client, ai_provider_url, {"provider": "anthropic", "api_key": submitted}
    )

    assert_error(response, 400, code)
    text = response.content.decode()
    assert key("anthropic") not in text
    assert key("anthropic")[:30] not in text


def test_the_other_providers_key_is_refused(client, ai_provider_url, key):
    response = put(
        client, ai_provider_url, {"provider": "anthropic", "api_key": key("openai")}
    )

    body = assert_error(response, 400, "key_wrong_provider")
    assert "OpenAI" in body["detail"]
    assert key("openai") not in response.content.decode()


@pytest.mark.parametrize(
    "field_name", ["provider", "fallback_to_system", "unknown_field"]
)
def test_a_key_put_in_any_other_field_is_never_echoed(
    field_name, client, ai_provider_url, key
):
    api_key = key("anthropic")
    body = {"provider": "anthropic", field_name: api_key}

    response = put(client, ai_provider_url, body)

    assert api_key not in response.content.decode()
    assert api_key[:24] not in response.content.decode()


@pytest.mark.parametrize("container", [list, dict], ids=["list", "object"])
def test_a_key_wrapped_in_a_container_is_never_echoed(
    container, client, ai_provider_url, key
):
    api_key = key("openai")
    wrapped = [api_key] if container is list else {"value": api_key}

    response = put(client, ai_provider_url, {"provider": wrapped, "api_key": wrapped})

    assert response.status_code == 400
    assert api_key not in response.content.decode()


def test_length_surprises_only_warn(client, ai_provider_url, key):
    longer = key("anthropic") + "Zz"

    response = put(
        client, ai_provider_url, {"provider": "anthropic", "api_key": longer}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["byok_active"] is True
    assert body["warnings"] == [
        "Anthropic API keys are usually 108 characters; this one has 110."
    ]
    assert longer not in response.content.decode()


def test_a_matching_if_match_saves_and_bumps_the_etag(client, ai_provider_url):
    etag = client.get(ai_provider_url)["ETag"]

    response = patch(
        client, ai_provider_url, {"fallback_to_system": True}, **{"If-Match": etag}
    )

    assert response.status_code == 200
    assert response["ETag"] != etag
    assert response["ETag"] == f'"{response.json()["version"]}"'


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_stale_if_match_is_412_and_changes_nothing(
    method, client, ai_provider_url, account, key
):
    stale = client.get(ai_provider_url)["ETag"]
    put(client, ai_provider_url, {"provider": "openai", "api_key": key("openai")})

    response = getattr(client, method)(
        ai_provider_url,
        {"provider": "system", "fallback_to_system": True},
        format="json",
        headers={"If-Match": stale},
    )

    assert_error(response, 412, "conflict")
    config = ProviderConfig.objects.get(account=account)
    assert config.provider == "openai"
    assert config.has_stored_key
    assert config.fallback_to_system is False


def test_an_unparsable_if_match_is_a_conflict(client, ai_provider_url):
    response = patch(
        client, ai_provider_url, {"fallback_to_system": True}, **{"If-Match": "abc"}
    )

    assert_error(response, 412, "conflict")


def test_delete_clears_the_key_and_returns_the_cleared_shape(
    client, ai_provider_url, key, account
):
    put(client, ai_provider_url, {"provider": "openai", "api_key": key("openai")})

    response = client.delete(ai_provider_url)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == SHAPE
    assert body["provider"] == "system"
    assert body["key_configured"] is False
    assert body["key_hint"] == ""
    assert body["stored_key_provider"] == ""
    assert response["ETag"] == f'"{body["version"]}"'
    assert ProviderConfig.objects.get(account=account).encrypted_key == ""


def test_clearing_twice_is_harmless(client, ai_provider_url):
    first = client.delete(ai_provider_url)
    second = client.delete(ai_provider_url)

    assert first.status_code == second.status_code == 200
    assert second.json()["provider"] == "system"


def test_every_change_is_audited_from_the_api(client, ai_provider_url, key, account):
    put(client, ai_provider_url, {"provider": "openai", "api_key": key("openai")})
    client.delete(ai_provider_url)

    actions = list(
        AuditEvent.objects.filter(account=account)
        .order_by("id")
        .values_list("action", "source")
    )
    assert actions == [
        ("configured", "api"),
        ("provider_switched", "api"),
        ("cleared", "api"),
    ]


def test_one_accounts_settings_never_touch_anothers(
    client, ai_provider_url, key, other_account, outsider, api_for
):
    other_url = reverse("api-ai-provider", kwargs={"account_id": other_account.pk})
    put(api_for(outsider), other_url, {"provider": "openai", "api_key": key("openai")})

    response = client.get(ai_provider_url)

    assert response.json()["provider"] == "system"


def test_last_test_shows_the_latest_finished_test_of_the_saved_key(
    client, ai_provider_url, key, account, queued_key_tests
):
    put(client, ai_provider_url, {"provider": "openai", "api_key": key("openai")})
    tests_url = reverse("api-key-tests", kwargs={"account_id": account.pk})
    test_id = client.post(tests_url, {"provider": "openai"}, format="json").json()["id"]
    key_test_execute(test_id)

    body = client.get(ai_provider_url).json()

    assert body["last_test"]["result"] == "valid"
    assert body["last_test"]["message"] == "API key is valid and working"
    assert body["last_test"]["finished_at"]
    assert body["key_health"]["last_success_at"]


def test_reading_the_configuration_takes_a_fixed_number_of_queries(
    client, ai_provider_url, key, django_assert_max_num_queries
):
    put(client, ai_provider_url, {"provider": "openai", "api_key": key("openai")})
    with CaptureQueriesContext(connection) as first_read:
        client.get(ai_provider_url)
    queries = len(first_read.captured_queries)
    # More history (audit events, saves) must not mean more queries.
    for _ in range(5):
        put(client, ai_provider_url, {"provider": "openai", "api_key": key("openai")})

    with django_assert_max_num_queries(queries):
        response = client.get(ai_provider_url)

    assert response.status_code == 200
    assert queries <= 6


def test_a_nul_in_the_key_gets_the_key_checks_code(client, ai_provider_url, key):
    response = put(
        client,
        ai_provider_url,
        {"provider": "openai", "api_key": key("openai") + "\x00"},
    )

    assert response.status_code == 400
    assert response.json()["errors"]["api_key"][0]["code"] == "key_control_or_non_ascii"


def test_a_patch_that_changes_nothing_keeps_the_version(client, ai_provider_url, key):
    put(client, ai_provider_url, {"provider": "openai", "api_key": key("openai")})
    before = client.get(ai_provider_url).json()["version"]

    response = client.patch(ai_provider_url, {}, format="json")

    assert response.status_code == 200
    assert response.json()["version"] == before


def test_a_misspelt_field_is_refused_not_ignored(client, ai_provider_url):
    response = client.patch(ai_provider_url, {"fallback_to_sytem": True}, format="json")

    assert response.status_code == 400
    error = response.json()["errors"]["non_field_errors"][0]
    assert error["code"] == "unknown_field"
    assert "fallback_to_sytem" in error["detail"]


def test_a_key_sent_as_a_field_name_is_not_echoed(client, ai_provider_url, key):
    api_key = key("openai")

    response = client.patch(ai_provider_url, {api_key: "x"}, format="json")

    assert response.status_code == 400
    assert api_key not in response.content.decode()
