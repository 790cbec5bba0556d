from django.contrib import admin

from maillage.territories.models import (
    Commune,
    CompetenceTransfer,
    Departement,
    Epci,
    Region,
    TerritoryGroup,
)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(Departement)
class DepartementAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "region")
    search_fields = ("code", "name")


@admin.register(Epci)
class EpciAdmin(admin.ModelAdmin):
    list_display = ("siren", "name", "kind", "population")
    list_filter = ("kind",)
    search_fields = ("siren", "name")


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ("insee_code", "name", "departement", "epci", "population", "population_vintage")
    list_filter = ("departement",)
    search_fields = ("insee_code", "name")
    raw_id_fields = ("epci",)
    exclude = ("geometry",)


@admin.register(TerritoryGroup)
class TerritoryGroupAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "kind")
    search_fields = ("slug", "name")
    raw_id_fields = ("communes",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(CompetenceTransfer)
class CompetenceTransferAdmin(admin.ModelAdmin):
    list_display = ("commune", "competence", "epci", "since")
    raw_id_fields = ("commune", "epci")
