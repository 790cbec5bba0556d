from django.db import models


class EpciKind(models.TextChoices):
    CC = "CC", "Communauté de communes"
    CA = "CA", "Communauté d'agglomération"
    CU = "CU", "Communauté urbaine"
    METRO = "METRO", "Métropole"
    MET69 = "MET69", "Métropole de Lyon"


class TerritoryGroupKind(models.TextChoices):
    LIVING_AREA = "bassin_de_vie", "Bassin de vie"
    CONVENTION = "convention", "Territoire de convention"
    CATCHMENT = "secteur", "Secteur"
    OTHER = "autre", "Autre"


class Competence(models.TextChoices):
    """The four competences of the autorité organisatrice (L. 214-1-3 CASF)."""

    CENSUS = "recenser", "Recenser les besoins et l'offre d'accueil"
    INFORMATION = "informer", "Informer et accompagner les familles"
    PLANNING = "planifier", "Planifier le développement de l'offre"
    QUALITY = "qualite", "Soutenir la qualité des modes d'accueil"
