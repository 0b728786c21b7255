"""A precompiled read returns exactly what the ORM would."""

import threading
from decimal import Decimal

import pytest

from accounts.selectors import _membership_with_config, membership_in
from aiprovider.models import ProviderConfig
from aiprovider.services import provider_config_update

pytestmark = pytest.mark.django_db(transaction=True)


def _through_the_orm(user, account):
    return _membership_with_config(user.pk, account.pk).get()


def _same(fast, slow) -> None:
    assert fast is not None
    assert (fast.pk, fast.role, fast.user_id) == (slow.pk, slow.role, slow.user_id)
    assert fast.account.name == slow.account.name
    assert fast.account.credits_balance == slow.account.credits_balance
    assert isinstance(fast.account.credits_balance, Decimal)
    assert fast.account.created_at == slow.account.created_at
    assert fast.account.created_at.tzinfo is not None


def test_a_membership_without_a_configuration(account, owner):
    fast = membership_in(owner, account.pk)

    _same(fast, _through_the_orm(owner, account))
    with pytest.raises(ProviderConfig.DoesNotExist):
        fast.account.provider_config  # noqa: B018 - the access is the check


def test_a_membership_with_its_configuration_and_editor(account, owner, key):
    provider_config_update(
        account=account,
        actor=owner,
        source="web",
        provider="openai",
        api_key=key("openai"),
        fallback_to_system=True,
    )

    fast = membership_in(owner, account.pk)

    slow = _through_the_orm(owner, account)
    _same(fast, slow)
    config, expected = fast.account.provider_config, slow.account.provider_config
    for field in ProviderConfig._meta.concrete_fields:
        assert getattr(config, field.attname) == getattr(expected, field.attname)
    assert config.fallback_to_system is True
    assert config.updated_by.email == owner.email
    assert config.read_key() == key("openai")


def test_no_membership_is_none(account, outsider):
    assert membership_in(outsider, account.pk) is None


def test_each_thread_reads_with_its_own_connection(account, owner, member):
    from django.db import connection

    found = {}

    def read(user):
        try:
            found[user.email] = membership_in(user, account.pk).role
        finally:
            connection.close()

    threads = [threading.Thread(target=read, args=(u,)) for u in (owner, member)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert found == {owner.email: "owner", member.email: "member"}
