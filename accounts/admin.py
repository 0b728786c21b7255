import logging

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from knox.models import AuthToken

from accounts.forms import ThrottledAdminAuthenticationForm
from accounts.models import Account, APIToken, Membership, User
from accounts.services import api_tokens_revoke, membership_change_audit
from scoop_byok.admin_lookups import ListedFiltersOnly

logger = logging.getLogger(__name__)

admin.site.login_form = ThrottledAdminAuthenticationForm


@admin.action(
    description="Revoke all API tokens of the selected users", permissions=["revoke"]
)
def revoke_api_tokens(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[User]
) -> None:
    revoked = api_tokens_revoke(users=queryset)
    logger.info("API tokens revoked by staff: staff=%s", request.user.pk)
    modeladmin.message_user(
        request, f"Revoked {revoked} API token(s).", messages.SUCCESS
    )


def _without_token_names(entries: list) -> list:
    token_label = f"{AuthToken._meta.verbose_name.capitalize()}:"
    return [
        _without_token_names(entry)
        if isinstance(entry, list)
        else ("API token" if str(entry).startswith(token_label) else entry)
        for entry in entries
    ]


@admin.register(User)
class UserAdmin(ListedFiltersOnly, BaseUserAdmin):
    actions = [revoke_api_tokens]

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("knox.delete_authtoken")

    def get_deleted_objects(self, objs, request):  # type: ignore[no-untyped-def]
        # The confirmation page names every row it deletes; a token's name
        # is its digest, so tokens are listed without it.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(
            objs, request
        )
        return _without_token_names(deleted), counts, perms_needed, protected

    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "full_name"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name",)}),
        (
            "Permissions",
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),
    )


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class AuditedMemberships:
    """Write every membership change made in the admin to the audit trail."""

    def _audit(
        self,
        request: HttpRequest,
        membership: Membership,
        previous_role: str | None,
        *,
        removed: bool = False,
    ) -> None:
        membership_change_audit(
            membership,
            previous_role=previous_role,
            actor=request.user,
            source="admin",
            removed=removed,
        )

    @staticmethod
    def _stored_role(membership: Membership) -> str | None:
        if membership.pk is None:
            return None
        return (
            Membership.objects.filter(pk=membership.pk)
            .values_list("role", flat=True)
            .first()
        )


@admin.register(Account)
class AccountAdmin(AuditedMemberships, ListedFiltersOnly, admin.ModelAdmin):
    list_display = ["name", "id", "credits_balance", "created_at"]
    search_fields = ["name"]
    readonly_fields = ["credits_balance", "created_at"]
    inlines = [MembershipInline]

    def save_formset(self, request, form, formset, change):  # type: ignore[no-untyped-def]
        previous = {
            inline.instance.pk: self._stored_role(inline.instance)
            for inline in formset.forms
            if inline.instance.pk
        }
        removed = [inline.instance for inline in formset.deleted_forms]
        super().save_formset(request, form, formset, change)
        for membership in removed:
            self._audit(request, membership, membership.role, removed=True)
        for membership in formset.new_objects + [
            changed for changed, _fields in formset.changed_objects
        ]:
            self._audit(request, membership, previous.get(membership.pk))


@admin.register(Membership)
class MembershipAdmin(AuditedMemberships, ListedFiltersOnly, admin.ModelAdmin):
    list_display = ["user", "account", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "account__name"]
    autocomplete_fields = ["user", "account"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        previous = self._stored_role(obj)
        super().save_model(request, obj, form, change)
        self._audit(request, obj, previous)

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        super().delete_model(request, obj)
        self._audit(request, obj, obj.role, removed=True)

    def delete_queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        memberships = list(queryset.select_related("account", "user"))
        super().delete_queryset(request, queryset)
        for membership in memberships:
            self._audit(request, membership, membership.role, removed=True)


if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)


@admin.register(APIToken)
class APITokenAdmin(ListedFiltersOnly, admin.ModelAdmin):
    """Whose API tokens exist and until when: the list is all there is.

    A token's primary key is its digest, so no page may link to a token,
    select one for an action or show one on its own: each would put the
    digest into the HTML. Staff revoke tokens from the user list instead.
    """

    list_display = ["user", "created", "expiry"]
    list_display_links = None
    actions = None
    search_fields = ["user__email"]
    list_select_related = ["user"]
    ordering = ["-created"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Tokens are issued by signing in to the API or create_api_token,
        # which show the token once to its owner.
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return obj is None and super().has_view_permission(request)
