"""Datasets and questions: the AI features that go through the router."""

import logging

from django.conf import settings

from accounts.models import Account, User
from aiprovider.errors import InvalidInput
from aiprovider.routing import AIAnswer, route_ai_call
from analytics.csvdata import CSVRejected, describe_for_model, parse_csv
from analytics.models import Dataset, Question

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
    try:
        parsed = parse_csv(raw, max_bytes=settings.DATASET_MAX_BYTES)
    except CSVRejected as rejected:
        raise InvalidInput(str(rejected), code="invalid_csv", field="file") from None
    dataset = Dataset.objects.create(
        account=account,
        name=name,
        uploaded_by=user,
        columns=parsed.columns,
        row_count=len(parsed.rows),
        content=parsed.text,
    )
    logger.info("Dataset uploaded: account=%s dataset=%s", account.pk, dataset.pk)
    return dataset


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
    )
    return record, answer
