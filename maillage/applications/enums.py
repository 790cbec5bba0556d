"""Enums of the guichet unique. State codes are a contract (API, import, commission)."""

from django.db import models


class State(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    SUBMITTED = "submitted", "Déposée"
    TO_CORRECT = "to_correct", "À compléter"
    AWAITING_BIRTH = "awaiting_birth", "En attente de la naissance"
    ON_HOLD = "on_hold", "En suspens"
    WAITING = "waiting", "En liste d'attente"
    TO_CONFIRM = "to_confirm", "À confirmer"
    OFFERED = "offered", "Place proposée"
    ACCEPTED = "accepted", "Place acceptée"
    PLACED = "placed", "Enfant accueilli"
    LEFT = "left", "Accueil terminé"
    ARCHIVED = "archived", "Archivée"
    WITHDRAWN = "withdrawn", "Retirée par la famille"
    CANCELLED = "cancelled", "Annulée"
    MERGED = "merged", "Fusionnée"


# States from which a family can withdraw and the guichet can cancel or merge.
OPEN_STATES = [
    State.DRAFT,
    State.SUBMITTED,
    State.TO_CORRECT,
    State.AWAITING_BIRTH,
    State.ON_HOLD,
    State.WAITING,
    State.TO_CONFIRM,
    State.OFFERED,
    State.ACCEPTED,
]
# States in which an application is on the list (counted for the commission).
ACTIVE_STATES = [State.WAITING, State.TO_CONFIRM]

# What each state means for a family, in plain words.
FAMILY_EXPLANATIONS = {
    State.DRAFT: "Votre demande n'est pas encore envoyée. Complétez-la puis déposez-la.",
    State.SUBMITTED: "Votre demande est bien arrivée. Le guichet vérifie qu'elle est complète.",
    State.TO_CORRECT: "Le guichet vous demande de compléter ou corriger votre demande.",
    State.AWAITING_BIRTH: (
        "Votre demande est enregistrée. Confirmez la naissance de votre enfant dès qu'il est né."
    ),
    State.ON_HOLD: (
        "La naissance n'a pas été confirmée à temps : la demande n'est plus étudiée tant que vous "
        "ne la confirmez pas."
    ),
    State.WAITING: "Votre demande est en liste d'attente et sera étudiée en commission.",
    State.TO_CONFIRM: (
        "Confirmez que vous cherchez toujours une place, sinon la demande sera archivée."
    ),
    State.OFFERED: "Une place vous est proposée. Répondez avant la date indiquée.",
    State.ACCEPTED: "Vous avez accepté la place. La structure va vous contacter.",
    State.PLACED: "Votre enfant est accueilli.",
    State.LEFT: "L'accueil de votre enfant est terminé.",
    State.ARCHIVED: "La demande est archivée.",
    State.WITHDRAWN: "Vous avez retiré votre demande.",
    State.CANCELLED: "La demande a été annulée par le guichet.",
    State.MERGED: "Cette demande a été regroupée avec une autre demande.",
}


class Source(models.TextChoices):
    FAMILY = "family", "En ligne par la famille"
    COUNTER = "counter", "Au guichet"
    IMPORT = "import", "Import"
    API = "api", "API"


class RefusalRule(models.TextChoices):
    STAY = "stay", "La demande reste en liste d'attente"
    ARCHIVE_AFTER = "archive_after", "La demande est archivée après un nombre de refus"


class DocumentKind(models.TextChoices):
    ADDRESS = "address", "Justificatif de domicile de moins de 3 mois"
    BIRTH = "birth", "Acte de naissance ou extrait"
    PREGNANCY = "pregnancy", "Certificat de grossesse"
    INCOME = "income", "Dernier avis d'imposition"
    ACTIVITY = "activity", "Justificatif d'activité (bulletin de salaire, attestation…)"
    CAF = "caf", "Attestation de la Caf (quotient familial)"
    OTHER = "other", "Autre document"


class DeadlineKind(models.TextChoices):
    BIRTH = "birth", "Confirmation de la naissance"
    INTEREST = "interest", "Confirmation de l'intérêt"
