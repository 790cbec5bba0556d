"""Conventions (CTG, protocols, partnership conventions, schémas pluriannuels) and their content:
parties, clauses, competences, objectives, the action plan, indicators, governance, evaluation,
funding, amendments and versions.

The status of a convention follows one declarative table (`ConventionWorkflow` in
`maillage/conventions/workflows.py`); the only way to change it is
`maillage.conventions.workflows.change_status`, which also writes the `ConventionTransitionLog`
shown on the convention's page. Shared records edited through forms (the convention, fiches
actions, indicators, reports, the bonus territoire) are `VersionedModel`s saved by
compare-and-set (`maillage/core/concurrency.py`).
"""

import datetime
import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify

from maillage.conventions import schedule
from maillage.conventions.enums import (
    ActionStatus,
    AutoSource,
    BodyKind,
    BonusRule,
    ClauseKind,
    ConventionKind,
    ConventionStatus,
    Frequency,
    FundingNature,
    MeansKind,
    PartyRole,
    RenewalRule,
    ReportKind,
    ReportState,
)
from maillage.conventions.workflows import convention_workflow
from maillage.core.concurrency import VersionedModel
from maillage.core.models import TimeStampedModel

REFERENCE_RE = re.compile(r"\bcf\.?\s*(?:action\s*)?(\d+(?:\.\d+){1,3})", re.IGNORECASE)


def parse_references(text: str) -> list[str]:
    """The action codes cited as "cf 1.2.2" (or "cf. action 1.2.2") in `text`, in order, once."""
    codes: list[str] = []
    for match in REFERENCE_RE.finditer(text or ""):
        code = match.group(1).rstrip(".")
        if code not in codes:
            codes.append(code)
    return codes


# Literal words of the pages' addresses directly under conventions/ (conventions/nouvelle/ is
# the creation page): never a convention's slug.
RESERVED_SLUGS = frozenset({"nouvelle"})


class ConventionQuerySet(models.QuerySet):
    def visible_to(self, organisation):
        if organisation is None:
            return self.none()
        return self.filter(parties__organisation=organisation).distinct()


