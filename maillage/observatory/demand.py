"""Expressed demand: reads the guichet's queue and the commission's sessions (models only) into
the plain records of the pure engine (`indicators.demand`), and presents its result masked.

Nothing personal leaves this module: each application becomes an anonymous record (commune,
status, dates, age group, days per week, atypical hours, wished structures), then counts. The
counts are masked for another organisation exactly like the coverage table (threshold
`observatory-secrecy-threshold`, secondary suppression by `indicators.secrecy.suppress`); an
organisation sees its own communes unmasked (`raw_codes`).
"""

import datetime
import hashlib
import logging
from collections import Counter, defaultdict
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import (
    Cast,
    Coalesce,
    ExtractDay,
    ExtractMonth,
    ExtractYear,
    TruncDate,
    TruncMonth,
)
from django.utils import timezone

from maillage.applications.changes import QUEUE_TOPIC
from maillage.applications.enums import State
from maillage.applications.models import Application, Wish
from maillage.audit.models import TransitionLog
from maillage.commission.enums import DecisionOutcome, OfferStatus
from maillage.commission.models import (
    CommissionSettings,
    Decision,
    Offer,
    SessionPlaces,
    default_age_bands,
)
from maillage.core import derived
from maillage.core.models import parameter_at
from maillage.observatory import supply
from maillage.observatory.indicators.demand import (
    OFFERED,
    PLACED,
    WAITING,
    CommuneCounts,
    DemandSummary,
    PlacesOpening,
    QueueCounts,
    StructureCapacity,
    summarise_counts,
)
from maillage.observatory.indicators.secrecy import is_masked, suppress
from maillage.observatory.parameters import ParameterView

WINDOW_KEY = "observatory-demand-window"
# The shared cache (Redis or the database cache, every process) holding the worker's figures.
STORE = "default"
STORE_TIMEOUT = 2 * 24 * 3600
logger = logging.getLogger(__name__)
SOURCE_LABEL = "Guichet unique Maillage (demandes d'accueil) et commissions d'admission"

# How the guichet's states count in the expressed demand.
STATUS_OF_STATE = {
    State.SUBMITTED: WAITING,
    State.TO_CORRECT: WAITING,
    State.AWAITING_BIRTH: WAITING,
    State.WAITING: WAITING,
    State.TO_CONFIRM: WAITING,
    State.OFFERED: OFFERED,
    State.ACCEPTED: PLACED,
    State.PLACED: PLACED,
    State.LEFT: PLACED,
}
WAITING_STATES = [state for state, status in STATUS_OF_STATE.items() if status == WAITING]
PLACED_STATES = [state for state, status in STATUS_OF_STATE.items() if status == PLACED]
# draft (not sent), on_hold (birth not confirmed), archived, withdrawn, cancelled and merged
# applications are not demand.


def months_between(birth: datetime.date, day: datetime.date) -> int:
    """Age in completed months on `day` (negative before birth)."""
    months = (day.year - birth.year) * 12 + day.month - birth.month
    if day.day < birth.day:
        months -= 1
    return months


def age_group(birth: datetime.date | None, start: datetime.date, bands: list[dict]) -> str:
    if birth is None:
        return ""
    return band_of(months_between(birth, start), bands)


def band_of(months: int | None, bands: list[dict]) -> str:
    """The code of the age band of a child `months` old ("hors" past the bands, "" unknown)."""
    if months is None:
        return ""
    for band in bands:
        if band["min_months"] <= months <= band["max_months"]:
            return band["code"]
    return "hors" if months >= 0 else ""


def _bands(territory_ids) -> tuple[dict[int, list[dict]], dict[str, str]]:
    """Age bands per territory (commission settings in force, else the default ones) and the
    label of each band code."""
    per_territory: dict[int, list[dict]] = {}
    for row in CommissionSettings.objects.in_force().filter(territory_id__in=territory_ids):
        per_territory.setdefault(row.territory_id, row.age_bands)  # ordered by -valid_from
    labels = {band["code"]: band["label"] for band in default_age_bands()}
    for bands in per_territory.values():
        labels.update({band["code"]: band["label"] for band in bands})
    labels.update({"hors": "Hors des tranches d'âge", "inconnu": "Âge inconnu"})
    return per_territory, labels


