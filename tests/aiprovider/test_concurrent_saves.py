"""Two admins saving at the same moment never leave a mixed configuration."""

import threading

import pytest
from django.db import connection

from aiprovider.errors import ConfigConflict
from aiprovider.models import ProviderConfig
from aiprovider.services import provider_config_for, provider_config_update


def _save_concurrently(account, saves):
    """Run each (user, provider, key, expected_version) save in its own thread."""
    barrier = threading.Barrier(len(saves))
    outcomes: list[object] = [None] * len(saves)

    def save(index, user, provider, api_key, expected_version):
        try:
            barrier.wait()
            outcomes[index] = provider_config_update(
                account=account,
                actor=user,
                source="api",
                provider=provider,
                api_key=api_key,
                expected_version=expected_version,
            )
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(index, *arguments))
        for index, arguments in enumerate(saves)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _assert_consistent(config: ProviderConfig, keys: dict[str, str]) -> None:
    assert config.provider in keys
    assert config.stored_key_provider == config.provider
    assert config.read_key() == keys[config.provider]
    assert config.key_hint == "…" + keys[config.provider][-4:]


@pytest.mark.django_db(transaction=True)
def test_without_a_version_the_last_save_wins_whole(account, owner, admin, key):
    keys = {"anthropic": key("anthropic"), "openai": key("openai")}
    provider_config_for(account)

    outcomes = _save_concurrently(
        account,
        [
            (owner, "anthropic", keys["anthropic"], None),
            (admin, "openai", keys["openai"], None),
        ],
    )

    assert not [o for o in outcomes if isinstance(o, Exception)]
    config = ProviderConfig.objects.get(account=account)
    _assert_consistent(config, keys)
    assert config.version == 3


@pytest.mark.django_db(transaction=True)
def test_with_the_same_version_one_save_wins_and_the_other_is_told(
    account, owner, admin, key
):
    keys = {"anthropic": key("anthropic"), "openai": key("openai")}
    version = provider_config_for(account).version

    outcomes = _save_concurrently(
        account,
        [
            (owner, "anthropic", keys["anthropic"], version),
            (admin, "openai", keys["openai"], version),
        ],
    )

    conflicts = [o for o in outcomes if isinstance(o, ConfigConflict)]
    assert len(conflicts) == 1
    assert not [
        o
        for o in outcomes
        if isinstance(o, Exception) and not isinstance(o, ConfigConflict)
    ]
    config = ProviderConfig.objects.get(account=account)
    _assert_consistent(config, keys)
    assert config.version == version + 1
