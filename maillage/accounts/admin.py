from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from maillage.accounts.models import ApiToken, Membership, Organisation, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user", "organisation")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "kind", "is_active", "is_staff")
    list_filter = ("kind", "is_active", "is_staff")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password", "kind")}),
        ("Identité", {"fields": ("first_name", "last_name")}),
        (
            "Droits",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "kind", "password1", "password2")}),
    )
    inlines = [MembershipInline]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "slug", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "slug", "siren")
    raw_id_fields = ("communes", "parent")
    inlines = [MembershipInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Keys are created by `maillage api_token` (the clear key is shown once); here they are
    listed and revoked (set « révoqué le »)."""

    list_display = ("prefix", "user", "organisation", "created_at", "last_used_at", "revoked_at")
    list_filter = ("organisation",)
    readonly_fields = ("user", "organisation", "prefix", "key_hash", "created_at", "last_used_at")
    fields = readonly_fields + ("revoked_at",)

    def has_add_permission(self, request):
        return False
