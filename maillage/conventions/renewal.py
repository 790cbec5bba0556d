"""A convention created in the site, and the next convention prepared from one that ends.

`create_convention`: a draft with its title, nature, territory, period and parties; the other
pages then fill in the rest (clauses by avenant, fiches, indicators, meetings…).

`prepare_next`: past its end date, or within its renewal window (the notice period before the
end), a convention offers to prepare the next one: a draft for the next period (same duration),
linked to it (`Convention.previous`, one successor per convention), with its parties, shared
objectives, zones, governance bodies, axes and perspectives, and its unfinished fiches actions
(new or ongoing, with their indicators' definitions; the latest measurement becomes the new
baseline) carried over for review: marked « reprise », editable like any fiche. Done and
abandoned fiches stay with the convention that ends. Idempotent: a second call returns the draft
already prepared.

`add_axis` / `add_action`: the action plan built in the site (an axis, a fiche action under an
axis), refused once the plan is closed.

All write their audit entry here, never in the pages.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from maillage.accounts.models import Organisation
from maillage.audit.models import AuditAction
from maillage.audit.services import record
from maillage.conventions import schedule
from maillage.conventions.editing import PlanLocked
from maillage.conventions.enums import ActionStatus, ConventionStatus, PartyRole
from maillage.conventions.models import (
    RESERVED_SLUGS,
    Action,
    Axis,
    Body,
    Convention,
    Indicator,
    Objective,
    Party,
    Perspective,
    Zone,
)
from maillage.conventions.perms import PLAN_LOCKED, is_plan_locked

YEARS_RE = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*[-–]\s*((?:19|20)\d\d)(?!\d)")
MAX_SLUG = 120


def _unique_slug(base: str) -> str:
    base = slugify(base)[: MAX_SLUG - 4].strip("-") or "convention"
    slug, n = base, 2
    while slug in RESERVED_SLUGS or Convention.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _period_label(start: datetime.date, duration_years: int) -> str:
    end = schedule.add_months(start, 12 * duration_years) - datetime.timedelta(days=1)
    return f"{start.year}-{end.year}"


def party_candidates(territories, organisation):
    """The organisations that may be named parties of a convention on one of `territories`
    (those covering at least one of their communes), the acting organisation excepted."""
    return (
        Organisation.objects.filter(communes__territory_groups__in=territories)
        .exclude(pk=getattr(organisation, "pk", None))
        .distinct()
        .order_by("kind", "name")
    )


# -- creation in the site -------------------------------------------------------------------------
@transaction.atomic
def create_convention(
    *,
    title: str,
    kind: str,
    territory,
    start_date: datetime.date,
    duration_years: int,
    signatories=(),
    associated=(),
    actor=None,
    organisation=None,
) -> Convention:
    """A draft convention. The acting organisation is always a signatory party (so that its
    members keep access to what they create); every party must cover at least one commune of
    the territory. French `ValidationError` on anything implausible."""
    title = (title or "").strip()
    errors = []
    if not title:
        errors.append("Indiquez l'intitulé de la convention.")
    if not 1 <= int(duration_years or 0) <= 5:
        errors.append("La durée d'une convention va de 1 à 5 ans.")
    signatories = list(signatories)
    associated = [o for o in associated if o not in signatories]
    if organisation is not None and organisation not in signatories:
        signatories.insert(0, organisation)
        associated = [o for o in associated if o != organisation]
    communes = territory.communes.all()
    for party in signatories + associated:
        if not party.communes.filter(pk__in=communes.values("pk")).exists():
            errors.append(
                f"« {party.name} » ne couvre aucune commune du territoire « {territory.name} » : "
                "elle ne peut pas être partie à cette convention."
            )
    if errors:
        raise ValidationError(errors)
    period = _period_label(start_date, duration_years)
    slug_base = title if YEARS_RE.search(title) else f"{title} {period}"
    convention = Convention.objects.create(
        slug=_unique_slug(slug_base),
        kind=kind,
        title=title,
        territory=territory,
        start_date=start_date,
        duration_years=duration_years,
        status=ConventionStatus.DRAFT,
    )
    order = 0
    for role, organisations in (
        (PartyRole.SIGNATORY, signatories),
        (PartyRole.ASSOCIATED, associated),
    ):
        for party in organisations:
            Party.objects.create(convention=convention, organisation=party, role=role, order=order)
            order += 1
    record(
        AuditAction.CREATE,
        actor=actor,
        organisation=organisation,
        obj=convention,
        changes={
            "intitulé": [None, title],
            "période": [None, period],
            "parties": [None, ", ".join(o.name for o in signatories + associated)],
        },
        message="Convention créée dans le site",
    )
    return convention


# -- the action plan built in the site ------------------------------------------------------------
ACTION_CODE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-]{0,11}$")


def _require_plan_open(convention: Convention) -> None:
    """Refused once the plan is closed. Also locks the convention's row (inside the caller's
    transaction), so that two additions at the same time never take the same number."""
    if connection.features.has_select_for_update:
        Convention.objects.select_for_update().filter(pk=convention.pk).first()
    if is_plan_locked(convention.pk):
        raise PlanLocked(PLAN_LOCKED)


def _next_number(codes, prefix: str = "") -> int:
    """1 + the largest number `n` among codes `prefix` + n."""
    numbers = [
        int(c[len(prefix) :]) for c in codes if c.startswith(prefix) and c[len(prefix) :].isdigit()
    ]
    return max(numbers, default=0) + 1


@transaction.atomic
def add_axis(
    convention: Convention, *, title: str, description: str = "", actor=None, organisation=None
) -> Axis:
    """A new axis at the end of the plan, numbered after the last one."""
    _require_plan_open(convention)
    title = (title or "").strip()
    if not title:
        raise ValidationError("Indiquez l'intitulé de l'axe.")
    axes = list(convention.axes.values_list("code", "order"))
    axis = Axis.objects.create(
        convention=convention,
        code=str(_next_number([code for code, _o in axes])),
        title=title,
        diagnosis=(description or "").strip(),
        order=max((o for _c, o in axes), default=0) + 1,
    )
    record(
        AuditAction.CREATE,
        actor=actor,
        organisation=organisation,
        obj=axis,
        changes={"axe": [None, f"{axis.code} {axis.title}"]},
        message=f"Axe ajouté au plan d'actions de « {convention.title} »",
    )
    return axis


@transaction.atomic
def add_action(
    convention: Convention,
    *,
    axis: Axis,
    title: str,
    lead,
    code: str = "",
    objective: str = "",
    deadline: datetime.date | None = None,
    deadline_label: str = "",
    actor=None,
    organisation=None,
) -> Action:
    """A new fiche action under `axis` (in its first perspective, created with the axis' title
    when it has none). `code` typed or, when empty, the next free « axe.perspective.n ». The lead
    must be a party. French `ValidationError` on anything wrong."""
    _require_plan_open(convention)
    if axis.convention_id != convention.pk:
        raise ValidationError("Cet axe n'appartient pas à cette convention.")
    title = (title or "").strip()
    code = (code or "").strip()
    errors = {}
    if not title:
        errors["title"] = "Indiquez l'intitulé de la fiche action."
    if not convention.parties.filter(organisation=lead).exists():
        errors["lead"] = "Le pilote doit être une partie à la convention."
    existing = set(Action.objects.of(convention).values_list("code", flat=True))
    if code and not ACTION_CODE_RE.match(code):
        errors["code"] = (
            "Le numéro compte au plus 12 caractères : chiffres, lettres, points et tirets "
            "(ex. 1.2.3)."
        )
    elif code in existing:
        errors["code"] = (
            f"La fiche {code} existe déjà dans cette convention : choisissez un autre numéro."
        )
    if errors:
        raise ValidationError(errors)
    perspective = axis.perspectives.order_by("order", "pk").first()
    if perspective is None:
        perspective = Perspective.objects.create(
            axis=axis, code=f"{axis.code}.1", title=axis.title, order=1
        )
    if not code:
        code = f"{perspective.code}.{_next_number(existing, perspective.code + '.')}"
    order = max(perspective.actions.values_list("order", flat=True), default=0) + 1
    action = Action.objects.create(
        perspective=perspective,
        code=code,
        title=title,
        lead=lead,
        operational_objectives=[
            line.strip() for line in (objective or "").splitlines() if line.strip()
        ],
        deadline=deadline,
        deadline_label=(deadline_label or "").strip(),
        order=order,
    )
    record(
        AuditAction.CREATE,
        actor=actor,
        organisation=organisation,
        obj=action,
        changes={"fiche": [None, f"{action.code} {action.title}"], "pilote": [None, lead.name]},
        message=f"Fiche action ajoutée au plan d'actions de « {convention.title} »",
    )
    return action


# -- the next convention --------------------------------------------------------------------------
class RenewalNotOpen(ValidationError):
    """Too early to prepare the next convention (French message)."""


def next_title(convention: Convention, start: datetime.date) -> str:
    period = _period_label(start, convention.duration_years)
    new_start, new_end = period.split("-")
    if YEARS_RE.search(convention.title):
        return YEARS_RE.sub(lambda m: f"{new_start}-{new_end}", convention.title, count=1)
    return f"{convention.title} ({period})"


def prepare_next(
    convention: Convention,
    *,
    on: datetime.date | None = None,
    actor=None,
    organisation=None,
) -> tuple[Convention, bool]:
    """(the next convention, created?) — see the module's docstring."""
    on = on or timezone.localdate()
    try:
        with transaction.atomic():
            if connection.features.has_select_for_update:
                Convention.objects.select_for_update().filter(pk=convention.pk).first()
            existing = Convention.objects.filter(previous=convention).first()
            if existing is not None:
                return existing, False
            if not convention.renewal_open(on):
                if convention.status == ConventionStatus.DRAFT:
                    raise RenewalNotOpen(
                        "Cette convention est encore en préparation : sa suite se prépare "
                        "une fois qu'elle est signée."
                    )
                opens = max(convention.notice_deadline, convention.start_date)
                raise RenewalNotOpen(
                    f"La convention suivante se prépare à partir du {opens:%d/%m/%Y} "
                    f"(délai de prévenance de {convention.notice_months} mois avant la fin, "
                    f"le {convention.end_date:%d/%m/%Y})."
                )
            successor = _copy(convention)
            record(
                AuditAction.CREATE,
                actor=actor,
                organisation=organisation,
                obj=successor,
                changes={
                    "convention précédente": [None, convention.slug],
                    "période": [
                        None,
                        _period_label(successor.start_date, successor.duration_years),
                    ],
                    "fiches reprises": [None, str(Action.objects.of(successor).count())],
                },
                message=f"Convention suivante préparée à partir de « {convention.title} »",
            )
            return successor, True
    except IntegrityError:
        # Someone prepared it at the same time (one successor per convention): theirs it is.
        existing = Convention.objects.filter(previous=convention).first()
        if existing is None:
            raise
        return existing, False


