"""Public statistics of a published commission session, per territory (anonymous page).

Applications, places, children placed, placed at their first wish, satisfaction rate by
commune of residence and by structure, emergency admissions recorded since the previous
session. Counts of people strictly between 0 and the statistical-secrecy threshold are masked
(the dated parameter `observatory-secrecy-threshold` the observatory uses, else the guichet
aggregates' threshold), rates computed from a masked count too, and one more count of the same
column when a single one is masked under a published total (complementary masking), so that
no small count can be recomputed by subtraction. Places are not people: never masked.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Sum

from maillage.commission.enums import DecisionOutcome, SessionStatus
from maillage.commission.letters import PUBLISHED_STATES
from maillage.commission.models import Decision, EmergencyAdmission, Session, SessionPlaces

SECRECY_KEY = "observatory-secrecy-threshold"


def secrecy_threshold(on: datetime.date | None = None) -> int:
    from maillage.applications.services import SMALL_COUNT
    from maillage.core.models import ParameterMissing, parameter_at

    try:
        return int(parameter_at(SECRECY_KEY, on).value)
    except (ParameterMissing, TypeError, ValueError):
        return SMALL_COUNT


def public_sessions(territory):
    return Session.objects.filter(territory=territory, status__in=PUBLISHED_STATES).order_by(
        "-date"
    )


@dataclass
class Cell:
    value: int | None  # None: masked

    @property
    def masked(self) -> bool:
        return self.value is None


@dataclass
class Row:
    label: str
    cells: dict[str, Cell] = field(default_factory=dict)
    rate: str = ""  # "" when masked or undefined
    places: int | None = None


def _rate(numerator: int | None, denominator: int | None) -> str:
    if numerator is None or denominator is None or not denominator:
        return ""
    return f"{round(100 * numerator / denominator)} %"


def _mask_table(raw: list[dict], columns: list[str], threshold: int) -> list[dict]:
    """Primary masking (0 < n < threshold) and, per column, complementary masking when a
    single value is masked (its total is published)."""
    masked = [{c: (0 < r[c] < threshold) for c in columns} for r in raw]
    for c in columns:
        hidden = [i for i, m in enumerate(masked) if m[c]]
        hidden_sum = sum(raw[i][c] for i in hidden)
        while hidden and (len(hidden) == 1 or hidden_sum < threshold):
            visible = [i for i, m in enumerate(masked) if not m[c] and raw[i][c] > 0]
            if not visible:
                break
            extra = min(visible, key=lambda i: (raw[i][c], i))
            masked[extra][c] = True
            hidden.append(extra)
            hidden_sum += raw[extra][c]
    return masked


# sums a reader could subtract (cells, then their total): applications = examined + excluded,
# examined = placed + unplaced
TOTAL_LINES = (("examined", "excluded", "applications"), ("placed", "unplaced", "examined"))


def _mask_totals(raw: dict[str, int], threshold: int) -> dict[str, int | None]:
    """Small counts masked; while a published sum has a single masked entry (which the others
    would give by subtraction), its smallest positive visible entry is masked too."""
    masked = {k for k, v in raw.items() if 0 < v < threshold}
    changed = True
    while changed:
        changed = False
        for line in TOTAL_LINES:
            if sum(1 for k in line if k in masked) != 1:
                continue
            visible = [k for k in line if k not in masked and raw[k] > 0]
            if visible:
                masked.add(min(visible, key=lambda k: (raw[k], k)))
                changed = True
    return {k: (None if k in masked else v) for k, v in raw.items()}


def _rows(raw: list[dict], columns: list[str], threshold: int, rate: tuple[str, str]):
    masked = _mask_table(raw, columns, threshold)
    rows = []
    for values, hide in zip(raw, masked, strict=True):
        row = Row(label=values["label"], places=values.get("places"))
        for c in columns:
            row.cells[c] = Cell(None if hide[c] else values[c])
        row.rate = _rate(row.cells[rate[0]].value, row.cells[rate[1]].value)
        rows.append(row)
    return rows


def session_statistics(session: Session) -> dict:
    """The public figures of one published session (no personal data)."""
    threshold = secrecy_threshold(session.date)
    decisions = list(
        Decision.objects.filter(session=session).values_list(
            "outcome",
            "wish_rank",
            "structure_id",
            "entry__wishes",
            "entry__application__household__commune__name",
        )
    )
    places_total = SessionPlaces.objects.filter(session=session).aggregate(n=Sum("places"))["n"]
    examined = [d for d in decisions if d[0] != DecisionOutcome.EXCLUDED]
    placed = [d for d in examined if d[0] == DecisionOutcome.PLACED]
    first = [d for d in placed if d[1] == 1]
    previous = (
        Session.objects.filter(
            territory_id=session.territory_id,
            date__lt=session.date,
            status__in=[*PUBLISHED_STATES, SessionStatus.VALIDATED],
        )
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )
    emergencies = EmergencyAdmission.objects.filter(
        territory_id=session.territory_id, admitted_on__lte=session.date
    )
    if previous is not None:
        emergencies = emergencies.filter(admitted_on__gt=previous)
    totals_raw = {
        "applications": len(decisions),
        "examined": len(examined),
        "excluded": len(decisions) - len(examined),
        "placed": len(placed),
        "first_wish": len(first),
        "unplaced": len(examined) - len(placed),
        "emergencies": emergencies.count(),
    }
    totals = _mask_totals(totals_raw, threshold)

    by_commune: dict[str, Counter] = defaultdict(Counter)
    for outcome, rank, _structure, _wishes, commune in examined:
        counter = by_commune[commune or "—"]
        counter["examined"] += 1
        counter["placed"] += outcome == DecisionOutcome.PLACED
        counter["first_wish"] += outcome == DecisionOutcome.PLACED and rank == 1
    commune_raw = [
        {"label": name, **{c: by_commune[name][c] for c in ("examined", "placed", "first_wish")}}
        for name in sorted(by_commune)
    ]
    communes = _rows(
        commune_raw, ["examined", "placed", "first_wish"], threshold, ("placed", "examined")
    )

    from maillage.directory.models import Structure

    places_by_structure = dict(
        SessionPlaces.objects.filter(session=session)
        .values("structure_id")
        .annotate(n=Sum("places"))
        .values_list("structure_id", "n")
    )
    first_asked: Counter = Counter()
    placed_at: Counter = Counter()
    first_placed: Counter = Counter()
    for outcome, rank, structure_id, wishes, _commune in examined:
        if wishes:
            first_asked[wishes[0]] += 1
        if outcome == DecisionOutcome.PLACED and structure_id:
            placed_at[structure_id] += 1
            if rank == 1:
                first_placed[structure_id] += 1
    structures = (
        Structure.objects.filter(pk__in=places_by_structure)
        .select_related("commune")
        .order_by("name")
    )
    structure_raw = []
    for structure in structures:
        key = f"S{structure.pk:06d}"
        structure_raw.append(
            {
                "label": f"{structure.name} ({structure.commune.name})",
                "places": places_by_structure.get(structure.pk, 0),
                "first_asked": first_asked[key],
                "placed": placed_at[structure.pk],
                "first_wish": first_placed[structure.pk],
            }
        )
    structure_rows = _rows(
        structure_raw,
        ["first_asked", "placed", "first_wish"],
        threshold,
        ("first_wish", "first_asked"),
    )
    return {
        "session": session,
        "threshold": threshold,
        "places": places_total or 0,
        "totals": totals,
        "satisfaction": _rate(totals["placed"], totals["examined"]),
        "first_wish_rate": _rate(totals["first_wish"], totals["examined"]),
        "communes": communes,
        "structures": structure_rows,
    }
