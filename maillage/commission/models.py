"""Models of the admission commission: per-territory dated settings, versioned points grids,
reserves, sessions with their declared places and frozen queue, replayable runs, decisions,
offers and re-offers, and emergency admissions recorded between sessions.

A session freezes once: its grid, its entries (one per application of the frozen queue, with
the points line by line) and the engine instance (canonical JSON and its SHA-256) never change
afterwards, so a grid adopted later never applies to it and every run can be replayed."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from maillage.commission.enums import (
    Criterion,
    DecisionOutcome,
    EmployerSource,
    Exclusion,
    GridStatus,
    Method,
    OfferChannel,
    OfferStatus,
    ReserveKind,
    SessionKind,
    SessionStatus,
)
from maillage.core.concurrency import VersionedModel
from maillage.core.models import TimeStampedModel


def default_age_bands() -> list[dict]:
    """Age groups by age in completed months at the session's reference date (demo values; each
    territory sets its own)."""
    return [
        {"code": "bebe", "label": "Bébés", "min_months": 0, "max_months": 17},
        {"code": "moyen", "label": "Moyens", "min_months": 18, "max_months": 29},
        {"code": "grand", "label": "Grands", "min_months": 30, "max_months": 47},
    ]


def default_reminder_days() -> list[int]:
    return [3, 1]


class CommissionSettingsQuerySet(models.QuerySet):
    def in_force(self, on: datetime.date | None = None):
        on = on or datetime.date.today()
        return self.filter(valid_from__lte=on)


class CommissionSettings(models.Model):
    """The rules of one territory's commission from a date (a change is a new row)."""

    territory = models.ForeignKey(
        "territories.TerritoryGroup",
        on_delete=models.CASCADE,
        related_name="commission_settings",
        verbose_name="territoire",
    )
    valid_from = models.DateField("en vigueur à partir du")
    name = models.CharField(
        "nom de la commission",
        max_length=200,
        default="Commission d'admission aux modes d'accueil (CAMA)",
    )
    composition = models.TextField("composition de la commission", blank=True)
    calendar_note = models.TextField("calendrier (présentation)", blank=True)
    age_bands = models.JSONField(
        "tranches d'âge à la date de référence",
        default=default_age_bands,
        help_text="Liste de {code, label, min_months, max_months} (âge en mois révolus).",
    )
    offer_reply_days = models.PositiveSmallIntegerField(
        "délai de réponse à une proposition de place (jours)", default=8
    )
    offer_reminder_days = models.JSONField(
        "relances (jours avant la date limite)", default=default_reminder_days, blank=True
    )
    appeal_authority = models.CharField(
        "autorité à qui adresser un recours gracieux",
        max_length=200,
        default="Monsieur le Maire ou Madame la Maire",
    )
    appeal_address = models.TextField("adresse pour les recours et demandes", blank=True)
    administrative_court = models.CharField(
        "tribunal administratif compétent", max_length=200, default="Tribunal administratif de Nice"
    )
    rules_contact = models.CharField(
        "où demander les règles de l'algorithme", max_length=255, blank=True
    )
    default_method = models.CharField(
        "méthode par défaut", max_length=10, choices=Method.choices, default=Method.SIBLINGS
    )
    childminder_radius_km = models.PositiveSmallIntegerField(
        "assistants maternels proposés dans un rayon de (km)", default=5
    )
    source = models.CharField("source (délibération, règlement)", max_length=255, blank=True)

    objects = CommissionSettingsQuerySet.as_manager()

    class Meta:
        verbose_name = "règles de la commission"
        verbose_name_plural = "règles des commissions"
        ordering = ["territory", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "valid_from"], name="one_commission_rule_set_per_date"
            )
        ]

    def __str__(self):
        return f"{self.territory} — commission, règles du {self.valid_from:%d/%m/%Y}"


class PointsGridQuerySet(models.QuerySet):
    def adopted(self):
        return self.filter(status=GridStatus.ADOPTED)

    def in_force(self, on: datetime.date | None = None):
        on = on or datetime.date.today()
        return self.adopted().filter(valid_from__lte=on).order_by("-valid_from", "-version")