def _copy(previous: Convention) -> Convention:
    start = previous.end_date + datetime.timedelta(days=1)
    title = next_title(previous, start)
    period = _period_label(start, previous.duration_years)
    base_slug = YEARS_RE.sub("", previous.slug).strip("-") or previous.slug
    slug_base = f"{base_slug}-{period}"
    successor = Convention.objects.create(
        slug=_unique_slug(slug_base),
        kind=previous.kind,
        title=title,
        territory=previous.territory,
        start_date=start,
        duration_years=previous.duration_years,
        status=ConventionStatus.DRAFT,
        renewal=previous.renewal,
        notice_months=previous.notice_months,
        summary=previous.summary,
        evaluation_method=previous.evaluation_method,
        previous=previous,
    )
    Party.objects.bulk_create(
        Party(
            convention=successor,
            organisation_id=party.organisation_id,
            role=party.role,
            signatories=party.signatories,
            designation=party.designation,
            order=party.order,
        )
        for party in previous.parties.all()
    )
    Objective.objects.bulk_create(
        Objective(
            convention=successor,
            theme=o.theme,
            text=o.text,
            order=o.order,
            carried_over=True,
        )
        for o in previous.objectives.all()
    )
    zones = {}
    for zone in previous.zones.prefetch_related("communes"):
        copy = Zone.objects.create(
            convention=successor, name=zone.name, diagnosis=zone.diagnosis, target=zone.target
        )
        copy.communes.set(zone.communes.all())
        zones[zone.pk] = copy
    _copy_bodies(previous, successor)
    _copy_plan(previous, successor, zones, start)
    return successor