def _placement_dates():
    """Per placed application (outer query): the date the place was accepted (answer to the
    latest accepted offer, else the first move to « place acceptée » in the transition log) and
    the commune of the structure of that offer."""
    accepted = Offer.objects.filter(
        application=OuterRef("pk"), status=OfferStatus.ACCEPTED
    ).order_by(F("answered_at").desc(nulls_last=True), "-pk")
    logged = TransitionLog.objects.filter(
        object_type="applications.application",
        object_id=Cast(OuterRef("pk"), CharField()),
        target=State.ACCEPTED,
    ).order_by("at")
    return {
        "offer_on": Subquery(accepted.annotate(day=TruncDate("answered_at")).values("day")[:1]),
        "logged_on": Subquery(logged.annotate(day=TruncDate("at")).values("day")[:1]),
        "placed_commune": Subquery(accepted.values("structure__commune_id")[:1]),
    }


def queue_counts(
    communes, on: datetime.date, end: datetime.date
) -> tuple[QueueCounts, dict[str, str], bool]:
    """The queue of the households of `communes` counted by the database (GROUP BY): the plain
    input of the engine, the labels of the age groups, and whether there is any application.

    Seven grouped queries whatever the size of the queue; Python only maps their few rows."""
    code_of = {c.pk: c.insee_code for c in communes}
    ids = list(code_of)
    queue = Application.objects.filter(
        household__commune_id__in=ids, state__in=list(STATUS_OF_STATE)
    )
    waiting = queue.filter(state__in=WAITING_STATES)
    rows: dict[int, dict] = defaultdict(lambda: defaultdict(int))
    any_queue = False
    for commune, state, n, in_window, started in (
        queue.order_by()
        .values("household__commune_id", "state")
        .annotate(
            n=Count("pk"),
            in_window=Count("pk", filter=Q(desired_start__lt=end)),
            started=Count("pk", filter=Q(desired_start__lte=on)),
        )
        .values_list("household__commune_id", "state", "n", "in_window", "started")
    ):
        any_queue = True
        row, status = rows[commune], STATUS_OF_STATE[state]
        if status == WAITING:
            row["waiting"] += n
            row["in_window"] += in_window
            row["started"] += started
        else:
            row[status] += n
    # waiting after at least one session that gave them no place (a join, not a subquery)
    for commune, n in (
        Decision.objects.filter(
            outcome=DecisionOutcome.UNPLACED,
            entry__application__household__commune_id__in=ids,
            entry__application__state__in=WAITING_STATES,
        )
        .order_by()
        .values("entry__application__household__commune_id")
        .annotate(n=Count("entry__application", distinct=True))
        .values_list("entry__application__household__commune_id", "n")
    ):
        rows[commune]["unplaced_after_session"] += n
    # placements: commune of the structure and delay since the application, grouped
    placed = (
        queue.filter(state__in=PLACED_STATES)
        .order_by()
        .annotate(**_placement_dates())
        .annotate(
            delay=ExpressionWrapper(
                Coalesce("offer_on", "logged_on") - F("registered_on"),
                output_field=DurationField(),
            ),
        )
        .values("household__commune_id", "placed_commune", "delay")
        .annotate(n=Count("pk"))
        .values_list("household__commune_id", "placed_commune", "delay", "n")
    )
    delays: dict[int, Counter] = defaultdict(Counter)
    for commune, placed_commune, delay, n in placed:
        if placed_commune is not None and placed_commune != commune:
            rows[commune]["placed_outside"] += n
        if delay is not None and delay.days >= 0:
            delays[commune][delay.days] += n
    # the waiting applications in the window, by age group, start month, days and hours
    window = waiting.filter(desired_start__lt=end).order_by()
    ref = Coalesce("child__birth_date", "child__expected_date")
    by_months = (
        window.alias(ref=ref)
        .alias(start_day=ExtractDay("desired_start"), ref_day=ExtractDay("ref"))
        .annotate(
            months=(ExtractYear("desired_start") - ExtractYear("ref")) * 12
            + ExtractMonth("desired_start")
            - ExtractMonth("ref")
            - Case(When(start_day__lt=F("ref_day"), then=Value(1)), default=Value(0))
        )
        .values("territory_id", "months")
        .annotate(n=Count("pk"))
        .values_list("territory_id", "months", "n")
    )
    by_months = list(by_months)
    bands, labels = _bands({t for t, _, _ in by_months})
    default = default_age_bands()
    by_age: Counter = Counter()
    for territory, months, n in by_months:
        by_age[band_of(months, bands.get(territory, default)) or "inconnu"] += n
    first_month = f"{on:%Y-%m}"
    by_month: Counter = Counter()
    by_days: Counter = Counter()
    atypical = 0
    for month, days, hours, n in (
        window.annotate(month=TruncMonth("desired_start"))
        .values("month", "days_per_week", "atypical_hours")
        .annotate(n=Count("pk"))
        .values_list("month", "days_per_week", "atypical_hours", "n")
    ):
        by_month[max(f"{month:%Y-%m}", first_month)] += n
        by_days[days] += n
        atypical += n if hours else 0
    # wishes of the waiting applications (any desired start): any rank, and first
    wished = {
        str(structure): n
        for structure, n in Wish.objects.filter(
            application__household__commune_id__in=ids, application__state__in=WAITING_STATES
        )
        .order_by()
        .values("structure_id")
        .annotate(n=Count("pk"))
        .values_list("structure_id", "n")
    }
    first_wish = Wish.objects.filter(application=OuterRef("pk")).order_by("rank")
    first = {
        str(structure): n
        for structure, n in waiting.order_by()
        .annotate(first=Subquery(first_wish.values("structure_id")[:1]))
        .values("first")
        .annotate(n=Count("pk"))
        .values_list("first", "n")
        if structure is not None
    }
    counts = QueueCounts(
        communes=tuple(
            CommuneCounts(code_of[pk], delays=dict(delays[pk]), **row) for pk, row in rows.items()
        ),
        by_age=dict(by_age),
        by_month=dict(by_month),
        by_days=dict(by_days),
        atypical=atypical,
        wished=wished,
        first_wish=first,
    )
    return counts, labels, any_queue


