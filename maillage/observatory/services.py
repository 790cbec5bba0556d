"""Gathers the inputs of the indicator engine from the database and presents its results.

Every number leaves this module with its provenance (source, vintage, method, estimated flag).
`CoverageReport.as_dict(raw_codes=…)` is the one presentation used by the pages, the API, the
command line and the diagnostic: counts of the communes outside `raw_codes` are masked below
the secrecy threshold.
"""

import datetime
import math
import re
from dataclasses import dataclass, field

from django.db.models import Q

from maillage.core import derived
from maillage.observatory import supply
from maillage.observatory.enums import MODE_INDICATORS, CoverageMode, Indicator, Method
from maillage.observatory.indicators import (
    MODES,
    AreaCoverage,
    CommuneCoverage,
    CommuneInput,
    aggregate,
    catchment_rates,
    commune_coverage,
    supply_demand_gaps,
    trend,
)
from maillage.observatory.indicators.coverage import rate as coverage_rate
from maillage.observatory.indicators.secrecy import is_masked, suppress
from maillage.observatory.models import Figure
from maillage.observatory.parameters import (
    ObservatoryParameters,
    Reference,
    observatory_parameters,
    parameters_fingerprint,
    references,
)
from maillage.territories.models import Commune

SHAREABLE_MODES = ("eaje", "assistants_maternels")  # spread over the catchment
LOCAL_MODES = ("garde_a_domicile", "prescolarisation")  # used where the family lives
MODE_LABELS = {mode.value: mode.label for mode in CoverageMode}
CURRENT_SERIES = "Calcul Maillage sur l'annuaire (places du jour)"


@dataclass(frozen=True)
class Sourced:
    """A value with its provenance."""

    value: float | None
    source: str = ""
    source_url: str = ""
    vintage: str = ""
    method: str = Method.MEASURED
    note: str = ""

    @property
    def estimated(self) -> bool:
        return self.method == Method.ESTIMATED

    def as_dict(self, masked: bool = False) -> dict:
        return {
            "value": None if masked else _number(self.value),
            "masked": masked,
            "estimated": self.estimated,
            "method": str(self.method),
            "source": self.source,
            "source_url": self.source_url,
            "vintage": self.vintage,
            **({"note": self.note} if self.note else {}),
        }


def _number(value: float | None):
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(float(value), 2)


def _rate(value: float | None):
    return None if value is None else round(value, 1)


def _from_figure(figure: Figure) -> Sourced:
    return Sourced(
        value=figure.value,
        source=figure.source_label,
        source_url=figure.source_url,
        vintage=figure.period,
        method=figure.method,
        note=figure.note,
    )


def _latest(figures, indicators) -> dict[int, Figure]:
    """{commune_id: Figure}: the latest period, the first indicator winning a tie."""
    rank = {ind: i for i, ind in enumerate(indicators)}
    best: dict[int, Figure] = {}
    for f in figures:
        current = best.get(f.commune_id)
        if current is None or (f.period, -rank[f.indicator]) > (
            current.period,
            -rank[current.indicator],
        ):
            best[f.commune_id] = f
    return best


def _year(vintage: str) -> str:
    """The first four-digit year of a vintage label ("COG 2026" → "2026"), else "0000"."""
    match = re.search(r"(19|20)\d{2}", vintage or "")
    return match.group(0) if match else "0000"


def children_under_3(communes: list[Commune], params: ObservatoryParameters) -> dict[int, Sourced]:
    """Children under 3 per commune: the latest imported figure, else an estimate from the
    population and the national share of under-3s (flagged estimated)."""
    ids = [c.pk for c in communes]
    indicators = [Indicator.CHILDREN_UNDER_3, Indicator.POPULATION_0_2]
    figures = Figure.objects.filter(commune_id__in=ids, indicator__in=indicators)
    measured = _latest(figures, indicators)
    populations = _latest(
        Figure.objects.filter(commune_id__in=ids, indicator=Indicator.POPULATION),
        [Indicator.POPULATION],
    )
    share = float(params.under3_share.value)
    percent = f"{share * 100:.2f}".replace(".", ",")
    result = {}
    for commune in communes:
        if commune.pk in measured:
            result[commune.pk] = _from_figure(measured[commune.pk])
            continue
        figure = populations.get(commune.pk)
        if figure is not None and (
            commune.population is None or figure.period[:4] >= _year(commune.population_vintage)
        ):
            f = figure
            population, pop_source, pop_vintage = f.value, f.source_label, f.period
        else:
            population = commune.population
            pop_source, pop_vintage = commune.population_source, commune.population_vintage
        if population is None:
            result[commune.pk] = Sourced(None, source="aucune donnée", method=Method.ESTIMATED)
            continue
        result[commune.pk] = Sourced(
            value=float(round(population * share)),
            source=(
                f"Estimation Maillage : population {pop_vintage} × {percent} % "
                "(part nationale des moins de 3 ans)"
            ),
            source_url=params.under3_share.source_url,
            vintage=pop_vintage,
            method=Method.ESTIMATED,
            note=f"Population : {pop_source}. Part : {params.under3_share.source_label}.",
        )
    return result


