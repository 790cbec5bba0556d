from django.contrib import admin

from maillage.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only listing with filters: the trail is append-only."""

    list_display = (
        "at",
        "actor_label",
        "organisation",
        "action",
        "object_type",
        "object_label",
        "message",
    )
    list_filter = ("action", "object_type", "organisation", "at")
    search_fields = ("actor_label", "object_label", "object_id", "message")
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
