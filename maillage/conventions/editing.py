"""Every change a person makes to a convention, with its audit entry: the pages and the API
parse the input, check access (perms.py), then call one of these.

Shared records are saved by compare-and-set (`save_if_unchanged`): each takes the version the
person's form was shown and raises `ConcurrentEditError` (French message) when someone else saved
first, the whole change being rolled back. Status changes go through the workflow
(`workflows.py`).
"""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from maillage.audit.models import AuditAction
from maillage.audit.services import diff, record, snapshot
from maillage.audit.workflow import WorkflowError
from maillage.conventions import perms, services
from maillage.conventions.enums import ReportState
from maillage.conventions.models import (
    Action,
    Convention,
    ConventionTransitionLog,
    CooperationPost,
    Decision,
    EvaluationReport,
    Indicator,
    MeansEntry,
    Measurement,
    Meeting,
    TerritoryBonus,
    parse_references,
)
from maillage.conventions.workflows import convention_workflow, report_workflow
from maillage.core.concurrency import save_if_unchanged

ACTION_TEXT_FIELDS = [
    "title",
    "deadline",
    "deadline_label",
    "diagnosis",
    "target_public",
    "operational_objectives",
    "implementation",
    "services",
    "partners",
    "expected_results",
]
INDICATOR_DEFINITION_FIELDS = ["label", "unit", "baseline", "target", "source"]


class InvalidTransition(ValidationError):
    """A status change refused (French message): not allowed from here, or no reason given."""


class PlanLocked(PermissionDenied):
    """The action plan is closed: the convention's final evaluation has been adopted."""


class ReportAdopted(ValidationError):
    """An adopted report is no longer regenerated nor its conclusions rewritten."""


REPORT_ADOPTED = (
    "Ce rapport a été adopté le {on:%d/%m/%Y} : ses données et ses conclusions ne se modifient "
    "plus."
)


def _require_plan_open(convention_id: int) -> None:
    """Refuses any change to the action plan once the final evaluation is adopted (checked in
    the service too, not only by the pages)."""
    if perms.is_plan_locked(convention_id):
        raise PlanLocked(perms.PLAN_LOCKED)


# -- status -------------------------------------------------------------------------------------
def change_status(
    convention: Convention,
    name: str,
    *,
    actor=None,
    organisation=None,
    on: datetime.date | None = None,
    reason: str = "",
) -> ConventionTransitionLog:
    """Moves the convention along `name` (sign, activate, end, terminate) through the workflow:
    compare-and-set on the status, `audit.TransitionLog` and audit entry, plus the
    `ConventionTransitionLog` (date d'effet, motif) listed on the convention's page."""
    on = on or datetime.date.today()
    reason = reason.strip()
    if name == "terminate" and not reason:
        raise InvalidTransition("Indiquez le motif de la résiliation.")
    extra = {}
    if name == "sign":
        extra["signed_on"] = on
    source = convention.status
    try:
        with transaction.atomic():
            log = convention_workflow.apply(
                convention,
                name,
                actor=actor,
                organisation=organisation,
                reason=reason,
                extra_updates=extra,
            )
            if name == "sign":
                # The annexes are a copy taken at signature, never live data.
                services.snapshot_equipment(convention)
            return ConventionTransitionLog.objects.create(
                convention=convention,
                transition=name,
                from_status=source,
                to_status=log.target,
                user=actor if getattr(actor, "pk", None) else None,
                on=on,
                reason=reason,
            )
    except WorkflowError as exc:
        raise InvalidTransition(str(exc)) from exc


# -- fiches actions -----------------------------------------------------------------------------
@transaction.atomic
def save_progress(
    action: Action, *, status: str, progress: int, seen_version=None, actor=None, organisation=None
) -> Action:
    """Status and progress of an action together ("réalisée" means 100 %)."""
    _require_plan_open(action.perspective.axis.convention_id)
    before = snapshot(action, ["status", "progress"])
    action.set_progress(status=status, progress=progress)
    save_if_unchanged(action, seen_version, ["status", "progress"])
    record(
        AuditAction.UPDATE,
        actor=actor,
        organisation=organisation,
        obj=action,
        changes=diff(before, snapshot(action, ["status", "progress"])),
    )
    return action


