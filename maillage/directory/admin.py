from django.contrib import admin
from django.db import models

from maillage.audit.admin_mixins import AuditedAdminMixin
from maillage.directory.models import (
    Childminder,
    ChildminderAvailability,
    DirectoryImport,
    Structure,
)


class AuditedAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Every change made in the admin goes to the audit trail too (see audit.admin_mixins)."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Structure)
class StructureAdmin(AuditedAdmin):
    list_display = ("name", "kind", "commune", "places_total", "coordinates_precision", "is_active")
    list_filter = ("kind", "is_active", "pricing_mode", "coordinates_precision")
    search_fields = ("name", "address", "commune__name", "external_id")
    autocomplete_fields = ("commune", "manager", "admitted_communes")
    list_select_related = ("commune",)


class AvailabilityInline(admin.TabularInline):
    model = ChildminderAvailability
    extra = 0


@admin.register(Childminder)
class ChildminderAdmin(AuditedAdmin):
    list_display = ("last_name", "first_name", "commune", "agreement_places", "contact_consent")
    list_filter = ("is_active", "contact_consent")
    search_fields = ("last_name", "first_name", "commune__name", "agreement_number")
    autocomplete_fields = ("commune", "mam")
    inlines = [AvailabilityInline]
    list_select_related = ("commune",)


@admin.register(DirectoryImport)
class DirectoryImportAdmin(admin.ModelAdmin):
    list_display = ("filename", "kind", "organisation", "status", "created_at")
    list_filter = ("kind", "status")
    exclude = ("content",)
    readonly_fields = ("kind", "filename", "organisation", "user", "status", "report")
