"""Property tests: no key input, however odd, crashes or gets echoed back."""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiprovider.keyformat import CheckedKey, KeyRejected, check_api_key
from aiprovider.services import provider_config_for

KEY_CODES = {
    "key_empty",
    "key_whitespace",
    "key_control_or_non_ascii",
    "key_quoted",
    "key_bearer_prefix",
    "key_wrong_provider",
    "key_admin",
    "key_masked",
    "key_too_long",
    "key_malformed",
}
PROVIDERS = st.sampled_from([None, "anthropic", "openai"])
PREFIXES = st.sampled_from(
    [
        "",
        "sk-",
        "sk-ant-",
        "sk-ant-api03-",
        "sk-proj-",
        "sk-admin-",
        "Bearer ",
        "'",
        "sk_live_",
        "AIza",
        " sk-ant-api03-",
        "authorization: ",
    ]
)
# Long enough that no fixed wording of a message could contain it by chance.
BODIES = st.text(min_size=24, max_size=600).filter(lambda body: body.strip())
# Valid values often enough that the other fields' checks are reached too.
PROVIDER_FIELD = st.one_of(
    st.sampled_from(["system", "anthropic", "openai"]), st.text(max_size=200)
)
KEY_FIELD = st.one_of(
    st.just(""),
    PREFIXES.flatmap(lambda p: BODIES.map(lambda b: p + b)),
    st.text(max_size=700),
)
VERSION_FIELD = st.one_of(st.just("1"), st.integers().map(str), st.text(max_size=50))
FALLBACK_FIELD = st.one_of(st.sampled_from(["", "on", "true"]), st.text(max_size=50))
DB_EXAMPLES = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@given(raw=st.text(max_size=700), provider=PROVIDERS)
def test_any_text_gives_a_checked_key_or_a_documented_refusal(raw, provider):
    try:
        checked = check_api_key(raw, provider=provider)
    except KeyRejected as refused:
        assert refused.code in KEY_CODES
        assert refused.message
        return
    assert isinstance(checked, CheckedKey)
    assert checked.key == raw.strip()
    assert checked.provider in ("anthropic", "openai")
    assert provider in (None, checked.provider)
    assert all(isinstance(warning, str) for warning in checked.warnings)


@given(prefix=PREFIXES, body=BODIES, provider=PROVIDERS)
def test_no_message_or_warning_repeats_the_key(prefix, body, provider):
    raw = prefix + body
    try:
        checked = check_api_key(raw, provider=provider)
        said = " ".join(checked.warnings)
    except KeyRejected as refused:
        said = refused.message
    stripped = raw.strip()
    assert body.strip() not in said
    assert stripped[8:-4] not in said or len(stripped[8:-4]) < 12


@given(
    raw=st.one_of(
        st.integers(),
        st.floats(allow_nan=True),
        st.booleans(),
        st.binary(),
        st.lists(st.text()),
        st.dictionaries(st.text(), st.text()),
    )
)
def test_a_key_that_is_not_text_is_refused_as_malformed(raw):
    with pytest.raises(KeyRejected) as refused:
        check_api_key(raw, provider="openai")
    assert refused.value.code == "key_malformed"


# Through the API and the web form -------------------------------------------

ANY_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=200),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=6,
)


def config_snapshot(account) -> tuple:  # type: ignore[no-untyped-def]
    config = provider_config_for(account)
    return (
        config.provider,
        config.encrypted_key,
        config.fallback_to_system,
        config.version,
    )


@pytest.mark.django_db
@DB_EXAMPLES
@given(
    provider=st.one_of(PROVIDER_FIELD, ANY_JSON),
    api_key=st.one_of(KEY_FIELD, ANY_JSON),
    fallback=ANY_JSON,
    if_match=st.text(
        alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40
    ),
)
def test_an_api_put_with_arbitrary_fields_is_a_field_error_never_a_500(
    owner, account, api_for, provider, api_key, fallback, if_match
):
    client = api_for(owner)
    url = reverse("api-ai-provider", kwargs={"account_id": account.pk})
    before = config_snapshot(account)

    response = client.put(
        url,
        {"provider": provider, "api_key": api_key, "fallback_to_system": fallback},
        format="json",
        HTTP_IF_MATCH=if_match,
    )

    assert response.status_code in (200, 400, 412), response.content
    if response.status_code != 200:
        body = response.json()
        assert body["code"]
        if response.status_code == 400:
            assert set(body["errors"]) & {"provider", "api_key", "fallback_to_system"}
        assert config_snapshot(account) == before
    if isinstance(api_key, str) and len(api_key.strip()) >= 12:
        assert api_key.strip() not in response.content.decode()


@pytest.mark.django_db
@DB_EXAMPLES
@given(
    provider=PROVIDER_FIELD,
    api_key=KEY_FIELD,
    fallback=FALLBACK_FIELD,
    version=VERSION_FIELD,
)
def test_a_web_save_with_arbitrary_fields_is_a_form_error_never_a_500(
    owner, account, provider, api_key, fallback, version
):
    browser = Client(raise_request_exception=False)
    browser.force_login(owner)
    url = reverse("ai-provider-settings", kwargs={"account_id": account.pk})
    before = config_snapshot(account)

    response = browser.post(
        url,
        {
            "provider": provider,
            "api_key": api_key,
            "fallback_to_system": fallback,
            "version": version,
        },
    )

    assert response.status_code in (200, 302)
    if response.status_code == 200:
        html = response.content.decode()
        assert 'class="error' in html, "refused without saying why"
        assert config_snapshot(account) == before
    elsewhere = provider + fallback + version + browser.get(url).content.decode()
    if len(api_key.strip()) >= 12 and api_key.strip() not in elsewhere:
        assert api_key.strip() not in response.content.decode()


@pytest.mark.django_db
@DB_EXAMPLES
@given(provider=PROVIDER_FIELD, api_key=st.one_of(KEY_FIELD, ANY_JSON))
def test_a_key_test_request_with_arbitrary_fields_never_queues_junk(
    owner, account, api_for, provider, api_key, queued_key_tests
):
    queued_key_tests.clear()

    response = api_for(owner).post(
        reverse("api-key-tests", kwargs={"account_id": account.pk}),
        {"provider": provider, "api_key": api_key},
        format="json",
    )

    assert response.status_code in (202, 400, 409, 429), response.content
    if response.status_code != 202:
        assert queued_key_tests == []
    if isinstance(api_key, str) and len(api_key.strip()) >= 12:
        assert api_key.strip() not in response.content.decode()
