from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from knox.models import AuthToken

from accounts.models import Account, APIToken, Membership, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "id", "credits_balance", "created_at"]
    search_fields = ["name"]
    readonly_fields = ["credits_balance", "created_at"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "account", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "account__name"]
    autocomplete_fields = ["user", "account"]


if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)


@admin.register(APIToken)
class APITokenAdmin(admin.ModelAdmin):
    list_display = ["__str__", "user", "created", "expiry"]
    search_fields = ["user__email"]
    fields = ["user", "created", "expiry"]
    readonly_fields = fields
    list_select_related = ["user"]

    def has_add_permission(self, request: object) -> bool:
        # Tokens are issued by signing in to the API or create_api_token,
        # which show the token once to its owner.
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
