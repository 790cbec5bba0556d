"""Expressed demand: reads the guichet's queue and the commission's sessions (models only) into
the plain records of the pure engine (`indicators.demand`), and presents its result masked.

Nothing personal leaves this module: each application becomes an anonymous record (commune,
status, dates, age group, days per week, atypical hours, wished structures), then counts. The
counts are masked for another organisation exactly like the coverage table (threshold
`observatory-secrecy-threshold`, secondary suppression by `indicators.secrecy.suppress`); an
organisation sees its own communes unmasked (`raw_codes`).
"""

import datetime
from collections import defaultdict

from django.db.models import Count

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
    DemandRequest,
    DemandSummary,
    PlacesOpening,
    StructureCapacity,
    summarise,
)
from maillage.observatory.indicators.secrecy import is_masked, suppress
from maillage.observatory.parameters import ParameterView

WINDOW_KEY = "observatory-demand-window"
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
    months = months_between(birth, start)
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


def requests(commune_ids) -> tuple[list[DemandRequest], dict[str, str]]:
    """The anonymous records of the applications of the households of `commune_ids`."""
    rows = list(
        Application.objects.filter(
            household__commune_id__in=list(commune_ids),
            state__in=list(STATUS_OF_STATE),
        ).values_list(
            "pk", "territory_id", "state", "household__commune__insee_code", "desired_start",
            "days_per_week", "atypical_hours", "registered_on", "child__birth_date",
            "child__expected_date",
        )
    )  # fmt: skip
    bands, labels = _bands({r[1] for r in rows})
    default = default_age_bands()
    ids = list(commune_ids)
    waiting_states = [state for state, status in STATUS_OF_STATE.items() if status == WAITING]
    placed_states = [state for state, status in STATUS_OF_STATE.items() if status == PLACED]
    placed_ids = [r[0] for r in rows if STATUS_OF_STATE[r[2]] == PLACED]
    wishes: dict[int, list[str]] = defaultdict(list)
    for application_id, structure_id in (
        Wish.objects.filter(
            application__household__commune_id__in=ids, application__state__in=waiting_states
        )
        .order_by("application_id", "rank")
        .values_list("application_id", "structure_id")
    ):
        wishes[application_id].append(str(structure_id))
    unplaced = dict(
        Decision.objects.filter(
            outcome=DecisionOutcome.UNPLACED,
            entry__application__household__commune_id__in=ids,
            entry__application__state__in=waiting_states,
        )
        .values("entry__application_id")
        .annotate(n=Count("pk"))
        .values_list("entry__application_id", "n")
    )
    placement: dict[int, tuple[datetime.date | None, str | None]] = {}
    for application_id, answered, commune in (
        Offer.objects.filter(
            application__household__commune_id__in=ids,
            application__state__in=placed_states,
            status=OfferStatus.ACCEPTED,
        )
        .order_by("answered_at")
        .values_list("application_id", "answered_at", "structure__commune__insee_code")
    ):
        placement[application_id] = (answered.date() if answered else None, commune)
    missing = [str(pk) for pk in placed_ids if pk not in placement]
    if missing:
        for object_id, at in (
            TransitionLog.objects.filter(
                object_type="applications.application",
                object_id__in=missing,
                target=State.ACCEPTED,
            )
            .order_by("at")
            .values_list("object_id", "at")
        ):
            placement.setdefault(int(object_id), (at.date(), None))
    result = []
    for pk, territory, state, code, start, days, atypical, registered, birth, expected in rows:
        placed_on, placed_commune = placement.get(pk, (None, None))
        result.append(
            DemandRequest(
                commune=code,
                status=STATUS_OF_STATE[state],
                desired_start=start,
                age_group=age_group(birth or expected, start, bands.get(territory, default)),
                days_per_week=days,
                atypical_hours=atypical,
                registered_on=registered,
                placed_on=placed_on,
                placed_commune=placed_commune,
                unplaced_sessions=unplaced.get(pk, 0),
                wishes=tuple(wishes.get(pk, ())),
            )
        )
    return result, labels


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


def _queue_stamp() -> tuple:
    """Version of the tables without `updated_at` that the demand reads (wishes, decisions,
    declared places): their row counts and latest declaration, in one query."""
    from django.db import connection

    quote = connection.ops.quote_name
    wish, decision, places = (quote(m._meta.db_table) for m in (Wish, Decision, SessionPlaces))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {wish}), (SELECT COUNT(*) FROM {decision}), "
            f"(SELECT COUNT(*) FROM {places}), (SELECT MAX({quote('declared_at')}) FROM {places})"
        )
        return tuple(str(v) for v in cursor.fetchone())


def demand_summary(communes, on: datetime.date | None = None) -> "DemandReport":
    """The expressed demand of `communes` (Commune objects) on `on`.

    Kept in the per-process cache of derived figures (`maillage.core.derived`), like the
    coverage report, under the communes, the date, the window in force and the version of the
    applications, offers, wishes, decisions and declared places: a change is seen at the next
    request. The cached summary holds counts only (no person), unmasked; masking is applied
    per request by `as_dict`."""
    on = on or datetime.date.today()
    window = window_parameter(on)
    ids = sorted(c.pk for c in communes)
    parts = (ids, on.isoformat(), window, _queue_stamp())
    return derived.cached(
        "demand-summary",
        parts,
        lambda: _demand_summary(communes, on, window),
        models=(Application, Offer, *supply.SUPPLY_MODELS),
    )


def _demand_summary(communes, on: datetime.date, window: ParameterView) -> "DemandReport":
    from maillage.observatory.indicators.demand import add_months

    months = int(window.value)
    ids = [c.pk for c in communes]
    records, labels = requests(ids)
    capacities = [
        StructureCapacity(str(pk), name, code, places)
        for pk, name, code, places in supply.eaje_capacities(ids)
    ]
    summary = summarise(
        records,
        openings(ids, on, add_months(on, months)),
        on=on,
        window_months=months,
        communes=[c.insee_code for c in communes],
        structures=capacities,
    )
    return DemandReport(summary=summary, window=window, age_labels=labels, has_queue=bool(records))


class DemandReport:
    """The engine's summary with its provenance; `as_dict(raw_codes, threshold, children)` is
    the one presentation read by the pages, the API and the diagnostic."""

    def __init__(self, summary: DemandSummary, window: ParameterView, age_labels, has_queue):
        self.summary = summary
        self.window = window
        self.age_labels = age_labels
        self.has_queue = has_queue

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
            if not row.delays or (limit and len(row.delays) < limit):
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
