"""The freeze of a session: from the guichet's queue to the engine's instance.

`build(session)` reads the database once (applications with household, child and wishes;
declared places; reserves; earlier decisions) and computes everything in memory: the age group
at the reference date, the exclusions with their reason, the points line by line, the wishes
(ranked wishes, then the structures within the family's radius by distance), the joint options
of siblings asked together, and the instance document of `../shared/specs/allocation-format.md`.
`sessions.freeze` stores it. Identifiers are a contract between the areas:

- structure `"S%06d" % structure.pk` (`structure_key` / `structure_pk`);
- child `"C%06d"`, numbered in application-number order over the whole frozen queue;
- family `"F%06d"`, numbered in the order of their first child.
"""

from __future__ import annotations

import datetime
import json
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from hashlib import sha256

from django.db.models import Count, Q
from django.utils import timezone

from maillage.applications.enums import ACTIVE_STATES, State
from maillage.applications.models import Application, Wish
from maillage.commission import grids
from maillage.commission.allocation.canonical import canonical_bytes
from maillage.commission.allocation.model import FORMAT_NAME, FORMAT_VERSION, Instance
from maillage.commission.allocation.validate import InvalidInstance, parse_instance
from maillage.commission.bulk import JsonText
from maillage.commission.enums import DecisionOutcome, Exclusion, SessionStatus
from maillage.commission.models import Decision, PointsGrid, Reserve
from maillage.commission.points import (
    LightChild,
    LightHousehold,
    PointsLine,
    Scorer,
    months_between,
    tags_of,
)
from maillage.directory.geo import bounding_box, haversine_km
from maillage.directory.models import Structure
from maillage.territories.models import Commune

# States of the guichet examined at a freeze: complete applications on the list (and the
# expected children, complete but not yet born), plus the submitted ones still incomplete, which
# get an entry excluded as « incomplete » so that their family is told why.
COMPLETE_STATES = [*ACTIVE_STATES, State.AWAITING_BIRTH]
INCOMPLETE_STATES = [State.SUBMITTED, State.TO_CORRECT]
QUEUE_STATES = COMPLETE_STATES + INCOMPLETE_STATES


class FreezeError(Exception):
    """A French message: why the list cannot be frozen now."""


def structure_key(pk: int) -> str:
    return f"S{pk:06d}"


def structure_pk(key: str) -> int:
    return int(key[1:])


def child_key(number: int) -> str:
    return f"C{number:06d}"


def family_key(number: int) -> str:
    return f"F{number:06d}"


def grid_for_session(session) -> PointsGrid | None:
    """The adopted grid in force at the session's date."""
    return grids.grid_for_session(session.territory, session.date)


def age_group_of(bands: list[dict], months: int) -> str:
    for band in bands:
        if band["min_months"] <= months <= band["max_months"]:
            return band["code"]
    return ""


def number(value: Decimal | float | int):
    """A score as the instance writes it: an integer when it is whole."""
    value = Decimal(str(value))
    return int(value) if value == value.to_integral_value() else float(value)


QUEUE_FIELDS = (
    "pk", "number", "state", "household_id", "desired_start", "radius_km",
    "siblings_together", "sibling_structure_id", "registered_on", "submitted_at",
    "completed_at", "refusals",
    "household__commune_id", "household__parents_working", "household__job_seeking",
    "household__integration_pathway", "household__single_parent",
    "child__birth_date", "child__expected_date", "child__disability",
)  # fmt: skip


@dataclass(slots=True)
class QueueApplication:
    """What the freeze and the points read of an application (no model instance: the queue
    of a territory is read as plain rows, see `queue`)."""

    pk: int
    number: str
    state: str
    household_id: int
    desired_start: datetime.date
    radius_km: int | None
    siblings_together: bool
    sibling_structure_id: int | None
    registered_on: datetime.date | None
    submitted_at: datetime.datetime | None
    completed_at: datetime.datetime | None
    refusals: int
    household: LightHousehold
    child: LightChild


def queue(session) -> list[QueueApplication]:
    """The applications examined at the freeze, in number order, with the fields the freeze
    and the points read (one query; wishes are read apart, see `wishes_of`)."""
    rows = (
        Application.objects.filter(territory=session.territory, state__in=QUEUE_STATES)
        .order_by("number")
        .values_list(*QUEUE_FIELDS)
    )
    return [
        QueueApplication(*row[:12], LightHousehold(*row[12:17]), LightChild(*row[17:20]))
        for row in rows.iterator(chunk_size=5000)
    ]