def _copy_bodies(previous: Convention, successor: Convention) -> None:
    bodies = {}
    originals = list(previous.bodies.prefetch_related("member_organisations"))
    for body in originals:
        copy = Body.objects.create(
            convention=successor,
            code=body.code,
            kind=body.kind,
            name=body.name,
            missions=body.missions,
            members=body.members,
            meetings_per_year=body.meetings_per_year,
            first_month=body.first_month,
            day=body.day,
            offset_months=body.offset_months,
            offset_days=body.offset_days,
            documents_days_before=body.documents_days_before,
            order=body.order,
        )
        copy.member_organisations.set(body.member_organisations.all())
        bodies[body.pk] = copy
    for body in originals:
        if body.relative_to_id in bodies:
            bodies[body.pk].relative_to = bodies[body.relative_to_id]
            bodies[body.pk].save(update_fields=["relative_to"])


def _copy_plan(previous: Convention, successor: Convention, zones: dict, start) -> None:
    unfinished = (ActionStatus.NEW, ActionStatus.ONGOING)
    copies: dict[int, Action] = {}
    for axis in previous.axes.prefetch_related(
        "perspectives__actions__partner_organisations",
        "perspectives__actions__communes",
        "perspectives__actions__indicators__measurements",
        "perspectives__actions__references",
    ):
        new_axis = Axis.objects.create(
            convention=successor,
            code=axis.code,
            title=axis.title,
            theme=axis.theme,
            diagnosis=axis.diagnosis,
            order=axis.order,
            carried_over=True,
        )
        for perspective in axis.perspectives.all():
            new_perspective = Perspective.objects.create(
                axis=new_axis,
                code=perspective.code,
                title=perspective.title,
                operational=perspective.operational,
                order=perspective.order,
            )
            for action in perspective.actions.all():
                if action.status not in unfinished:
                    continue
                keep_deadline = action.deadline is not None and action.deadline >= start
                copy = Action.objects.create(
                    perspective=new_perspective,
                    code=action.code,
                    title=action.title,
                    status=action.status,
                    progress=action.progress,
                    lead_id=action.lead_id,
                    zone=zones.get(action.zone_id),
                    diagnosis=action.diagnosis,
                    target_public=action.target_public,
                    operational_objectives=action.operational_objectives,
                    implementation=action.implementation,
                    deadline=action.deadline if keep_deadline else None,
                    deadline_label=action.deadline_label if keep_deadline else "",
                    services=action.services,
                    partners=action.partners,
                    expected_results=action.expected_results,
                    order=action.order,
                    carried_from=action,
                )
                copy.partner_organisations.set(action.partner_organisations.all())
                copy.communes.set(action.communes.all())
                copies[action.pk] = copy
                for indicator in action.indicators.all():
                    measurements = sorted(
                        indicator.measurements.all(), key=lambda m: (m.on, m.pk), reverse=True
                    )
                    latest = measurements[0] if measurements else None
                    Indicator.objects.create(
                        convention=successor,
                        action=copy,
                        label=indicator.label,
                        unit=indicator.unit,
                        baseline=latest.value if latest else indicator.baseline,
                        baseline_date=latest.on if latest else indicator.baseline_date,
                        target=indicator.target,
                        frequency=indicator.frequency,
                        source=indicator.source,
                        auto_source=indicator.auto_source,
                        commune_id=indicator.commune_id,
                        order=indicator.order,
                    )
    for copy in copies.values():
        cited = copy.carried_from.references.all()
        copy.references.set([copies[a.pk] for a in cited if a.pk in copies])
