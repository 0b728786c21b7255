"""Accounts, users and API tokens for a run, made through the product's services."""

import secrets
from dataclasses import dataclass

from accounts.models import Account, User
from accounts.services import account_create, api_token_create, user_get_or_create
from aiprovider.models import AuditSource
from aiprovider.services import provider_config_update
from fakeprovider.keys import demo_key


@dataclass(frozen=True)
class BenchAccount:
    account: Account
    owner: User
    provider: str
    api_key: str


def bench_user(email: str) -> User:
    return user_get_or_create(email=email, password=secrets.token_urlsafe(16))


def byok_account(name: str, *, provider: str, behaviour: str = "valid") -> BenchAccount:
    """Create an account whose owner saved a working key for ``provider``."""
    owner = bench_user(f"owner-{name}@bench.invalid")
    account = account_create(name=name, owner=owner)
    api_key = demo_key(provider, behaviour, salt=name)
    provider_config_update(
        account=account,
        actor=owner,
        source=AuditSource.API,
        provider=provider,
        api_key=api_key,
    )
    return BenchAccount(account, owner, provider, api_key)


def api_token_for(user: User) -> str:
    _, token = api_token_create(user=user)
    return token
