"""Reserved places: places of a structure and age group kept for a category of families —
families in an integration pathway (CASF L. 214-7), an AVIP crèche's places, an employer's
reservation, children with a disability. Hard (kept even when too few eligible children apply)
or released if unused. At most one reserve per structure and age group at a time, as the
engine's format says.

Contracts with the other areas:
- `reserves_for(structures, on_date)` → `{structure pk: {age group: Reserve}}` for the instance
  builder (csess), with `as_engine(reserve, structure_key, capacity)` giving the engine's
  `reserved` entry;
- `integration_quota_report(placements, on_date=None)` checks the CASF D. 214-7 minimum (one
  place per 20 per manager, a dated core Parameter) on a session's results (session statistics).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q

from maillage.audit.models import AuditAction
from maillage.audit.services import diff, record, snapshot
from maillage.commission.enums import ReserveKind
from maillage.commission.grids import age_bands, today
from maillage.commission.models import Reserve
from maillage.core.models import ParameterMissing, parameter_at
from maillage.directory.models import Structure

QUOTA_PARAMETER = "commission-integration-quota"
EDITABLE = [
    "kind",
    "employer",
    "places",
    "release_if_unused",
    "valid_from",
    "valid_until",
    "reason",
]


class ReserveError(Exception):
    """French errors of a reserve form: `errors` maps a field (or "__all__") to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(" ".join(m for messages in errors.values() for m in messages))


def territory_structures(territory):
    """The structures a territory's commission allocates: the guichet's participating
    structures (in force today), else the EAJE of its communes."""
    from maillage.applications.models import GuichetSettings

    rules = (
        GuichetSettings.objects.in_force(today())
        .filter(territory=territory)
        .order_by("-valid_from")
        .first()
    )
    if rules is not None:
        queryset = rules.participating_structures.all()
    else:
        queryset = Structure.objects.eaje().filter(commune__in=territory.communes.all())
    return queryset.select_related("commune").order_by("commune__name", "name")


def _active(on: datetime.date):
    return Q(valid_from__lte=on) & (Q(valid_until__isnull=True) | Q(valid_until__gte=on))


def reserves_of(territory, *, on: datetime.date | None = None, current_only: bool = False):
    """The territory's reserves (those in force on `on` only, with `current_only`)."""
    queryset = Reserve.objects.filter(
        structure__in=territory_structures(territory).values("pk")
    ).select_related("structure__commune")
    if current_only:
        queryset = queryset.filter(_active(on or today()))
    return queryset.order_by("structure__name", "age_group", "-valid_from")


def reserves_for(structures, on_date: datetime.date) -> dict[int, dict[str, Reserve]]:
    """The reserves in force on `on_date` of `structures` (objects or pks): `{structure pk:
    {age group code: Reserve}}` — at most one per structure and age group (checked when a
    reserve is declared). One query."""
    pks = [getattr(s, "pk", s) for s in structures]
    found: dict[int, dict[str, Reserve]] = defaultdict(dict)
    rows = Reserve.objects.filter(structure_id__in=pks).filter(_active(on_date))
    for reserve in rows.order_by("valid_from"):
        found[reserve.structure_id][reserve.age_group] = reserve
    return dict(found)


def as_engine(reserve: Reserve, structure_key: str, capacity: int) -> dict | None:
    """The engine's `reserved` entry for a structure's age group that opens `capacity` places
    at the session (the reserve never exceeds them; None when no place opens)."""
    places = min(reserve.places, capacity)
    if places <= 0:
        return None
    return {
        "id": f"{structure_key}-{reserve.age_group}-{reserve.tag}",
        "age_group": reserve.age_group,
        "places": places,
        "tag": reserve.tag,
        "release_if_unused": bool(reserve.release_if_unused),
    }


# --- declaring ----------------------------------------------------------------------------------


@dataclass
class ReserveInput:
    structure: Structure
    age_group: str
    kind: str
    places: int
    release_if_unused: bool
    valid_from: datetime.date
    valid_until: datetime.date | None
    employer: str = ""
    reason: str = ""


