"""Emergency admissions: a child admitted between two sessions at the PMI's request, outside the
engine, with a written reason. The application moves through the guichet's workflow (offered,
accepted, and placed once the admission date is reached) and the admission is reported with the
statistics of the next session (`for_session_report`)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction

from maillage.applications import services as application_services
from maillage.applications.enums import State
from maillage.applications.models import Application
from maillage.audit.models import AuditAction
from maillage.audit.services import record, record_many
from maillage.audit.workflow import WorkflowError
from maillage.commission.grids import age_bands, today
from maillage.commission.models import EmergencyAdmission, Session
from maillage.commission.reserves import territory_structures
from maillage.directory.models import Structure

# States from which an emergency admission moves the application on (others are refused).
ADMISSIBLE_STATES = [State.WAITING, State.TO_CONFIRM, State.ACCEPTED]
MIN_REASON = 10


class EmergencyError(Exception):
    """French errors of the form: `errors` maps a field (or "__all__") to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(" ".join(m for messages in errors.values() for m in messages))


@dataclass
class EmergencyInput:
    number: str
    structure: Structure
    age_group: str
    admitted_on: datetime.date
    reason: str


def for_territory(territory):
    return (
        EmergencyAdmission.objects.filter(territory=territory)
        .select_related("application", "structure", "recorded_by")
        .order_by("-admitted_on", "-id")
    )


def read_for_agent(territory, *, actor, organisation=None) -> list[EmergencyAdmission]:
    """The territory's admissions as an agent reads them (reason included): the reads of the
    applications they concern are recorded in the trail (field names, never values)."""
    admissions = list(for_territory(territory))
    if admissions and getattr(actor, "is_authenticated", False):
        record_many(
            AuditAction.VIEW,
            [admission.application for admission in admissions],
            actor=actor,
            organisation=organisation,
            changes=[{"fields": ["emergency_admission.reason"]} for _ in admissions],
            message="Consultation des admissions en urgence",
        )
    return admissions


def _application(territory, number: str) -> Application | None:
    return (
        Application.objects.filter(territory=territory, number=number.strip())
        .exclude(state=State.DRAFT)
        .select_related("child", "household")
        .first()
    )


def _refusal(application: Application) -> str:
    if application.state in ADMISSIBLE_STATES:
        return ""
    if application.state == State.OFFERED:
        return (
            "Une place est déjà proposée à cette famille : enregistrez d'abord sa réponse à la "
            "proposition en cours."
        )
    if application.state == State.PLACED:
        return "L'enfant est déjà accueilli : il n'y a pas d'admission à enregistrer."
    return (
        f"La demande est « {application.get_state_display()} » : seule une demande en liste "
        "d'attente (ou dont la place est acceptée) peut faire l'objet d'une admission en urgence."
        " Déclarez-la complète d'abord si elle est en cours d'instruction."
    )


def record_emergency(
    territory, data: EmergencyInput, *, actor, organisation=None
) -> EmergencyAdmission:
    """Record an emergency admission and move the application along the guichet's workflow:
    waiting (or asked to confirm) → offered → accepted, then placed when the admission date
    is today or past. Everything or nothing."""
    errors: dict[str, list[str]] = {}
    application = _application(territory, data.number) if data.number.strip() else None
    if application is None:
        errors["number"] = ["Aucune demande de ce numéro dans ce territoire."]
    else:
        refusal = _refusal(application)
        if refusal:
            errors["number"] = [refusal]
    if not territory_structures(territory).filter(pk=data.structure.pk).exists():
        errors["structure"] = ["Cette structure ne participe pas au guichet de ce territoire."]
    bands = {band["code"] for band in age_bands(territory)}
    if data.age_group not in bands:
        errors["age_group"] = ["Choisissez une des tranches d'âge de la commission."]
    if len(data.reason.strip()) < MIN_REASON:
        errors["reason"] = [
            "Indiquez le motif de l'urgence (demande de la PMI, situation) en une phrase au moins."
        ]
    if errors:
        raise EmergencyError(errors)
    place_now = data.admitted_on <= today()
    try:
        with transaction.atomic():
            admission = EmergencyAdmission.objects.create(
                territory=territory,
                application=application,
                structure=data.structure,
                age_group=data.age_group,
                admitted_on=data.admitted_on,
                reason=data.reason.strip(),
                recorded_by=actor if getattr(actor, "pk", None) else None,
            )
            if application.state == State.TO_CONFIRM:
                application_services.confirm_interest(
                    application, actor=actor, organisation=organisation
                )
            if application.state == State.WAITING:
                application_services.offer(application, actor=actor, organisation=organisation)
                application_services.accept_offer(
                    application, actor=actor, organisation=organisation
                )
            if place_now and application.state == State.ACCEPTED:
                application_services.place(application, actor=actor, organisation=organisation)
            record(
                AuditAction.CREATE,
                actor=actor,
                organisation=organisation,
                obj=admission,
                changes={
                    "application": application.number,
                    "structure": data.structure.pk,
                    "age_group": data.age_group,
                    "admitted_on": data.admitted_on.isoformat(),
                },
                message=f"Admission en urgence de la demande {application.number} à "
                f"{data.structure.name}",
            )
    except WorkflowError as exc:
        raise EmergencyError({"__all__": [str(exc)]}) from None
    return admission


def previous_session(session: Session) -> Session | None:
    return (
        Session.objects.filter(territory_id=session.territory_id, date__lt=session.date)
        .exclude(pk=session.pk)
        .order_by("-date", "-pk")
        .first()
    )


def for_session_report(session: Session) -> dict:
    """The emergency admissions of the session's territory since the previous session (after
    its date) up to this session's date, for the session's statistics:
    `{"since": date | None, "until": date, "count": n, "by_structure": [{"structure",
    "structure_id", "age_group", "count"}], "admissions": [EmergencyAdmission, …]}`."""
    previous = previous_session(session)
    queryset = for_territory(session.territory).filter(admitted_on__lte=session.date)
    if previous is not None:
        queryset = queryset.filter(admitted_on__gt=previous.date)
    admissions = list(queryset.order_by("admitted_on", "id"))
    counts: dict[tuple, dict] = {}
    for admission in admissions:
        key = (admission.structure_id, admission.age_group)
        row = counts.setdefault(
            key,
            {
                "structure": admission.structure.name,
                "structure_id": admission.structure_id,
                "age_group": admission.age_group,
                "count": 0,
            },
        )
        row["count"] += 1
    return {
        "since": previous.date if previous else None,
        "until": session.date,
        "count": len(admissions),
        "by_structure": sorted(counts.values(), key=lambda r: (r["structure"], r["age_group"])),
        "admissions": admissions,
    }
