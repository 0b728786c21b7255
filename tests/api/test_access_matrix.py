"""Every API route × method × persona, and the error envelope each gets.

Owners and admins may do everything; members may use AI features, datasets
and their own usage but get 403 from provider settings, key tests and the
audit trail; users of another account and staff who are not members get 404
(existence is not revealed); anonymous callers get 401.
"""

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aiprovider.models import KeyTest
from analytics.models import Dataset
from tests.api.envelope import assert_error

MANAGERS = "managers"
MEMBERS = "members"


@dataclass(frozen=True)
class Call:
    route: str
    method: str
    allowed: str
    success: int
    body: dict[str, Any] = field(default_factory=dict)
    multipart: bool = False

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.route}"


CALLS = [
    Call("api-ai-provider", "get", MANAGERS, 200),
    Call("api-ai-provider", "put", MANAGERS, 200, {"provider": "system"}),
    Call("api-ai-provider", "patch", MANAGERS, 200, {"fallback_to_system": True}),
    Call("api-ai-provider", "delete", MANAGERS, 200),
    Call("api-key-tests", "post", MANAGERS, 202, {"provider": "anthropic"}),
    Call("api-key-test", "get", MANAGERS, 200),
    Call("api-audit-events", "get", MANAGERS, 200),
    Call("api-datasets", "get", MEMBERS, 200),
    Call("api-datasets", "post", MEMBERS, 201, {"name": "Sales"}, multipart=True),
    Call("api-dataset", "get", MEMBERS, 200),
    Call("api-queries", "post", MEMBERS, 200, {"question": "Summarise the data"}),
    Call("api-usage", "get", MEMBERS, 200),
]
PERSONAS = ["owner", "admin", "member", "outsider", "staff", None]


@pytest.fixture
def account_objects(account, owner, key):
    """A key test and a dataset of the account, for the nested routes."""
    test = KeyTest.objects.create(
        account=account,
        provider="anthropic",
        key_hint="…ZZAA",
        status="succeeded",
        result="valid",
        message="API key is valid and working",
    )
    dataset = Dataset.objects.create(
        account=account,
        name="Regions",
        uploaded_by=owner,
        columns=["region", "amount"],
        row_count=1,
        content="region,amount\nnorth,10\n",
    )
    return {"test_id": test.pk, "dataset_id": dataset.pk}


def url_for(call: Call, account, objects: dict[str, Any]) -> str:  # type: ignore[no-untyped-def]
    kwargs: dict[str, Any] = {"account_id": account.pk}
    if call.route == "api-key-test":
        kwargs["test_id"] = objects["test_id"]
    if call.route == "api-dataset":
        kwargs["dataset_id"] = objects["dataset_id"]
    return reverse(call.route, kwargs=kwargs)


def send(client, call: Call, url: str, key):  # type: ignore[no-untyped-def]
    body = dict(call.body)
    if call.route == "api-key-tests":
        body["api_key"] = key("anthropic")
    if call.multipart:
        body["file"] = SimpleUploadedFile(
            "sales.csv", b"region,amount\nnorth,10\n", content_type="text/csv"
        )
        return getattr(client, call.method)(url, body, format="multipart")
    return getattr(client, call.method)(url, body or None, format="json")


def expected_status(call: Call, persona: str | None) -> tuple[int, str | None]:
    if persona is None:
        return 401, "not_authenticated"
    if persona in ("outsider", "staff"):
        return 404, "not_found"
    if persona == "member" and call.allowed == MANAGERS:
        return 403, "permission_denied"
    return call.success, None


@pytest.mark.parametrize("persona", PERSONAS, ids=lambda p: p or "anonymous")
@pytest.mark.parametrize("call", CALLS, ids=str)
def test_every_route_answers_each_persona_as_the_roles_allow(
    call, persona, request, account, account_objects, api_for, key, queued_key_tests
):
    user = request.getfixturevalue(persona) if persona else None
    # The managers exist in every case, so a 404 is never "no such account".
    request.getfixturevalue("admin")
    request.getfixturevalue("member")
    client = api_for(user)

    response = send(client, call, url_for(call, account, account_objects), key)

    status, code = expected_status(call, persona)
    if code is None:
        assert response.status_code == status, response.content
        assert response["Content-Type"].startswith("application/json")
    else:
        body = assert_error(response, status, code)
        assert key("anthropic") not in response.content.decode()
        if status == 403:
            assert body["detail"] == "Only visible to owners and admins"


@pytest.mark.parametrize("persona", PERSONAS, ids=lambda p: p or "anonymous")
def test_account_list_shows_only_the_callers_own_accounts(
    persona, request, account, other_account, owner, api_for
):
    user = request.getfixturevalue(persona) if persona else None

    response = api_for(user).get(reverse("api-accounts"))

    if user is None:
        assert_error(response, 401, "not_authenticated")
        return
    assert response.status_code == 200
    listed = {
        (row["id"], row["name"], row["role"]) for row in response.json()["results"]
    }
    expected = {
        "owner": {(account.pk, "Acme Analytics", "owner")},
        "admin": {(account.pk, "Acme Analytics", "admin")},
        "member": {(account.pk, "Acme Analytics", "member")},
        "outsider": {(other_account.pk, "Other Corp", "owner")},
        "staff": set(),
    }[persona]
    assert listed == expected


@pytest.mark.parametrize(
    ("route", "kwargs"),
    [
        ("api-key-test", {"test_id": "test_id"}),
        ("api-dataset", {"dataset_id": "dataset_id"}),
    ],
)
def test_nested_objects_are_looked_up_through_the_callers_own_account(
    route, kwargs, other_account, outsider, account_objects, api_for
):
    # The outsider names their own account but another account's object.
    url = reverse(
        route,
        kwargs={
            "account_id": other_account.pk,
            **{name: account_objects[value] for name, value in kwargs.items()},
        },
    )

    response = api_for(outsider).get(url)

    assert_error(response, 404, "not_found")


@pytest.mark.parametrize(
    ("route", "method"),
    [
        ("api-ai-provider", "post"),
        ("api-key-tests", "get"),
        ("api-audit-events", "post"),
        ("api-datasets", "delete"),
        ("api-queries", "get"),
        ("api-usage", "post"),
        ("api-accounts", "post"),
        ("api-token", "get"),
    ],
)
def test_unsupported_methods_get_405_in_the_envelope(
    route, method, account, owner, api_for
):
    kwargs = (
        {} if route in ("api-accounts", "api-token") else {"account_id": account.pk}
    )

    response = getattr(api_for(owner), method)(reverse(route, kwargs=kwargs))

    assert_error(response, 405, "method_not_allowed")


def test_unknown_account_ids_are_404_for_everyone_signed_in(owner, api_for):
    response = api_for(owner).get(
        reverse("api-ai-provider", kwargs={"account_id": 999999})
    )

    assert_error(response, 404, "not_found")