def places_by_mode(
    communes: list[Commune], params: ObservatoryParameters
) -> dict[int, dict[str, Sourced]]:
    """Places per commune and mode, with their provenance.

    EAJE and assistants maternels come from the directory (live); garde à domicile and
    préscolarisation from the latest imported statistical figures (unknown when absent).
    """
    ids = [c.pk for c in communes]
    today = params.on.strftime("%d/%m/%Y")
    eaje = supply.eaje_places_by_commune(ids)
    childminders = supply.childminder_places_by_commune(ids)
    factor = float(params.childminder_factor.value)
    stats = {
        mode: _latest(
            Figure.objects.filter(commune_id__in=ids, indicator=MODE_INDICATORS[mode]),
            [MODE_INDICATORS[mode]],
        )
        for mode in LOCAL_MODES
    }
    result = {}
    for commune in communes:
        count, agreement = childminders.get(commune.pk, (0, 0.0))
        places = {
            "eaje": Sourced(
                eaje.get(commune.pk, 0.0),
                source=supply.SOURCE_LABEL,
                vintage=today,
                method=Method.COMPUTED,
            ),
            "assistants_maternels": Sourced(
                agreement * factor,
                source=(
                    f"{supply.SOURCE_LABEL} : {count} assistant(s) maternel(s) actif(s), "
                    f"{agreement:g} place(s) agréée(s) × {factor:g} "
                    f"({params.childminder_factor.source_label})"
                ),
                source_url=params.childminder_factor.source_url,
                vintage=today,
                method=Method.COMPUTED if params.childminder_factor.verified else Method.ESTIMATED,
                note="" if params.childminder_factor.verified else "conversion non vérifiée",
            ),
        }
        for mode in LOCAL_MODES:
            figure = stats[mode].get(commune.pk)
            places[mode] = (
                _from_figure(figure)
                if figure
                else Sourced(None, source="aucune donnée importée", method=Method.MEASURED)
            )
        result[commune.pk] = places
    return result


def _bbox_neighbours(communes: list[Commune], radius_km: float) -> list[Commune]:
    located = [c for c in communes if c.latitude is not None and c.longitude is not None]
    if not located:
        return []
    lats = [c.latitude for c in located]
    lons = [c.longitude for c in located]
    dlat = radius_km / 111.0
    dlon = radius_km / (111.0 * max(math.cos(math.radians(max(map(abs, lats)))), 0.05))
    candidates = list(
        Commune.objects.filter(
            latitude__gte=min(lats) - dlat,
            latitude__lte=max(lats) + dlat,
            longitude__gte=min(lons) - dlon,
            longitude__lte=max(lons) + dlon,
        )
        .exclude(pk__in=[c.pk for c in communes])
        .select_related("departement", "epci")
    )
    # A neighbour absent from the directory would only add children without places.
    covered = supply.communes_with_supply([c.pk for c in candidates])
    return [c for c in candidates if c.pk in covered]


