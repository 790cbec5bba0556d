"""Expressed demand: the guichet's queue summarised by commune, age group, start month, days per
week and atypical hours, the places opening at the commission's sessions, and the gap between
them. Pure Python: the inputs are plain records (no names, no identifiers of people).

Two gaps are kept side by side and never mixed:

- the **demand gap** (`demand_gap`): applications still waiting whose desired start falls in the
  window (`on` to `on + window_months`) minus the places declared open at the sessions for a
  start in that same window, by commune (the family's commune for the demand, the structure's
  commune for the places);
- the **coverage gap** (`gaps.supply_demand_gaps`): children under 3 minus places — computed
  elsewhere, shown beside it.
"""

import datetime
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# Statuses of a request in the summary (the guichet's states are mapped onto these).
WAITING = "waiting"  # on the list, not yet offered a place: the unmet demand
OFFERED = "offered"  # a place is offered, the family has not answered yet
PLACED = "placed"  # the family accepted a place (accepted, child arrived, left since)
STATUSES = (WAITING, OFFERED, PLACED)


@dataclass(frozen=True)
class DemandRequest:
    """One application as the observatory sees it: anonymous, aggregated afterwards."""

    commune: str  # INSEE code of the household's commune
    status: str  # one of STATUSES
    desired_start: datetime.date
    age_group: str = ""  # age group at the desired start ("" when unknown)
    days_per_week: int = 5
    atypical_hours: bool = False
    registered_on: datetime.date | None = None
    placed_on: datetime.date | None = None  # date the place was accepted
    placed_commune: str | None = None  # commune of the structure where the child is placed
    unplaced_sessions: int = 0  # sessions whose decision was "no place"
    wishes: tuple[str, ...] = ()  # structure keys, in rank order


@dataclass(frozen=True)
class PlacesOpening:
    """Places declared open at a session for one structure, age group and start date."""

    structure: str
    commune: str
    places: int
    start_date: datetime.date
    age_group: str = ""


@dataclass(frozen=True)
class StructureCapacity:
    key: str
    name: str
    commune: str
    places: float | None  # authorised places (directory)


@dataclass
class CommuneDemand:
    code: str
    waiting: int = 0  # unmet demand, whatever the desired start
    in_window: int = 0  # waiting with a desired start in the window
    offered: int = 0
    placed: int = 0
    unplaced_after_session: int = 0  # waiting after at least one session without a place
    placed_outside: int = 0  # placed in a structure of another commune
    opening: int = 0  # places opening in the window in the commune's structures
    delays: list[int] = field(default_factory=list)  # days from registration to placement
    started: int = 0  # waiting whose desired start is on or before the date

    @property
    def demand_gap(self) -> int:
        return self.in_window - self.opening

    @property
    def median_delay(self) -> float | None:
        return float(statistics.median(self.delays)) if self.delays else None


@dataclass(frozen=True)
class StructureTension:
    key: str
    name: str
    commune: str
    places: float | None
    wished: int  # waiting applications naming the structure (any rank)
    first_wish: int  # waiting applications naming it first
    opening: int  # places opening in the window

    @property
    def tension(self) -> float | None:
        """Waiting applications naming the structure, per authorised place."""
        return self.wished / self.places if self.places else None


@dataclass
class DemandSummary:
    on: datetime.date
    window_end: datetime.date
    communes: dict[str, CommuneDemand]
    total: CommuneDemand
    by_age: dict[str, int]  # waiting in the window, by age group
    by_month: dict[str, int]  # waiting in the window, by desired start month ("2027-01")
    by_days: dict[int, int]  # waiting in the window, by days per week
    atypical: int  # waiting in the window with atypical hours
    structures: list[StructureTension]

    @property
    def satisfaction_rate(self) -> float | None:
        """Places accepted per 100 families whose desired start has come: placed ÷ (placed +
        still waiting with a desired start on or before the date)."""
        denominator = self.total.placed + self.total.started
        return self.total.placed / denominator * 100.0 if denominator else None

    def unmet_per_100_children(self, children: Mapping[str, float | None]) -> dict:
        """Waiting applications (in the window) per 100 children under 3, by commune."""
        result = {}
        for code, row in self.communes.items():
            n = children.get(code)
            result[code] = row.in_window / n * 100.0 if n else None
        return result