class PointsGrid(models.Model):
    """One version of a territory's published points grid. It applies to the sessions frozen
    from its date on, never to a session already frozen."""

    territory = models.ForeignKey(
        "territories.TerritoryGroup",
        on_delete=models.PROTECT,
        related_name="points_grids",
        verbose_name="territoire",
    )
    version = models.PositiveSmallIntegerField("version")
    title = models.CharField("intitulé", max_length=200, blank=True)
    valid_from = models.DateField("s'applique aux commissions à partir du")
    status = models.CharField(
        "statut", max_length=10, choices=GridStatus.choices, default=GridStatus.DRAFT
    )
    adopted_at = models.DateTimeField("adoptée le", null=True, blank=True)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="adoptée par",
    )
    deliberation = models.CharField(
        "délibération ou décision d'adoption", max_length=255, blank=True
    )
    is_demo = models.BooleanField("grille de démonstration", default=False)
    notes = models.TextField("commentaire", blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    objects = PointsGridQuerySet.as_manager()

    class Meta:
        verbose_name = "grille de points"
        verbose_name_plural = "grilles de points"
        ordering = ["territory", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "version"], name="one_grid_per_version")
        ]

    def __str__(self):
        return f"Grille {self.territory} v{self.version}"


class GridCriterion(models.Model):
    """One line of a grid: a criterion, its points (per unit when it is counted), an optional
    cap, and why (law, convention, deliberation)."""

    grid = models.ForeignKey(PointsGrid, on_delete=models.CASCADE, related_name="criteria")
    criterion = models.CharField("critère", max_length=30, choices=Criterion.choices)
    points = models.DecimalField("points", max_digits=6, decimal_places=2)
    cap = models.DecimalField(
        "plafond (points)", max_digits=6, decimal_places=2, null=True, blank=True
    )
    reason = models.CharField("fondement (loi, convention, délibération)", max_length=255)
    position = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "critère de la grille"
        verbose_name_plural = "critères de la grille"
        ordering = ["grid", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["grid", "criterion"], name="one_line_per_criterion")
        ]

    def __str__(self):
        return f"{self.get_criterion_display()} : {self.points}"


class Reserve(models.Model):
    """Places of one structure and age group kept for a category of families (at most one
    reserve per structure and age group at a time, as the engine's format says)."""

    structure = models.ForeignKey(
        "directory.Structure",
        on_delete=models.CASCADE,
        related_name="reserves",
        verbose_name="structure",
    )
    age_group = models.CharField("tranche d'âge", max_length=20)
    kind = models.CharField("pour", max_length=20, choices=ReserveKind.choices)
    employer = models.CharField("employeur (places réservées)", max_length=200, blank=True)
    places = models.PositiveSmallIntegerField("places")
    release_if_unused = models.BooleanField(
        "libérées si pas assez de candidats éligibles", default=False
    )
    valid_from = models.DateField("à partir du")
    valid_until = models.DateField("jusqu'au", null=True, blank=True)
    reason = models.CharField("fondement", max_length=255, blank=True)

    class Meta:
        verbose_name = "réserve de places"
        verbose_name_plural = "réserves de places"
        ordering = ["structure", "age_group", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["structure", "age_group", "valid_from"],
                name="one_reserve_per_structure_age_date",
            )
        ]

    def __str__(self):
        return f"{self.structure} — {self.age_group} : {self.places} ({self.get_kind_display()})"

    @property
    def tag(self) -> str:
        """The engine's tag: `integration`, `avip`, `disability` or `employer:<id>`."""
        if self.kind == ReserveKind.EMPLOYER:
            return f"employer:{self.pk}"
        return str(self.kind)


