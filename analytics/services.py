"""Datasets and questions: the AI features that go through the router."""

import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Account, User
from aiprovider.errors import InvalidInput, ServiceError
from aiprovider.keyformat import contains_api_key
from aiprovider.routing import AIAnswer, route_ai_call
from analytics.csvdata import CSVRejected, describe_for_model, parse_csv
from analytics.models import Dataset, Question, SummaryStatus

logger = logging.getLogger(__name__)

MAX_QUESTION_LENGTH = 2000
TASK_INSTRUCTIONS = {
    "query": "Answer the question about the dataset below.",
    "why": "Investigate why the pattern the question asks about happens in the "
    "dataset below: name the drivers and how confident you are.",
    "ml_analysis": "Suggest and interpret a suitable statistical or machine "
    "learning analysis of the dataset below for the question.",
    "predictive": "Make a careful, assumption-stating forecast from the dataset "
    "below for the question.",
    "summary": "Summarise the dataset below: what it contains, notable ranges "
    "and patterns, and data quality issues.",
    "chart": "Propose the single best chart for the question about the dataset "
    "below: chart type, x and y columns, and why.",
    "canvas": "Outline a short presentation (titles and one-line points) "
    "answering the question about the dataset below.",
}


def dataset_create(
    *, account: Account, user: User | None, name: str, raw: bytes
) -> Dataset:
    """Store an uploaded CSV file as a dataset of the account."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput("Give the dataset a name.", code="required", field="name")
    if len(name) > 200:
        raise InvalidInput(
            "Use a name of at most 200 characters.", code="max_length", field="name"
        )
    _refuse_api_key(name, field="name")
    try:
        parsed = parse_csv(raw, max_bytes=settings.DATASET_MAX_BYTES)
    except CSVRejected as rejected:
        raise InvalidInput(str(rejected), code="invalid_csv", field="file") from None
    _refuse_api_key(parsed.text, field="file")
    with transaction.atomic():
        dataset = Dataset.objects.create(
            account=account,
            name=name,
            uploaded_by=user,
            columns=parsed.columns,
            row_count=len(parsed.rows),
            content=parsed.text,
        )
        dataset_summary_request(dataset)
    logger.info("Dataset uploaded: account=%s dataset=%s", account.pk, dataset.pk)
    return dataset


SUMMARY_NOT_QUEUED = (
    "The summary could not be started: the background queue is unreachable. "
    "Use “Summarise again” in a minute."
)
SUMMARY_LOST = (
    "The summary did not finish: the background worker stopped before "
    "answering. Use “Summarise again”."
)


def dataset_summary_request(dataset: Dataset) -> None:
    """Queue the background summary of ``dataset``, replacing any earlier one."""
    now = timezone.now()
    Dataset.objects.filter(pk=dataset.pk).update(
        summary_status=SummaryStatus.PENDING,
        summary="",
        summary_error="",
        summary_provider="",
        summary_billing="",
        summary_requested_at=now,
    )
    dataset.summary_status = SummaryStatus.PENDING
    dataset.summary_requested_at = now
    transaction.on_commit(partial(_enqueue_summary, dataset.pk))


def _enqueue_summary(dataset_id: int) -> None:
    from analytics.tasks import summarise_dataset

    try:
        summarise_dataset.apply_async(args=[dataset_id], retry=False)
    except Exception as exc:  # noqa: BLE001 - any broker failure means the same
        logger.warning(
            "Summary of dataset %s not queued: broker unreachable (%s)",
            dataset_id,
            type(exc).__name__,
        )
        _summary_finish(
            dataset_id,
            from_status=SummaryStatus.PENDING,
            summary_status=SummaryStatus.FAILED,
            summary_error=SUMMARY_NOT_QUEUED,
        )


def dataset_summary_generate(dataset_id: int) -> None:
    """Summarise a dataset through the router, on behalf of its uploader.

    The call is billed and recorded exactly like an interactive one: the
    account's own key when BYOK is active, Scoop credits otherwise.
    """
    claimed = Dataset.objects.filter(
        pk=dataset_id, summary_status=SummaryStatus.PENDING
    ).update(summary_status=SummaryStatus.RUNNING)
    if not claimed:
        return
    dataset = Dataset.objects.select_related("account", "uploaded_by").get(
        pk=dataset_id
    )
    try:
        answer = route_ai_call(
            account=dataset.account,
            user=dataset.uploaded_by,
            task="summary",
            prompt=build_prompt(task="summary", question="", dataset=dataset),
        )
    except ServiceError as failure:
        _summary_finish(
            dataset_id,
            summary_status=SummaryStatus.FAILED,
            summary_error=f"{failure.detail} ({failure.code})",
        )
        return
    except Exception:
        _summary_finish(
            dataset_id,
            summary_status=SummaryStatus.FAILED,
            summary_error="The summary failed unexpectedly. Use “Summarise "
            "again”; if it keeps failing, contact support.",
        )
        raise
    _summary_finish(
        dataset_id,
        summary_status=SummaryStatus.DONE,
        summary=answer.text,
        summary_provider=answer.provider,
        summary_billing=answer.billing,
    )


def _summary_finish(
    dataset_id: int,
    *,
    from_status: str = SummaryStatus.RUNNING,
    **fields: object,
) -> bool:
    return bool(
        Dataset.objects.filter(pk=dataset_id, summary_status=from_status).update(
            **fields
        )
    )


def dataset_summaries_expire(now: datetime | None = None) -> int:
    """Fail summaries whose worker or message was lost, so none spins forever."""
    now = now or timezone.now()
    deadline = now - timedelta(seconds=settings.DATASET_SUMMARY_DEADLINE_S)
    expired = Dataset.objects.filter(
        summary_status__in=(SummaryStatus.PENDING, SummaryStatus.RUNNING),
        summary_requested_at__lte=deadline,
    ).update(summary_status=SummaryStatus.FAILED, summary_error=SUMMARY_LOST)
    if expired:
        logger.warning("Expired %s dataset summaries past their deadline", expired)
    return expired


API_KEY_IN_CONTENT = (
    "This looks like it contains an API key. Keys belong only in Account "
    "Settings → AI Provider, where they are stored encrypted; remove it and "
    "try again."
)


def _refuse_api_key(text: str, *, field: str) -> None:
    # Datasets and questions are shown to every member and sent to the
    # provider; a pasted key would leak to all of them.
    if contains_api_key(text):
        raise InvalidInput(API_KEY_IN_CONTENT, code="contains_api_key", field=field)


def build_prompt(*, task: str, question: str, dataset: Dataset | None) -> str:
    """Return the prompt for a task, with the dataset described inline."""
    parts = [TASK_INSTRUCTIONS[task]]
    if question:
        parts.append(f"Question: {question}")
    if dataset is not None:
        parts.append(describe_for_model(dataset.name, dataset.content))
    return "\n\n".join(parts)


def question_ask(
    *,
    account: Account,
    user: User | None,
    question: str,
    task: str = "query",
    dataset: Dataset | None = None,
) -> tuple[Question, AIAnswer]:
    """Ask the account's AI provider a question and keep the answer."""
    question = (question or "").strip()
    if not question:
        raise InvalidInput("Type a question.", code="required", field="question")
    if len(question) > MAX_QUESTION_LENGTH:
        raise InvalidInput(
            f"Keep the question under {MAX_QUESTION_LENGTH} characters.",
            code="max_length",
            field="question",
        )
    _refuse_api_key(question, field="question")
    if task not in TASK_INSTRUCTIONS:
        raise InvalidInput(
            f"Choose a task from: {', '.join(TASK_INSTRUCTIONS)}.",
            code="invalid_choice",
            field="task",
        )
    if dataset is not None and dataset.account_id != account.pk:
        raise InvalidInput(
            "Choose one of this account's datasets.",
            code="does_not_exist",
            field="dataset",
        )

    answer = route_ai_call(
        account=account,
        user=user,
        task=task,
        prompt=build_prompt(task=task, question=question, dataset=dataset),
    )
    record = Question.objects.create(
        account=account,
        dataset=dataset,
        user=user,
        task=task,
        question=question,
        answer=answer.text,
        provider=answer.provider,
        model=answer.model,
        billing=answer.billing,
        fell_back=answer.fell_back,
    )
    return record, answer
