"""Rights of the data subject for childminders: export, rectification, erasure.

An agent of an organisation covering the childminder's commune (directory.perms) acts on her
request. Every action is recorded in the audit trail with field names only, never values.
"""

import csv
import datetime
import io
import json

from django.db import transaction
from django.db.models import Q

from maillage.audit.models import AuditAction, AuditEntry
from maillage.audit.services import record, record_read
from maillage.core.concurrency import save_if_unchanged
from maillage.directory.enums import CoordinatesPrecision
from maillage.directory.models import Childminder, ChildminderAvailability

# What the record holds about the person (the export and the rectification form).
PERSONAL_FIELDS = [
    "first_name",
    "last_name",
    "address",
    "phone",
    "email",
    "contact_consent",
    "agreement_number",
    "agreement_places",
    "agreement_age_min_months",
    "agreement_age_max_months",
    "early_hours",
    "late_hours",
    "night",
    "weekend",
    "inclusion_adapted",
    "is_active",
]
AVAILABILITY_FIELDS = [
    "declared_on",
    "available_from",
    "places",
    "days",
    "starts_at",
    "ends_at",
    "note",
]


def _value(value):
    if isinstance(value, (datetime.date, datetime.time, datetime.datetime)):
        return value.isoformat()
    return value


def _label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def childminder_data(childminder: Childminder) -> dict:
    """Everything the directory holds about her: record, availability history, and the audit
    entries about her record and her declarations (who, when, what; field names only)."""
    record_fields = {
        _label(Childminder, name): _value(getattr(childminder, name)) for name in PERSONAL_FIELDS
    }
    record_fields["commune"] = childminder.commune.name
    record_fields["MAM"] = childminder.mam.name if childminder.mam_id else ""
    record_fields["créée le"] = _value(childminder.created_at)
    record_fields["modifiée le"] = _value(childminder.updated_at)
    availabilities = list(childminder.availabilities.order_by("declared_on", "pk"))
    entries = AuditEntry.objects.filter(
        Q(object_type=Childminder._meta.label_lower, object_id=str(childminder.pk))
        | Q(
            object_type=ChildminderAvailability._meta.label_lower,
            object_id__in=[str(a.pk) for a in availabilities],
        )
    ).order_by("at", "id")
    return {
        "fiche": record_fields,
        "disponibilités": [
            {_label(ChildminderAvailability, n): _value(getattr(a, n)) for n in AVAILABILITY_FIELDS}
            for a in availabilities
        ],
        "journal d'audit": [
            {
                "date": _value(e.at),
                "action": e.get_action_display(),
                "auteur": e.actor_label,
                "champs": sorted(e.changes) if isinstance(e.changes, dict) else [],
                "détail": e.message,
            }
            for e in entries
        ],
    }


def open_childminder_record(childminder: Childminder, *, actor, organisation, purpose: str):
    """An agent opens her full record (data page, rectification form): the read is recorded
    with the names of the fields shown. Returns her declarations, newest first."""
    record_read(
        childminder,
        actor=actor,
        organisation=organisation,
        fields=PERSONAL_FIELDS,
        message=purpose,
    )
    return list(childminder.availabilities.order_by("-declared_on", "-pk"))


def _csv(data: dict) -> bytes:
    """One CSV with a section per part: (partie, rubrique, valeur) rows, UTF-8 with BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["partie", "n°", "rubrique", "valeur"])
    for name, value in data["fiche"].items():
        writer.writerow(["fiche", "", name, value])
    for number, availability in enumerate(data["disponibilités"], start=1):
        for name, value in availability.items():
            writer.writerow(["disponibilité", number, name, value])
    for number, entry in enumerate(data["journal d'audit"], start=1):
        for name, value in entry.items():
            writer.writerow(
                ["journal d'audit", number, name, ", ".join(value) if name == "champs" else value]
            )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


EXPORT_FORMATS = {"json": "application/json", "csv": "text/csv; charset=utf-8"}


def export_childminder(
    childminder: Childminder, fmt: str, *, actor, organisation
) -> tuple[bytes, str]:
    """Her data as JSON or CSV (right of access, GDPR art. 15), recorded in the audit trail."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"Format d'export inconnu : {fmt}.")
    data = childminder_data(childminder)
    content = (
        json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
        if fmt == "json"
        else _csv(data)
    )
    record(
        AuditAction.EXPORT,
        actor=actor,
        organisation=organisation,
        obj=childminder,
        changes={"fields": PERSONAL_FIELDS, "format": fmt},
        message="Export des données de la personne (droit d'accès)",
    )
    return content, EXPORT_FORMATS[fmt]


def rectify_childminder(
    childminder: Childminder, values: dict, seen_version: int | None, *, actor, organisation
) -> list[str]:
    """Write the corrected `values` if nobody saved the record meanwhile (ConcurrentEditError
    otherwise). Returns the names of the changed fields; the audit entry keeps only them."""
    changed = [
        name
        for name in PERSONAL_FIELDS
        if name in values and getattr(childminder, name) != values[name]
    ]
    if not changed:
        return []
    for name in changed:
        setattr(childminder, name, values[name])
    if "contact_consent" in changed and not childminder.contact_consent:
        # without consent the public map shows the commune, not her address
        _locate_at_commune(childminder)
        changed += ["latitude", "longitude", "coordinates_precision"]
    with transaction.atomic():
        save_if_unchanged(childminder, seen_version, changed)
        record(
            AuditAction.UPDATE,
            actor=actor,
            organisation=organisation,
            obj=childminder,
            changes={"fields": sorted(changed)},
            message="Rectification de la fiche",
        )
    return changed


def _locate_at_commune(childminder: Childminder) -> None:
    commune = childminder.commune
    childminder.latitude = getattr(commune, "latitude", None)
    childminder.longitude = getattr(commune, "longitude", None)
    childminder.coordinates_precision = (
        CoordinatesPrecision.COMMUNE
        if childminder.latitude is not None
        else CoordinatesPrecision.NONE
    )


ERASED_FIELDS = [
    "first_name",
    "last_name",
    "address",
    "phone",
    "email",
    "contact_consent",
    "agreement_number",
    "external_id",
    "source",
    "latitude",
    "longitude",
    "coordinates_precision",
    "is_active",
]


def erase_childminder(
    childminder: Childminder, seen_version: int | None, *, actor, organisation, reason: str
) -> None:
    """Anonymise the record: identity, contact details, agreement number and precise location
    are erased; what feeds aggregated counts stays (commune, places and ages of the agreement,
    number and places of her declarations, without their free-text notes). The record leaves the
    public directory. The audit trail keeps the field names and the reason, never the values.
    """
    childminder.first_name = "Fiche effacée"
    childminder.last_name = f"n° {childminder.pk}"
    for name in ("address", "phone", "email", "agreement_number", "external_id", "source"):
        setattr(childminder, name, "")
    childminder.contact_consent = False
    childminder.is_active = False
    childminder.latitude = childminder.longitude = None
    childminder.coordinates_precision = CoordinatesPrecision.NONE
    with transaction.atomic():
        save_if_unchanged(childminder, seen_version, ERASED_FIELDS)
        notes = childminder.availabilities.exclude(note="").update(note="")
        record(
            AuditAction.ERASE,
            actor=actor,
            organisation=organisation,
            obj=childminder,
            changes={"fields": ERASED_FIELDS + (["availability.note"] if notes else [])},
            message=f"Effacement à la demande de la personne. Motif : {reason}"[:500],
        )