class Session(VersionedModel, TimeStampedModel):
    """One sitting of the commission: its places, frozen queue, runs and decisions."""

    territory = models.ForeignKey(
        "territories.TerritoryGroup",
        on_delete=models.PROTECT,
        related_name="commission_sessions",
        verbose_name="territoire",
    )
    slug = models.SlugField("identifiant", max_length=80, unique=True)
    name = models.CharField("intitulé", max_length=200)
    kind = models.CharField(
        "nature", max_length=15, choices=SessionKind.choices, default=SessionKind.MAIN
    )
    date = models.DateField("date de la commission")
    freeze_date = models.DateField("arrêt de la liste")
    reference_date = models.DateField("date de référence des âges")
    entry_from = models.DateField("entrées à partir du")
    entry_until = models.DateField("entrées jusqu'au")
    status = models.CharField(
        "état",
        max_length=10,
        choices=SessionStatus.choices,
        default=SessionStatus.DRAFT,
        db_index=True,
    )
    grid = models.ForeignKey(
        PointsGrid,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name="grille appliquée",
    )
    frozen_at = models.DateTimeField("liste arrêtée le", null=True, blank=True)
    instance = models.TextField("instance figée (JSON canonique)", blank=True)
    instance_sha256 = models.CharField("empreinte SHA-256 de l'instance", max_length=64, blank=True)
    validated_at = models.DateTimeField("validée le", null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="validée par",
    )
    validated_run = models.ForeignKey(
        "Run",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="calcul validé",
    )
    published_at = models.DateTimeField("publiée le", null=True, blank=True)
    closed_at = models.DateTimeField("close le", null=True, blank=True)

    class Meta:
        verbose_name = "séance de commission"
        verbose_name_plural = "séances de commission"
        ordering = ["territory", "-date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(entry_from__lte=models.F("entry_until")),
                name="session_entry_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(freeze_date__lte=models.F("date")),
                name="session_frozen_before_sitting",
            ),
        ]

    def __str__(self):
        return self.name


class SessionPlaces(models.Model):
    """Places a manager declares open at a session, per structure, age group and start date."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="places")
    structure = models.ForeignKey(
        "directory.Structure",
        on_delete=models.PROTECT,
        related_name="session_places",
        verbose_name="structure",
    )
    age_group = models.CharField("tranche d'âge", max_length=20)
    places = models.PositiveSmallIntegerField("places")
    start_date = models.DateField("date d'entrée")
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="déclarées par",
    )
    declared_at = models.DateTimeField("déclarées le", auto_now=True)

    class Meta:
        verbose_name = "places ouvertes"
        verbose_name_plural = "places ouvertes"
        ordering = ["session", "structure", "age_group"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "structure", "age_group"],
                name="one_places_line_per_structure_age",
            )
        ]

    def __str__(self):
        return f"{self.structure} — {self.age_group} : {self.places}"


class SessionEntry(models.Model):
    """One application of a session's frozen queue: its instance id, age group, points line by
    line and per-structure bonus, wishes as frozen, or why it was left out."""

    # no index of its own: the two unique constraints below start with the session
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="entries", db_index=False
    )
    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.CASCADE,
        related_name="commission_entries",
        verbose_name="demande",
    )
    child_key = models.CharField("identifiant dans l'instance", max_length=20)
    family_key = models.CharField("famille dans l'instance", max_length=20, blank=True)
    age_group = models.CharField("tranche d'âge", max_length=20, blank=True)
    points = models.DecimalField("points", max_digits=7, decimal_places=2, default=0)
    points_detail = models.JSONField(
        "détail des points",
        default=list,
        help_text="Liste de {criterion, label, units, points, reason}.",
    )
    bonus = models.JSONField(
        "points par structure", default=dict, help_text="{structure id: [{criterion, points}]}"
    )
    wishes = models.JSONField("vœux à l'arrêt de la liste", default=list)
    tags = models.JSONField("catégories (réserves)", default=list)
    # asked « together or not at all » with a brother or sister, but no wish in common: the
    # children are examined separately (said to the agents and in the family's letter)
    siblings_apart = models.BooleanField(
        "fratrie sans vœu commun, étudiée séparément", default=False
    )
    exclusion = models.CharField(
        "non étudiée", max_length=25, choices=Exclusion.choices, blank=True
    )

    class Meta:
        verbose_name = "demande examinée"
        verbose_name_plural = "demandes examinées"
        ordering = ["session", "child_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "application"], name="one_entry_per_application"
            ),
            models.UniqueConstraint(fields=["session", "child_key"], name="one_entry_per_key"),
        ]

    def __str__(self):
        return f"{self.session_id}/{self.child_key}"


class Run(models.Model):
    """One run of the engine on a session's frozen instance, stored so it can be replayed bit
    for bit: input hash, engine version, method, seed, output (canonical JSON) and its hash."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="runs")
    method = models.CharField("méthode", max_length=10, choices=Method.choices)
    seed = models.IntegerField("graine", default=0)
    time_limit = models.FloatField("limite de temps (optimal)", null=True, blank=True)
    engine_version = models.CharField("version du moteur", max_length=40)
    input_sha256 = models.CharField("empreinte de l'entrée", max_length=64)
    output = models.TextField("résultat (JSON canonique, durée exclue)")
    output_sha256 = models.CharField("empreinte du résultat", max_length=64)
    placed = models.PositiveIntegerField("enfants placés", default=0)
    unplaced = models.PositiveIntegerField("enfants sans place", default=0)
    blocking_pairs = models.PositiveIntegerField("paires bloquantes", default=0)
    blocking_coalitions = models.PositiveIntegerField("coalitions bloquantes", default=0)
    seconds = models.FloatField("durée (s)", default=0)
    created_at = models.DateTimeField("lancé le", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="lancé par",
    )
    created_by_label = models.CharField("lancé par", max_length=255, blank=True)
    last_replay_at = models.DateTimeField("dernier rejeu le", null=True, blank=True)
    last_replay_identical = models.BooleanField("dernier rejeu identique", null=True, blank=True)
    # the proposal's statistics, computed once when the run is stored and again after each
    # decision changed by the commission (`sessions.compute_statistics`): a page reads them here
    statistics = models.JSONField("statistiques de la proposition", default=dict, blank=True)
    # the commission's decisions of the previous run carried over onto this one
    # ({"from_run", "carried": [{child_key, number}], "dropped": [...]}, see runs.carry_overrides)
    carried_overrides = models.JSONField(
        "décisions de la commission reprises", default=dict, blank=True
    )

    class Meta:
        verbose_name = "calcul d'attribution"
        verbose_name_plural = "calculs d'attribution"
        ordering = ["session", "-created_at", "-id"]

    def __str__(self):
        return f"Calcul {self.pk} ({self.method})"


