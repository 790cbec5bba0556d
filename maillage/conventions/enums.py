from django.db import models


class ConventionKind(models.TextChoices):
    CTG = "ctg", "Convention territoriale globale (CTG)"
    AGREEMENT = "protocol", "Protocole d'accord"
    PARTNERSHIP = "partnership", "Convention de partenariat"
    SCHEME = "scheme", "Schéma pluriannuel"


class ConventionStatus(models.TextChoices):
    DRAFT = "draft", "En préparation"
    SIGNED = "signed", "Signée"
    ACTIVE = "active", "En vigueur"
    ENDED = "ended", "Arrivée à échéance"
    TERMINATED = "terminated", "Résiliée"


class RenewalRule(models.TextChoices):
    EXPRESS = "express", "Reconduction expresse uniquement"
    TACIT = "tacit", "Reconduction tacite"
    NONE = "none", "Non reconductible"


class PartyRole(models.TextChoices):
    SIGNATORY = "signatory", "Signataire"
    CO_SIGNATORY = "co_signatory", "Cosignataire (financeur)"
    ASSOCIATED = "associated", "Partenaire associé (non signataire)"


class ClauseKind(models.TextChoices):
    GENERAL = "general", "Clause générale"
    PREAMBLE = "preamble", "Préambule"
    DATA_EXCHANGE = "data_exchange", "Échanges de données"
    DURATION = "duration", "Durée et reconduction"
    TERMINATION = "termination", "Fin de la convention"
    GOVERNANCE = "governance", "Pilotage"
    FUNDING = "funding", "Engagements financiers"


class ActionStatus(models.TextChoices):
    ONGOING = "ongoing", "En cours"
    NEW = "new", "Nouvelle"
    DONE = "done", "Réalisée"
    ABANDONED = "abandoned", "Abandonnée"


class Frequency(models.TextChoices):
    MONTHLY = "monthly", "Mensuelle"
    QUARTERLY = "quarterly", "Trimestrielle"
    HALF_YEARLY = "half_yearly", "Semestrielle"
    YEARLY = "yearly", "Annuelle"
    END = "end", "En fin de convention"


class AutoSource(models.TextChoices):
    """Where an automatically fed indicator takes its value (see `maillage/conventions/feeds.py`)."""

    COVERAGE_RATE = "observatory.coverage_rate", "Observatoire : taux de couverture global"
    UNMET_DEMAND = (
        "observatory.unmet_demand",
        "Observatoire : demandes en attente au guichet unique (entrée souhaitée dans la fenêtre)",
    )
    SATISFACTION_RATE = (
        "observatory.satisfaction_rate",
        "Observatoire : taux de satisfaction des demandes (places acceptées pour 100)",
    )
    PLACEMENT_DELAY = (
        "observatory.placement_delay",
        "Observatoire : délai médian entre la demande et la place acceptée (jours)",
    )


class BodyKind(models.TextChoices):
    COPIL = "copil", "Comité de pilotage (COPIL)"
    COTECH = "cotech", "Comité technique (COTECH)"
    FOLLOW_UP = "follow_up", "Comité de suivi"
    WORKING_GROUP = "working_group", "Groupe de travail"


class CalendarEventKind(models.TextChoices):
    MEETING = "meeting", "Réunion"
    DOCUMENTS = "documents", "Envoi des documents"


class ReportKind(models.TextChoices):
    ANNUAL = "annual", "Bilan annuel"
    FINAL = "final", "Évaluation de fin de convention"


class ReportState(models.TextChoices):
    DRAFT = "draft", "En préparation"
    ADOPTED = "adopted", "Adopté"


class MeansKind(models.TextChoices):
    EQUIPMENT = "equipment", "Équipement"
    ACTION = "action", "Action"
    SERVICE = "service", "Service"
    STAFF = "staff", "Moyens humains"


class FundingNature(models.TextChoices):
    OPERATING = "operating", "Fonctionnement"
    INVESTMENT = "investment", "Investissement"
    IN_KIND = "in_kind", "Mise à disposition (valorisation)"
    BONUS = "bonus", "Bonus territoire"


class BonusRule(models.TextChoices):
    PRO_RATA_PLACES = "pro_rata_places", "Au prorata des places"
    EQUAL_SHARES = "equal_shares", "À parts égales"
