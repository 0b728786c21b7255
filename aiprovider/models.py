"""Provider configuration, key tests, usage, credits and the audit trail."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Account
from aiprovider import crypto
from aiprovider.keyformat import PROVIDER_LABELS


class Provider(models.TextChoices):
    SYSTEM = "system", "System Default"
    ANTHROPIC = "anthropic", "Claude (Anthropic)"
    OPENAI = "openai", "OpenAI"


BYOK_PROVIDERS = (Provider.ANTHROPIC, Provider.OPENAI)


class KeyState(models.TextChoices):
    """Why BYOK is, or is not, usable for an account right now."""

    SYSTEM = "system", "Using System Default"
    ACTIVE = "active", "BYOK is active"
    MISSING_KEY = "missing_key", "No key stored for the selected provider"
    UNREADABLE = "unreadable", "Stored key unreadable"
    BREAKER_OPEN = "breaker_open", "Saved key rejected by the provider"


class ProviderConfig(models.Model):
    """The one AI provider configuration of an account.

    The stored key is tagged with the provider it belongs to, which may
    differ from the selected provider: switching provider never sends the
    old provider's key anywhere, and the key stays until replaced or
    cleared.
    """

    account = models.OneToOneField(
        Account, on_delete=models.CASCADE, related_name="provider_config"
    )
    provider = models.CharField(
        max_length=16, choices=Provider.choices, default=Provider.SYSTEM
    )
    encrypted_key = models.TextField(blank=True, default="", editable=False)
    stored_key_provider = models.CharField(
        max_length=16, choices=Provider.choices, blank=True, default=""
    )
    key_hint = models.CharField(max_length=8, blank=True, default="")
    key_fingerprint = models.CharField(
        max_length=64, blank=True, default="", editable=False
    )
    fallback_to_system = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    # Health of the stored key, written by key tests and routed calls.
    key_saved_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    last_failure = models.CharField(max_length=32, blank=True, default="")
    breaker_open = models.BooleanField(default=False)
    breaker_reason = models.CharField(max_length=32, blank=True, default="")
    # The last finished test of the key now saved, kept on the row so that
    # reading the configuration needs no search through the tests.
    last_test_result = models.CharField(max_length=32, blank=True, default="")
    last_test_message = models.TextField(blank=True, default="")
    last_test_finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "provider configuration"

    def __str__(self) -> str:
        return f"{self.account} · {self.get_provider_display()}"

    def encryption_context(self) -> str:
        return f"provider_config:{self.pk}:account:{self.account_id}"

    @property
    def has_stored_key(self) -> bool:
        return bool(self.encrypted_key)

    @property
    def key_matches_provider(self) -> bool:
        return self.has_stored_key and self.stored_key_provider == self.provider

    def read_key(self) -> str:
        """Return the stored key in plain text; raise UnreadableSecret if not."""
        if not self.encrypted_key:
            raise crypto.UnreadableSecret("No key is stored.")
        return crypto.decrypt(self.encrypted_key, context=self.encryption_context())

    def key_is_readable(self) -> bool:
        try:
            self.read_key()
        except crypto.UnreadableSecret:
            return False
        return True

    def key_state(self) -> KeyState:
        """Return whether BYOK is usable, and if not, why not."""
        if self.provider == Provider.SYSTEM:
            return KeyState.SYSTEM
        if not self.key_matches_provider:
            return KeyState.MISSING_KEY
        if not self.key_is_readable():
            return KeyState.UNREADABLE
        if self.breaker_open:
            return KeyState.BREAKER_OPEN
        return KeyState.ACTIVE

    @property
    def provider_label(self) -> str:
        return PROVIDER_LABELS.get(self.provider, "System Default")


class AuditSource(models.TextChoices):
    WEB = "web", "Web"
    API = "api", "API"
    ADMIN = "admin", "Admin"
    SYSTEM = "system", "System"


class KeyTestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


FINISHED_STATUSES = (KeyTestStatus.SUCCEEDED, KeyTestStatus.FAILED)


class KeyTestResult(models.TextChoices):
    VALID = "valid", "Valid"
    INVALID_KEY = "invalid_key", "Invalid key"
    INSUFFICIENT_PERMISSIONS = "insufficient_permissions", "Insufficient permissions"
    BILLING = "billing", "Billing problem"
    RATE_LIMITED = "rate_limited", "Rate limited"
    PROVIDER_UNAVAILABLE = "provider_unavailable", "Provider unavailable"
    MISCONFIGURED_ENDPOINT = "misconfigured_endpoint", "Misconfigured endpoint"
    BAD_REQUEST = "bad_request", "Bad request"
    INCOMPLETE = "incomplete", "Incomplete"


class KeyTest(models.Model):
    """One asynchronous check of a key against its provider.

    The candidate key is kept sealed in ``candidate_ciphertext`` only until
    the test finishes; the task receives nothing but this row's id.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="key_tests"
    )
    provider = models.CharField(max_length=16, choices=Provider.choices)
    uses_saved_key = models.BooleanField(default=False)
    candidate_ciphertext = models.TextField(blank=True, default="", editable=False)
    key_hint = models.CharField(max_length=8, blank=True, default="")
    key_fingerprint = models.CharField(
        max_length=64, blank=True, default="", editable=False
    )
    status = models.CharField(
        max_length=10, choices=KeyTestStatus.choices, default=KeyTestStatus.PENDING
    )
    result = models.CharField(
        max_length=32, choices=KeyTestResult.choices, blank=True, default=""
    )
    message = models.TextField(blank=True, default="")
    retry_after_s = models.PositiveIntegerField(null=True, blank=True)
    provider_request_id = models.CharField(max_length=128, blank=True, default="")
    model = models.CharField(max_length=100, blank=True, default="")
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    source = models.CharField(
        max_length=8, choices=AuditSource.choices, default=AuditSource.WEB
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["account", "-created_at"])]

    def __str__(self) -> str:
        return f"Key test {self.id} ({self.status})"

    def encryption_context(self) -> str:
        return f"key_test:{self.pk}:account:{self.account_id}"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES


class Billing(models.TextChoices):
    BYOK = "byok", "Own key (BYOK)"
    SYSTEM = "system", "Scoop AI credits"


class TaskType(models.TextChoices):
    QUERY = "query", "Question"
    WHY = "why", "Why investigation"
    ML_ANALYSIS = "ml_analysis", "ML analysis"
    PREDICTIVE = "predictive", "Predictive analytics"
    SUMMARY = "summary", "Dataset summary"
    CHART = "chart", "Chart generation"
    CANVAS = "canvas", "Canvas and presentation"


class UsageRecord(models.Model):
    """One AI call, successful or not, and what it cost whom."""

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="usage_records"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    task = models.CharField(max_length=16, choices=TaskType.choices)
    provider = models.CharField(max_length=16, choices=Provider.choices)
    model = models.CharField(max_length=100)
    billing = models.CharField(max_length=8, choices=Billing.choices)
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    estimated_cost = models.DecimalField(
        max_digits=14, decimal_places=6, default=Decimal("0")
    )
    credits_charged = models.DecimalField(
        max_digits=14, decimal_places=4, default=Decimal("0")
    )
    latency_ms = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=32, default="ok")
    provider_request_id = models.CharField(max_length=128, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["account", "created_at"])]

    def __str__(self) -> str:
        return f"{self.task} via {self.provider} ({self.outcome})"


class CreditLedgerEntry(models.Model):
    """A change to an account's Scoop AI credit balance."""

    class Reason(models.TextChoices):
        GRANT = "grant", "Grant"
        AI_CALL = "ai_call", "AI call"
        ADJUSTMENT = "adjustment", "Adjustment"

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="credit_entries"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=4)
    balance_after = models.DecimalField(max_digits=14, decimal_places=4)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    usage_record = models.OneToOneField(
        UsageRecord, on_delete=models.SET_NULL, null=True, blank=True
    )
    note = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "credit ledger entries"

    def __str__(self) -> str:
        return f"{self.amount:+} credits ({self.get_reason_display()})"


class AuditAction(models.TextChoices):
    CONFIGURED = "configured", "Provider configured"
    KEY_REPLACED = "key_replaced", "Key replaced"
    PROVIDER_SWITCHED = "provider_switched", "Provider switched"
    FALLBACK_CHANGED = "fallback_changed", "Fallback changed"
    KEY_TESTED = "key_tested", "Key tested"
    CLEARED = "cleared", "Cleared to System Default"
    BREAKER_OPENED = "breaker_opened", "Key disabled after provider rejection"
    # Who may manage the key is as much a part of its story as the key.
    MEMBER_ADDED = "member_added", "Member added"
    MEMBER_ROLE_CHANGED = "member_role_changed", "Member role changed"
    MEMBER_REMOVED = "member_removed", "Member removed"


class AuditEvent(models.Model):
    """Who changed what about an account's AI provider, when and from where."""

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="audit_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_email = models.EmailField(blank=True, default="")
    action = models.CharField(max_length=24, choices=AuditAction.choices)
    source = models.CharField(max_length=8, choices=AuditSource.choices)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    provider = models.CharField(max_length=16, blank=True, default="")
    key_hint = models.CharField(max_length=8, blank=True, default="")
    detail = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor_email or 'system'}"