@transaction.atomic
def save_fiche(
    action: Action,
    *,
    values: dict,
    seen_version=None,
    indicators: list[tuple[Indicator, int | None, dict]] = (),
    new_indicator: dict | None = None,
    actor=None,
    organisation=None,
) -> list[str]:
    """The fiche's texts, its indicators' definitions and an optional new indicator, in one
    transaction. `indicators`: (indicator as shown, version shown, submitted definition).

    The fiche is checked against the version shown; an indicator is written (and checked) only
    when the submitted definition differs from the stored one, so that an untouched indicator
    edited meanwhile by someone else is neither overwritten nor a cause of conflict. Returns the
    "cf X.Y.Z" codes that match no action."""
    _require_plan_open(action.perspective.axis.convention_id)
    names = [n for n in ACTION_TEXT_FIELDS if n in values]
    before = snapshot(action, names)
    for name in names:
        setattr(action, name, values[name])
    save_if_unchanged(action, seen_version, names)
    unknown = action.refresh_references()
    record(
        AuditAction.UPDATE,
        actor=actor,
        organisation=organisation,
        obj=action,
        changes=diff(before, snapshot(action, names)),
    )
    for indicator, version, definition in indicators:
        fields = [n for n in INDICATOR_DEFINITION_FIELDS if n in definition]
        stored = Indicator.objects.filter(pk=indicator.pk).values(*fields).first() or {}
        if all(_same(stored.get(n), definition[n]) for n in fields):
            continue
        before = snapshot(indicator, fields)
        for name in fields:
            setattr(indicator, name, definition[name])
        save_if_unchanged(indicator, version, fields)
        record(
            AuditAction.UPDATE,
            actor=actor,
            organisation=organisation,
            obj=indicator,
            changes=diff(before, snapshot(indicator, fields)),
        )
    if new_indicator and new_indicator.get("label"):
        created = Indicator.objects.create(
            convention_id=action.perspective.axis.convention_id,
            action=action,
            order=action.indicators.count(),
            **{k: v for k, v in new_indicator.items() if v not in (None, "")},
        )
        record(
            AuditAction.CREATE,
            actor=actor,
            organisation=organisation,
            obj=created,
            changes={"libellé": [None, created.label]},
        )
    return unknown


def _same(stored, submitted) -> bool:
    if isinstance(stored, Decimal) or isinstance(submitted, Decimal):
        if stored is None or submitted is None:
            return stored is None and submitted is None
        return Decimal(stored) == Decimal(submitted)
    return (stored or "") == (submitted or "")


@transaction.atomic
def add_measurement(
    indicator: Indicator, *, value, on, source="", comment="", actor=None, organisation=None
) -> Measurement:
    """A measurement of an indicator; an action's indicator follows the plan's lock."""
    if indicator.action_id:
        _require_plan_open(indicator.convention_id)
    measurement = indicator.record(
        value=value, on=on, source=source, comment=comment, by=actor if actor else None
    )
    measurement.refresh_from_db()
    record(
        AuditAction.CREATE,
        actor=actor,
        organisation=organisation,
        obj=measurement,
        changes={
            "indicateur": [None, indicator.label],
            "valeur": [None, str(measurement.value)],
            "date": [None, measurement.on.isoformat()],
        },
    )
    return measurement


# -- governance ---------------------------------------------------------------------------------
@transaction.atomic
def record_meeting(
    convention: Convention,
    *,
    body: str,
    date,
    agenda="",
    attendance_note="",
    minutes="",
    attendees=(),
    decisions="",
    actor=None,
    organisation=None,
) -> Meeting:
    """A meeting of one of the convention's bodies, its attendees and its decisions (one a
    line; the actions cited as "cf X.Y.Z" are linked)."""
    body_obj = convention.bodies.get(code=body)
    meeting = Meeting.objects.create(
        body=body_obj,
        date=date,
        agenda=agenda,
        attendance_note=attendance_note,
        minutes=minutes,
    )
    meeting.attendees.set([int(pk) for pk in attendees])
    for line in filter(None, (x.strip() for x in decisions.splitlines())):
        decision = Decision.objects.create(meeting=meeting, text=line)
        decision.actions.set(Action.objects.of(convention).filter(code__in=parse_references(line)))
    record(
        AuditAction.CREATE,
        actor=actor,
        organisation=organisation,
        obj=meeting,
        changes={"instance": [None, body_obj.code], "date": [None, meeting.date.isoformat()]},
    )
    return meeting