def catchment(
    communes: list[Commune],
    children: dict[int, Sourced],
    places: dict[int, dict[str, Sourced]],
    params: ObservatoryParameters,
) -> dict[str, float | None]:
    """Catchment rate per commune code: 2SFCA of EAJE and assistants maternels over the
    communes (of the territory and around it) within the radius, plus the local modes."""
    neighbours = _bbox_neighbours(communes, params.radius_km)
    everyone = communes + neighbours
    if neighbours:
        children = {**children, **children_under_3(neighbours, params)}
        places = {**places, **places_by_mode(neighbours, params)}
    located = {c.pk: c for c in everyone if c.latitude is not None and c.longitude is not None}
    demand = [
        (c.insee_code, c.latitude, c.longitude, children[c.pk].value or 0.0)
        for c in located.values()
    ]
    points = []
    eaje_located = set()
    for commune_id, lat, lon, total in supply.eaje_points(list(located)):
        if lat is None or lon is None:
            commune = located[commune_id]
            lat, lon = commune.latitude, commune.longitude
        points.append((lat, lon, total))
        eaje_located.add(commune_id)
    for commune in located.values():
        p = places[commune.pk]
        if commune.pk not in eaje_located and p["eaje"].value:
            points.append((commune.latitude, commune.longitude, p["eaje"].value))
        if p["assistants_maternels"].value:
            points.append((commune.latitude, commune.longitude, p["assistants_maternels"].value))
    shared = catchment_rates(demand, points, radius_km=params.radius_km, decay=params.decay)
    result = {}
    for commune in communes:
        if commune.pk not in located:
            result[commune.insee_code] = None
            continue
        value = shared.get(commune.insee_code)
        local = sum(places[commune.pk][m].value or 0.0 for m in LOCAL_MODES)
        local_rate = coverage_rate(local, children[commune.pk].value)
        result[commune.insee_code] = None if value is None else value + (local_rate or 0.0)
    return result


