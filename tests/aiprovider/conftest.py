from collections.abc import Callable

import pytest

from accounts.models import Account, User
from aiprovider.models import AuditSource, ProviderConfig
from aiprovider.services import provider_config_update


@pytest.fixture
def save_key(owner: User) -> Callable[..., ProviderConfig]:
    """Save a provider and key for an account as its owner would."""

    def save(
        account: Account,
        provider: str,
        api_key: str | None,
        *,
        fallback_to_system: bool | None = None,
    ) -> ProviderConfig:
        return provider_config_update(
            account=account,
            actor=owner,
            source=AuditSource.WEB,
            provider=provider,
            api_key=api_key,
            fallback_to_system=fallback_to_system,
        ).config

    return save
