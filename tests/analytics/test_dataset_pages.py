"""Upload a CSV, ask about it, and see who answered — in the web app."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aiprovider.services import provider_config_update
from analytics.models import Dataset, Question
from analytics.services import dataset_create

pytestmark = pytest.mark.django_db

CSV = b"city,temp_c\nOslo,4\nLima,19\nPerth,24\n"


def _upload(client, account, name="Weather", content=CSV, filename="w.csv"):
    return client.post(
        f"/accounts/{account.pk}/datasets/",
        {"name": name, "file": SimpleUploadedFile(filename, content, "text/csv")},
        follow=True,
    )


def _ask(client, account, dataset, question, task="query"):
    return client.post(
        f"/accounts/{account.pk}/datasets/{dataset.pk}/",
        {"question": question, "task": task},
        follow=True,
    )


def test_a_member_uploads_a_csv_and_sees_its_columns(account, member, client_for):
    page = _upload(client_for(member), account)

    dataset = Dataset.objects.get(account=account)
    assert (dataset.row_count, dataset.columns) == (3, ["city", "temp_c"])
    html = page.content.decode()
    assert "Uploaded Weather." in html
    assert "city, temp_c" in html


@pytest.mark.parametrize("content", [b"", b"\xff\xfe\x00garbage\x00"])
def test_a_file_that_is_not_a_csv_is_explained_on_the_file_field(
    account, member, client_for, content
):
    page = _upload(client_for(member), account, content=content)

    assert page.status_code == 200
    assert not Dataset.objects.exists()
    assert 'class="error field-error" role="alert"' in page.content.decode()


def test_a_missing_name_is_explained(account, member, client_for):
    page = _upload(client_for(member), account, name="")

    assert "This field is required." in page.content.decode()
    assert not Dataset.objects.exists()


@pytest.mark.parametrize("task", ["query", "why", "summary"])
def test_an_answer_from_the_accounts_own_key_says_so(
    account, owner, member, key, client_for, task
):
    provider_config_update(
        account=account,
        actor=owner,
        source="web",
        provider="openai",
        api_key=key("openai"),
    )
    dataset = dataset_create(account=account, user=member, name="W", raw=CSV)

    page = _ask(
        client_for(member), account, dataset, "Show me a summary of this data", task
    )

    question = Question.objects.get(dataset=dataset)
    assert (question.provider, question.billing, question.task) == (
        "openai",
        "byok",
        task,
    )
    html = page.content.decode()
    assert "Answered by OpenAI" in html
    assert "billed to your own key (BYOK)" in html


def test_a_system_default_answer_says_it_used_scoop_credits(
    account, member, client_for
):
    dataset = dataset_create(account=account, user=member, name="W", raw=CSV)

    html = _ask(
        client_for(member), account, dataset, "Why is Perth warm?", "why"
    ).content.decode()

    assert "Scoop AI credits" in html


def test_a_refused_call_is_explained_with_its_code(
    account, owner, member, key, client_for
):
    provider_config_update(
        account=account,
        actor=owner,
        source="web",
        provider="anthropic",
        api_key=key("anthropic", "ratelimited"),
    )
    dataset = dataset_create(account=account, user=member, name="W", raw=CSV)

    page = _ask(client_for(member), account, dataset, "Show me a summary of this data")

    assert page.status_code == 429
    html = page.content.decode()
    assert "rate_limited" in html
    assert not Question.objects.exists()


def test_answers_and_csv_content_are_escaped(account, member, client_for):
    hostile = b"name,note\n<script>alert(1)</script>,<img src=x onerror=alert(2)>\n"
    dataset = dataset_create(account=account, user=member, name="<b>x</b>", raw=hostile)

    html = (
        client_for(member)
        .get(f"/accounts/{account.pk}/datasets/{dataset.pk}/")
        .content.decode()
    )

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    assert "<b>x</b>" not in html


def test_another_accounts_dataset_is_not_found(
    account, other_account, outsider, member, client_for
):
    theirs = dataset_create(account=other_account, user=outsider, name="T", raw=CSV)

    page = client_for(member).get(f"/accounts/{account.pk}/datasets/{theirs.pk}/")

    assert page.status_code == 404


@pytest.mark.parametrize("where", ["name", "file", "question"])
def test_an_api_key_pasted_into_a_dataset_or_question_is_refused(
    account, member, key, client_for, where
):
    api_key = key("openai")
    client = client_for(member)
    if where == "question":
        dataset = dataset_create(account=account, user=member, name="W", raw=CSV)
        page = _ask(client, account, dataset, f"Is {api_key} valid?")
    elif where == "name":
        page = _upload(client, account, name=f"keys {api_key}")
    else:
        page = _upload(client, account, content=CSV + f"Oslo,{api_key}\n".encode())

    html = page.content.decode()
    assert "This looks like it contains an API key." in html
    assert api_key not in html
    assert not Question.objects.exists()
    assert not Dataset.objects.filter(content__contains=api_key).exists()
    assert not Dataset.objects.filter(name__contains=api_key).exists()


def test_an_answer_from_the_fallback_says_so(account, owner, member, key, client_for):
    provider_config_update(
        account=account,
        actor=owner,
        source="web",
        provider="anthropic",
        api_key=key("anthropic", "overloaded"),
        fallback_to_system=True,
    )
    dataset = dataset_create(account=account, user=member, name="W", raw=CSV)

    html = _ask(client_for(member), account, dataset, "Why?", "why").content.decode()

    assert Question.objects.get().fell_back is True
    assert "your provider was unavailable, so Scoop AI answered" in html