class Convention(VersionedModel, TimeStampedModel):
    slug = models.SlugField("identifiant", max_length=120, unique=True)
    kind = models.CharField("nature", max_length=20, choices=ConventionKind.choices)
    title = models.CharField("intitulé", max_length=300)
    territory = models.ForeignKey(
        "territories.TerritoryGroup",
        on_delete=models.PROTECT,
        related_name="conventions",
        verbose_name="territoire",
    )
    start_date = models.DateField("début")
    duration_years = models.PositiveSmallIntegerField(
        "durée (années)", default=4, help_text="De 1 à 5 ans."
    )
    status = models.CharField(
        "état", max_length=20, choices=ConventionStatus.choices, default=ConventionStatus.DRAFT
    )
    signed_on = models.DateField("signée le", null=True, blank=True)
    signed_place = models.CharField("fait à", max_length=120, blank=True)
    renewal = models.CharField(
        "reconduction", max_length=20, choices=RenewalRule.choices, default=RenewalRule.EXPRESS
    )
    notice_months = models.PositiveSmallIntegerField(
        "délai de prévenance (mois)", default=6, help_text="Préavis de dénonciation."
    )
    summary = models.TextField("objet", blank=True)
    evaluation_method = models.TextField("modalités d'évaluation", blank=True)
    source = models.CharField("source (fichier importé)", max_length=255, blank=True)
    previous = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="next_convention",
        verbose_name="convention précédente",
        help_text="La convention dont celle-ci prépare la suite (une seule suite par convention).",
    )

    objects = ConventionQuerySet.as_manager()

    class Meta:
        verbose_name = "convention"
        verbose_name_plural = "conventions"
        ordering = ["-start_date", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_years__gte=1) & Q(duration_years__lte=5),
                name="convention_duration_1_to_5_years",
                violation_error_message="La durée d'une convention va de 1 à 5 ans.",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def end_date(self) -> datetime.date:
        return schedule.add_months(self.start_date, 12 * self.duration_years) - datetime.timedelta(
            days=1
        )

    @property
    def notice_deadline(self) -> datetime.date:
        """Last day to give notice (dénonciation) so that it takes effect at the end date."""
        return schedule.add_months(self.end_date, -self.notice_months)

    def shown_status(self, on: datetime.date | None = None) -> tuple[str, str]:
        """(code, French label) of the state the pages show on a date, computed from the dates:
        a signed or active convention past its end date is shown as ended, and within the
        renewal window (its notice period before the end) as « à renouveler ». Never written:
        the stored status still changes only through `editing.change_status`."""
        on = on or timezone.localdate()
        if self.status in (ConventionStatus.SIGNED, ConventionStatus.ACTIVE):
            if on > self.end_date:
                return ConventionStatus.ENDED.value, ConventionStatus.ENDED.label
            if on >= max(self.notice_deadline, self.start_date):
                return "to_renew", f"À renouveler (échéance le {self.end_date:%d/%m/%Y})"
        return self.status, self.get_status_display()

    @property
    def status_label(self) -> str:
        return self.shown_status()[1]

    def renewal_open(self, on: datetime.date | None = None) -> bool:
        """The next convention may be prepared: past the end date, or within the renewal window
        (the notice period before the end). Not for a draft."""
        on = on or timezone.localdate()
        if self.status == ConventionStatus.DRAFT:
            return False
        return on >= max(self.notice_deadline, self.start_date)

    @property
    def renewal_is_open(self) -> bool:
        return self.renewal_open()

    @cached_property
    def successor(self):
        """The next convention prepared from this one, if any (None otherwise)."""
        return Convention.objects.filter(previous=self).first()

    @cached_property
    def final_evaluation(self):
        """The adopted final evaluation report, if any: once it exists the action plan is
        locked (see `perms.plan_locked`)."""
        return self.reports.filter(kind=ReportKind.FINAL, state=ReportState.ADOPTED).first()

    @property
    def status_is_stale(self) -> bool:
        """The stored state lags behind the dates (an échéance to record)."""
        return (
            self.shown_status()[0] == ConventionStatus.ENDED
            and self.status != ConventionStatus.ENDED
        )

    @property
    def years(self) -> list[int]:
        return list(range(self.start_date.year, self.end_date.year + 1))

    @cached_property
    def data_exchange_clause(self):
        return self.clauses.filter(kind=ClauseKind.DATA_EXCHANGE).first()

    # -- state machine (changed only through workflows.change_status) --------------------
    def available_transitions(self) -> list[tuple[str, str]]:
        return [(t.name, t.label) for t in convention_workflow.available(self)]

    # -- calendar --------------------------------------------------------------------------
    def calendar_rules(self) -> list[schedule.BodyRule]:
        return [body.rule() for body in self.bodies.all()]

    def calendar(self) -> list[schedule.CalendarEvent]:
        anchors: dict[str, list[datetime.date]] = {}
        for meeting in Meeting.objects.filter(body__convention=self).select_related("body"):
            anchors.setdefault(meeting.body.code, []).append(meeting.date)
        return schedule.build_calendar(
            self.calendar_rules(), self.start_date, self.end_date, anchors
        )


class ConventionTransitionLog(models.Model):
    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="transitions")
    transition = models.CharField("transition", max_length=20)
    from_status = models.CharField("depuis", max_length=20, choices=ConventionStatus.choices)
    to_status = models.CharField("vers", max_length=20, choices=ConventionStatus.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="par",
    )
    on = models.DateField("date d'effet")
    reason = models.TextField("motif", blank=True)
    at = models.DateTimeField("enregistré le", auto_now_add=True)

    class Meta:
        verbose_name = "changement d'état de convention"
        verbose_name_plural = "changements d'état de convention"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.convention} : {self.from_status} → {self.to_status}"


