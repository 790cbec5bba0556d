"""The commission's rules, points grids and reserves in the administration (the agents' pages do
the same with the checks; an adopted grid is read-only here too)."""

from django import forms
from django.contrib import admin

from maillage.commission.enums import GridStatus
from maillage.commission.models import CommissionSettings, GridCriterion, PointsGrid, Reserve
from maillage.commission.reserves import overlapping_reserve


@admin.register(CommissionSettings)
class CommissionSettingsAdmin(admin.ModelAdmin):
    list_display = ("territory", "valid_from", "name", "offer_reply_days", "default_method")
    list_filter = ("territory",)
    ordering = ("territory", "-valid_from")


class GridCriterionInline(admin.TabularInline):
    model = GridCriterion
    extra = 0
    fields = ("position", "criterion", "points", "cap", "reason")

    def has_add_permission(self, request, obj=None):
        return obj is None or obj.status == GridStatus.DRAFT

    def has_change_permission(self, request, obj=None):
        return obj is None or obj.status == GridStatus.DRAFT

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.status == GridStatus.DRAFT


@admin.register(PointsGrid)
class PointsGridAdmin(admin.ModelAdmin):
    list_display = ("territory", "version", "title", "status", "valid_from", "is_demo")
    list_filter = ("territory", "status", "is_demo")
    inlines = [GridCriterionInline]
    # adoption goes through the agents' page (audited workflow, checks), never through here
    readonly_fields = ("status", "adopted_at", "adopted_by", "created_at")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status == GridStatus.ADOPTED:
            return [f.name for f in self.model._meta.fields]
        return self.readonly_fields


class ReserveAdminForm(forms.ModelForm):
    class Meta:
        model = Reserve
        fields = [
            "structure",
            "age_group",
            "kind",
            "employer",
            "places",
            "release_if_unused",
            "valid_from",
            "valid_until",
            "reason",
        ]

    def clean(self):
        data = super().clean()
        structure, age_group = data.get("structure"), data.get("age_group")
        valid_from = data.get("valid_from")
        if structure and age_group and valid_from:
            other = overlapping_reserve(
                structure, age_group, valid_from, data.get("valid_until"), self.instance.pk
            )
            if other is not None:
                raise forms.ValidationError(
                    "Une réserve existe déjà pour cette structure et cette tranche d'âge sur "
                    "cette période : une seule réserve à la fois (format du moteur)."
                )
        return data


@admin.register(Reserve)
class ReserveAdmin(admin.ModelAdmin):
    form = ReserveAdminForm
    list_display = ("structure", "age_group", "kind", "places", "release_if_unused", "valid_from",
                    "valid_until")  # fmt: skip
    list_filter = ("kind", "release_if_unused")
    raw_id_fields = ("structure",)
