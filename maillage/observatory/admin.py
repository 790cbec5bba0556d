from django.contrib import admin

from maillage.observatory.models import DiagnosticComment, DiagnosticEdition, Figure


@admin.register(Figure)
class FigureAdmin(admin.ModelAdmin):
    list_display = [
        "indicator",
        "commune",
        "territory",
        "period",
        "value",
        "method",
        "source_label",
    ]
    list_filter = ["indicator", "method", "period"]
    search_fields = ["commune__name", "commune__insee_code", "territory__name", "source_label"]
    autocomplete_fields = ["commune"]
    raw_id_fields = ["territory"]


@admin.register(DiagnosticComment)
class DiagnosticCommentAdmin(admin.ModelAdmin):
    list_display = ["territory", "section", "updated_by", "updated_at"]
    list_filter = ["section"]
    readonly_fields = ["updated_by", "updated_at", "version"]

    def save_model(self, request, obj, form, change):
        if change:  # a form opened on the web before this change must see a conflict
            obj.version += 1
        super().save_model(request, obj, form, change)


@admin.register(DiagnosticEdition)
class DiagnosticEditionAdmin(admin.ModelAdmin):
    list_display = ["territory", "number", "status", "created_by", "created_at"]
    list_filter = ["status"]
    readonly_fields = [
        "territory",
        "number",
        "status",
        "job",
        "error",
        "created_by",
        "created_at",
        "finished_at",
        "snapshot",
        "snapshot_hash",
    ]
    exclude = ["html", "pdf"]

    def has_add_permission(self, request):
        return False