class Party(models.Model):
    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="parties")
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="convention_parties",
        verbose_name="organisation",
    )
    role = models.CharField(
        "rôle", max_length=20, choices=PartyRole.choices, default=PartyRole.SIGNATORY
    )
    signatories = models.JSONField(
        "signataires", default=list, blank=True, help_text="Liste de {name, title}."
    )
    designation = models.CharField("ci-après dénommé", max_length=200, blank=True)
    deliberation = models.CharField("délibération", max_length=300, blank=True)
    order = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "partie"
        verbose_name_plural = "parties"
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "organisation"], name="one_party_per_organisation"
            )
        ]

    def __str__(self):
        return f"{self.organisation} ({self.get_role_display()})"


class Clause(models.Model):
    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="clauses")
    number = models.CharField("numéro", max_length=40, blank=True)
    title = models.CharField("titre", max_length=300)
    kind = models.CharField(
        "nature", max_length=20, choices=ClauseKind.choices, default=ClauseKind.GENERAL
    )
    text = models.TextField("texte")
    order = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "clause"
        verbose_name_plural = "clauses"
        ordering = ["order", "id"]

    def __str__(self):
        return f"{self.number} {self.title}".strip()


class CompetenceItem(models.Model):
    """A row of the competences grid (theme × competence), shared by the communes."""

    convention = models.ForeignKey(
        Convention, on_delete=models.CASCADE, related_name="competence_items"
    )
    key = models.SlugField("clé", max_length=60)
    theme = models.CharField("thème", max_length=100)
    label = models.CharField("compétence", max_length=300)
    order = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "ligne de la grille des compétences"
        verbose_name_plural = "lignes de la grille des compétences"
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "key"], name="one_competence_item_key")
        ]

    def __str__(self):
        return f"{self.theme} — {self.label}"


class CommuneCompetence(models.Model):
    """A competence a commune exercises (the "X" of the grid)."""

    item = models.ForeignKey(CompetenceItem, on_delete=models.CASCADE, related_name="exercised")
    commune = models.ForeignKey(
        "territories.Commune", on_delete=models.CASCADE, related_name="+", verbose_name="commune"
    )
    detail = models.CharField("précision", max_length=300, blank=True)

    class Meta:
        verbose_name = "compétence exercée"
        verbose_name_plural = "compétences exercées"
        constraints = [
            models.UniqueConstraint(fields=["item", "commune"], name="one_competence_per_commune")
        ]

    def __str__(self):
        return f"{self.commune} : {self.item}"


class Objective(models.Model):
    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="objectives")
    theme = models.CharField("thématique", max_length=100)
    text = models.TextField("objectif")
    order = models.PositiveSmallIntegerField("ordre", default=0)
    carried_over = models.BooleanField(
        "reprise de la convention précédente", default=False, help_text="À relire."
    )

    class Meta:
        verbose_name = "objectif partagé"
        verbose_name_plural = "objectifs partagés"
        ordering = ["order", "id"]

    def __str__(self):
        return f"{self.theme} : {self.text[:60]}"