@dataclass
class CoverageReport:
    title: str
    slug: str
    on: datetime.date
    params: ObservatoryParameters
    communes: list[Commune]
    children: dict[int, Sourced]
    places: dict[int, dict[str, Sourced]]
    rows: dict[str, CommuneCoverage]
    total: AreaCoverage
    catchment: dict[str, float | None]
    references: list[Reference]
    extra_areas: dict[str, tuple[str, AreaCoverage, bool, int]] = field(default_factory=dict)

    @property
    def national(self) -> Reference | None:
        return next((r for r in self.references if r.key == "coverage-reference-fr"), None)

    @property
    def departemental(self) -> Reference | None:
        return next((r for r in self.references if "-dep-" in r.key), None)

    def total_catchment(self) -> float | None:
        weights = [
            (self.catchment[c.insee_code], self.children[c.pk].value)
            for c in self.communes
            if self.catchment.get(c.insee_code) is not None and self.children[c.pk].value
        ]
        denominator = sum(w for _, w in weights)
        return sum(r * w for r, w in weights) / denominator if denominator else None

    def gaps(self, demand=None):
        """Coverage gaps, with the demand gaps beside them when `demand` (a DemandSummary of
        the engine) is given."""
        target = self.national.rate if self.national else 0.0
        if demand is None:
            return supply_demand_gaps(self.rows.values(), target_rate=target)
        return supply_demand_gaps(
            self.rows.values(),
            target_rate=target,
            demand={code: float(row.in_window) for code, row in demand.communes.items()},
            opening={code: float(row.opening) for code, row in demand.communes.items()},
        )

    # presentation -------------------------------------------------------------------------
    def masked_keys(self, raw_codes=frozenset()) -> set:
        """Entries of the coverage table to mask: small counts of the communes outside
        `raw_codes`, plus the complementary entries that would reveal them by subtraction
        (lines: each commune's modes and total, each mode's communes and territory total, the
        territory's modes and total, the communes' totals, the communes' children)."""
        values: dict = {}
        lines: list[list] = []
        codes = [c.insee_code for c in self.communes]
        for c in self.communes:
            code = c.insee_code
            for mode in MODES:
                values[("cell", code, mode)] = self.places[c.pk][mode].value
            values[("row", code)] = self.rows[code].total_places
            values[("children", code)] = self.children[c.pk].value
            lines.append([("cell", code, m) for m in MODES] + [("row", code)])
        for mode in MODES:
            values[("col", mode)] = self.total.places[mode]
            lines.append([("cell", code, mode) for code in codes] + [("col", mode)])
        values[("corner",)] = self.total.total_places
        values[("children_total",)] = self.total.children_under_3
        lines.append([("col", m) for m in MODES] + [("corner",)])
        lines.append([("row", code) for code in codes] + [("corner",)])
        lines.append([("children", code) for code in codes] + [("children_total",)])
        exempt = {k for k in values if len(k) > 1 and k[1] in raw_codes}
        if codes and all(code in raw_codes for code in codes):
            exempt |= set(values)
        return suppress(values, lines, self.params.threshold, exempt)

    def as_dict(self, raw_codes=frozenset(), demand=None) -> dict:
        """The JSON of the pages, the API, the CLI and the diagnostic. Counts of communes
        outside `raw_codes` are masked. With `demand` (a `demand.DemandReport`), the expressed
        demand is added (key `demand`) and the gaps carry the demand gap beside the coverage
        gap, masked the same way."""
        threshold = self.params.threshold
        hidden = self.masked_keys(raw_codes)
        communes = [self._commune_dict(c, hidden) for c in self.communes]
        demand_dict = None
        if demand is not None:
            demand_dict = demand.as_dict(
                threshold,
                raw_codes,
                children={c["code"]: c["children_under_3"]["value"] for c in communes},
                names={c.insee_code: c.name for c in self.communes},
            )
        by_code = {d["code"]: d for d in demand_dict["communes"]} if demand_dict else {}
        all_raw = all(c.insee_code in raw_codes for c in self.communes)
        total = self._total_dict(hidden)
        total["catchment_rate"] = (
            None if ("children_total",) in hidden else _rate(self.total_catchment())
        )
        return {
            "territory": {"slug": self.slug, "name": self.title} if self.slug else None,
            "date": self.on.isoformat(),
            "communes": communes,
            "total": total,
            "areas": [
                {
                    "key": key,
                    "label": label,
                    **self._area_dict(area, all_raw, estimated),
                    "covered": covered,
                }
                for key, (label, area, estimated, covered) in self.extra_areas.items()
            ],
            "references": [r.as_dict() for r in self.references],
            "gaps": [
                self._gap_dict(g, hidden, g.code in raw_codes, by_code.get(g.code))
                for g in self.gaps(demand.summary if demand is not None else None)
            ],
            **({"demand": demand_dict} if demand_dict is not None else {}),
            "parameters": self.params.as_dict(),
            "masking": {
                "threshold": threshold,
                "masked_communes": [
                    c.insee_code for c in self.communes if c.insee_code not in raw_codes
                ],
                "masked_entries": len(hidden),
            },
        }

    def _estimated_any(self) -> bool:
        return any(self.children[c.pk].estimated for c in self.communes) or any(
            self.places[c.pk][m].estimated for c in self.communes for m in MODES
        )

    def _commune_dict(self, commune: Commune, hidden: set) -> dict:
        code = commune.insee_code
        row = self.rows[code]
        child = self.children[commune.pk]
        child_masked = ("children", code) in hidden
        modes = {}
        for mode in MODES:
            sourced = self.places[commune.pk][mode]
            masked = ("cell", code, mode) in hidden
            modes[mode] = {
                "label": MODE_LABELS[mode],
                "places": None if masked else _number(sourced.value),
                "rate": None if masked or child_masked else _rate(row.rates[mode]),
                "masked": masked,
                "estimated": sourced.estimated,
                "source": sourced.source,
                "source_url": sourced.source_url,
                "vintage": sourced.vintage,
                "method": str(sourced.method),
            }
        total_masked = ("row", code) in hidden
        estimated = child.estimated or any(self.places[commune.pk][m].estimated for m in MODES)
        return {
            "code": code,
            "name": commune.name,
            "epci": commune.epci.name if commune.epci_id else None,
            "children_under_3": child.as_dict(masked=child_masked),
            "modes": modes,
            "places_total": None if total_masked else _number(row.total_places),
            "rate": None if child_masked or total_masked else _rate(row.rate),
            "rate_masked": child_masked or total_masked,
            "catchment_rate": None if child_masked else _rate(self.catchment.get(code)),
            "estimated": estimated,
            "missing_modes": list(row.missing_modes),
        }

    def _total_dict(self, hidden: set) -> dict:
        return _area_summary(
            self.total,
            child_masked=("children_total",) in hidden,
            total_masked=("corner",) in hidden,
            mode_masked=lambda mode: ("col", mode) in hidden,
            estimated=self._estimated_any(),
        )

    def _area_dict(self, area: AreaCoverage, raw: bool, estimated: bool) -> dict:
        """EPCI and département totals: sums over many communes, masked below the threshold."""
        threshold = 0 if raw else self.params.threshold
        values = {("mode", mode): area.places[mode] for mode in MODES}
        values[("total",)] = area.total_places
        hidden = suppress(values, [[("mode", m) for m in MODES] + [("total",)]], threshold)
        return _area_summary(
            area,
            child_masked=is_masked(area.children_under_3, threshold),
            total_masked=("total",) in hidden,
            mode_masked=lambda mode: ("mode", mode) in hidden,
            estimated=estimated,
        )

    def _gap_dict(self, gap, hidden: set, raw: bool, demand_row: dict | None = None) -> dict:
        masked = ("row", gap.code) in hidden or ("children", gap.code) in hidden
        demand_masked = demand_row is None or demand_row["masked"]
        return {
            "code": gap.code,
            "name": gap.name,
            "need": None if masked else _number(gap.need),
            "need_kind": gap.need_kind,
            "places": None if masked else _number(gap.places),
            "gap": None if masked or gap.gap is None else _number(round(gap.gap, 1)),
            "places_to_target": None if masked else gap.places_to_target,
            "below_target": gap.below_target,
            "masked": masked,
            "demand": None if demand_masked else _number(gap.demand),
            "opening": None if demand_row is None else _number(gap.opening),
            "demand_gap": None if demand_masked else _number(gap.demand_gap),
            "pressure": (
                None if demand_masked or ("row", gap.code) in hidden else _rate(gap.pressure)
            ),
            "demand_masked": demand_row is not None and demand_row["masked"],
        }


