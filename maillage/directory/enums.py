"""Enumerations of the directory: kinds of structures, themes, pricing modes, precision."""

import datetime

from django.db import models


class Theme(models.TextChoices):
    EARLY_CHILDHOOD = "petite_enfance", "Petite enfance"
    CHILDHOOD = "enfance", "Enfance 3-11 ans"
    YOUTH = "jeunesse", "Jeunesse"
    PARENTING = "parentalite", "Parentalité"
    SOCIAL_LIFE = "animation_vie_sociale", "Animation de la vie sociale"
    ACCESS_TO_RIGHTS = "acces_aux_droits", "Accès aux droits"


class StructureKind(models.TextChoices):
    # EAJE (établissements d'accueil du jeune enfant)
    CRECHE_COLLECTIVE = "creche_collective", "Crèche collective"
    CRECHE_FAMILIALE = "creche_familiale", "Crèche familiale"
    CRECHE_PARENTALE = "creche_parentale", "Crèche parentale"
    MICRO_CRECHE_PSU = "micro_creche_psu", "Micro-crèche (PSU)"
    MICRO_CRECHE_PAJE = "micro_creche_paje", "Micro-crèche (PAJE)"
    MULTI_ACCUEIL = "multi_accueil", "Multi-accueil"
    HALTE_GARDERIE = "halte_garderie", "Halte-garderie"
    JARDIN_ENFANTS = "jardin_enfants", "Jardin d'enfants"
    # other early-childhood services
    MAM = "mam", "Maison d'assistants maternels (MAM)"
    RPE = "rpe", "Relais petite enfance (RPE)"
    HOME_CARE = "garde_domicile", "Garde à domicile"
    PMI = "pmi", "Protection maternelle et infantile (PMI)"
    # childhood and youth
    ALSH_PERISCOLAIRE = "alsh_periscolaire", "Accueil de loisirs périscolaire (ALSH)"
    ALSH_EXTRASCOLAIRE = "alsh_extrascolaire", "Accueil de loisirs extrascolaire (ALSH)"
    CLAS = "clas", "Accompagnement à la scolarité (CLAS)"
    YOUTH_CENTRE = "accueil_jeunes", "Accueil de jeunes"
    # parenting
    LAEP = "laep", "Lieu d'accueil enfants-parents (LAEP)"
    TOY_LIBRARY = "ludotheque", "Ludothèque"
    FAMILY_MEDIATION = "mediation_familiale", "Médiation familiale"
    MEETING_PLACE = "espace_rencontre", "Espace rencontre"
    # animation de la vie sociale
    SOCIAL_CENTRE = "centre_social", "Centre social"
    EVS = "espace_vie_sociale", "Espace de vie sociale (EVS)"
    # access to rights
    CAF_RELAY = "point_relais_caf", "Point relais Caf"
    FRANCE_SERVICES = "france_services", "France Services"


EAJE_KINDS = frozenset(
    {
        StructureKind.CRECHE_COLLECTIVE,
        StructureKind.CRECHE_FAMILIALE,
        StructureKind.CRECHE_PARENTALE,
        StructureKind.MICRO_CRECHE_PSU,
        StructureKind.MICRO_CRECHE_PAJE,
        StructureKind.MULTI_ACCUEIL,
        StructureKind.HALTE_GARDERIE,
        StructureKind.JARDIN_ENFANTS,
    }
)

# Kinds that offer care (places) for young children, shown first to families looking for care.
CARE_KINDS = EAJE_KINDS | {StructureKind.MAM, StructureKind.HOME_CARE}

_THEMES = {
    StructureKind.MAM: Theme.EARLY_CHILDHOOD,
    StructureKind.RPE: Theme.EARLY_CHILDHOOD,
    StructureKind.HOME_CARE: Theme.EARLY_CHILDHOOD,
    StructureKind.PMI: Theme.EARLY_CHILDHOOD,
    StructureKind.ALSH_PERISCOLAIRE: Theme.CHILDHOOD,
    StructureKind.ALSH_EXTRASCOLAIRE: Theme.CHILDHOOD,
    StructureKind.CLAS: Theme.CHILDHOOD,
    StructureKind.YOUTH_CENTRE: Theme.YOUTH,
    StructureKind.LAEP: Theme.PARENTING,
    StructureKind.TOY_LIBRARY: Theme.PARENTING,
    StructureKind.FAMILY_MEDIATION: Theme.PARENTING,
    StructureKind.MEETING_PLACE: Theme.PARENTING,
    StructureKind.SOCIAL_CENTRE: Theme.SOCIAL_LIFE,
    StructureKind.EVS: Theme.SOCIAL_LIFE,
    StructureKind.CAF_RELAY: Theme.ACCESS_TO_RIGHTS,
    StructureKind.FRANCE_SERVICES: Theme.ACCESS_TO_RIGHTS,
}


def theme_of(kind: str) -> str:
    """The Theme value of a StructureKind value (EAJE are 'petite_enfance')."""
    kind = StructureKind(kind)
    if kind in EAJE_KINDS:
        return Theme.EARLY_CHILDHOOD.value
    return _THEMES[kind].value


def is_eaje(kind: str) -> bool:
    return kind in EAJE_KINDS


class PricingMode(models.TextChoices):
    PSU = "psu", "Barème national (PSU)"
    PAJE = "paje", "Prix libre, aide PAJE/CMG"
    FREE = "free", "Gratuit"
    OTHER = "other", "Autre tarification"


class CoordinatesPrecision(models.TextChoices):
    ADDRESS = "address", "Adresse (géocodée)"
    STREET = "street", "Rue"
    MANUAL = "manual", "Saisie manuelle"
    COMMUNE = "commune", "Approximative (centre de la commune)"
    NONE = "none", "Inconnue"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "lundi"
    TUESDAY = 1, "mardi"
    WEDNESDAY = 2, "mercredi"
    THURSDAY = 3, "jeudi"
    FRIDAY = 4, "vendredi"
    SATURDAY = 5, "samedi"
    SUNDAY = 6, "dimanche"


WEEKDAY_SHORT = ["lun", "mar", "mer", "jeu", "ven", "sam", "dim"]


def days_mask(days) -> int:
    """Bit mask of weekday numbers (0 = Monday): [0, 1, 2, 3, 4] → 31."""
    mask = 0
    for day in days:
        mask |= 1 << int(day)
    return mask


def days_of(mask: int) -> list[int]:
    return [day for day in range(7) if mask & (1 << day)]


WEEKDAYS_MASK = days_mask(range(5))


# What the atypical-hours badges promise, so that the hour filters mean the same thing: a service
# marked « Tôt le matin » can be asked for from EARLY_FROM, one marked « Tard le soir » until
# LATE_UNTIL, one marked « La nuit » at any hour, whatever hours it declared for the daytime.
EARLY_FROM = datetime.time(5, 0)
LATE_UNTIL = datetime.time(22, 0)


class AtypicalHours(models.TextChoices):
    EARLY = "early", "Tôt le matin (avant 7 h)"
    LATE = "late", "Tard le soir (après 19 h)"
    NIGHT = "night", "La nuit"
    WEEKEND = "weekend", "Le week-end"
    HOLIDAYS = "holidays", "Pendant les vacances scolaires"


class ImportKind(models.TextChoices):
    STRUCTURES = "structures", "Structures"
    CHILDMINDERS = "childminders", "Assistants maternels"