def wishes_of(session) -> dict[int, list[int]]:
    """Per application of the queue: its wished structure ids in rank order (one query)."""
    found: dict[int, list[int]] = defaultdict(list)
    rows = (
        Wish.objects.filter(
            application__territory=session.territory, application__state__in=QUEUE_STATES
        )
        .order_by("application_id", "rank")
        .values_list("application_id", "structure_id")
    )
    for application_id, structure_id in rows:
        found[application_id].append(structure_id)
    return found


@dataclass(frozen=True, slots=True)
class FrozenStructure:
    """What the freeze reads of a structure (plain values: attributes read 20,000 times)."""

    pk: int
    name: str
    commune_id: int | None
    insee_code: str | None
    latitude: float | None
    longitude: float | None
    key: str  # structure_key(pk)


def load_structures(ids) -> dict[int, FrozenStructure]:
    rows = Structure.objects.filter(pk__in=list(ids)).values_list(
        "pk", "name", "commune_id", "commune__insee_code", "latitude", "longitude"
    )
    return {row[0]: FrozenStructure(*row, structure_key(row[0])) for row in rows}


def queue_count(session) -> int:
    return Application.objects.filter(territory=session.territory, state__in=QUEUE_STATES).count()


def sessions_passed(session) -> dict[int, int]:
    """Per application: earlier published sessions of the territory where it got no place."""
    rows = (
        Decision.objects.filter(
            session__territory=session.territory,
            session__status__in=[SessionStatus.PUBLISHED, SessionStatus.CLOSED],
            session__date__lt=session.date,
            outcome=DecisionOutcome.UNPLACED,
        )
        .values("entry__application_id")
        .annotate(n=Count("id"))
    )
    return {row["entry__application_id"]: row["n"] for row in rows}


def in_force_reserves(session, structure_ids) -> dict[tuple[int, str], Reserve]:
    """The reserve in force per (structure, age group) at the session's date."""
    rows = (
        Reserve.objects.filter(structure_id__in=structure_ids, valid_from__lte=session.date)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=session.date))
        .order_by("structure_id", "age_group", "-valid_from")
    )
    found: dict[tuple[int, str], Reserve] = {}
    for reserve in rows:
        found.setdefault((reserve.structure_id, reserve.age_group), reserve)
    return found


# Columns of `SessionEntry` written by the freeze (besides the session), in `FrozenEntry.row`
# order.
ENTRY_COLUMNS = (
    "application_id", "child_key", "family_key", "age_group", "points", "points_detail",
    "bonus", "wishes", "tags", "exclusion", "siblings_apart",
)  # fmt: skip


@dataclass(slots=True)
class FrozenEntry:
    """One `SessionEntry` to write: its JSON fields already as JSON text (`points_detail`,
    `bonus`; the same lines are shared by many applications and encoded once)."""

    application_id: int
    child_key: str
    age_group: str
    points: Decimal
    points_detail: JsonText
    bonus: JsonText
    wishes: list[str]
    tags: list[str]
    exclusion: str
    family_key: str = ""
    siblings_apart: bool = False  # asked together, no wish in common: examined separately

    def row(self) -> tuple:
        return (
            self.application_id, self.child_key, self.family_key, self.age_group, self.points,
            self.points_detail, self.bonus, _keys_json(self.wishes), _keys_json(self.tags),
            str(self.exclusion), self.siblings_apart,
        )  # fmt: skip


def _keys_json(keys: list[str]) -> JsonText:
    """A list of identifiers or codes as JSON (joined as is when nothing needs escaping)."""
    if not keys:
        return EMPTY_LIST
    plain = "".join(keys)
    if '"' in plain or "\\" in plain or not plain.isprintable():
        return JsonText(_json(keys))
    return JsonText('["' + '","'.join(keys) + '"]')


@dataclass
class Built:
    grid: PointsGrid
    entries: list[FrozenEntry]
    instance: dict
    text: str
    sha256: str
    warnings: list[str] = field(default_factory=list)
    parsed: Instance | None = None

    @property
    def counts(self) -> dict:
        excluded = defaultdict(int)
        for entry in self.entries:
            if entry.exclusion:
                excluded[entry.exclusion] += 1
        return {
            "entries": len(self.entries),
            "children": len(self.instance["children"]),
            "structures": len(self.instance["structures"]),
            "families": len(self.instance["families"]),
            "excluded": dict(sorted(excluded.items())),
        }