def _fmt_period(valid_from: datetime.date, valid_until: datetime.date | None) -> str:
    if valid_until is None:
        return f"depuis le {valid_from:%d/%m/%Y}"
    return f"du {valid_from:%d/%m/%Y} au {valid_until:%d/%m/%Y}"


def overlapping_reserve(structure, age_group, valid_from, valid_until, exclude_pk=None):
    """A reserve of the same structure and age group whose period meets this one, or None."""
    end = valid_until or datetime.date.max
    return (
        Reserve.objects.filter(structure=structure, age_group=age_group)
        .filter(valid_from__lte=end)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=valid_from))
        .exclude(pk=exclude_pk)
        .order_by("valid_from")
        .first()
    )


def _check(territory, data: ReserveInput, *, exclude_pk: int | None = None) -> None:
    errors: dict[str, list[str]] = defaultdict(list)
    bands = {band["code"]: band["label"] for band in age_bands(territory)}
    if not territory_structures(territory).filter(pk=data.structure.pk).exists():
        errors["structure"].append("Cette structure ne participe pas au guichet de ce territoire.")
    if data.age_group not in bands:
        errors["age_group"].append(
            "Choisissez une des tranches d'âge de la commission : " + ", ".join(bands.values())
        )
    if data.kind not in ReserveKind.values:
        errors["kind"].append("Choisissez pour qui les places sont réservées.")
    if data.kind == ReserveKind.EMPLOYER and not data.employer.strip():
        errors["employer"].append("Indiquez l'employeur qui réserve ces places.")
    if data.places is None or data.places < 1:
        errors["places"].append("Une réserve compte au moins une place.")
    if data.valid_until is not None and data.valid_until < data.valid_from:
        errors["valid_until"].append("La date de fin doit suivre la date de début.")
    if not errors:
        overlapping = overlapping_reserve(
            data.structure, data.age_group, data.valid_from, data.valid_until, exclude_pk
        )
        if overlapping is not None:
            errors["__all__"].append(
                f"Une réserve existe déjà pour {data.structure.name} "
                f"({bands.get(data.age_group, data.age_group)}) "
                f"{_fmt_period(overlapping.valid_from, overlapping.valid_until)} : une seule "
                "réserve par structure et tranche d'âge à la fois. Modifiez-la, ou fixez-lui une "
                "date de fin avant de déclarer la nouvelle."
            )
    if errors:
        raise ReserveError(dict(errors))


def _lock(structure) -> None:
    """Serialise the declarations on one structure (the one-reserve check then holds)."""
    if connection.features.has_select_for_update:
        Structure.objects.select_for_update().filter(pk=structure.pk).values_list("pk").first()


def declare_reserve(territory, data: ReserveInput, *, actor, organisation=None) -> Reserve:
    with transaction.atomic():
        _lock(data.structure)
        _check(territory, data)
        reserve = Reserve.objects.create(
            structure=data.structure,
            age_group=data.age_group,
            kind=data.kind,
            employer=data.employer.strip() if data.kind == ReserveKind.EMPLOYER else "",
            places=data.places,
            release_if_unused=data.release_if_unused,
            valid_from=data.valid_from,
            valid_until=data.valid_until,
            reason=data.reason.strip()[:255],
        )
        record(
            AuditAction.CREATE,
            actor=actor,
            organisation=organisation,
            obj=reserve,
            changes={k: [None, v] for k, v in snapshot(reserve, EDITABLE).items()},
            message=f"Réserve de places déclarée : {reserve}",
        )
    return reserve


def get_reserve(territory, pk: int) -> Reserve | None:
    return reserves_of(territory).filter(pk=pk).first()