class Decision(models.Model):
    """The outcome for one entry of a session: the engine's proposal, the commission's decision
    (a change needs a written reason, quoted in the letter) and the structured explanation the
    letter is rendered from."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="decisions")
    entry = models.OneToOneField(SessionEntry, on_delete=models.CASCADE, related_name="decision")
    run = models.ForeignKey(
        Run, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions"
    )
    outcome = models.CharField("décision", max_length=10, choices=DecisionOutcome.choices)
    # Foreign keys empty on most rows (no place, no override) are indexed where set only
    # (partial indexes in Meta): a run writes 20,000 decisions at once.
    proposed_structure = models.ForeignKey(
        "directory.Structure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="proposition du calcul",
        db_index=False,
    )
    structure = models.ForeignKey(
        "directory.Structure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="place attribuée",
        db_index=False,
    )
    wish_rank = models.PositiveSmallIntegerField("rang du vœu obtenu", null=True, blank=True)
    overridden = models.BooleanField("modifiée par la commission", default=False)
    override_reason = models.TextField("motif de la commission", blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="modifiée par",
        db_index=False,
    )
    explanation = models.JSONField(
        "explication (codes et nombres)",
        default=dict,
        help_text=(
            "Code d'exclusion, décision de la commission, et référence à l'explication du "
            "moteur dans le résultat du calcul (voir commission/outputs.py). Rendue par les "
            "gabarits."
        ),
    )
    letter_queued_at = models.DateTimeField("courrier préparé le", null=True, blank=True)

    class Meta:
        verbose_name = "décision de la commission"
        verbose_name_plural = "décisions de la commission"
        ordering = ["session", "entry__child_key"]
        indexes = [
            models.Index(
                fields=["structure"],
                name="decision_structure_set",
                condition=Q(structure__isnull=False),
            ),
            models.Index(
                fields=["proposed_structure"],
                name="decision_proposed_set",
                condition=Q(proposed_structure__isnull=False),
            ),
            models.Index(
                fields=["overridden_by"],
                name="decision_overridden_by_set",
                condition=Q(overridden_by__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.entry} : {self.get_outcome_display()}"


class EmployerReservation(models.Model):
    """A parent of the application works for an employer that reserves places in the territory
    (one of the employers of the territory's current employer reserves, never free text).
    Optional, recorded by the family or by an agent; at the freeze the child becomes eligible
    for that employer's reserves in the structures she wished (`employers.tags_for`)."""

    application = models.OneToOneField(
        "applications.Application",
        on_delete=models.CASCADE,
        related_name="employer_reservation",
        verbose_name="demande",
    )
    employer = models.CharField("employeur réservataire", max_length=200)
    source = models.CharField("déclaré par", max_length=10, choices=EmployerSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="enregistré par",
    )
    recorded_at = models.DateTimeField("enregistré le", auto_now=True)

    class Meta:
        verbose_name = "employeur réservataire d'un parent"
        verbose_name_plural = "employeurs réservataires des parents"

    def __str__(self):
        return f"{self.application_id} — {self.employer}"


class OfferQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=OfferStatus.OPEN)

    def held(self):
        """Offers that occupy their place: open, or accepted by a child who has not left."""
        return self.filter(
            Q(status=OfferStatus.OPEN) | Q(status=OfferStatus.ACCEPTED, left_at__isnull=True)
        )


