"""A pasted key is checked, and copy-and-paste accidents refused, offline."""

import string

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from aiprovider.keyformat import (
    MAX_KEY_LENGTH,
    KeyRejected,
    check_api_key,
    key_hint,
)
from fakeprovider import demo_key

ANTHROPIC_KEY = demo_key("anthropic", "valid")
OPENAI_KEY = demo_key("openai", "valid")
KEY_ALPHABET = string.ascii_letters + string.digits + "-_"


def rejection(raw: object, provider: str | None = "anthropic") -> KeyRejected:
    with pytest.raises(KeyRejected) as caught:
        check_api_key(raw, provider=provider)
    return caught.value


@pytest.mark.parametrize(
    ("raw", "provider"),
    [(ANTHROPIC_KEY, "anthropic"), (OPENAI_KEY, "openai"), (OPENAI_KEY, None)],
)
def test_well_formed_key_is_accepted_without_warnings(raw, provider):
    checked = check_api_key(raw, provider=provider)

    assert checked.key == raw
    assert checked.warnings == []


def test_provider_is_told_from_the_prefix_when_none_is_selected():
    assert check_api_key(ANTHROPIC_KEY, provider=None).provider == "anthropic"
    assert check_api_key(OPENAI_KEY, provider=None).provider == "openai"


@pytest.mark.parametrize("padding", [" ", "\n", "\t", "\r\n", " \u00a0\n"])
def test_surrounding_whitespace_is_stripped(padding):
    checked = check_api_key(padding + ANTHROPIC_KEY + padding, provider="anthropic")

    assert checked.key == ANTHROPIC_KEY


def test_hint_is_the_last_four_characters():
    assert key_hint(ANTHROPIC_KEY) == "…" + ANTHROPIC_KEY[-4:]
    assert check_api_key(OPENAI_KEY, provider="openai").hint == "…" + OPENAI_KEY[-4:]


@pytest.mark.parametrize("raw", [None, "", "   ", "\n\t"])
def test_empty_input_is_refused(raw):
    assert rejection(raw).code == "key_empty"


def test_non_text_input_is_refused_as_malformed():
    assert rejection(12345).code == "key_malformed"


@pytest.mark.parametrize(
    ("inside", "described", "position"),
    [
        (" ", "a space", 14),
        ("\n", "a line break", 14),
        ("\t", "a tab", 14),
        ("\u00a0", "an invisible space (U+00A0)", 14),
    ],
)
def test_whitespace_inside_is_refused_saying_which_and_where(
    inside, described, position
):
    raw = ANTHROPIC_KEY[:13] + inside + ANTHROPIC_KEY[13:]

    refused = rejection(raw)

    assert refused.code == "key_whitespace"
    assert f"{described} at position {position}" in refused.message


@pytest.mark.parametrize(
    ("inside", "described"),
    [
        ("\x00", "a control or invisible character (U+0000)"),
        ("\x1b", "a control or invisible character (U+001B)"),
        ("\u200b", "a control or invisible character (U+200B)"),
        ("\ufeff", "a control or invisible character (U+FEFF)"),
        ("é", "the non-ASCII character 'é' (U+00E9 latin small letter e with acute)"),
        ("\u2010", "(U+2010 hyphen)"),
    ],
)
def test_control_or_non_ascii_character_is_refused_saying_which_and_where(
    inside, described
):
    raw = ANTHROPIC_KEY[:20] + inside + ANTHROPIC_KEY[20:]

    refused = rejection(raw)

    assert refused.code == "key_control_or_non_ascii"
    assert described in refused.message
    assert "at position 21" in refused.message


def test_invisible_character_at_the_start_is_not_stripped_but_refused():
    refused = rejection("\ufeff" + ANTHROPIC_KEY)

    assert refused.code == "key_control_or_non_ascii"
    assert "at position 1" in refused.message


@pytest.mark.parametrize(
    "raw",
    [
        f'"{ANTHROPIC_KEY}"',
        f"'{ANTHROPIC_KEY}'",
        f"`{ANTHROPIC_KEY}`",
        f"“{ANTHROPIC_KEY}”",
        f"{ANTHROPIC_KEY}'",
    ],
)
def test_surrounding_quotes_are_refused(raw):
    assert rejection(raw).code == "key_quoted"


@pytest.mark.parametrize(
    "raw",
    [
        f"Bearer {ANTHROPIC_KEY}",
        f"bearer {ANTHROPIC_KEY}",
        f"Authorization: Bearer {ANTHROPIC_KEY}",
    ],
)
def test_bearer_prefix_is_refused(raw):
    refused = rejection(raw)

    assert refused.code == "key_bearer_prefix"
    assert "only the key" in refused.message


@pytest.mark.parametrize(
    "raw",
    [
        f"ANTHROPIC_API_KEY={ANTHROPIC_KEY}",
        f'export ANTHROPIC_API_KEY="{ANTHROPIC_KEY}"',
        f"x-api-key: {ANTHROPIC_KEY}",
    ],
)
def test_a_whole_configuration_line_is_refused(raw):
    refused = rejection(raw)

    assert refused.code == "key_malformed"
    assert "without the variable or header name" in refused.message


def test_the_other_providers_key_is_refused_naming_what_it_is():
    refused = rejection(OPENAI_KEY, provider="anthropic")

    assert refused.code == "key_wrong_provider"
    assert "looks like an OpenAI key" in refused.message
    assert "Select OpenAI" in refused.message