def openings(commune_ids, start: datetime.date, end: datetime.date) -> list[PlacesOpening]:
    """Places declared open at the sessions, in the structures of `commune_ids`, for a start
    between `start` and `end`."""
    rows = SessionPlaces.objects.filter(
        structure__commune_id__in=list(commune_ids), start_date__gte=start, start_date__lt=end
    ).values_list(
        "structure_id", "structure__commune__insee_code", "places", "start_date", "age_group"
    )
    return [PlacesOpening(str(s), c, p, d, a) for s, c, p, d, a in rows]


def window_parameter(on: datetime.date) -> ParameterView:
    return ParameterView.of(parameter_at(WINDOW_KEY, on))


def demand_summary(
    communes, on: datetime.date | None = None, *, previous_ok=False
) -> "DemandReport":
    """The expressed demand of `communes` (Commune objects) on `on`.

    Kept in the per-process cache of derived figures (`maillage.core.derived`), like the
    coverage report, under the communes, the date, the window in force, the stamp of the
    directory and the version of the guichet's queue, which every service writing what the
    demand counts bumps through one hook (`applications.changes.queue_changed`): a change is
    seen at the next request after its commit. The cached summary holds counts only (no
    person), unmasked; masking is applied per request by `as_dict`.

    The demand of each territory (`TerritoryGroup`) is also recomputed by the worker after each
    change of the queue (`refresh_stored`, enqueued by the hook) and stored in the shared cache
    (`STORE`, every process reads it): a request finds it there instead of recomputing. With
    `previous_ok` (the pages and the API, never the diagnostic nor the feeds), a request that
    comes after a change of the queue but before the worker's recompute gets the previous
    stored figures, marked not up to date and dated (`as_of`: the last moment they were known
    exact, their computation or the worker's latest check that nothing changed) — as long as
    they are of the same day, window and directory, and that moment is less than
    `MAILLAGE_DEMAND_PREVIOUS_MAX_AGE` seconds ago (the periodic refresh checks every 5
    minutes; a worker down longer makes requests compute again); else it computes as before."""
    today = datetime.date.today()
    on = on or today
    window = window_parameter(on)
    ids = sorted(c.pk for c in communes)
    parts = (ids, on.isoformat(), window)
    stamp = current_stamp()
    local = caches[derived.ALIAS].get(derived.cache_key("demand-summary", parts, stamp))
    if local is not None:
        return local
    stored = _stored(ids) if on == today else None
    if stored and (stored["on"], stored["window"]) != (on, window):
        stored = None
    if stored and stored["stamp"] != stamp:
        if previous_ok and _previous_usable(stored, stamp):
            return stored["report"].previous()
        stored = None

    def compute():
        return stored["report"] if stored else _demand_summary(communes, on, window)

    return derived.cached("demand-summary", parts, compute, stamp=stamp)


