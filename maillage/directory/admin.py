from django import forms
from django.contrib import admin
from django.db import models

from maillage.audit.admin_mixins import AuditedAdminMixin
from maillage.core.concurrency import ConcurrentEditError
from maillage.directory.models import (
    Childminder,
    ChildminderAvailability,
    DirectoryImport,
    Structure,
)


class AuditedAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Every change made in the admin goes to the audit trail too (see audit.admin_mixins)."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class VersionedAdminForm(forms.ModelForm):
    """Carries the version the person was shown; a save over a newer version is refused with a
    French message (the typed values stay in the form), never silently overwritten."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["seen_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        seen = cleaned.get("seen_version")
        if self.instance.pk is None or seen is None:
            return cleaned
        # the admin saves inside a transaction: the row stays locked (PostgreSQL) until then
        current = (
            type(self.instance)
            ._base_manager.select_for_update()
            .filter(pk=self.instance.pk)
            .values_list("version", flat=True)
            .first()
        )
        if current is not None and current != seen:
            raise forms.ValidationError(str(ConcurrentEditError()), code="stale")
        return cleaned


class VersionedAdmin(AuditedAdmin):
    form = VersionedAdminForm

    def save_model(self, request, obj, form, change):
        if change:
            obj.version = (obj.version or 0) + 1
        super().save_model(request, obj, form, change)


@admin.register(Structure)
class StructureAdmin(VersionedAdmin):
    list_display = ("name", "kind", "commune", "places_total", "coordinates_precision", "is_active")
    list_filter = ("kind", "is_active", "pricing_mode", "coordinates_precision")
    search_fields = ("name", "address", "commune__name", "external_id")
    autocomplete_fields = ("commune", "manager", "admitted_communes")
    list_select_related = ("commune",)


class AvailabilityInline(admin.TabularInline):
    model = ChildminderAvailability
    extra = 0


@admin.register(Childminder)
class ChildminderAdmin(VersionedAdmin):
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
    readonly_fields = (
        "kind", "filename", "file", "organisation", "user", "status", "valid_only", "job",
        "report", "finished_at",
    )  # fmt: skip