# The instance last validated by a freeze in this process when a run follows (`freeze(…,
# run_next=True)`: the CLI's `run` on a draft session, the demo, the bench), so that the run
# does not read and validate it again. The run still checks the stored text against the
# SHA-256 (`recall`). A run in another process (the web's background task) reads it again.
_RECENT: dict[str, tuple[Instance, float]] = {}
RECENT_SECONDS = 600


def remember(parsed: Instance) -> None:
    _RECENT.clear()
    if parsed.input_sha256:
        _RECENT[parsed.input_sha256] = (parsed, time.monotonic())


def recall(text: str, sha: str) -> Instance | None:
    """The instance validated by the freeze of this process if `text` (the stored instance)
    still has the SHA-256 `sha` it was frozen with; taken once."""
    found = _RECENT.pop(sha, None)
    if found is None or time.monotonic() - found[1] > RECENT_SECONDS:
        return None
    if sha256(text.encode("utf-8")).hexdigest() != sha:
        return None
    return found[0]


def _completed_in_time(application, freeze_date: datetime.date) -> bool:
    if application.state in INCOMPLETE_STATES:
        return False
    if application.completed_at is None:  # imported lists: complete when written
        return True
    return timezone.localdate(application.completed_at) <= freeze_date


def _exclusion(application, session, bands) -> tuple[str, str]:
    """(exclusion code or "", age group)."""
    if not _completed_in_time(application, session.freeze_date):
        return Exclusion.INCOMPLETE, ""
    born = application.child.birth_date or application.child.expected_date
    if born is None or born > session.reference_date:
        return Exclusion.NOT_BORN, ""
    group = age_group_of(bands, months_between(born, session.reference_date))
    if not group:
        return Exclusion.OUTSIDE_AGE_BANDS, ""
    if not (session.entry_from <= application.desired_start <= session.entry_until):
        return Exclusion.START_OUTSIDE_WINDOW, group
    return "", group


class _Nearby:
    """Structures with places for an age group within a radius of a commune's centroid, nearest
    first (computed once per commune, age group and radius: households share few communes;
    distances only for the structures in the circle's bounding box)."""

    def __init__(self, open_structures: dict[str, list]):
        self.open_structures = open_structures
        self.cache: dict[tuple[int, str, int], list] = {}

    def __call__(self, application, commune, group: str) -> list:
        radius = application.radius_km
        if not radius or commune is None or commune.latitude is None:
            return []
        key = (commune.pk, group, radius)
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = self._compute(commune, group, radius)
        return found

    def _compute(self, commune, group: str, radius: int) -> list:
        south, west, north, east = bounding_box(commune.latitude, commune.longitude, radius)
        if west < -180 or east > 180:  # the box crosses the antimeridian: no longitude filter
            west, east = -math.inf, math.inf
        found = []
        for structure in self.open_structures.get(group, ()):
            lat, lon = structure.latitude, structure.longitude
            if lat is None or lon is None or not (south <= lat <= north and west <= lon <= east):
                continue
            distance = haversine_km(commune.latitude, commune.longitude, lat, lon)
            if distance <= radius:
                found.append((round(distance, 3), structure.pk, structure))
        found.sort(key=lambda item: (item[0], item[1]))
        return [structure for _d, _pk, structure in found]


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


EMPTY_OBJECT = JsonText("{}")
EMPTY_LIST = JsonText("[]")


class _Encoded:
    """JSON text and instance numbers of points lines, computed once per line or set of lines
    (20,000 applications share a few hundred combinations)."""

    def __init__(self):
        self.details: dict[int, str] = {}
        self.lines: dict[int, str] = {}
        self.numbers: dict[int, object] = {}
        self.totals: dict[tuple[int, ...], Decimal] = {}

    def detail(self, base) -> str:
        found = self.details.get(id(base))
        if found is None:
            found = self.details[id(base)] = JsonText(
                _json([line.as_dict() for line in base.lines])
            )
        return found

    def number(self, base):
        found = self.numbers.get(id(base))
        if found is None:
            found = self.numbers[id(base)] = number(base.total)
        return found

    def line(self, line: PointsLine) -> str:
        found = self.lines.get(id(line))
        if found is None:
            found = self.lines[id(line)] = _json(line.as_dict())
        return found

    def bonus(self, bonus: dict[int, list[PointsLine]]) -> str:
        if not bonus:
            return EMPTY_OBJECT
        parts = (
            f'"{structure_key(pk)}":[' + ",".join(self.line(line) for line in bonus[pk]) + "]"
            for pk in sorted(bonus)
        )
        return JsonText("{" + ",".join(parts) + "}")

    def total(self, lines: list[PointsLine]) -> Decimal:
        key = tuple(id(line) for line in lines)
        found = self.totals.get(key)
        if found is None:
            found = self.totals[key] = sum((line.points for line in lines), Decimal(0))
        return found