def _previous_usable(stored: dict, stamp: tuple) -> bool:
    """Whether the stored figures may stand for the current ones until the worker's recompute
    lands: same directory (only the queue's version differs) and recent enough."""
    age = timezone.now() - stored["report"].as_of
    return stored["stamp"][:-1] == stamp[:-1] and age <= datetime.timedelta(
        seconds=settings.MAILLAGE_DEMAND_PREVIOUS_MAX_AGE
    )


def current_stamp() -> tuple:
    """The stamp of what the demand reads: the directory's tables, then the queue's version."""
    return derived.data_stamp(*supply.SUPPLY_MODELS, topics=(QUEUE_TOPIC,))


def _store_key(ids) -> str:
    return "demand-stored:" + hashlib.sha256(repr(sorted(ids)).encode()).hexdigest()


def _stored(ids) -> dict | None:
    try:
        return caches[STORE].get(_store_key(ids))
    except Exception:  # an unreadable shared cache: the request computes, as without it
        logger.exception("Demande exprimée : cache partagé illisible")
        return None


def refresh_stored(on: datetime.date | None = None) -> int:
    """Recompute and store (shared cache `STORE`) the demand of every territory whose stored
    figures are not those of the current queue, directory, day and window; the number
    recomputed. Run by the worker (`tasks.refresh_demand`) after each change of the queue and
    periodically; never in a request. The stamp is read before the computation: a change that
    commits meanwhile enqueues another refresh, which finds the stamp moved."""
    from maillage.territories.models import TerritoryGroup

    on = on or datetime.date.today()
    window = window_parameter(on)
    done = 0
    for group in TerritoryGroup.objects.prefetch_related("communes").order_by("pk"):
        communes = list(group.communes.all())
        if not communes:
            continue
        ids = sorted(c.pk for c in communes)
        checked = timezone.now()  # before the stamp: exact at least as of this moment
        stamp = current_stamp()
        stored = _stored(ids)
        if (
            stored
            and stored["stamp"] == stamp
            and stored["on"] == on
            and stored["window"] == window
        ):
            report = stored["report"].checked(checked)  # still exact: dated of this check
        else:
            report = _demand_summary(communes, on, window)
            done += 1
        caches[STORE].set(
            _store_key(ids),
            {"stamp": stamp, "on": on, "window": window, "report": report},
            timeout=STORE_TIMEOUT,
        )
    return done