class Offer(VersionedModel, TimeStampedModel):
    """A place offered to a family, from a published session or as a re-offer of a place left
    free; answered online, at the counter or through the API."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="offers")
    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.CASCADE,
        related_name="offers",
        verbose_name="demande",
    )
    decision = models.ForeignKey(
        Decision, on_delete=models.SET_NULL, null=True, blank=True, related_name="offers"
    )
    structure = models.ForeignKey(
        "directory.Structure",
        on_delete=models.PROTECT,
        related_name="offers",
        verbose_name="structure",
    )
    age_group = models.CharField("tranche d'âge", max_length=20)
    start_date = models.DateField("date d'entrée", null=True, blank=True)
    status = models.CharField(
        "état", max_length=10, choices=OfferStatus.choices, default=OfferStatus.OPEN, db_index=True
    )
    deadline = models.DateField("répondre avant le")
    answered_at = models.DateTimeField("réponse le", null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="réponse enregistrée par",
    )
    channel = models.CharField("réponse", max_length=10, choices=OfferChannel.choices, blank=True)
    reoffer_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reoffers",
        verbose_name="place libérée par",
    )
    keep_better_wishes = models.BooleanField(
        "garder les vœux mieux classés en attente", default=False
    )
    # The place stops being held: the child left (départ), or moved to a better place offered
    # later. An accepted offer with `left_at` set no longer counts against the places.
    left_at = models.DateTimeField("place libérée le", null=True, blank=True)
    left_reason = models.CharField("motif de la libération", max_length=255, blank=True)
    # Why this child received this re-offer (codes and numbers, rendered by the letters).
    reoffer_reason = models.JSONField("motif de la nouvelle proposition", default=dict, blank=True)

    objects = OfferQuerySet.as_manager()

    class Meta:
        verbose_name = "proposition de place"
        verbose_name_plural = "propositions de place"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status="open"),
                name="one_open_offer_per_application",
            )
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="offer_status_deadline")]

    def __str__(self):
        return f"Proposition {self.pk} — {self.structure}"


class EmergencyAdmission(models.Model):
    """A child admitted between sessions at the PMI's request, outside the engine, with a
    reason; reported with the next session's statistics."""

    territory = models.ForeignKey(
        "territories.TerritoryGroup",
        on_delete=models.PROTECT,
        related_name="emergency_admissions",
        verbose_name="territoire",
    )
    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.CASCADE,
        related_name="emergency_admissions",
        verbose_name="demande",
    )
    structure = models.ForeignKey(
        "directory.Structure", on_delete=models.PROTECT, related_name="+", verbose_name="structure"
    )
    age_group = models.CharField("tranche d'âge", max_length=20)
    admitted_on = models.DateField("admis le")
    reason = models.TextField("motif (demande de la PMI)")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="enregistrée par",
    )
    recorded_at = models.DateTimeField("enregistrée le", auto_now_add=True)

    class Meta:
        verbose_name = "admission en urgence"
        verbose_name_plural = "admissions en urgence"
        ordering = ["territory", "-admitted_on"]

    def __str__(self):
        return f"Admission en urgence {self.pk}"


class ExplanationRequest(models.Model):
    """A family's request for the detailed explanation of a decision (article R. 311-3-1-2 of
    the code des relations entre le public et l'administration): recorded, then answered by
    the document rendered from the decision (see `commission/explanations.py`)."""

    decision = models.ForeignKey(
        Decision, on_delete=models.CASCADE, related_name="explanation_requests"
    )
    requested_at = models.DateTimeField("demandée le", auto_now_add=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="demandée par",
    )

    class Meta:
        verbose_name = "demande d'explication détaillée"
        verbose_name_plural = "demandes d'explication détaillée"
        ordering = ["decision", "requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["decision"], name="one_explanation_request_per_decision"
            )
        ]

    def __str__(self):
        return f"Explication demandée — {self.decision}"
