"""Reads about an account's AI provider configuration."""

from dataclasses import dataclass
from datetime import datetime

from accounts.models import Account
from aiprovider.keyformat import KEY_CONSOLES, PROVIDER_LABELS
from aiprovider.models import KeyState, KeyTestResult, ProviderConfig

PARTIAL_WARNING = "Both provider AND key must be set for BYOK to activate."
UNREADABLE_MESSAGE = "Stored key unreadable — please re-enter it"


@dataclass(frozen=True)
class ConfigStatus:
    state: KeyState
    byok_active: bool
    key_configured: bool
    message: str


def config_status(config: ProviderConfig) -> ConfigStatus:
    """Return whether BYOK is active, and the sentence that explains it."""
    state = config.key_state()
    label = PROVIDER_LABELS.get(config.provider, "")
    key_configured = config.key_matches_provider and state != KeyState.UNREADABLE
    if state == KeyState.ACTIVE:
        message = f"BYOK is active - Using {label}"
    elif state == KeyState.SYSTEM and config.has_stored_key:
        stored = PROVIDER_LABELS.get(config.stored_key_provider, "another provider")
        message = (
            f"Using System Default (Scoop AI). A {stored} key is stored but not "
            "in use: select its provider to activate BYOK."
        )
    elif state == KeyState.SYSTEM:
        message = "Using System Default (Scoop AI credits)."
    elif state == KeyState.UNREADABLE:
        message = UNREADABLE_MESSAGE
    elif state == KeyState.BREAKER_OPEN:
        message = (
            f"{label} rejected the saved key ({config.breaker_reason}); AI calls "
            "are paused until the key is fixed, re-tested or cleared."
        )
    else:
        message = PARTIAL_WARNING
    return ConfigStatus(
        state=state,
        byok_active=state == KeyState.ACTIVE,
        key_configured=key_configured,
        message=message,
    )


@dataclass(frozen=True)
class LastTest:
    result: str
    message: str
    finished_at: datetime

    @property
    def result_label(self) -> str:
        if self.result in KeyTestResult.values:
            return KeyTestResult(self.result).label
        return self.result


def last_saved_key_test(config: ProviderConfig) -> LastTest | None:
    """Return how the most recent finished test of the saved key went."""
    if not config.key_fingerprint or config.last_test_finished_at is None:
        return None
    return LastTest(
        result=config.last_test_result,
        message=config.last_test_message,
        finished_at=config.last_test_finished_at,
    )


def key_console_for(provider: str) -> str:
    return KEY_CONSOLES.get(provider, "")


def config_representation(config: ProviderConfig) -> dict[str, object]:
    """Return the API shape of a configuration (never any key material)."""
    status = config_status(config)
    last_test = last_saved_key_test(config)
    return {
        "provider": config.provider,
        "key_configured": status.key_configured,
        "key_hint": config.key_hint,
        "stored_key_provider": config.stored_key_provider,
        "byok_active": status.byok_active,
        "status_message": status.message,
        "fallback_to_system": config.fallback_to_system,
        "last_test": (
            {
                "result": last_test.result,
                "message": last_test.message,
                "finished_at": last_test.finished_at,
            }
            if last_test
            else None
        ),
        "key_health": {
            "saved_at": config.key_saved_at,
            "last_used_at": config.last_used_at,
            "last_success_at": config.last_success_at,
            "last_failure_at": config.last_failure_at,
            "last_failure": config.last_failure,
            "breaker_open": config.breaker_open,
        },
        "version": config.version,
        "updated_at": config.updated_at,
        "updated_by": config.updated_by.email if config.updated_by else None,
    }


def existing_config_of(account: Account) -> ProviderConfig | None:
    """Return the account's configuration if it has one, without creating it.

    Uses the copy loaded with the membership when there is one (see
    ``accounts.selectors.membership_in``), so pages and endpoints do not read
    it twice.
    """
    try:
        return account.provider_config
    except ProviderConfig.DoesNotExist:
        return None


def loaded_config_of(account: Account) -> ProviderConfig:
    """Return the account's configuration, creating the default one if none."""
    config = existing_config_of(account)
    if config is None:
        from aiprovider.services import provider_config_for

        config = provider_config_for(account)
    return config
