"""Staff tools: configuration state and history, never a key or ciphertext."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from aiprovider.models import (
    AuditEvent,
    AuditSource,
    CreditLedgerEntry,
    KeyTest,
    ProviderConfig,
    UsageRecord,
)
from aiprovider.selectors import config_status, last_saved_key_test
from aiprovider.services import provider_config_clear
from scoop_byok.admin_lookups import ListedFiltersOnly
from scoop_byok.http import client_ip


class ReadOnlyAdmin(ListedFiltersOnly, admin.ModelAdmin):
    """Records that only the product writes; staff look, never edit."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.action(description="Clear the key and use System Default", permissions=["clear"])
def clear_to_system_default(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[ProviderConfig],
) -> None:
    configs = list(queryset.select_related("account"))
    for config in configs:
        cleared = provider_config_clear(
            account=config.account,
            actor=request.user,
            source=AuditSource.ADMIN,
            ip_address=client_ip(request),
        )
        # The audit event is the record; this shows it in the admin history.
        modeladmin.log_change(request, cleared, "Cleared to System Default.")
    modeladmin.message_user(
        request,
        f"Cleared {len(configs)} configuration(s) back to System Default.",
        messages.SUCCESS,
    )


@admin.register(ProviderConfig)
class ProviderConfigAdmin(ReadOnlyAdmin):
    list_display = [
        "account",
        "provider",
        "key_configured",
        "key_hint",
        "stored_key_provider",
        "active",
        "last_test",
        "last_failure",
        "breaker_open",
        "updated_at",
    ]
    list_filter = ["provider", "breaker_open"]
    search_fields = ["account__name"]
    list_select_related = ["account", "updated_by"]
    actions = [clear_to_system_default]
    # Deliberately no encrypted_key or key_fingerprint, here or anywhere.
    fields = [
        "account",
        "provider",
        "stored_key_provider",
        "key_hint",
        "active",
        "status",
        "last_test",
        "fallback_to_system",
        "key_saved_at",
        "last_used_at",
        "last_success_at",
        "last_failure_at",
        "last_failure",
        "breaker_open",
        "breaker_reason",
        "version",
        "updated_at",
        "updated_by",
    ]
    readonly_fields = fields

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Viewing is allowed; the detail page renders every field read-only.
        return False

    def has_clear_permission(self, request: HttpRequest) -> bool:
        # Staff who may only view configurations may not clear them.
        return request.user.has_perm("aiprovider.change_providerconfig")

    @admin.display(boolean=True, description="Key configured")
    def key_configured(self, config: ProviderConfig) -> bool:
        return config_status(config).key_configured

    @admin.display(boolean=True, description="BYOK active")
    def active(self, config: ProviderConfig) -> bool:
        return config_status(config).byok_active

    @admin.display(description="Status")
    def status(self, config: ProviderConfig) -> str:
        return config_status(config).message

    @admin.display(description="Last test of the saved key")
    def last_test(self, config: ProviderConfig) -> str:
        test = last_saved_key_test(config)
        return test.result_label if test else "—"


@admin.register(KeyTest)
class KeyTestAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "account",
        "provider",
        "status",
        "result",
        "key_hint",
        "created_by",
        "created_at",
        "duration_ms",
    ]
    list_filter = ["status", "result", "provider"]
    search_fields = ["account__name", "provider_request_id"]
    list_select_related = ["account", "created_by"]
    fields = [
        "id",
        "account",
        "provider",
        "uses_saved_key",
        "key_hint",
        "status",
        "result",
        "message",
        "retry_after_s",
        "provider_request_id",
        "model",
        "duration_ms",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
    ]
    readonly_fields = fields


@admin.register(UsageRecord)
class UsageRecordAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "account",
        "user",
        "task",
        "provider",
        "model",
        "billing",
        "input_tokens",
        "output_tokens",
        "estimated_cost",
        "credits_charged",
        "outcome",
    ]
    list_filter = ["billing", "provider", "task", "outcome"]
    search_fields = ["account__name", "user__email", "provider_request_id"]
    list_select_related = ["account", "user"]
    date_hierarchy = "created_at"


@admin.register(CreditLedgerEntry)
class CreditLedgerEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "account",
        "amount",
        "balance_after",
        "reason",
        "note",
    ]
    list_filter = ["reason"]
    search_fields = ["account__name"]
    list_select_related = ["account"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "account",
        "action",
        "source",
        "actor_email",
        "provider",
        "key_hint",
        "ip_address",
        "detail",
    ]
    list_filter = ["action", "source"]
    search_fields = ["account__name", "actor_email"]
    list_select_related = ["account"]
