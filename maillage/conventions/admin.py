from django.contrib import admin

from maillage.conventions import models


class PartyInline(admin.TabularInline):
    model = models.Party
    extra = 0


class ClauseInline(admin.StackedInline):
    model = models.Clause
    extra = 0


@admin.register(models.Convention)
class ConventionAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "territory", "start_date", "duration_years", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "slug"]
    readonly_fields = ["status"]
    inlines = [PartyInline, ClauseInline]


@admin.register(models.Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "status", "progress", "lead"]
    list_filter = ["status", "perspective__axis__convention"]
    search_fields = ["code", "title"]


@admin.register(models.Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["label", "action", "unit", "baseline", "target", "auto_source"]
    search_fields = ["label"]


@admin.register(models.Body)
class BodyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "convention", "meetings_per_year", "relative_to"]


for model in (
    models.Axis,
    models.Perspective,
    models.Measurement,
    models.EvaluationQuestion,
    models.Meeting,
    models.Decision,
    models.EvaluationReport,
    models.Equipment,
    models.MeansEntry,
    models.TerritoryBonus,
    models.BonusBeneficiary,
    models.CooperationPost,
    models.Amendment,
    models.ConventionVersion,
    models.ConventionTransitionLog,
    models.Zone,
    models.Objective,
):
    admin.site.register(model)