def _inputs(communes, children, places) -> list[CommuneInput]:
    return [
        CommuneInput(
            code=c.insee_code,
            name=c.name,
            children_under_3=children[c.pk].value,
            places={m: places[c.pk][m].value for m in MODES if places[c.pk][m].value is not None},
            groups={"epci": c.epci.siren if c.epci_id else "", "dep": c.departement.code},
        )
        for c in communes
    ]


def coverage_report(
    communes,
    *,
    title: str = "",
    slug: str = "",
    on: datetime.date | None = None,
    with_areas: bool = False,
) -> CoverageReport:
    """Coverage of `communes` (a list or queryset), with catchment and references.

    The report is kept in the per-process cache of derived figures
    (`maillage.core.derived`) under the communes, the date, the parameters in force and the
    version of the figures, structures and assistants maternels: any change of these is seen at
    once. The report holds unmasked counts: masking is applied by `as_dict(raw_codes=…)` on
    every request, for the person asking."""
    on = on or datetime.date.today()
    ids = sorted(c.pk for c in communes)
    parts = (ids, title, slug, on.isoformat(), with_areas, parameters_fingerprint())
    return derived.cached(
        "coverage-report",
        parts,
        lambda: _coverage_report(communes, title=title, slug=slug, on=on, with_areas=with_areas),
        models=(Figure, *supply.SUPPLY_MODELS),
    )


def _coverage_report(
    communes,
    *,
    title: str,
    slug: str,
    on: datetime.date,
    with_areas: bool = False,
) -> CoverageReport:
    params = observatory_parameters(on)
    communes = list(
        Commune.objects.filter(pk__in=[c.pk for c in communes])
        .select_related("departement__region", "epci")
        .order_by("name")
    )
    children = children_under_3(communes, params)
    places = places_by_mode(communes, params)
    rows = {r.code: r for r in map(commune_coverage, _inputs(communes, children, places))}
    total = aggregate(rows.values()).get("total") or AreaCoverage(
        key="total",
        communes=(),
        children_under_3=None,
        places=dict.fromkeys(MODES),
        rates=dict.fromkeys(MODES),
        total_places=0.0,
        rate=None,
        incomplete=True,
    )
    first = communes[0] if communes else None
    report = CoverageReport(
        title=title,
        slug=slug,
        on=on,
        params=params,
        communes=communes,
        children=children,
        places=places,
        rows=rows,
        total=total,
        catchment=catchment(communes, children, places, params) if communes else {},
        references=references(
            on,
            departement_code=first.departement.code if first else None,
            region_code=first.departement.region.code if first else None,
        ),
    )
    if with_areas and communes:
        report.extra_areas = area_totals(communes, params)
    return report


