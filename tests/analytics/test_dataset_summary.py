"""A dataset's summary is written in the background, billed like any call."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from aiprovider.models import AuditSource, UsageRecord
from aiprovider.services import provider_config_update
from analytics import tasks
from analytics.models import Dataset, SummaryStatus
from analytics.services import (
    SUMMARY_LOST,
    SUMMARY_NOT_QUEUED,
    dataset_create,
    dataset_summaries_expire,
)

SAMPLE = (Path(__file__).resolve().parents[2] / "analytics" / "sample_data").glob(
    "*.csv"
)
CSV = b"month,sales\n2024-01,10\n2024-02,12\n2024-03,9\n"


def _save(account, owner, provider, api_key):
    provider_config_update(
        account=account,
        actor=owner,
        source=AuditSource.WEB,
        provider=provider,
        api_key=api_key,
    )


def _finished(dataset_id):
    dataset = Dataset.objects.get(pk=dataset_id)
    return None if dataset.summary_in_progress else dataset


@pytest.mark.django_db(transaction=True)
def test_an_uploaded_dataset_is_summarised_in_the_background_with_the_accounts_key(
    account, owner, member, key, fake_provider, celery_worker, wait_for
):
    api_key = key("openai", salt="summary")
    _save(account, owner, "openai", api_key)

    dataset = dataset_create(account=account, user=member, name="Sales", raw=CSV)
    done = wait_for(lambda: _finished(dataset.pk))

    assert done.summary_status == SummaryStatus.DONE
    assert done.summary
    assert (done.summary_provider, done.summary_billing) == ("openai", "byok")
    record = UsageRecord.objects.get(account=account, task="summary")
    assert (record.user_id, record.billing, record.credits_charged) == (
        member.pk,
        "byok",
        0,
    )
    sent = [r for r in fake_provider.requests if r.path.endswith("/chat/completions")]
    assert sent[-1].headers["authorization"] == f"Bearer {api_key}"
    assert "month" in sent[-1].body["messages"][-1]["content"]


@pytest.mark.django_db(transaction=True)
def test_a_refused_summary_shows_the_providers_reason(
    account, owner, key, celery_worker, wait_for, client_for
):
    _save(account, owner, "anthropic", key("anthropic", "nocredit"))

    dataset = dataset_create(account=account, user=owner, name="Sales", raw=CSV)
    failed = wait_for(lambda: _finished(dataset.pk))

    assert failed.summary_status == SummaryStatus.FAILED
    assert "(billing)" in failed.summary_error
    page = client_for(owner).get(f"/accounts/{account.pk}/datasets/{dataset.pk}/")
    assert failed.summary_error.split("(")[0].strip() in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_system_default_summary_spends_credits(
    account, owner, celery_worker, wait_for
):
    dataset = dataset_create(account=account, user=owner, name="Sales", raw=CSV)
    done = wait_for(lambda: _finished(dataset.pk))

    assert done.summary_billing == "system"
    record = UsageRecord.objects.get(account=account, task="summary")
    assert record.credits_charged > 0


@pytest.mark.django_db
def test_a_dataset_page_shows_progress_while_the_summary_is_pending(
    account, owner, client_for
):
    dataset = dataset_create(account=account, user=owner, name="Sales", raw=CSV)

    page = client_for(owner).get(f"/accounts/{account.pk}/datasets/{dataset.pk}/")

    html = page.content.decode()
    assert 'data-testid="summary-progress"' in html
    assert f"/api/v1/accounts/{account.pk}/datasets/{dataset.pk}/" in html


@pytest.mark.django_db
def test_when_the_queue_is_down_the_summary_fails_clearly_and_the_upload_stays(
    account, owner, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Connection refused")

    monkeypatch.setattr(tasks.summarise_dataset, "apply_async", broker_down)

    with django_capture_on_commit_callbacks(execute=True):
        dataset = dataset_create(account=account, user=owner, name="Sales", raw=CSV)

    dataset.refresh_from_db()
    assert dataset.summary_status == SummaryStatus.FAILED
    assert dataset.summary_error == SUMMARY_NOT_QUEUED


@pytest.mark.django_db
def test_a_summary_whose_worker_vanished_is_failed_after_its_deadline(
    account, owner, settings
):
    dataset = dataset_create(account=account, user=owner, name="Sales", raw=CSV)
    later = timezone.now() + timedelta(seconds=settings.DATASET_SUMMARY_DEADLINE_S + 1)

    assert dataset_summaries_expire(now=later) == 1

    dataset.refresh_from_db()
    assert dataset.summary_status == SummaryStatus.FAILED
    assert dataset.summary_error == SUMMARY_LOST


@pytest.mark.django_db
def test_summarise_again_queues_a_fresh_summary(
    account, owner, client_for, django_capture_on_commit_callbacks
):
    dataset = dataset_create(account=account, user=owner, name="Sales", raw=CSV)
    Dataset.objects.filter(pk=dataset.pk).update(
        summary_status=SummaryStatus.FAILED, summary_error="old"
    )

    with django_capture_on_commit_callbacks() as callbacks:
        client_for(owner).post(f"/accounts/{account.pk}/datasets/{dataset.pk}/summary/")

    dataset.refresh_from_db()
    assert dataset.summary_status == SummaryStatus.PENDING
    assert dataset.summary_error == ""
    assert len(callbacks) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(str(p) for p in SAMPLE))
def test_the_shipped_sample_datasets_upload(account, owner, path):
    dataset = dataset_create(
        account=account, user=owner, name="Sample", raw=Path(path).read_bytes()
    )

    assert dataset.row_count > 0
    assert len(dataset.columns) > 1
