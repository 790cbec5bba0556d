from django.db import models


class UserKind(models.TextChoices):
    PROFESSIONAL = "professional", "Professionnel (agent, élu, partenaire)"
    FAMILY = "family", "Famille"


class OrganisationKind(models.TextChoices):
    CAF = "caf", "Caf"
    COMMUNE = "commune", "Commune"
    EPCI = "epci", "Intercommunalité (EPCI)"
    DEPARTEMENT = "departement", "Département"
    MANAGER = "gestionnaire", "Gestionnaire d'équipement"
    ASSOCIATION = "association", "Association"
    STATE = "etat", "Services de l'État"
    OTHER = "autre", "Autre"


class Role(models.TextChoices):
    ADMIN = "admin", "Administrateur"
    AGENT = "agent", "Agent"
    READER = "reader", "Lecteur"
    ELECTED = "elected", "Élu"
    DPO = "dpo", "Délégué à la protection des données"