class Zone(models.Model):
    """A zone of the territory where supply is insufficient or hard to reach (schéma content)."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="zones")
    name = models.CharField("nom", max_length=200)
    communes = models.ManyToManyField("territories.Commune", related_name="+", blank=True)
    diagnosis = models.TextField("constat", blank=True)
    target = models.TextField("cible (maintien, développement, redéploiement)", blank=True)

    class Meta:
        verbose_name = "zone"
        verbose_name_plural = "zones"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Axis(models.Model):
    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="axes")
    code = models.CharField("numéro", max_length=10)
    title = models.CharField("intitulé", max_length=300)
    theme = models.CharField("thématique", max_length=100, blank=True)
    diagnosis = models.TextField("diagnostic", blank=True)
    order = models.PositiveSmallIntegerField("ordre", default=0)
    carried_over = models.BooleanField(
        "repris de la convention précédente", default=False, help_text="À relire."
    )

    class Meta:
        verbose_name = "axe"
        verbose_name_plural = "axes"
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["convention", "code"], name="one_axis_code")]

    def __str__(self):
        return f"Axe {self.code} — {self.title}"


class Perspective(models.Model):
    """A general perspective of an axis ("1.2 Améliorer la qualité de l'accueil")."""

    axis = models.ForeignKey(Axis, on_delete=models.CASCADE, related_name="perspectives")
    code = models.CharField("numéro", max_length=10)
    title = models.CharField("intitulé", max_length=300)
    operational = models.JSONField("perspectives opérationnelles", default=list, blank=True)
    order = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "perspective générale"
        verbose_name_plural = "perspectives générales"
        ordering = ["order", "id"]

    def __str__(self):
        return f"{self.code} {self.title}"


class ActionQuerySet(models.QuerySet):
    def of(self, convention):
        return self.filter(perspective__axis__convention=convention)

    def concerning_commune(self, commune):
        return self.filter(Q(communes=commune) | Q(communes__isnull=True)).distinct()


class Action(VersionedModel, TimeStampedModel):
    """A fiche action, with every field of the CTG template."""

    perspective = models.ForeignKey(Perspective, on_delete=models.CASCADE, related_name="actions")
    code = models.CharField("numéro", max_length=12)
    title = models.CharField("intitulé", max_length=400)
    status = models.CharField(
        "état", max_length=20, choices=ActionStatus.choices, default=ActionStatus.NEW
    )
    progress = models.PositiveSmallIntegerField("avancement (%)", default=0)
    lead = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="led_actions",
        verbose_name="pilote",
    )
    partner_organisations = models.ManyToManyField(
        "accounts.Organisation",
        related_name="partner_actions",
        blank=True,
        verbose_name="partenaires (organisations)",
    )
    communes = models.ManyToManyField(
        "territories.Commune",
        related_name="+",
        blank=True,
        verbose_name="communes concernées",
        help_text="Vide : tout le territoire de la convention.",
    )
    zone = models.ForeignKey(
        Zone, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    diagnosis = models.JSONField("diagnostic initial", default=list, blank=True)
    target_public = models.JSONField("public cible", default=list, blank=True)
    operational_objectives = models.JSONField("objectifs opérationnels", default=list, blank=True)
    implementation = models.JSONField("modalités de mise en œuvre", default=list, blank=True)
    deadline = models.DateField("échéance", null=True, blank=True)
    deadline_label = models.CharField("échéance (libellé)", max_length=100, blank=True)
    services = models.JSONField("services mobilisés et responsables", default=list, blank=True)
    partners = models.JSONField("partenaires sollicités", default=list, blank=True)
    expected_results = models.JSONField("résultats attendus", default=list, blank=True)
    references = models.ManyToManyField(
        "self", symmetrical=False, related_name="referenced_by", blank=True
    )
    order = models.PositiveSmallIntegerField("ordre", default=0)
    carried_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="carried_to",
        verbose_name="reprise de la fiche",
        help_text="La fiche de la convention précédente dont celle-ci est reprise (à relire).",
    )

    objects = ActionQuerySet.as_manager()

    class Meta:
        verbose_name = "fiche action"
        verbose_name_plural = "fiches actions"
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100),
                name="action_progress_0_to_100",
                violation_error_message="L'avancement va de 0 à 100 %%.",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    @property
    def convention(self):
        return self.perspective.axis.convention

    @property
    def axis(self):
        return self.perspective.axis

    def text_for_references(self) -> str:
        """The fiche's texts, plus its perspective's operational lines ("cf 1.2.2- …")."""
        parts = [self.title, *(self.perspective.operational or [])]
        for name in (
            "diagnosis",
            "target_public",
            "operational_objectives",
            "implementation",
            "services",
            "partners",
            "expected_results",
        ):
            parts.extend(getattr(self, name) or [])
        return "\n".join(parts)

    def refresh_references(self) -> list[str]:
        """Links the actions cited as "cf X.Y.Z" in the fiche; returns the unknown codes."""
        codes = [c for c in parse_references(self.text_for_references()) if c != self.code]
        found = Action.objects.of(self.convention).filter(code__in=codes)
        self.references.set(found)
        known = {a.code for a in found}
        return [c for c in codes if c not in known]

    def set_progress(self, *, status: str, progress: int) -> None:
        """Sets status and progress together ("réalisée" means 100 %); the caller saves."""
        if status not in ActionStatus.values:
            raise ValidationError({"status": "État inconnu."})
        if not 0 <= progress <= 100:
            raise ValidationError({"progress": "L'avancement va de 0 à 100 %."})
        if status == ActionStatus.DONE:
            progress = 100
        self.status, self.progress = status, progress


def attach_cross_references(actions) -> None:
    """Sets `reference_codes` (the fiches each action cites) and `cited_by_codes` (those that
    cite it) on `actions`, in the order of the fiches (`order`, id), with one query on the
    references table — prefetching `references` and `referenced_by` takes two, and builds an
    Action for every link (the plan page only shows their codes)."""
    ids = [a.pk for a in actions]
    through = Action.references.through
    links = through.objects.filter(Q(from_action_id__in=ids) | Q(to_action_id__in=ids))
    cites: dict[int, list] = {}
    cited_by: dict[int, list] = {}
    rows = links.values_list(
        "from_action_id",
        "to_action_id",
        "from_action__order",
        "from_action__code",
        "to_action__order",
        "to_action__code",
    )
    for source, target, source_order, source_code, target_order, target_code in rows:
        cites.setdefault(source, []).append(((target_order, target), target_code))
        cited_by.setdefault(target, []).append(((source_order, source), source_code))
    for action in actions:
        action.reference_codes = [code for _, code in sorted(cites.get(action.pk, []))]
        action.cited_by_codes = [code for _, code in sorted(cited_by.get(action.pk, []))]


class Indicator(VersionedModel):
    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="indicators")
    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, null=True, blank=True, related_name="indicators"
    )
    label = models.CharField("libellé", max_length=400)
    unit = models.CharField("unité", max_length=60, blank=True)
    baseline = models.DecimalField(
        "valeur de départ", max_digits=14, decimal_places=2, null=True, blank=True
    )
    baseline_date = models.DateField("date de la valeur de départ", null=True, blank=True)
    target = models.DecimalField("cible", max_digits=14, decimal_places=2, null=True, blank=True)
    frequency = models.CharField(
        "fréquence", max_length=20, choices=Frequency.choices, default=Frequency.YEARLY
    )
    source = models.CharField("source", max_length=300, blank=True)
    auto_source = models.CharField(
        "alimentation automatique",
        max_length=60,
        choices=AutoSource.choices,
        blank=True,
        help_text="Laissez vide pour une saisie manuelle.",
    )
    commune = models.ForeignKey(
        "territories.Commune",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Pour un indicateur calculé sur une seule commune (sinon : tout le territoire).",
    )
    order = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "indicateur"
        verbose_name_plural = "indicateurs"
        ordering = ["order", "id"]

    def __str__(self):
        return self.label

    def latest(self):
        return self.measurements.order_by("-on", "-id").first()

    def record(self, *, value, on, source="", comment="", by=None, vintage=""):
        return Measurement.objects.create(
            indicator=self,
            value=Decimal(str(value)),
            on=on,
            source=source,
            vintage=vintage,
            comment=comment,
            entered_by=by,
        )


class Measurement(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="measurements")
    value = models.DecimalField("valeur", max_digits=14, decimal_places=2)
    on = models.DateField("date de la mesure")
    source = models.CharField("source", max_length=300, blank=True)
    vintage = models.CharField("millésime", max_length=60, blank=True)
    comment = models.TextField("commentaire", blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="saisie par",
    )
    entered_at = models.DateTimeField("saisie le", auto_now_add=True)

    class Meta:
        verbose_name = "mesure"
        verbose_name_plural = "mesures"
        ordering = ["-on", "-id"]

    def __str__(self):
        return f"{self.indicator} = {self.value} ({self.on:%d/%m/%Y})"


class EvaluationQuestion(models.Model):
    convention = models.ForeignKey(
        Convention, on_delete=models.CASCADE, related_name="evaluation_questions"
    )
    text = models.TextField("question évaluative")
    indicators = models.ManyToManyField(Indicator, related_name="questions", blank=True)
    order = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "question évaluative"
        verbose_name_plural = "questions évaluatives"
        ordering = ["order", "id"]

    def __str__(self):
        return self.text[:80]


class Body(models.Model):
    """A governance body (COPIL, COTECH, comité de suivi, groupe de travail) and its rules."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="bodies")
    code = models.CharField("sigle", max_length=30)
    kind = models.CharField("nature", max_length=20, choices=BodyKind.choices)
    name = models.CharField("nom", max_length=200)
    missions = models.JSONField("missions", default=list, blank=True)
    members = models.JSONField("membres", default=list, blank=True)
    member_organisations = models.ManyToManyField(
        "accounts.Organisation", related_name="+", blank=True
    )
    meetings_per_year = models.PositiveSmallIntegerField("réunions par an", default=0)
    first_month = models.PositiveSmallIntegerField(
        "mois de la première réunion", default=6, help_text="Calendrier indicatif."
    )
    day = models.PositiveSmallIntegerField("jour du mois", default=15)
    relative_to = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followers",
        verbose_name="se réunit avant chaque réunion de",
    )
    offset_months = models.PositiveSmallIntegerField("mois avant", default=0)
    offset_days = models.PositiveSmallIntegerField("jours avant", default=0)
    documents_days_before = models.PositiveSmallIntegerField(
        "envoi des documents (jours avant)", default=0
    )
    order = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "instance"
        verbose_name_plural = "instances"
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "code"], name="one_body_code"),
            models.CheckConstraint(
                condition=Q(first_month__gte=1) & Q(first_month__lte=12),
                name="body_first_month_1_to_12",
                violation_error_message="Le mois de la première réunion va de 1 à 12.",
            ),
            models.CheckConstraint(
                condition=Q(meetings_per_year__lte=12),
                name="body_at_most_12_meetings",
                violation_error_message="Au plus 12 réunions par an.",
            ),
        ]

    def __str__(self):
        return self.name

    def rule(self) -> schedule.BodyRule:
        return schedule.BodyRule(
            code=self.code,
            name=self.name,
            meetings_per_year=0 if self.relative_to_id else self.meetings_per_year,
            first_month=self.first_month,
            day=self.day,
            relative_to=self.relative_to.code if self.relative_to_id else "",
            offset_months=self.offset_months,
            offset_days=self.offset_days,
            documents_days_before=self.documents_days_before,
        )

    def rule_text(self) -> str:
        parts = []
        if self.relative_to_id:
            delay = []
            if self.offset_months:
                delay.append(f"{self.offset_months} mois")
            if self.offset_days:
                delay.append(f"{self.offset_days} jours")
            parts.append(
                f"se réunit {' et '.join(delay) or '0 jour'} avant chaque réunion "
                f"de l'instance {self.relative_to.code}"
            )
        elif self.meetings_per_year:
            times = "une fois" if self.meetings_per_year == 1 else f"{self.meetings_per_year} fois"
            parts.append(f"se réunit {times} par an")
        else:
            parts.append("se réunit selon les besoins")
        if self.documents_days_before:
            parts.append(f"documents transmis {self.documents_days_before} jours avant")
        return " ; ".join(parts)