def add_months(day: datetime.date, months: int) -> datetime.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    last = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31,
            30, 31, 31, 30, 31, 30, 31][month - 1]  # fmt: skip
    return datetime.date(year, month, min(day.day, last))


def summarise(
    requests: Iterable[DemandRequest],
    openings: Iterable[PlacesOpening],
    *,
    on: datetime.date,
    window_months: int,
    communes: Iterable[str],
    structures: Iterable[StructureCapacity] = (),
) -> DemandSummary:
    """Aggregate the queue over `communes` (codes; requests from elsewhere are ignored)."""
    end = add_months(on, window_months)
    rows = {code: CommuneDemand(code) for code in communes}
    total = CommuneDemand("total")
    by_age: Counter = Counter()
    by_month: Counter = Counter()
    by_days: Counter = Counter()
    atypical = 0
    wished: Counter = Counter()
    first: Counter = Counter()
    for r in requests:
        row = rows.get(r.commune)
        if row is None:
            continue
        if r.status == WAITING:
            in_window = r.desired_start < end
            for target in (row, total):
                target.waiting += 1
                target.in_window += in_window
                target.unplaced_after_session += r.unplaced_sessions > 0
                target.started += r.desired_start <= on
            if in_window:
                by_age[r.age_group or "inconnu"] += 1
                by_month[f"{max(r.desired_start, on):%Y-%m}"] += 1
                by_days[r.days_per_week] += 1
                atypical += r.atypical_hours
            for rank, key in enumerate(r.wishes):
                wished[key] += 1
                first[key] += rank == 0
        elif r.status == OFFERED:
            row.offered += 1
            total.offered += 1
        elif r.status == PLACED:
            outside = r.placed_commune is not None and r.placed_commune != r.commune
            for target in (row, total):
                target.placed += 1
                target.placed_outside += outside
                if r.registered_on and r.placed_on and r.placed_on >= r.registered_on:
                    target.delays.append((r.placed_on - r.registered_on).days)
    opening: Counter = Counter()
    for o in openings:
        if on <= o.start_date < end:
            opening[o.structure] += o.places
            if o.commune in rows:
                rows[o.commune].opening += o.places
                total.opening += o.places
    tensions = [
        StructureTension(
            key=s.key,
            name=s.name,
            commune=s.commune,
            places=s.places,
            wished=wished[s.key],
            first_wish=first[s.key],
            opening=opening[s.key],
        )
        for s in structures
    ]
    tensions.sort(key=lambda t: (-(t.tension or 0.0), t.name))
    return DemandSummary(
        on=on,
        window_end=end,
        communes=rows,
        total=total,
        by_age=dict(sorted(by_age.items())),
        by_month=dict(sorted(by_month.items())),
        by_days=dict(sorted(by_days.items())),
        atypical=atypical,
        structures=tensions,
    )


def demand_input(summary: DemandSummary) -> dict[str, float]:
    """The `demand` input of `gaps.supply_demand_gaps`: waiting applications in the window."""
    return {code: float(row.in_window) for code, row in summary.communes.items()}


def group_counts(summary: DemandSummary) -> dict[str, dict]:
    """Counts of each breakdown, for masking: {"age": {...}, "month": {...}, "days": {...}}."""
    grouped = defaultdict(dict)
    grouped["age"] = dict(summary.by_age)
    grouped["month"] = dict(summary.by_month)
    grouped["days"] = {str(k): v for k, v in summary.by_days.items()}
    return dict(grouped)
