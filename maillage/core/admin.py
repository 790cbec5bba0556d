from django.contrib import admin

from maillage.core.models import Parameter


@admin.register(Parameter)
class ParameterAdmin(admin.ModelAdmin):
    list_display = (
        "key",
        "label",
        "value",
        "unit",
        "valid_from",
        "valid_until",
        "verified",
        "source_label",
    )
    list_filter = ("verified", "key")
    search_fields = ("key", "label", "source_label")