def area_totals(communes: list[Commune], params) -> dict[str, tuple[str, AreaCoverage, bool, int]]:
    """Totals of the EPCI and départements of `communes`, computed over all their communes,
    with the number of those communes the directory covers (a partial directory under-counts).

    The inputs of every member commune are read at once (a fixed number of queries whatever the
    number of EPCI and départements), then summed scope by scope."""
    epcis = {c.epci for c in communes if c.epci_id}
    deps = {c.departement for c in communes}
    if not epcis and not deps:
        return {}
    scope = Q(departement__in=deps) | Q(epci__in=epcis)
    members = list(Commune.objects.filter(scope).select_related("departement", "epci"))
    children = children_under_3(members, params)
    places = places_by_mode(members, params)
    covered_ids = supply.communes_with_supply([c.pk for c in members])
    rows = {
        c.pk: commune_coverage(i)
        for c, i in zip(members, _inputs(members, children, places), strict=True)
    }
    scopes = [
        (f"epci-{e.siren}", e.name, [c for c in members if c.epci_id == e.pk])
        for e in sorted(epcis, key=lambda e: e.siren)
    ] + [
        (
            f"dep-{d.code}",
            f"Département : {d.name}",
            [c for c in members if c.departement_id == d.pk],
        )
        for d in sorted(deps, key=lambda d: d.code)
    ]
    result = {}
    for key, label, scope_members in scopes:
        estimated = any(children[c.pk].estimated for c in scope_members) or any(
            places[c.pk][m].estimated for c in scope_members for m in MODES
        )
        covered = sum(1 for c in scope_members if c.pk in covered_ids)
        total = aggregate([rows[c.pk] for c in scope_members])["total"]
        result[key] = (label, total, estimated, covered)
    return result


def commune_trend(commune: Commune, report: CoverageReport):
    """Past rates of a commune (published rates and rates computed from imported places),
    then the current rate computed from the directory."""
    points = {}
    figures = Figure.objects.filter(commune=commune)
    by_period: dict[str, dict] = {}
    for f in figures:
        by_period.setdefault(f.period, {})[f.indicator] = f
    for period, items in by_period.items():
        children = items.get(Indicator.CHILDREN_UNDER_3) or items.get(Indicator.POPULATION_0_2)
        place_figures = [items[i] for i in MODE_INDICATORS.values() if i in items]
        if children and place_figures:
            value = coverage_rate(sum(f.value for f in place_figures), children.value)
            label = "calculé à partir des données importées"
            points[period] = (period, value, label, "Calcul sur données importées")
        elif Indicator.COVERAGE_RATE in items:
            f = items[Indicator.COVERAGE_RATE]
            points[period] = (period, f.value, f.source_label, f"Taux publié — {f.source_label}")
    row = report.rows[commune.insee_code]
    current = report.on.strftime("%Y-%m")
    points[current] = (current, row.rate, "annuaire Maillage", CURRENT_SERIES)
    return trend(points.values())


def territory_trend(group, report: CoverageReport):
    """Past rates of the territory (published rates of the group) and the current rate."""
    points = {}
    for f in Figure.objects.filter(territory=group, indicator=Indicator.COVERAGE_RATE):
        points[f.period] = (f.period, f.value, f.source_label, f"Taux publié — {f.source_label}")
    current = report.on.strftime("%Y-%m")
    points[current] = (current, report.total.rate, "annuaire Maillage", CURRENT_SERIES)
    return trend(points.values())


def territory_figures(group, indicators=None) -> list[Figure]:
    """Latest figure of each indicator stated for the territory group as a whole."""
    qs = Figure.objects.filter(territory=group).order_by("indicator", "period")
    if indicators:
        qs = qs.filter(indicator__in=indicators)
    latest = {}
    for f in qs:
        latest[f.indicator] = f
    return list(latest.values())


def _area_summary(
    area, *, child_masked: bool, total_masked: bool, mode_masked, estimated: bool
) -> dict:
    """The JSON of an area's coverage, with the masked counts replaced by None."""
    modes = {}
    for mode in MODES:
        masked = mode_masked(mode)
        modes[mode] = {
            "label": MODE_LABELS[mode],
            "places": None if masked else _number(area.places[mode]),
            "rate": None if masked or child_masked else _rate(area.rates[mode]),
            "masked": masked,
        }
    return {
        "children_under_3": {
            "value": None if child_masked else _number(area.children_under_3),
            "masked": child_masked,
            "estimated": estimated,
        },
        "modes": modes,
        "places_total": None if total_masked else _number(area.total_places),
        "rate": None if child_masked or total_masked else _rate(area.rate),
        "rate_masked": child_masked or total_masked,
        "estimated": estimated,
        "incomplete": area.incomplete,
        "communes": len(area.communes),
    }