@contextmanager
def _small_aggregates():
    """The queue's queries in one transaction, without PostgreSQL's JIT compilation: their
    correlated subqueries (latest accepted offer, first wish) make the planner's estimate pass
    `jit_above_cost`, and compiling then costs 100–200 ms for queries that run in 10–40 ms
    (measured with EXPLAIN ANALYZE on the bench's 20,000 applications). `SET LOCAL` ends with
    the transaction; other databases are left as they are."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield


def _demand_summary(communes, on: datetime.date, window: ParameterView) -> "DemandReport":
    from maillage.observatory.indicators.demand import add_months

    started = timezone.now()  # the figures are exact at least as of this moment
    months = int(window.value)
    ids = [c.pk for c in communes]
    end = add_months(on, months)
    with _small_aggregates():
        counts, labels, has_queue = queue_counts(communes, on, end)
    capacities = [
        StructureCapacity(str(pk), name, code, places)
        for pk, name, code, places in supply.eaje_capacities(ids)
    ]
    summary = summarise_counts(
        counts,
        openings(ids, on, end),
        on=on,
        window_months=months,
        communes=[c.insee_code for c in communes],
        structures=capacities,
    )
    return DemandReport(
        summary=summary,
        window=window,
        age_labels=labels,
        has_queue=has_queue,
        as_of=started,
    )


class DemandReport:
    """The engine's summary with its provenance; `as_dict(raw_codes, threshold, children)` is
    the one presentation read by the pages, the API and the diagnostic."""

    def __init__(
        self,
        summary: DemandSummary,
        window: ParameterView,
        age_labels,
        has_queue,
        as_of: datetime.datetime,
        up_to_date: bool = True,
    ):
        self.summary = summary
        self.window = window
        self.age_labels = age_labels
        self.has_queue = has_queue
        self.as_of = as_of
        self.up_to_date = up_to_date

    def previous(self) -> "DemandReport":
        """The same figures, marked as older than the latest change of the queue."""
        return DemandReport(
            self.summary, self.window, self.age_labels, self.has_queue, self.as_of, False
        )

    def checked(self, moment: datetime.datetime) -> "DemandReport":
        """The same figures, known exact at `moment` (nothing they read changed since)."""
        return DemandReport(self.summary, self.window, self.age_labels, self.has_queue, moment)

    COLUMNS = ("in_window", "offered", "placed", "placed_outside", "unplaced_after_session")

    def masked_keys(self, threshold: int, raw_codes=frozenset()) -> set:
        """Counts to mask: small counts of the communes outside `raw_codes` and their
        complements (each column's communes and total; each breakdown and the total)."""
        s = self.summary
        codes = list(s.communes)
        values: dict = {}
        lines: list[list] = []
        for col in self.COLUMNS:
            for code in codes:
                values[("d", code, col)] = getattr(s.communes[code], col)
            values[("t", col)] = getattr(s.total, col)
            lines.append([("d", code, col) for code in codes] + [("t", col)])
        for name, counts in (("age", s.by_age), ("month", s.by_month), ("days", s.by_days)):
            for key, n in counts.items():
                values[(name, str(key))] = n
            lines.append([(name, str(k)) for k in counts] + [("t", "in_window")])
        values[("atypical",)] = s.atypical
        for t in s.structures:
            values[("s", t.key, "wished")] = t.wished
            values[("s", t.key, "first_wish")] = t.first_wish
        values[("t", "started")] = s.total.started
        exempt = {k for k in values if k[0] == "d" and k[1] in raw_codes}
        exempt |= {
            ("s", t.key, col)
            for t in s.structures
            if t.commune in raw_codes
            for col in ("wished", "first_wish")
        }
        if codes and all(code in raw_codes for code in codes):
            exempt |= set(values)
        return suppress(values, lines, threshold, exempt)

    def as_dict(self, threshold: int, raw_codes=frozenset(), children=None, names=None) -> dict:
        """JSON-ready demand, masked for whoever is not in `raw_codes`. `children`: commune code
        → children under 3 (None when masked or unknown), for the rate per 100 children."""
        s = self.summary
        hidden = self.masked_keys(threshold, raw_codes)
        children = children or {}
        names = names or {}
        all_raw = bool(s.communes) and all(code in raw_codes for code in s.communes)

        def count(key, value):
            return None if key in hidden else value

        def delay(row, raw):
            limit = 0 if raw else threshold
            if not row.delays or (limit and row.placements_with_delay < limit):
                return None
            return round(row.median_delay)

        communes = []
        for code, row in s.communes.items():
            masked = ("d", code, "in_window") in hidden
            n = children.get(code)
            communes.append(
                {
                    "code": code,
                    "name": names.get(code, code),
                    "in_window": count(("d", code, "in_window"), row.in_window),
                    "opening": row.opening,
                    "demand_gap": None if masked else row.demand_gap,
                    "per_100_children": (
                        None if masked or not n else round(row.in_window / n * 100.0, 1)
                    ),
                    "offered": count(("d", code, "offered"), row.offered),
                    "placed": count(("d", code, "placed"), row.placed),
                    "placed_outside": count(("d", code, "placed_outside"), row.placed_outside),
                    "unplaced_after_session": count(
                        ("d", code, "unplaced_after_session"), row.unplaced_after_session
                    ),
                    "median_delay_days": delay(row, code in raw_codes),
                    "masked": masked,
                }
            )
        total = s.total
        total_masked = ("t", "in_window") in hidden
        satisfaction = s.satisfaction_rate
        if not all_raw and (
            is_masked(total.placed, threshold) or is_masked(total.started, threshold)
        ):
            satisfaction = None
        return {
            "date": s.on.isoformat(),
            "as_of": timezone.localtime(self.as_of).isoformat(timespec="seconds"),
            "up_to_date": self.up_to_date,
            "window": {
                "start": s.on.isoformat(),
                "end": s.window_end.isoformat(),
                "months": int(self.window.value),
                **self.window.as_dict(),
            },
            "source": SOURCE_LABEL,
            "has_queue": self.has_queue,
            "communes": communes,
            "total": {
                "in_window": count(("t", "in_window"), total.in_window),
                "opening": total.opening,
                "demand_gap": None if total_masked else total.demand_gap,
                "offered": count(("t", "offered"), total.offered),
                "placed": count(("t", "placed"), total.placed),
                "placed_outside": count(("t", "placed_outside"), total.placed_outside),
                "unplaced_after_session": count(
                    ("t", "unplaced_after_session"), total.unplaced_after_session
                ),
                "median_delay_days": delay(total, all_raw),
                "satisfaction_rate": None if satisfaction is None else round(satisfaction, 1),
            },
            "by_age": [
                {
                    "code": k,
                    "label": self.age_labels.get(k, k),
                    "count": count(("age", k), n),
                }
                for k, n in s.by_age.items()
            ],
            "by_month": [
                {"month": k, "count": count(("month", k), n)} for k, n in s.by_month.items()
            ],
            "by_days": [
                {"days": k, "count": count(("days", str(k)), n)} for k, n in s.by_days.items()
            ],
            "atypical_hours": count(("atypical",), s.atypical),
            "structures": [
                {
                    "name": t.name,
                    "commune": names.get(t.commune, t.commune),
                    "places": None if t.places is None else round(t.places),
                    "wished": count(("s", t.key, "wished"), t.wished),
                    "first_wish": count(("s", t.key, "first_wish"), t.first_wish),
                    "opening": t.opening,
                    "tension": (
                        None
                        if ("s", t.key, "wished") in hidden or t.tension is None
                        else round(t.tension, 2)
                    ),
                }
                for t in s.structures
            ],
            "masked_entries": len(hidden),
        }