# -- evaluation ---------------------------------------------------------------------------------
@transaction.atomic
def create_report(
    convention: Convention, *, kind: str, year: int | None, actor=None, organisation=None
) -> EvaluationReport:
    """Generates the report, or refreshes its data (an adopted report is left as adopted)."""
    adopted = EvaluationReport.objects.filter(
        convention=convention,
        kind=kind,
        year=year if kind == "annual" else None,
        state=ReportState.ADOPTED,
    ).first()
    if adopted is not None:
        raise ReportAdopted(REPORT_ADOPTED.format(on=adopted.adopted_on))
    report = services.generate_report(convention, kind=kind, year=year, by=actor)
    record(
        AuditAction.CREATE,
        actor=actor,
        organisation=organisation,
        obj=report,
        message="Rapport généré",
    )
    return report


@transaction.atomic
def save_conclusions(
    report: EvaluationReport, *, conclusions: str, seen_version=None, actor=None, organisation=None
) -> EvaluationReport:
    if report.state == ReportState.ADOPTED:
        raise ReportAdopted(REPORT_ADOPTED.format(on=report.adopted_on))
    before = snapshot(report, ["conclusions"])
    report.conclusions = conclusions
    save_if_unchanged(report, seen_version, ["conclusions"])
    record(
        AuditAction.UPDATE,
        actor=actor,
        organisation=organisation,
        obj=report,
        changes=diff(before, snapshot(report, ["conclusions"])),
    )
    return report


def adopt_report(
    report: EvaluationReport,
    *,
    on: datetime.date | None = None,
    actor=None,
    organisation=None,
) -> EvaluationReport:
    """Records the adoption of a report (by the COPIL) through the report workflow: the
    transition log and the audit entry come with it. Adopting the final evaluation closes the
    action plan (`perms.plan_locked`)."""
    on = on or datetime.date.today()
    try:
        report_workflow.apply(
            report,
            "adopt",
            actor=actor,
            organisation=organisation,
            extra_updates={"adopted_on": on},
        )
    except WorkflowError as exc:
        raise InvalidTransition(str(exc)) from exc
    return report


# -- funding ------------------------------------------------------------------------------------
@transaction.atomic
def update_bonus(
    bonus: TerritoryBonus,
    *,
    reference_amount,
    rule: str,
    seen_version=None,
    actor=None,
    organisation=None,
) -> TerritoryBonus:
    before = snapshot(bonus, ["reference_amount", "rule"])
    bonus.reference_amount = reference_amount
    bonus.rule = rule
    save_if_unchanged(bonus, seen_version, ["reference_amount", "rule"])
    record(
        AuditAction.UPDATE,
        actor=actor,
        organisation=organisation,
        obj=bonus,
        changes=diff(before, snapshot(bonus, ["reference_amount", "rule"])),
    )
    return bonus


@transaction.atomic
def add_means(
    convention: Convention, *, organisation_id: int, actor=None, organisation=None, **data
) -> MeansEntry:
    entry = MeansEntry.objects.create(
        convention=convention, organisation_id=organisation_id, **data
    )
    record(
        AuditAction.CREATE,
        actor=actor,
        organisation=organisation,
        obj=entry,
        changes={
            "organisation": [None, str(organisation_id)],
            **{k: [None, str(v)] for k, v in data.items()},
        },
    )
    return entry


@transaction.atomic
def add_cooperation_post(
    convention: Convention, *, organisation_id: int, actor=None, organisation=None, **data
) -> CooperationPost:
    post = CooperationPost.objects.create(
        convention=convention, organisation_id=organisation_id, **data
    )
    record(
        AuditAction.CREATE,
        actor=actor,
        organisation=organisation,
        obj=post,
        changes={
            "organisation": [None, str(organisation_id)],
            **{k: [None, str(v)] for k, v in data.items()},
        },
    )
    return post


# -- amendments ---------------------------------------------------------------------------------
@transaction.atomic
def record_amendment(
    convention: Convention,
    *,
    title: str,
    signed_on=None,
    duration_years: int | None = None,
    clauses: list[dict] | None = None,
    refresh_equipment: bool = False,
    seen_version=None,
    actor=None,
    organisation=None,
):
    """An avenant (see services.record_amendment), checked against the version of the convention
    the form was shown: two avenants typed at the same time never interleave. With
    `refresh_equipment`, the avenant also takes a new copy of the equipment annex from the
    directory (reviewed structures only)."""
    amendment = services.record_amendment(
        convention,
        title=title,
        signed_on=signed_on,
        duration_years=duration_years,
        clauses=clauses,
        refresh_equipment=refresh_equipment,
        by=actor,
        seen_version=seen_version,
    )
    record(
        AuditAction.CREATE,
        actor=actor,
        organisation=organisation,
        obj=amendment,
        changes={"version": [amendment.before.number, amendment.after.number]},
    )
    return amendment