class Meeting(TimeStampedModel):
    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="meetings")
    date = models.DateField("date")
    agenda = models.TextField("ordre du jour", blank=True)
    attendees = models.ManyToManyField(
        "accounts.Organisation", related_name="+", blank=True, verbose_name="présents"
    )
    attendance_note = models.TextField("participants (détail)", blank=True)
    minutes = models.TextField("compte rendu", blank=True)

    class Meta:
        verbose_name = "réunion"
        verbose_name_plural = "réunions"
        ordering = ["date", "id"]

    def __str__(self):
        return f"{self.body.code} du {self.date:%d/%m/%Y}"


class Decision(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField("décision")
    actions = models.ManyToManyField(Action, related_name="decisions", blank=True)

    class Meta:
        verbose_name = "décision"
        verbose_name_plural = "décisions"
        ordering = ["id"]

    def __str__(self):
        return self.text[:80]


class EvaluationReport(VersionedModel, TimeStampedModel):
    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField("nature", max_length=20, choices=ReportKind.choices)
    year = models.PositiveSmallIntegerField("année", null=True, blank=True)
    data = models.JSONField("données", default=dict)
    conclusions = models.TextField("conclusions", blank=True)
    state = models.CharField(
        "état", max_length=20, choices=ReportState.choices, default=ReportState.DRAFT
    )
    adopted_on = models.DateField("adopté le", null=True, blank=True)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "rapport d'évaluation"
        verbose_name_plural = "rapports d'évaluation"
        ordering = ["-year", "-id"]

    def __str__(self):
        if self.kind == ReportKind.ANNUAL:
            return f"Bilan annuel {self.year} — {self.convention}"
        return f"Évaluation de fin de convention — {self.convention}"


class Equipment(models.Model):
    """An equipment or service supported by the parties, as listed in the convention's annex."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="equipment")
    commune = models.ForeignKey("territories.Commune", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("type de structure", max_length=100)
    name = models.CharField("nom", max_length=300)
    address = models.CharField("adresse", max_length=300, blank=True)
    opened_year = models.PositiveSmallIntegerField("année d'ouverture", null=True, blank=True)
    places = models.PositiveSmallIntegerField("places", null=True, blank=True)
    order = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "équipement de l'annexe"
        verbose_name_plural = "équipements de l'annexe"
        ordering = ["order", "id"]

    def __str__(self):
        return f"{self.kind} — {self.name}"


class MeansEntry(models.Model):
    """A line of the annex of means: what one partner commits, per year."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="means")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("nature de l'objet", max_length=20, choices=MeansKind.choices)
    label = models.CharField("équipement ou action", max_length=300)
    action = models.ForeignKey(
        Action, on_delete=models.SET_NULL, null=True, blank=True, related_name="means"
    )
    year = models.PositiveSmallIntegerField("année")
    amount = models.DecimalField("montant (€)", max_digits=12, decimal_places=2)
    nature = models.CharField("nature du financement", max_length=20, choices=FundingNature.choices)

    class Meta:
        verbose_name = "moyen mobilisé"
        verbose_name_plural = "moyens mobilisés"
        ordering = ["year", "organisation__name", "id"]

    def __str__(self):
        return f"{self.organisation} {self.year} : {self.label}"


class TerritoryBonus(VersionedModel):
    """The bonus territoire: the N-1 CEJ amount kept by the Caf and shared among structures."""

    convention = models.OneToOneField(Convention, on_delete=models.CASCADE, related_name="bonus")
    reference_year = models.PositiveSmallIntegerField("année de référence (N-1)")
    reference_amount = models.DecimalField(
        "montant CEJ N-1 (€)", max_digits=12, decimal_places=2, null=True, blank=True
    )
    rule = models.CharField(
        "règle de répartition",
        max_length=20,
        choices=BonusRule.choices,
        default=BonusRule.PRO_RATA_PLACES,
    )
    note = models.TextField("précisions", blank=True)

    class Meta:
        verbose_name = "bonus territoire"
        verbose_name_plural = "bonus territoire"

    def __str__(self):
        return f"Bonus territoire — {self.convention}"


class BonusBeneficiary(models.Model):
    bonus = models.ForeignKey(
        TerritoryBonus, on_delete=models.CASCADE, related_name="beneficiaries"
    )
    name = models.CharField("structure", max_length=300)
    commune = models.ForeignKey(
        "territories.Commune", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    places = models.PositiveSmallIntegerField("places", default=0)

    class Meta:
        verbose_name = "bénéficiaire du bonus territoire"
        verbose_name_plural = "bénéficiaires du bonus territoire"
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class CooperationPost(models.Model):
    """The chargé de coopération function: who, how many FTE, co-financed by whom, per year."""

    convention = models.ForeignKey(
        Convention, on_delete=models.CASCADE, related_name="cooperation_posts"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    person = models.CharField("personne", max_length=200)
    year = models.PositiveSmallIntegerField("année")
    fte = models.DecimalField("ETP", max_digits=4, decimal_places=2)
    caf_amount = models.DecimalField("financement Caf (€)", max_digits=12, decimal_places=2)
    local_amount = models.DecimalField(
        "financement collectivité (€)", max_digits=12, decimal_places=2
    )

    class Meta:
        verbose_name = "poste de chargé de coopération"
        verbose_name_plural = "postes de chargé de coopération"
        ordering = ["year", "person"]

    def __str__(self):
        return f"{self.person} ({self.year})"


class ConventionVersion(models.Model):
    """A versioned JSON snapshot of the convention content (version 1: as signed)."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField("version")
    content = models.JSONField("contenu")
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "version de la convention"
        verbose_name_plural = "versions de la convention"
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "number"], name="one_version_number")
        ]

    def __str__(self):
        return f"{self.convention} — version {self.number}"


class Amendment(TimeStampedModel):
    """An avenant: what changes (clauses, annexes, period), between two versions."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="amendments")
    number = models.PositiveSmallIntegerField("numéro")
    title = models.CharField("objet", max_length=300)
    signed_on = models.DateField("signé le", null=True, blank=True)
    before = models.ForeignKey(
        ConventionVersion, on_delete=models.PROTECT, related_name="+", verbose_name="avant"
    )
    after = models.ForeignKey(
        ConventionVersion, on_delete=models.PROTECT, related_name="+", verbose_name="après"
    )
    diff_text = models.TextField("différences (texte)", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "avenant"
        verbose_name_plural = "avenants"
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "number"], name="one_amendment_number")
        ]

    def __str__(self):
        return f"Avenant n° {self.number} — {self.title}"


class SentReminder(models.Model):
    """A reminder already e-mailed (the daily task sends each one once)."""

    convention = models.ForeignKey(
        Convention, on_delete=models.CASCADE, related_name="sent_reminders"
    )
    key = models.CharField("rappel", max_length=255)
    sent_at = models.DateTimeField("envoyé le", auto_now_add=True)

    class Meta:
        verbose_name = "rappel envoyé"
        verbose_name_plural = "rappels envoyés"
        constraints = [
            models.UniqueConstraint(fields=["convention", "key"], name="sent_reminder_unique")
        ]

    def __str__(self):
        return f"{self.convention} — {self.key}"


class DocumentFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    DOCX = "docx", "DOCX"


class GeneratedDocument(models.Model):
    """The convention with its annexes, or one of its evaluation reports (`report`), as PDF or
    DOCX, generated by a background task (see exports.py and tasks.py).

    The page starts the job (POST), polls its progress and offers the file once it is done; the
    file stays available until a newer one of the same document and format is generated.
    """

    convention = models.ForeignKey(
        Convention, on_delete=models.CASCADE, related_name="generated_documents"
    )
    report = models.ForeignKey(
        EvaluationReport,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="generated_documents",
        verbose_name="rapport d'évaluation",
        help_text="Vide : la convention et ses annexes.",
    )
    fmt = models.CharField("format", max_length=10, choices=DocumentFormat.choices)
    job = models.OneToOneField(
        "core.Job", on_delete=models.CASCADE, related_name="convention_document"
    )
    file = models.FileField("fichier", upload_to="conventions/documents/", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="demandé par",
    )
    created_at = models.DateTimeField("demandé le", auto_now_add=True)

    class Meta:
        verbose_name = "document généré"
        verbose_name_plural = "documents générés"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.convention} ({self.get_fmt_display()})"

    @property
    def filename(self) -> str:
        if self.report_id:
            return f"{slugify(str(self.report))}.{self.fmt}"
        return f"{self.convention.slug}.{self.fmt}"

    @property
    def content_type(self) -> str:
        if self.fmt == DocumentFormat.DOCX:
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        return "application/pdf"