def build(session) -> Built:
    """The frozen queue and the engine instance of `session` (nothing is written)."""
    settings = grids.settings_in_force(session.territory, session.date)
    bands = list(settings.age_bands or [])
    groups = [band["code"] for band in bands]
    grid = grid_for_session(session)
    if grid is None:
        raise FreezeError(
            "Aucune grille de points adoptée n'est en vigueur à la date de cette commission : "
            "adoptez une grille avant d'arrêter la liste."
        )
    criteria = list(grid.criteria.all())
    capacity: dict[int, dict[str, int]] = defaultdict(dict)
    structures: dict[int, FrozenStructure] = {}
    for line in session.places.all():
        if line.places <= 0 or line.age_group not in groups:
            continue
        capacity[line.structure_id][line.age_group] = (
            capacity[line.structure_id].get(line.age_group, 0) + line.places
        )
    if not capacity:
        raise FreezeError(
            "Aucune place n'est déclarée pour cette commission : les gestionnaires déclarent "
            "d'abord les places qui s'ouvrent, par structure et tranche d'âge."
        )
    applications = list(queue(session))
    wish_ids = wishes_of(session)
    known_ids = set(capacity) | {pk for ids in wish_ids.values() for pk in ids}
    loaded = load_structures(known_ids)
    structures.update({pk: loaded[pk] for pk in capacity})
    open_structures: dict[str, list] = defaultdict(list)
    for pk in sorted(capacity):
        for group in capacity[pk]:
            open_structures[group].append(structures[pk])

    nearby = _Nearby(open_structures)
    communes = {
        c.pk: c
        for c in Commune.objects.filter(pk__in={a.household.commune_id for a in applications}).only(
            "insee_code", "name", "latitude", "longitude"
        )
    }
    passed = sessions_passed(session)
    points_on = session.freeze_date
    scorer = Scorer(criteria)
    encoded = _Encoded()
    entries: list[FrozenEntry] = []
    rows = []  # (entry, application, (base, bonus), commune) of the children examined
    for position, application in enumerate(applications, 1):
        exclusion, group = _exclusion(application, session, bands)
        wished = [loaded[pk] for pk in wish_ids.get(application.pk, ())]
        commune = communes.get(application.household.commune_id)
        if not exclusion:
            if application.radius_km:
                known = {s.pk for s in wished}
                wished += [s for s in nearby(application, commune, group) if s.pk not in known]
            if not any(capacity.get(s.pk, {}).get(group, 0) > 0 for s in wished):
                exclusion = Exclusion.NO_WISH_WITH_PLACES
        base = scorer.base(application, points_on, passed.get(application.pk, 0))
        bonus = scorer.bonus(application, wished)
        entry = FrozenEntry(
            application_id=application.pk,
            child_key=child_key(position),
            age_group=group,
            points=base.total,
            points_detail=encoded.detail(base),
            bonus=encoded.bonus(bonus),
            wishes=[s.key for s in wished],
            tags=tags_of(application),
            exclusion=exclusion,
        )
        entries.append(entry)
        if not exclusion:
            for structure in wished:
                structures.setdefault(structure.pk, structure)
            rows.append((entry, application, (base, bonus), commune))

    warnings: list[str] = []
    families = _families(rows, warnings)
    reserves = in_force_reserves(session, list(structures))
    _employer_tags(session, rows, reserves)
    instance = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "name": session.slug,
        "age_groups": groups,
        "meta": {
            "session": session.slug,
            "territory": session.territory.slug,
            "date": session.date.isoformat(),
            "reference_date": session.reference_date.isoformat(),
            "entry_window": [session.entry_from.isoformat(), session.entry_until.isoformat()],
            "grid": {"id": grid.pk, "version": grid.version},
        },
        "structures": [
            _structure(structures[pk], capacity.get(pk, {}), reserves, groups)
            for pk in sorted(structures)
        ],
        "children": [
            _child(entry, application, points, commune, encoded)
            for entry, application, points, commune in rows
        ],
        "families": families,
    }
    try:
        parsed = parse_instance(instance)
    except InvalidInstance as exc:  # a bug here, never the family's data
        raise FreezeError(
            "L'instance construite est invalide : " + " | ".join(exc.errors[:5])
        ) from exc
    data = canonical_bytes(instance)
    digest = sha256(data).hexdigest()
    if parsed.input_sha256 != digest:  # pragma: no cover - the engine hashes the same bytes
        raise FreezeError("L'empreinte de l'instance construite est incohérente.")
    return Built(grid, entries, instance, data.decode("utf-8"), digest, warnings, parsed)


