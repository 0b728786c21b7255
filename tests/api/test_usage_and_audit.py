"""Usage totals and groups, and the audit trail, through the API."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aiprovider.models import UsageRecord
from tests.api.envelope import assert_error


def record(account, user, *, day: int, provider: str, billing: str, tokens: int):  # type: ignore[no-untyped-def]
    return UsageRecord.objects.create(
        account=account,
        user=user,
        task="query",
        provider=provider,
        model="m",
        billing=billing,
        input_tokens=tokens,
        output_tokens=tokens // 2,
        estimated_cost=Decimal("0.001000") * tokens,
        credits_charged=Decimal("1.0000") if billing == "system" else Decimal(0),
        created_at=datetime(2025, 3, day, 12, tzinfo=UTC),
    )


@pytest.fixture
def usage(account, owner, member, outsider, other_account):  # type: ignore[no-untyped-def]
    record(account, owner, day=1, provider="anthropic", billing="byok", tokens=100)
    record(account, member, day=2, provider="anthropic", billing="system", tokens=10)
    record(account, member, day=3, provider="openai", billing="byok", tokens=1000)
    record(other_account, outsider, day=2, provider="openai", billing="byok", tokens=7)


@pytest.fixture
def usage_url(account) -> str:  # type: ignore[no-untyped-def]
    return reverse("api-usage", kwargs={"account_id": account.pk})


def test_owners_see_the_whole_accounts_totals(owner, api_for, usage_url, usage):
    response = api_for(owner).get(usage_url)

    assert response.status_code == 200
    body = response.json()
    assert body["scope"] == "account"
    assert body["calls"] == 3
    assert body["input_tokens"] == 1110
    assert body["output_tokens"] == 555
    assert body["estimated_cost"] == "1.110000"
    assert body["currency"] == "USD"
    assert body["credits_balance"] == "1000.0000"
    assert body["by_billing"]["system"]["calls"] == 1
    assert body["by_billing"]["byok"]["calls"] == 2


def test_members_see_only_their_own_usage(member, api_for, usage_url, usage):
    body = api_for(member).get(usage_url).json()

    assert body["scope"] == "own"
    assert body["calls"] == 2
    assert body["input_tokens"] == 1010


def test_usage_is_grouped_as_asked(admin, api_for, usage_url, usage):
    response = api_for(admin).get(usage_url, {"group_by": "provider,day"})

    groups = [
        (row["provider"], row["day"], row["input_tokens"])
        for row in response.json()["groups"]
    ]
    assert groups == [
        ("anthropic", "2025-03-01", 100),
        ("anthropic", "2025-03-02", 10),
        ("openai", "2025-03-03", 1000),
    ]


def test_usage_by_user_names_each_user(owner, api_for, usage_url, usage):
    response = api_for(owner).get(usage_url, {"group_by": "user"})

    calls = {row["user"]: row["calls"] for row in response.json()["groups"]}
    assert calls == {"member@acme.test": 2, "owner@acme.test": 1}


def test_from_and_to_include_both_utc_days(owner, api_for, usage_url, usage):
    response = api_for(owner).get(usage_url, {"from": "2025-03-02", "to": "2025-03-02"})

    assert response.json()["calls"] == 1


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"from": "yesterday"}, "from", "invalid"),
        ({"to": "2025-13-01"}, "to", "invalid"),
        ({"from": "2025-03-05", "to": "2025-03-01"}, "to", "invalid"),
        ({"group_by": "user,colour"}, "group_by", "invalid_choice"),
    ],
)
def test_bad_usage_parameters_are_clear_400s(
    params, field, code, owner, api_for, usage_url
):
    response = api_for(owner).get(usage_url, params)

    body = assert_error(response, 400, code)
    assert set(body["errors"]) == {field}
    assert body["detail"].startswith(f"{field}: ")


def test_audit_events_say_who_did_what_and_never_the_key(
    owner, account, api_for, ai_provider_url, key
):
    client = api_for(owner)
    api_key = key("anthropic")
    client.put(
        ai_provider_url, {"provider": "anthropic", "api_key": api_key}, format="json"
    )
    client.delete(ai_provider_url)

    response = client.get(
        reverse("api-audit-events", kwargs={"account_id": account.pk})
    )

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3
    latest = body["results"][0]
    assert latest["action"] == "cleared"
    assert latest["actor"] == "owner@acme.test"
    assert latest["source"] == "api"
    assert latest["ip_address"] == "127.0.0.1"
    assert latest["key_hint"] == "…" + api_key[-4:]
    assert api_key not in response.content.decode()
    assert api_key[:-4] not in response.content.decode()


def test_audit_events_are_only_the_accounts_own(
    owner, outsider, other_account, account, api_for, key
):
    other_url = reverse("api-ai-provider", kwargs={"account_id": other_account.pk})
    api_for(outsider).put(
        other_url, {"provider": "openai", "api_key": key("openai")}, format="json"
    )

    response = api_for(owner).get(
        reverse("api-audit-events", kwargs={"account_id": account.pk})
    )

    assert response.json()["count"] == 0


def test_datasets_upload_list_and_detail(member, account, api_for):
    client = api_for(member)
    url = reverse("api-datasets", kwargs={"account_id": account.pk})
    csv = b"region,amount\nnorth,10\nsouth,20\n"

    created = client.post(
        url,
        {"name": "Regions", "file": SimpleUploadedFile("r.csv", csv)},
        format="multipart",
    )
    listed = client.get(url)
    detail = client.get(
        reverse(
            "api-dataset",
            kwargs={"account_id": account.pk, "dataset_id": created.json()["id"]},
        )
    )

    assert created.status_code == 201
    assert listed.json()["count"] == 1
    body = detail.json()
    assert body["columns"] == ["region", "amount"]
    assert body["row_count"] == 2
    assert body["summary_status"] == "pending"


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({"name": "x"}, "file", "required"),
        ({"file": b"a,b\n1,2\n"}, "name", "required"),
        ({"name": "x", "file": b""}, "file", "empty"),
        ({"name": "x", "file": b"\xff\xfe\x00binary"}, "file", "invalid_csv"),
    ],
)
def test_dataset_upload_errors_name_the_field(
    payload, field, code, member, account, api_for
):
    data = {
        name: SimpleUploadedFile("d.csv", value) if isinstance(value, bytes) else value
        for name, value in payload.items()
    }

    response = api_for(member).post(
        reverse("api-datasets", kwargs={"account_id": account.pk}),
        data,
        format="multipart",
    )

    body = assert_error(response, 400, code)
    assert set(body["errors"]) == {field}