def update_reserve(
    territory, reserve: Reserve, data: ReserveInput, *, actor, organisation=None
) -> Reserve:
    """Change a reserve (its structure and age group stay; end it with a date of end)."""
    data.structure = reserve.structure
    data.age_group = reserve.age_group
    before = snapshot(reserve, EDITABLE)
    reserve.kind = data.kind
    reserve.employer = data.employer.strip() if data.kind == ReserveKind.EMPLOYER else ""
    reserve.places = data.places
    reserve.release_if_unused = data.release_if_unused
    reserve.valid_from = data.valid_from
    reserve.valid_until = data.valid_until
    reserve.reason = data.reason.strip()[:255]
    changes = diff(before, snapshot(reserve, EDITABLE))
    with transaction.atomic():
        _lock(reserve.structure)
        _check(territory, data, exclude_pk=reserve.pk)
        if changes:
            reserve.save(update_fields=EDITABLE)
            record(
                AuditAction.UPDATE,
                actor=actor,
                organisation=organisation,
                obj=reserve,
                changes=changes,
                message=f"Réserve de places modifiée : {reserve}",
            )
    return reserve


# --- CASF D. 214-7: one place in 20 per manager for families in an integration pathway -------


def quota_rule(on_date: datetime.date | None = None) -> dict | None:
    """The minimum in force (the dated parameter), or None when it is missing."""
    try:
        row = parameter_at(QUOTA_PARAMETER, on_date or today())
    except ParameterMissing:
        return None
    value = row.value or {}
    return {
        "places": int(value.get("places", 1)),
        "per": int(value.get("per", 20)),
        "label": row.label,
        "source": row.source_label,
        "source_url": row.source_url,
        "verified": row.verified,
        "valid_from": row.valid_from.isoformat(),
    }


def placements_from_decisions(decisions) -> list[tuple[int, list[str]]]:
    """`(structure id, tags)` of the placed decisions of a session (Decision queryset or list
    with `entry` loaded), the input of `integration_quota_report`."""
    return [
        (decision.structure_id, list(decision.entry.tags or []))
        for decision in decisions
        if decision.structure_id is not None
    ]


def integration_quota_report(
    placements: Iterable[tuple[int, Iterable[str]]], on_date: datetime.date | None = None
) -> dict:
    """Check, per manager, that at least `places` in every full tranche of `per` places given at
    the session went to children of families in an integration pathway (tag `integration`).

    `placements`: `(structure id, tags)` per placed child (see `placements_from_decisions`).
    Returns `{"rule": {...} | None, "ok": bool, "managers": [{"manager", "manager_id",
    "placed", "integration", "required", "ok"}]}`, managers sorted by name. When the parameter
    is missing, `rule` is None, `ok` is None and nothing is required."""
    rule = quota_rule(on_date)
    rows = [(structure_id, set(tags or [])) for structure_id, tags in placements]
    structures = {
        s.pk: s
        for s in Structure.objects.filter(pk__in={pk for pk, _ in rows}).select_related("manager")
    }
    groups: dict[tuple, dict] = {}
    for structure_id, tags in rows:
        structure = structures.get(structure_id)
        if structure is None:
            continue
        if structure.manager_id:
            key, name = ("org", structure.manager_id), structure.manager.name
        elif structure.manager_name:
            key, name = ("name", structure.manager_name), structure.manager_name
        else:
            key, name = ("structure", structure.pk), f"{structure.name} (gestionnaire non indiqué)"
        group = groups.setdefault(
            key,
            {
                "manager": name,
                "manager_id": structure.manager_id,
                "placed": 0,
                "integration": 0,
            },
        )
        group["placed"] += 1
        group["integration"] += int(str(ReserveKind.INTEGRATION) in tags)
    managers = []
    for group in sorted(groups.values(), key=lambda g: g["manager"]):
        required = (group["placed"] // rule["per"]) * rule["places"] if rule else 0
        managers.append(
            {
                **group,
                "required": required,
                "ok": group["integration"] >= required if rule else None,
            }
        )
    return {
        "rule": rule,
        "ok": all(m["ok"] for m in managers) if rule else None,
        "managers": managers,
    }