def _employer_tags(session, rows, reserves) -> None:
    """A parent works for an employer that reserves places: the child is eligible for that
    employer's reserves in the structures she wished (tag `employer:<reserve pk>`)."""
    from maillage.commission import employers

    found = employers.reservations_for_queue(session.territory, QUEUE_STATES)
    for entry, application, _points, _commune in rows:
        employer = found.get(application.pk)
        if not employer:
            continue
        wished = [structure_pk(key) for key in entry.wishes]
        extra = employers.tags_for(employer, entry.age_group, wished, reserves)
        entry.tags = [*entry.tags, *(t for t in extra if t not in entry.tags)]


def _structure(structure, capacity: dict[str, int], reserves, groups) -> dict:
    doc = {
        "id": structure_key(structure.pk),
        "name": structure.name,
        "capacity": {g: capacity[g] for g in groups if capacity.get(g)},
    }
    if structure.insee_code is not None:
        doc["commune"] = structure.insee_code
    reserved = []
    for group in groups:
        reserve = reserves.get((structure.pk, group))
        places = min(reserve.places, capacity.get(group, 0)) if reserve else 0
        if places > 0:
            reserved.append(
                {
                    "id": f"{structure_key(structure.pk)}-R{reserve.pk}",
                    "age_group": group,
                    "places": places,
                    "tag": reserve.tag,
                    "release_if_unused": reserve.release_if_unused,
                }
            )
    if reserved:
        doc["reserved"] = reserved
    return doc


def _application_date(application) -> str:
    if application.registered_on:
        return application.registered_on.isoformat()
    if application.submitted_at:
        return timezone.localdate(application.submitted_at).isoformat()
    return ""


def _child(entry: FrozenEntry, application, points, commune, encoded: _Encoded) -> dict:
    base, lines = points
    bonus = {}
    if lines:
        wished = set(entry.wishes)
        for pk in sorted(lines):
            key = structure_key(pk)
            total = encoded.total(lines[pk])
            if key in wished and total:
                bonus[key] = number(total)
    doc = {
        "id": entry.child_key,
        "age_group": entry.age_group,
        "application_date": _application_date(application),
        "points": encoded.number(base),
        "wishes": list(entry.wishes),
    }
    if bonus:
        doc["bonus"] = bonus
    if entry.tags:
        doc["tags"] = list(entry.tags)
    if entry.family_key:
        doc["family"] = entry.family_key
    if commune is not None:
        doc["commune"] = commune.insee_code
    return doc


def _families(rows, warnings: list[str]) -> list[dict]:
    """Siblings asked « together or not at all » become a joint family: one option per
    structure that all of them wished, both (all) children there, in the order of the wishes
    of the first child. Siblings with no wish in common are examined separately (warning)."""
    by_household: dict[int, list[FrozenEntry]] = defaultdict(list)
    for entry, application, _points, _commune in rows:
        if application.siblings_together:
            by_household[application.household_id].append(entry)
    families = []
    groups = sorted(
        (members for members in by_household.values() if len(members) >= 2),
        key=lambda members: members[0].child_key,
    )
    for members in groups:
        common = [
            key for key in members[0].wishes if all(key in other.wishes for other in members[1:])
        ]
        if not common:
            for member in members:
                member.siblings_apart = True
            keys = ", ".join(m.child_key for m in members)
            warnings.append(
                f"Frères et sœurs demandés ensemble sans vœu commun ({keys}) : leurs demandes "
                "sont examinées séparément."
            )
            continue
        key = family_key(len(families) + 1)
        for member in members:
            member.family_key = key
            member.wishes = list(common)
        families.append(
            {
                "id": key,
                "children": [m.child_key for m in members],
                "joint_wishes": [[structure] * len(members) for structure in common],
            }
        )
    return families