def test_an_anthropic_key_is_refused_for_openai_although_it_starts_with_sk():
    refused = rejection(ANTHROPIC_KEY, provider="openai")

    assert refused.code == "key_wrong_provider"
    assert "looks like a Claude (Anthropic) key" in refused.message


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ("sk_live_" + "a" * 40, "Stripe secret key"),
        ("sk-or-v1-" + "a" * 40, "OpenRouter key"),
        ("AIza" + "a" * 35, "Google API key"),
        ("ghp_" + "a" * 36, "GitHub token"),
        ("sk-ant-sid01-" + "a" * 60, "Claude.ai browser session key"),
    ],
)
def test_another_services_key_is_refused_naming_what_it_looks_like(raw, named):
    refused = rejection(raw, provider=None)

    assert refused.code == "key_wrong_provider"
    assert named in refused.message


@pytest.mark.parametrize(
    ("raw", "provider", "named"),
    [
        ("sk-ant-admin01-" + "a" * 80 + "AA", "anthropic", "Claude (Anthropic)"),
        ("sk-admin-" + "a" * 60, "openai", "OpenAI"),
    ],
)
def test_admin_keys_are_refused_because_they_cannot_call_models(raw, provider, named):
    refused = rejection(raw, provider=provider)

    assert refused.code == "key_admin"
    assert f"{named} Admin key" in refused.message
    assert "cannot call models" in refused.message


@pytest.mark.parametrize(
    "raw",
    [
        "sk-...abcd",
        "sk-ant-...Xy9A",
        "sk-proj-****************************abcd",
        "••••••••••••••••••••••••",
        "…Xy9A",
        "sk-ant-api03-●●●●●●●●●●●●●●●●●●●●Xy9A",
    ],
)
def test_a_masked_key_is_refused(raw):
    refused = rejection(raw, provider=None)

    assert refused.code == "key_masked"
    assert "full key" in refused.message


def test_an_absurdly_long_key_is_refused_before_anything_else():
    raw = ANTHROPIC_KEY + "x" * MAX_KEY_LENGTH + " with a space"

    refused = rejection(raw)

    assert refused.code == "key_too_long"
    assert str(len(raw)) in refused.message


def test_a_key_cut_off_after_its_prefix_is_refused():
    refused = rejection("sk-ant-api03-abc")

    assert refused.code == "key_malformed"
    assert "cut off" in refused.message


def test_text_that_is_no_provider_key_at_all_is_refused():
    refused = rejection("my-password-is-hunter2-and-long", provider="openai")

    assert refused.code == "key_malformed"
    assert "platform.openai.com" in refused.message


def test_unusual_anthropic_length_or_prefix_only_warns():
    unusual = "sk-ant-api04-" + "a" * 120

    checked = check_api_key(unusual, provider="anthropic")

    assert checked.key == unusual
    assert any("usually 108 characters" in w for w in checked.warnings)
    assert any(
        "unusual prefix" in w
        for w in check_api_key(
            "sk-ant-oat01-" + "a" * 95, provider="anthropic"
        ).warnings
    )


def test_unusual_characters_in_an_openai_key_only_warn():
    checked = check_api_key("sk-proj-" + "a" * 40 + "." + "b" * 40, provider="openai")

    assert checked.provider == "openai"
    assert any(
        "characters providers do not normally use" in w for w in checked.warnings
    )


# Properties -----------------------------------------------------------------

secrets = st.text(alphabet=KEY_ALPHABET, min_size=24, max_size=120)
prefixes = st.sampled_from(
    ["sk-ant-api03-", "sk-proj-", "sk-", "sk-ant-admin01-", "sk-admin-", "", "xyz-"]
)
providers = st.sampled_from(["anthropic", "openai", None])
# Things that go wrong between a console and a form field.
damage = st.sampled_from(
    [
        "",
        " ",
        "\n",
        "\u200b",
        "é",
        "\x07",
        "•",
        "...",
        "*",
        '"',
        "'",
        "Bearer ",
        "Authorization: Bearer ",
        "OPENAI_API_KEY=",
        "\ud800",
    ]
)


@given(
    raw=st.one_of(st.text(), st.none(), st.binary(), st.integers()), provider=providers
)
@example(raw="\ud800" * 3, provider="openai")
@example(raw="sk-" + "\U0010ffff" * 30, provider=None)
def test_any_input_is_either_accepted_or_refused_with_a_stable_code(raw, provider):
    try:
        checked = check_api_key(raw, provider=provider)
    except KeyRejected as refused:
        assert refused.code in {
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
        assert refused.message
        refused.message.encode("utf-8")  # printable in any response
    else:
        assert checked.key == checked.key.strip()
        assert checked.provider in {"anthropic", "openai"}
        assert provider is None or checked.provider == provider


@given(
    prefix=prefixes,
    secret=secrets,
    before=damage,
    middle=damage,
    after=damage,
    cut=st.integers(min_value=0, max_value=120),
    provider=providers,
)
def test_no_refusal_or_warning_ever_repeats_the_key(
    prefix, secret, before, middle, after, cut, provider
):
    cut = min(cut, len(secret))
    raw = before + prefix + secret[:cut] + middle + secret[cut:] + after

    try:
        texts = check_api_key(raw, provider=provider).warnings
    except KeyRejected as refused:
        texts = [refused.message]

    # No eight consecutive characters of the secret part appear anywhere:
    # at most one offending character is ever quoted.
    windows = {secret[i : i + 8] for i in range(len(secret) - 7)}
    for text in texts:
        assert not any(window in text for window in windows)
