"""A family's points under a grid, line by line: the one computation the freeze, the grid
simulation, the family's status page and the letters use.

`compute_points` reads only the application and objects already loaded with it (household,
child, wishes with their structures), so the freeze of 20,000 applications prefetches once
and computes in memory. See `load_for_points` for the matching queryset."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from maillage.commission.enums import PER_STRUCTURE_CRITERIA, Criterion, ReserveKind


@dataclass(frozen=True)
class PointsLine:
    criterion: str
    label: str
    units: int
    points: Decimal
    reason: str

    def as_dict(self) -> dict:
        return {
            "criterion": self.criterion,
            "label": self.label,
            "units": self.units,
            "points": float(self.points),
            "reason": self.reason,
        }


@dataclass
class Points:
    total: Decimal = Decimal(0)
    lines: list[PointsLine] = field(default_factory=list)
    # Structure id -> lines of the per-structure criteria that apply there.
    bonus: dict[int, list[PointsLine]] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)

    def bonus_total(self, structure_id: int) -> Decimal:
        return sum((line.points for line in self.bonus.get(structure_id, [])), Decimal(0))

    def at(self, structure_id: int) -> Decimal:
        """The score at one structure: the grid's points plus that structure's bonus."""
        return self.total + self.bonus_total(structure_id)


def months_between(start: datetime.date, end: datetime.date) -> int:
    """Completed months from start to end (0 if end is before start)."""
    if end <= start:
        return 0
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return max(months, 0)


def seniority_start(application) -> datetime.date | None:
    if application.registered_on:
        return application.registered_on
    if application.submitted_at:
        return application.submitted_at.date()
    return None


def tags_of(application) -> list[str]:
    """The reserve categories the application is eligible for (engine tags)."""
    household = application.household
    tags = []
    if household.integration_pathway:
        tags.append(str(ReserveKind.INTEGRATION))
    if household.job_seeking or household.integration_pathway:
        tags.append(str(ReserveKind.AVIP))
    if application.child.disability:
        tags.append(str(ReserveKind.DISABILITY))
    return tags


def _units_getter(criterion: str):
    """A function (application, on, sessions passed) -> units of one criterion."""
    if criterion == Criterion.PARENTS_WORKING:
        return lambda a, on, passed: a.household.parents_working
    if criterion == Criterion.ALL_PARENTS_WORKING:
        return lambda a, on, passed: int(
            a.household.parents_working >= (1 if a.household.single_parent else 2)
        )
    if criterion == Criterion.JOB_SEEKING:
        return lambda a, on, passed: int(a.household.job_seeking)
    if criterion == Criterion.SINGLE_PARENT:
        return lambda a, on, passed: int(a.household.single_parent)
    if criterion == Criterion.INTEGRATION_PATHWAY:
        return lambda a, on, passed: int(a.household.integration_pathway)
    if criterion == Criterion.DISABILITY:
        return lambda a, on, passed: int(a.child.disability)
    if criterion == Criterion.SIBLINGS_TOGETHER:
        return lambda a, on, passed: int(a.siblings_together)
    if criterion == Criterion.SENIORITY_MONTH:
        months: dict[tuple, int] = {}  # per start date: thousands of applications share one

        def seniority(a, on, passed):
            start = seniority_start(a)
            if not start:
                return 0
            found = months.get((start, on))
            if found is None:
                found = months[(start, on)] = months_between(start, on)
            return found

        return seniority
    if criterion == Criterion.SENIORITY_SESSION:
        return lambda a, on, passed: passed
    if criterion == Criterion.REFUSAL_PENALTY:
        return lambda a, on, passed: a.refusals
    raise ValueError(f"critère inconnu : {criterion}")


def _line(criterion_row, units: int) -> PointsLine | None:
    if units <= 0:
        return None
    points = criterion_row.points * units
    if criterion_row.cap is not None:
        cap = abs(criterion_row.cap)
        points = max(min(points, cap), -cap)
    return PointsLine(
        criterion=criterion_row.criterion,
        label=Criterion(criterion_row.criterion).label,
        units=units,
        points=points,
        reason=criterion_row.reason,
    )


@dataclass(frozen=True)
class Base:
    """The grid's lines that do not depend on the structure, for one combination of units:
    shared by every application with the same units (computed once per combination)."""

    lines: tuple[PointsLine, ...]
    total: Decimal


class Scorer:
    """A grid's lines prepared once for many applications (the freeze, a simulation): the
    lines and their total are computed once per combination of units, each per-structure
    line once. `compute_points` with a list of lines builds one for a single application."""

    def __init__(self, criteria):
        rows = list(criteria)
        self.general = [
            (row, _units_getter(row.criterion))
            for row in rows
            if row.criterion not in PER_STRUCTURE_CRITERIA
        ]
        # (criterion, line for one unit) in the grid's order
        self.per_structure = [
            (row.criterion, _line(row, 1))
            for row in rows
            if row.criterion in PER_STRUCTURE_CRITERIA
        ]
        self._lines: dict[tuple[int, int], PointsLine | None] = {}
        self._bases: dict[tuple[int, ...], Base] = {}

    def base(self, application, on: datetime.date, sessions_passed: int = 0) -> Base:
        units = tuple(get(application, on, sessions_passed) for _row, get in self.general)
        found = self._bases.get(units)
        if found is None:
            lines = []
            for index, ((row, _get), count) in enumerate(zip(self.general, units, strict=True)):
                key = (index, count)
                if key not in self._lines:
                    self._lines[key] = _line(row, count)
                if self._lines[key] is not None:
                    lines.append(self._lines[key])
            total = sum((line.points for line in lines), Decimal(0))
            found = self._bases[units] = Base(tuple(lines), total)
        return found

    def bonus(self, application, structures) -> dict[int, list[PointsLine]]:
        """Structure id -> the per-structure lines that apply there (grid order)."""
        found: dict[int, list[PointsLine]] = {}
        if not self.per_structure:
            return found
        commune_id = application.household.commune_id
        sibling_id = application.sibling_structure_id
        for criterion, line in self.per_structure:
            for structure in structures:
                if criterion == Criterion.RESIDENCE_COMMUNE:
                    applies = structure.commune_id == commune_id
                else:
                    applies = structure.pk == sibling_id
                if applies:
                    found.setdefault(structure.pk, []).append(line)
        return found

    def points(
        self, application, on: datetime.date, *, sessions_passed: int = 0, structures=None
    ) -> Points:
        if structures is None:
            structures = [wish.structure for wish in application.wishes.all()]
        base = self.base(application, on, sessions_passed)
        return Points(
            total=base.total,
            lines=list(base.lines),
            bonus=self.bonus(application, structures),
            tags=tags_of(application),
        )


def compute_points(
    application,
    criteria,
    on: datetime.date,
    *,
    sessions_passed: int = 0,
    structures=None,
) -> Points:
    """The points of `application` under the grid lines `criteria` (GridCriterion rows, or any
    objects with criterion, points, cap, reason; or a `Scorer` built from them, to compute many
    applications) at date `on`.

    `structures` are the structures to compute the per-structure bonus for (default: the
    application's wished structures, from `application.wishes.all()`, prefetched)."""
    scorer = criteria if isinstance(criteria, Scorer) else Scorer(criteria)
    return scorer.points(application, on, sessions_passed=sessions_passed, structures=structures)


def load_for_points(queryset):
    """The queryset with what `compute_points` reads, loaded in three queries."""
    return queryset.select_related("household", "child").prefetch_related("wishes__structure")


@dataclass(frozen=True)
class LightStructure:
    pk: int
    commune_id: int | None


@dataclass(frozen=True)
class LightHousehold:
    commune_id: int | None
    parents_working: int
    job_seeking: bool
    integration_pathway: bool
    single_parent: bool


@dataclass(frozen=True)
class LightChild:
    birth_date: datetime.date | None
    expected_date: datetime.date | None
    disability: bool


@dataclass
class LightApplication:
    """What `compute_points` reads of an application, without model instances."""

    pk: int
    number: str
    registered_on: datetime.date | None
    submitted_at: datetime.datetime | None
    siblings_together: bool
    sibling_structure_id: int | None
    refusals: int
    household: LightHousehold
    child: LightChild
    structures: list[LightStructure] = field(default_factory=list)


LIGHT_FIELDS = (
    "pk", "number", "registered_on", "submitted_at", "siblings_together",
    "sibling_structure_id", "refusals", "household__commune_id", "household__parents_working",
    "household__job_seeking", "household__integration_pathway", "household__single_parent",
    "child__birth_date", "child__expected_date", "child__disability",
)  # fmt: skip


def load_light(queryset) -> list[LightApplication]:
    """The applications of `queryset` as light records for `compute_points` (pass
    `structures=record.structures`): two queries and no model instance, for the whole queue
    (20,000 applications) when only the points are needed."""
    from maillage.applications.models import Wish

    records = {}
    for row in queryset.order_by().values_list(*LIGHT_FIELDS).iterator(chunk_size=5000):
        records[row[0]] = LightApplication(
            pk=row[0],
            number=row[1],
            registered_on=row[2],
            submitted_at=row[3],
            siblings_together=row[4],
            sibling_structure_id=row[5],
            refusals=row[6],
            household=LightHousehold(*row[7:12]),
            child=LightChild(*row[12:15]),
        )
    structures: dict[int, LightStructure] = {}
    wishes = (
        Wish.objects.filter(application__in=queryset.order_by().values("pk"))
        .order_by("application_id", "rank")
        .values_list("application_id", "structure_id", "structure__commune_id")
    )
    for application_id, structure_id, commune_id in wishes.iterator(chunk_size=10000):
        structure = structures.get(structure_id)
        if structure is None:
            structure = structures[structure_id] = LightStructure(structure_id, commune_id)
        record = records.get(application_id)
        if record is not None:
            record.structures.append(structure)
    return sorted(records.values(), key=lambda record: record.number)
