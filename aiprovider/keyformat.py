"""Check a pasted API key before it is stored or sent anywhere.

Most failed key tests are copy-and-paste accidents: a trailing newline, a
masked value copied from a settings page, the other provider's key. Each is
caught here with a message that says exactly what to fix, before any network
call. Formats drift, so only clear mistakes are refused; merely unusual
lengths or characters produce warnings.
"""

import re
import unicodedata
from dataclasses import dataclass, field

ANTHROPIC = "anthropic"
OPENAI = "openai"
PROVIDER_LABELS = {ANTHROPIC: "Claude (Anthropic)", OPENAI: "OpenAI"}
KEY_PREFIX_HINTS = {ANTHROPIC: "sk-ant-", OPENAI: "sk-"}
KEY_CONSOLES = {
    ANTHROPIC: "console.anthropic.com → API Keys",
    OPENAI: "platform.openai.com → API Keys",
}

MAX_KEY_LENGTH = 512
# Shorter than any key a provider issues: the paste was cut off.
MIN_KEY_LENGTH = 20
MASK_CHARACTERS = ("*", "•", "…", "●", "·")
# Settings pages and docs often abbreviate a key as "sk-...abcd".
MASK_SEQUENCES = ("...",)
QUOTE_CHARACTERS = "\"'`“”‘’«»"
KEY_CHARSET = re.compile(r"^[A-Za-z0-9_-]+$")
ANTHROPIC_API_KEY_LENGTH = 108
OPENAI_TYPICAL_LENGTHS = range(40, 220)

# Keys of other services that people paste by mistake, and what they are.
OTHER_SERVICE_PREFIXES = (
    ("sk-ant-sid", "a Claude.ai browser session key"),
    ("sk_live_", "a Stripe secret key"),
    ("sk_test_", "a Stripe test key"),
    ("rk_live_", "a Stripe restricted key"),
    ("sk-or-", "an OpenRouter key"),
    ("AIza", "a Google API key"),
    ("ghp_", "a GitHub token"),
    ("github_pat_", "a GitHub token"),
    ("xox", "a Slack token"),
    ("AKIA", "an AWS access key id"),
    ("hf_", "a Hugging Face token"),
    ("gsk_", "a Groq key"),
    ("pplx-", "a Perplexity key"),
    ("xai-", "an xAI key"),
)
ADMIN_PREFIXES = (
    ("sk-ant-admin", ANTHROPIC),
    ("sk-admin-", OPENAI),
)
# "Authorization: Bearer sk-…", "OPENAI_API_KEY=sk-…", "export X=sk-…": a
# header or an environment line pasted whole instead of the key alone.
AUTHORIZATION_LINE = re.compile(r"^authorization\s*:", re.IGNORECASE)
ASSIGNMENT_LINE = re.compile(
    r"^(?:export\s+)?[A-Za-z_][A-Za-z0-9_.-]*\s*[:=]\s*[\"'`]?\s*(?:bearer\s+)?sk-",
    re.IGNORECASE,
)


