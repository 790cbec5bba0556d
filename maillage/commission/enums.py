"""Enums of the admission commission. State codes are a contract (CLI, API, letters)."""

from django.db import models


class Criterion(models.TextChoices):
    """The criteria a points grid may use: each is computed from the application's data."""

    PARENTS_WORKING = "parents_working", "Chaque parent qui travaille, étudie ou se forme"
    ALL_PARENTS_WORKING = (
        "all_parents_working",
        "Tous les parents du foyer travaillent, étudient ou se forment",
    )
    JOB_SEEKING = "job_seeking", "Un parent cherche un emploi"
    SINGLE_PARENT = "single_parent", "Famille monoparentale"
    INTEGRATION_PATHWAY = (
        "integration_pathway",
        "Parent bénéficiaire d'un minimum social ou en parcours d'insertion",
    )
    DISABILITY = "disability", "Enfant en situation de handicap ou avec une maladie chronique"
    SIBLINGS_TOGETHER = "siblings_together", "Frères et sœurs demandés ensemble"
    SIBLING_IN_STRUCTURE = (
        "sibling_in_structure",
        "Un frère ou une sœur déjà accueilli dans la structure (par structure)",
    )
    RESIDENCE_COMMUNE = (
        "residence_commune",
        "Résidence dans la commune de la structure (par structure)",
    )
    SENIORITY_MONTH = "seniority_month", "Ancienneté de la demande (par mois)"
    SENIORITY_SESSION = "seniority_session", "Ancienneté (par commission passée sans place)"
    REFUSAL_PENALTY = "refusal_penalty", "Place proposée refusée (par refus)"


# Criteria that give points at one structure only (the engine's `bonus`).
PER_STRUCTURE_CRITERIA = {Criterion.SIBLING_IN_STRUCTURE, Criterion.RESIDENCE_COMMUNE}
# Criteria counted per unit (per parent, per month, per session, per refusal); a cap may apply.
PER_UNIT_CRITERIA = {
    Criterion.PARENTS_WORKING,
    Criterion.SENIORITY_MONTH,
    Criterion.SENIORITY_SESSION,
    Criterion.REFUSAL_PENALTY,
}


class GridStatus(models.TextChoices):
    DRAFT = "draft", "Projet"
    ADOPTED = "adopted", "Adoptée"


class ReserveKind(models.TextChoices):
    """Who a reserve is for; the tag is what the engine matches against the children's tags."""

    INTEGRATION = "integration", "Familles en parcours d'insertion (CASF L. 214-7)"
    AVIP = "avip", "Crèche à vocation d'insertion professionnelle (AVIP)"
    EMPLOYER = "employer", "Places réservées par un employeur"
    DISABILITY = "disability", "Enfants en situation de handicap"


class EmployerSource(models.TextChoices):
    """Who recorded that a parent works for an employer that reserves places."""

    FAMILY = "family", "La famille"
    AGENT = "agent", "Un agent du guichet"


class SessionKind(models.TextChoices):
    MAIN = "main", "Commission principale"
    INTERMEDIATE = "intermediate", "Commission intermédiaire"


class SessionStatus(models.TextChoices):
    DRAFT = "draft", "En préparation"
    FROZEN = "frozen", "Liste arrêtée"
    RUN = "run", "Proposition calculée"
    VALIDATED = "validated", "Validée par la commission"
    PUBLISHED = "published", "Publiée"
    CLOSED = "closed", "Close"


class Method(models.TextChoices):
    SIBLINGS = "siblings", "Fratries (par défaut)"
    OPTIMAL = "optimal", "Optimale (plus d'enfants placés, plus lente)"
    DA = "da", "Acceptation différée sans fratries"


class Exclusion(models.TextChoices):
    """Why an application of the frozen queue is left out of the engine's instance."""

    NOT_BORN = "not_born", "Enfant pas encore né à la date de référence"
    OUTSIDE_AGE_BANDS = "outside_age_bands", "Âge hors des tranches d'âge à la date de référence"
    START_OUTSIDE_WINDOW = (
        "start_outside_window",
        "Date d'entrée souhaitée en dehors de la période d'entrée de la commission",
    )
    NO_WISH_WITH_PLACES = (
        "no_wish_with_places",
        "Aucun des vœux n'a de place ouverte à cette commission",
    )
    INCOMPLETE = "incomplete", "Demande incomplète à la date d'arrêt de la liste"


class DecisionOutcome(models.TextChoices):
    PLACED = "placed", "Place attribuée"
    UNPLACED = "unplaced", "Pas de place à cette commission"
    EXCLUDED = "excluded", "Non étudiée à cette commission"


class OfferStatus(models.TextChoices):
    OPEN = "open", "En attente de réponse"
    ACCEPTED = "accepted", "Acceptée"
    REFUSED = "refused", "Refusée"
    EXPIRED = "expired", "Expirée"
    WITHDRAWN = "withdrawn", "Retirée"


class OfferChannel(models.TextChoices):
    FAMILY = "family", "En ligne par la famille"
    COUNTER = "counter", "Au guichet"
    API = "api", "API"
    SYSTEM = "system", "Automatique"
