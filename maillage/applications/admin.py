"""The rules of each territory's guichet are set here (a change = a new dated row)."""

from django.contrib import admin

from maillage.applications.models import GuichetSettings


@admin.register(GuichetSettings)
class GuichetSettingsAdmin(admin.ModelAdmin):
    list_display = ("territory", "valid_from", "operator", "is_open", "max_wishes")
    list_filter = ("territory", "is_open")
    filter_horizontal = ("participating_structures",)
    raw_id_fields = ("operator",)
