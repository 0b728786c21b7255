"""Datasets uploaded to an account, and the questions asked about them."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Account
from aiprovider.keyformat import PROVIDER_LABELS


class SummaryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Dataset(models.Model):
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="datasets"
    )
    name = models.CharField(max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    columns = models.JSONField(default=list)
    row_count = models.PositiveIntegerField(default=0)
    content = models.TextField(help_text="The CSV text as uploaded.")
    summary_status = models.CharField(
        max_length=10, choices=SummaryStatus.choices, default=SummaryStatus.PENDING
    )
    summary = models.TextField(blank=True, default="")
    summary_error = models.TextField(blank=True, default="")
    summary_provider = models.CharField(max_length=16, blank=True, default="")
    summary_billing = models.CharField(max_length=8, blank=True, default="")
    summary_requested_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def summary_in_progress(self) -> bool:
        return self.summary_status in (SummaryStatus.PENDING, SummaryStatus.RUNNING)

    @property
    def summary_provider_label(self) -> str:
        return PROVIDER_LABELS.get(self.summary_provider, self.summary_provider)


class Question(models.Model):
    """A question a user asked about a dataset, and who answered it."""

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="questions"
    )
    dataset = models.ForeignKey(
        Dataset,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="questions",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    task = models.CharField(max_length=16)
    question = models.TextField()
    answer = models.TextField(blank=True, default="")
    provider = models.CharField(max_length=16, blank=True, default="")
    model = models.CharField(max_length=100, blank=True, default="")
    billing = models.CharField(max_length=8, blank=True, default="")
    # Answered by Scoop AI because the account's provider was unavailable.
    fell_back = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.question[:60]

    @property
    def provider_label(self) -> str:
        return PROVIDER_LABELS.get(self.provider, self.provider)
