"""Who did what to the account's AI provider, when and from where."""

import pytest

from aiprovider.models import AuditEvent
from aiprovider.services import (
    key_test_execute,
    key_test_request,
    provider_config_clear,
    provider_config_update,
)

pytestmark = pytest.mark.django_db


def _events(account):
    return list(
        AuditEvent.objects.filter(account=account)
        .order_by("pk")
        .values_list("action", "source", "actor_email", "key_hint", "detail")
    )


def test_configuring_replacing_switching_and_clearing_are_each_recorded(
    account, owner, admin, key
):
    first, second = key("openai"), key("anthropic")
    provider_config_update(
        account=account, actor=owner, source="web", provider="openai", api_key=first
    )
    provider_config_update(
        account=account,
        actor=admin,
        source="api",
        provider="anthropic",
        api_key=second,
    )
    provider_config_clear(account=account, actor=admin, source="api")

    events = _events(account)
    assert [e[:3] for e in events] == [
        ("configured", "web", owner.email),
        ("provider_switched", "web", owner.email),
        ("key_replaced", "api", admin.email),
        ("provider_switched", "api", admin.email),
        ("cleared", "api", admin.email),
    ]
    assert events[0][3] == first[-4:].join(["…", ""])
    assert events[-1][3] == "…" + second[-4:]
    for event in AuditEvent.objects.filter(account=account):
        for value in (event.detail, event.key_hint, event.provider):
            assert first not in value and second not in value


def test_a_key_test_is_recorded_with_its_result(account, owner, key):
    test = key_test_request(
        account=account,
        actor=owner,
        source="api",
        provider="anthropic",
        api_key=key("anthropic", "nocredit"),
    )
    key_test_execute(str(test.pk))

    tested = [e for e in _events(account) if e[0] == "key_tested"]
    assert [(e[1], e[2], e[4]) for e in tested] == [
        ("api", owner.email, "Test requested"),
        ("api", owner.email, "Result: billing"),
    ]


def test_the_event_records_the_client_address(account, owner, key):
    provider_config_update(
        account=account,
        actor=owner,
        source="web",
        provider="openai",
        api_key=key("openai"),
        ip_address="203.0.113.9",
    )

    assert AuditEvent.objects.filter(ip_address="203.0.113.9").exists()


def test_adding_and_promoting_members_is_recorded(account, owner, outsider):
    from accounts.services import membership_add

    membership_add(account=account, user=outsider, role="member")
    membership_add(account=account, user=outsider, role="admin")

    assert [e[0] for e in _events(account)][-2:] == [
        "member_added",
        "member_role_changed",
    ]
    assert _events(account)[-1][4] == f"{outsider.email} member → admin"


def test_staff_changing_a_role_in_the_admin_is_recorded(
    account, member, staff, client_for
):
    from accounts.models import Membership

    membership = Membership.objects.get(account=account, user=member)
    client = client_for(staff)

    response = client.post(
        f"/admin/accounts/membership/{membership.pk}/change/",
        {"user": member.pk, "account": account.pk, "role": "owner"},
    )

    assert response.status_code == 302
    event = AuditEvent.objects.filter(account=account).latest("pk")
    assert (event.action, event.source, event.actor_email) == (
        "member_role_changed",
        "admin",
        staff.email,
    )
    assert event.detail == f"{member.email} member → owner"