class KeyRejected(ValueError):
    """A pasted key is unusable; ``code`` is stable, ``message`` actionable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class CheckedKey:
    key: str = field(repr=False)
    provider: str
    warnings: list[str] = field(default_factory=list)

    @property
    def hint(self) -> str:
        return key_hint(self.key)


def key_hint(key: str) -> str:
    """Return the display hint for a key: its last four characters."""
    return "…" + key[-4:]


def detect_provider(key: str) -> str | None:
    """Return the provider a key belongs to, judged by its prefix."""
    if key.startswith("sk-ant-"):
        return ANTHROPIC
    if key.startswith("sk-"):
        return OPENAI
    return None


def check_api_key(raw: object, *, provider: str | None) -> CheckedKey:
    """Clean ``raw`` and check it fits ``provider`` (or any, when None).

    Raise :class:`KeyRejected` for a key that cannot work; return the
    stripped key, its provider and any warnings otherwise. No message ever
    quotes the key: at most one offending character of it.
    """
    if raw is not None and not isinstance(raw, str):
        raise KeyRejected("key_malformed", "Enter the API key as text.")
    key = (raw or "").strip()
    if not key:
        raise KeyRejected("key_empty", "Enter an API key.")
    _refuse_absurd_length(key)
    _refuse_copy_accidents(key)
    _refuse_bad_characters(key)
    _refuse_truncated(key)
    detected = _refuse_wrong_kind(key, provider)
    return CheckedKey(key=key, provider=detected, warnings=_format_warnings(key))


def _refuse_absurd_length(key: str) -> None:
    if len(key) > MAX_KEY_LENGTH:
        raise KeyRejected(
            "key_too_long",
            f"The key is {len(key)} characters long, more than any provider "
            f"issues ({MAX_KEY_LENGTH} at most). Check that only the key was "
            "pasted.",
        )


def _refuse_copy_accidents(key: str) -> None:
    for mask in MASK_CHARACTERS + MASK_SEQUENCES:
        if mask in key:
            raise KeyRejected(
                "key_masked",
                f"This looks like a masked key (it contains '{mask}'). Paste the "
                "full key from your provider's console; a saved key is never "
                "shown again.",
            )
    if AUTHORIZATION_LINE.match(key):
        raise KeyRejected(
            "key_bearer_prefix",
            "Remove the 'Authorization: Bearer ' header text: paste only the "
            "key itself.",
        )
    if ASSIGNMENT_LINE.match(key):
        raise KeyRejected(
            "key_malformed",
            "This looks like a whole configuration line. Paste only the key "
            "itself, without the variable or header name in front of it.",
        )
    if key[0] in QUOTE_CHARACTERS or key[-1] in QUOTE_CHARACTERS:
        raise KeyRejected("key_quoted", "Remove the quotation marks around the key.")
    if key.lower().startswith("bearer"):
        raise KeyRejected(
            "key_bearer_prefix",
            "Remove the 'Bearer ' prefix: paste only the key itself.",
        )


def _refuse_bad_characters(key: str) -> None:
    for position, character in enumerate(key, start=1):
        if character.isspace():
            raise KeyRejected(
                "key_whitespace",
                f"The key contains {_describe_space(character)} at position "
                f"{position}. Keys contain no spaces or line breaks; copy it "
                "again in one piece.",
            )
        if not character.isascii() or not character.isprintable():
            raise KeyRejected(
                "key_control_or_non_ascii",
                f"The key contains {_describe_character(character)} at position "
                f"{position}. Keys use only plain letters, digits, '-' and '_'; "
                "copy it again from your provider's console.",
            )


def _refuse_truncated(key: str) -> None:
    if len(key) < MIN_KEY_LENGTH:
        raise KeyRejected(
            "key_malformed",
            f"The key is only {len(key)} characters long; provider keys are "
            "much longer. It was probably cut off: copy the whole key again.",
        )


def _describe_space(character: str) -> str:
    names = {" ": "a space", "\t": "a tab", "\n": "a line break", "\r": "a line break"}
    return names.get(character, f"an invisible space (U+{ord(character):04X})")


def _describe_character(character: str) -> str:
    codepoint = f"U+{ord(character):04X}"
    if unicodedata.category(character).startswith("C"):
        return f"a control or invisible character ({codepoint})"
    name = unicodedata.name(character, "").lower()
    return f"the non-ASCII character '{character}' ({codepoint} {name})".replace(
        " )", ")"
    )


def _refuse_wrong_kind(key: str, provider: str | None) -> str:
    for prefix, owner in ADMIN_PREFIXES:
        if key.startswith(prefix):
            raise KeyRejected(
                "key_admin",
                f"This is {_article(owner)} {PROVIDER_LABELS[owner]} Admin key: it "
                "manages an organisation but cannot call models. Create a "
                f"regular API key in {KEY_CONSOLES[owner]}.",
            )
    for prefix, description in OTHER_SERVICE_PREFIXES:
        if key.startswith(prefix):
            raise KeyRejected(
                "key_wrong_provider",
                f"This looks like {description}, not an AI provider key. "
                f"{_where_to_get(provider)}",
            )
    detected = detect_provider(key)
    if detected is None:
        raise KeyRejected(
            "key_malformed",
            "This does not look like an Anthropic key (starts with sk-ant-) or "
            f"an OpenAI key (starts with sk-). {_where_to_get(provider)}",
        )
    if provider in PROVIDER_LABELS and detected != provider:
        raise KeyRejected(
            "key_wrong_provider",
            f"This looks like {_article(detected)} {PROVIDER_LABELS[detected]} key, "
            f"but {PROVIDER_LABELS[provider]} is selected. Select "
            f"{PROVIDER_LABELS[detected]}, or paste {_article(provider)} "
            f"{PROVIDER_LABELS[provider]} key (it starts with "
            f"{KEY_PREFIX_HINTS[provider]}).",
        )
    return detected


def _article(provider: str) -> str:
    return "an" if provider == OPENAI else "a"


def _where_to_get(provider: str | None) -> str:
    if provider in KEY_CONSOLES:
        return f"Get one in {KEY_CONSOLES[provider]}."
    return f"Get one in {KEY_CONSOLES[ANTHROPIC]} or {KEY_CONSOLES[OPENAI]}."


def _format_warnings(key: str) -> list[str]:
    warnings = []
    if not KEY_CHARSET.match(key):
        warnings.append(
            "The key contains characters providers do not normally use; if the "
            "test fails, copy it again."
        )
    provider = detect_provider(key)
    if provider == ANTHROPIC:
        if not key.startswith("sk-ant-api"):
            warnings.append(
                "Anthropic API keys usually start with sk-ant-api; this one has "
                "an unusual prefix."
            )
        if len(key) != ANTHROPIC_API_KEY_LENGTH:
            warnings.append(
                f"Anthropic API keys are usually {ANTHROPIC_API_KEY_LENGTH} "
                f"characters; this one has {len(key)}."
            )
    elif provider == OPENAI and len(key) not in OPENAI_TYPICAL_LENGTHS:
        warnings.append(
            f"OpenAI keys are usually {OPENAI_TYPICAL_LENGTHS.start} to "
            f"{OPENAI_TYPICAL_LENGTHS.stop} characters; this one has {len(key)}."
        )
    return warnings


# A provider key written somewhere it does not belong (a question, a file).
PROVIDER_KEY_IN_TEXT = re.compile(
    r"sk-(?:ant-|proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"
)


def contains_api_key(text: str) -> bool:
    """True when ``text`` holds something shaped like an Anthropic or OpenAI key."""
    return bool(PROVIDER_KEY_IN_TEXT.search(text))
