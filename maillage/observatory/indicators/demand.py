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


@dataclass(frozen=True)
class CommuneCounts:
    """The queue of one commune, already counted (by the database, or by `count_requests`)."""

    commune: str
    waiting: int = 0  # unmet demand, whatever the desired start
    in_window: int = 0  # waiting with a desired start before the end of the window
    started: int = 0  # waiting whose desired start is on or before the date
    unplaced_after_session: int = 0  # waiting after at least one session without a place
    offered: int = 0
    placed: int = 0
    placed_outside: int = 0  # placed in a structure of another commune
    delays: Mapping[int, int] = field(default_factory=dict)  # days to placement → placements


@dataclass(frozen=True)
class QueueCounts:
    """The whole queue as plain counts: the engine's input (no record of any person).

    `by_age`, `by_month`, `by_days` and `atypical` count the waiting applications in the window;
    `wished` and `first_wish` count the waiting applications (any desired start) naming each
    structure, at any rank and first."""

    communes: tuple[CommuneCounts, ...] = ()
    by_age: Mapping[str, int] = field(default_factory=dict)
    by_month: Mapping[str, int] = field(default_factory=dict)  # "2027-01" (before `on`: its month)
    by_days: Mapping[int, int] = field(default_factory=dict)
    atypical: int = 0
    wished: Mapping[str, int] = field(default_factory=dict)
    first_wish: Mapping[str, int] = field(default_factory=dict)


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
    delays: Counter = field(default_factory=Counter)  # days to placement → placements
    started: int = 0  # waiting whose desired start is on or before the date

    @property
    def demand_gap(self) -> int:
        return self.in_window - self.opening

    @property
    def placements_with_delay(self) -> int:
        return sum(self.delays.values())

    @property
    def median_delay(self) -> float | None:
        return weighted_median(self.delays)

    def add(self, counts: CommuneCounts) -> None:
        for name in ("waiting", "in_window", "started", "unplaced_after_session", "offered",
                     "placed", "placed_outside"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(counts, name))
        self.delays.update({int(k): int(v) for k, v in counts.delays.items() if v})


def weighted_median(counts: Mapping[int, int]) -> float | None:
    """The median of a multiset given as value → multiplicity (`statistics.median` of it)."""
    n = sum(counts.values())
    if not n:
        return None
    ordered = sorted((k, v) for k, v in counts.items() if v)
    low, high = (n - 1) // 2, n // 2  # the two middle positions (equal when n is odd)
    seen, lo_value, hi_value = 0, None, None
    for value, times in ordered:
        if lo_value is None and low < seen + times:
            lo_value = value
        if high < seen + times:
            hi_value = value
            break
        seen += times
    return (lo_value + hi_value) / 2.0


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


def count_requests(
    requests: Iterable[DemandRequest], *, on: datetime.date, window_months: int
) -> QueueCounts:
    """Count anonymous records into the engine's input (what the observatory's SQL queries
    return directly): the reference of those queries in the tests."""
    end = add_months(on, window_months)
    rows: dict[str, dict] = {}
    delays: dict[str, Counter] = defaultdict(Counter)
    by_age: Counter = Counter()
    by_month: Counter = Counter()
    by_days: Counter = Counter()
    atypical = 0
    wished: Counter = Counter()
    first: Counter = Counter()
    for r in requests:
        row = rows.setdefault(r.commune, Counter())
        if r.status == WAITING:
            in_window = r.desired_start < end
            row["waiting"] += 1
            row["in_window"] += in_window
            row["unplaced_after_session"] += r.unplaced_sessions > 0
            row["started"] += r.desired_start <= on
            if in_window:
                by_age[r.age_group or "inconnu"] += 1
                by_month[f"{max(r.desired_start, on):%Y-%m}"] += 1
                by_days[r.days_per_week] += 1
                atypical += r.atypical_hours
            for rank, key in enumerate(r.wishes):
                wished[key] += 1
                first[key] += rank == 0
        elif r.status == OFFERED:
            row["offered"] += 1
        elif r.status == PLACED:
            row["placed"] += 1
            row["placed_outside"] += r.placed_commune is not None and r.placed_commune != r.commune
            if r.registered_on and r.placed_on and r.placed_on >= r.registered_on:
                delays[r.commune][(r.placed_on - r.registered_on).days] += 1
    return QueueCounts(
        communes=tuple(
            CommuneCounts(code, delays=dict(delays[code]), **row) for code, row in rows.items()
        ),
        by_age=dict(by_age),
        by_month=dict(by_month),
        by_days=dict(by_days),
        atypical=atypical,
        wished=dict(wished),
        first_wish=dict(first),
    )


def summarise(
    requests: Iterable[DemandRequest],
    openings: Iterable[PlacesOpening],
    *,
    on: datetime.date,
    window_months: int,
    communes: Iterable[str],
    structures: Iterable[StructureCapacity] = (),
) -> DemandSummary:
    """Aggregate anonymous records over `communes` (codes; requests from elsewhere are
    ignored): `summarise_counts` of their `count_requests`."""
    codes = list(communes)
    kept = set(codes)
    counts = count_requests(
        (r for r in requests if r.commune in kept), on=on, window_months=window_months
    )
    return summarise_counts(
        counts, openings, on=on, window_months=window_months, communes=codes, structures=structures
    )


def summarise_counts(
    counts: QueueCounts,
    openings: Iterable[PlacesOpening],
    *,
    on: datetime.date,
    window_months: int,
    communes: Iterable[str],
    structures: Iterable[StructureCapacity] = (),
) -> DemandSummary:
    """The summary of a counted queue over `communes` (codes): totals, gaps, tension.

    The breakdowns (`by_age`…) and wish counts of `counts` must already be restricted to
    `communes` (the observatory's queries filter on them)."""
    end = add_months(on, window_months)
    rows = {code: CommuneDemand(code) for code in communes}
    total = CommuneDemand("total")
    for c in counts.communes:
        row = rows.get(c.commune)
        if row is None:
            continue
        row.add(c)
        total.add(c)
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
            wished=int(counts.wished.get(s.key, 0)),
            first_wish=int(counts.first_wish.get(s.key, 0)),
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
        by_age=dict(sorted((k, v) for k, v in counts.by_age.items() if v)),
        by_month=dict(sorted((k, v) for k, v in counts.by_month.items() if v)),
        by_days=dict(sorted((k, v) for k, v in counts.by_days.items() if v)),
        atypical=counts.atypical,
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
