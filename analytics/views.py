"""Datasets and questions in the web app."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import account_view
from accounts.models import Membership
from accounts.selectors import memberships_of
from aiprovider.errors import InvalidInput, ServiceError
from aiprovider.selectors import config_status, existing_config_of
from analytics.csvdata import preview_rows
from analytics.forms import DatasetUploadForm, QuestionForm
from analytics.models import Dataset
from analytics.services import (
    dataset_create,
    dataset_summary_request,
    question_ask,
)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    membership = memberships_of(request.user).first()
    if membership is None:
        return render(request, "analytics/no_account.html")
    return redirect("datasets", account_id=membership.account_id)


@require_http_methods(["GET", "POST"])
@account_view()
def datasets(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = DatasetUploadForm()
    if request.method == "POST":
        form = DatasetUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                dataset = dataset_create(
                    account=membership.account,
                    user=request.user,
                    name=form.cleaned_data["name"],
                    raw=form.cleaned_data["file"].read(),
                )
            except InvalidInput as refused:
                _show_refusal(form, refused)
            else:
                messages.success(request, f"Uploaded {dataset.name}.")
                return redirect(
                    "dataset", account_id=membership.account_id, dataset_id=dataset.pk
                )
    return render(
        request,
        "analytics/datasets.html",
        {
            "membership": membership,
            "datasets": Dataset.objects.filter(account=membership.account),
            "form": form,
        },
    )


@require_http_methods(["GET", "POST"])
@account_view()
def dataset_detail(
    request: HttpRequest, membership: Membership, dataset_id: int
) -> HttpResponse:
    dataset = get_object_or_404(Dataset, pk=dataset_id, account=membership.account)
    form = QuestionForm()
    answer_error = None
    if request.method == "POST":
        form = QuestionForm(request.POST)
        if form.is_valid():
            try:
                question_ask(
                    account=membership.account,
                    user=request.user,
                    question=form.cleaned_data["question"],
                    task=form.cleaned_data["task"],
                    dataset=dataset,
                )
            except InvalidInput as refused:
                _show_refusal(form, refused)
            except ServiceError as failure:
                answer_error = failure
            else:
                return redirect(
                    "dataset", account_id=membership.account_id, dataset_id=dataset.pk
                )
    config = existing_config_of(membership.account)
    if config is not None and request.method == "POST":
        # The call may have changed the key's health (a breaker opening);
        # this page and its banners must show it.
        config.refresh_from_db()
    return render(
        request,
        "analytics/dataset.html",
        {
            "membership": membership,
            "dataset": dataset,
            "preview": preview_rows(dataset.content),
            "questions": dataset.questions.select_related("user")[:20],
            "form": form,
            "answer_error": answer_error,
            "ai_status": config_status(config) if config else None,
        },
        status=answer_error.status if answer_error else 200,
    )


@require_POST
@account_view()
def dataset_summarise(
    request: HttpRequest, membership: Membership, dataset_id: int
) -> HttpResponse:
    dataset = get_object_or_404(Dataset, pk=dataset_id, account=membership.account)
    if dataset.summary_in_progress:
        messages.info(request, "A summary is already being written.")
    else:
        with transaction.atomic():
            dataset_summary_request(dataset)
        messages.success(request, "Summarising again in the background.")
    return redirect("dataset", account_id=membership.account_id, dataset_id=dataset.pk)


def _show_refusal(form: Form, refused: InvalidInput) -> None:
    """Put a service's refusal on its field; never echo a pasted key back."""
    field = refused.field if refused.field in form.fields else None
    if refused.code == "contains_api_key" and field:
        form.data = form.data.copy()
        form.data[field] = ""
    form.add_error(field, refused.detail)
