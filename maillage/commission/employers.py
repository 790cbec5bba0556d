"""Employers that reserve places: a parent of an application works for one of them.

Only the employer is recorded (no contract, no payslip): chosen among the employers of the
territory's employer reserves in force, never typed freely, optional, by the family on her
application's page or by an agent of the guichet's operator, with the source, and audited like
the other changes of an application. At the freeze (`instance.build`) the child gets the engine
tag `employer:<reserve pk>` of that employer's reserves in the structures she wished
(`tags_for`), so the engine can give her one of the reserved places."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Q

from maillage.audit.models import AuditAction
from maillage.audit.services import record
from maillage.commission.enums import EmployerSource, ReserveKind
from maillage.commission.models import EmployerReservation, Reserve


class EmployerError(Exception):
    """A French message a person can act on."""


def _today() -> datetime.date:
    from django.utils import timezone

    return timezone.localdate()


def employers_of(territory, on: datetime.date | None = None) -> list[str]:
    """The employers of the territory's employer reserves in force on `on` (or later: a
    reserve that opens at the next session counts), sorted, without duplicates."""
    from maillage.commission.reserves import territory_structures

    on = on or _today()
    rows = (
        Reserve.objects.filter(
            kind=ReserveKind.EMPLOYER,
            structure__in=territory_structures(territory).values("pk"),
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .exclude(employer="")
        .values_list("employer", flat=True)
        .distinct()
    )
    return sorted(set(rows))


def reservation_of(application) -> EmployerReservation | None:
    return EmployerReservation.objects.filter(application=application).first()


def set_employer(
    application, employer: str, *, source: str, actor=None, organisation=None
) -> EmployerReservation | None:
    """Record (or, with an empty `employer`, remove) the employer that reserves places for
    which a parent works. Audited (field names and the employer, never anything else)."""
    employer = (employer or "").strip()
    if source not in EmployerSource.values:
        raise EmployerError("Origine de la déclaration inconnue.")
    if not application.is_open:
        raise EmployerError("Cette demande est close : elle ne peut plus être modifiée.")
    if employer and employer not in employers_of(application.territory):
        raise EmployerError(
            "Choisissez un employeur de la liste : seuls les employeurs qui réservent des "
            "places dans ce territoire y figurent."
        )
    with transaction.atomic():
        current = (
            EmployerReservation.objects.select_for_update().filter(application=application).first()
        )
        before = current.employer if current else ""
        if employer == before:
            return current
        if not employer:
            current.delete()
            found = None
        else:
            found, _created = EmployerReservation.objects.update_or_create(
                application=application,
                defaults={
                    "employer": employer,
                    "source": source,
                    "recorded_by": actor if getattr(actor, "pk", None) else None,
                },
            )
        record(
            AuditAction.UPDATE,
            actor=actor,
            organisation=organisation,
            obj=application,
            changes={"employer_reservation": [before, employer]},
            message=(
                "Employeur réservataire "
                + ("retiré" if not employer else "enregistré")
                + (" par la famille" if source == EmployerSource.FAMILY else " par un agent")
            ),
        )
    return found


def panel(application, *, editable: bool) -> dict:
    """What the application's pages show and offer (family or agent)."""
    current = reservation_of(application)
    choices = employers_of(application.territory) if editable and application.is_open else []
    return {
        "current": current,
        "choices": choices,
        "editable": bool(choices) or (editable and current is not None and application.is_open),
        "available": bool(choices) or current is not None,
    }


def reservations_for_queue(territory, states) -> dict[int, str]:
    """Per application id of the territory's queue: its employer (one query)."""
    return dict(
        EmployerReservation.objects.filter(
            application__territory=territory, application__state__in=states
        ).values_list("application_id", "employer")
    )


def tags_for(employer: str, age_group: str, wished_pks, reserves) -> list[str]:
    """The engine tags of `employer`'s reserves in the wished structures for the child's age
    group (`reserves`: {(structure pk, age group): Reserve} in force at the session)."""
    tags = []
    for pk in wished_pks:
        reserve = reserves.get((pk, age_group))
        if (
            reserve is not None
            and reserve.kind == ReserveKind.EMPLOYER
            and reserve.employer == employer
        ):
            tags.append(reserve.tag)
    return tags


def employer_names(tags) -> dict[str, str]:
    """{"employer:<pk>": employer name} for the employer tags among `tags` (one query)."""
    pks = [int(t.split(":", 1)[1]) for t in tags if t.startswith("employer:")]
    if not pks:
        return {}
    return {
        f"employer:{pk}": name
        for pk, name in Reserve.objects.filter(pk__in=pks).values_list("pk", "employer")
    }
