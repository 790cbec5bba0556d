"""The diagnostic partagé of a territory group: snapshot of inputs, HTML and PDF editions.

Four angles (CTG framework, annex 2): social and demographic portrait, inventory of the offer
(by theme, with maps), gap between need and offer, priority axes. Each edition stores the JSON
snapshot of everything it shows and its SHA-256, and is rendered from the snapshot alone, so an
edition can always be re-read as it was.

Generation runs in a background thread (web) or in the command `generate_diagnostic`; progress
is written to the edition row, which the page polls.
"""

import datetime
import hashlib
import json
import logging
import threading
from collections.abc import Callable

from django.db import close_old_connections, connections, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from maillage.observatory import charts, supply
from maillage.observatory.enums import (
    COUNT_INDICATORS,
    DiagnosticSection,
    EditionStatus,
    Indicator,
    Method,
)
from maillage.observatory.indicators import MODES
from maillage.observatory.indicators.secrecy import is_masked
from maillage.observatory.models import DiagnosticComment, DiagnosticEdition, Figure
from maillage.observatory.parameters import reference_history
from maillage.observatory.services import (
    MODE_LABELS,
    coverage_report,
    territory_trend,
)
from maillage.territories.sppe import thresholds_at

logger = logging.getLogger(__name__)
STALE_AFTER = datetime.timedelta(minutes=15)
PORTRAIT_INDICATORS = [
    Indicator.POPULATION,
    Indicator.BIRTHS,
    Indicator.ALLOCATAIRES,
    Indicator.COVERED_PERSONS,
    Indicator.PAJE_RECIPIENTS,
    Indicator.SINGLE_PARENT_FAMILIES,
    Indicator.LOW_INCOME_HOUSEHOLDS,
    Indicator.QPV_POPULATION,
    Indicator.CHILDMINDERS,
    Indicator.POPULATION_12_17,
]


def _figure_dict(f: Figure, threshold: int) -> dict:
    masked = f.indicator in COUNT_INDICATORS and is_masked(f.value, threshold)
    value = None if masked else (int(f.value) if float(f.value).is_integer() else f.value)
    return {
        "indicator": f.indicator,
        "label": f.get_indicator_display(),
        "value": value,
        "masked": masked,
        "period": f.period,
        "method": f.method,
        "estimated": f.method == Method.ESTIMATED,
        "source": f.source_label,
        "source_url": f.source_url,
        "note": f.note,
    }


def _latest(figures) -> list[Figure]:
    latest = {}
    for f in sorted(figures, key=lambda f: f.period):
        latest[f.indicator] = f
    return [latest[i] for i in PORTRAIT_INDICATORS if i in latest]


def build_snapshot(group, on: datetime.date | None = None) -> dict:
    """Every input of the edition, as JSON-ready data (counts masked for sharing)."""
    on = on or datetime.date.today()
    communes = list(group.communes.select_related("departement", "epci").order_by("name"))
    report = coverage_report(communes, title=group.name, slug=group.slug, on=on, with_areas=True)
    coverage = report.as_dict()  # shared with every partner: masked
    threshold = report.params.threshold
    ids = [c.pk for c in communes]
    by_commune: dict[int, list[Figure]] = {}
    for f in Figure.objects.filter(commune_id__in=ids, indicator__in=PORTRAIT_INDICATORS):
        by_commune.setdefault(f.commune_id, []).append(f)
    t = thresholds_at(on)
    commune_info = []
    for c in communes:
        commune_info.append(
            {
                "code": c.insee_code,
                "name": c.name,
                "population": c.population,
                "population_source": c.population_source,
                "population_vintage": c.population_vintage,
                "latitude": c.latitude,
                "longitude": c.longitude,
                "geometry": c.geometry,
                "geometry_source": c.geometry_source,
                "planning_duty": c.population is not None and c.population > t.planning_above,
                "schema_duty": c.population is not None and c.population > t.schema_rpe_above,
                "figures": [_figure_dict(f, threshold) for f in _latest(by_commune.get(c.pk, []))],
            }
        )
    comments = {
        c.section: {
            "text": c.text,
            "updated_by": str(c.updated_by) if c.updated_by else "",
            "updated_at": c.updated_at.isoformat(),
        }
        for c in DiagnosticComment.objects.filter(territory=group).select_related("updated_by")
    }
    trend_points = [
        {"period": p.period, "value": p.value, "label": p.label}
        for p in territory_trend(group, report)
    ]
    return {
        "format": 1,
        "date": on.isoformat(),
        "territory": {"slug": group.slug, "name": group.name, "description": group.description},
        "communes": commune_info,
        "territory_figures": [
            _figure_dict(f, threshold) for f in _latest(Figure.objects.filter(territory=group))
        ],
        "coverage": coverage,
        "trend": trend_points,
        "national_history": [
            {"year": r.year, "rate": r.rate, "source": r.source_label} for r in reference_history()
        ],
        "offer": {
            "themes": [
                {"key": key, "label": label, "kinds": kinds}
                for (key, label), kinds in zip(
                    supply.THEMES, supply.structures_by_theme(ids).values(), strict=True
                )
            ],
            "markers": supply.markers(ids),
            "source": supply.SOURCE_LABEL,
        },
        "sppe": {
            "planning_above": t.planning_above,
            "schema_rpe_above": t.schema_rpe_above,
            "source": t.source_label,
            "vintage": t.vintage,
        },
        "comments": comments,
    }


def snapshot_hash(snapshot: dict) -> str:
    canonical = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _fmt(value, decimals=1) -> str:
    if value is None:
        return "n.d."
    return f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")


def priority_axes(snapshot: dict) -> list[dict]:
    """Proposed axes, derived from the figures (the partners then comment and amend)."""
    coverage = snapshot["coverage"]
    national = next(
        (r for r in coverage["references"] if r["key"] == "coverage-reference-fr"), None
    )
    dep = next((r for r in coverage["references"] if "-dep-" in r["key"]), None)
    info = {c["code"]: c for c in snapshot["communes"]}
    gaps = {g["code"]: g for g in coverage["gaps"]}
    axes = []
    for c in coverage["communes"]:
        gap = gaps.get(c["code"], {})
        if c["rate"] is None:
            continue
        if national and c["rate"] < national["rate"]:
            missing = gap.get("places_to_target")
            text = (
                f"Développer l'offre d'accueil à {c['name']} : {_fmt(c['rate'])} places pour 100 "
                f"enfants, sous le taux national ({_fmt(national['rate'])} en {national['year']})"
            )
            if dep and c["rate"] < dep["rate"]:
                text += f" et sous le taux départemental ({_fmt(dep['rate'])})"
            if missing:
                text += f" ; {missing} place(s) manquent pour atteindre le taux national"
            axes.append({"code": c["code"], "kind": "offer", "text": text + "."})
        catch = c.get("catchment_rate")
        if catch is not None and catch < c["rate"] - 10:
            axes.append(
                {
                    "code": c["code"],
                    "kind": "catchment",
                    "text": (
                        f"Partager l'offre de {c['name']} à l'échelle du bassin : son taux de "
                        f"bassin ({_fmt(catch)}) est nettement inférieur à son taux communal "
                        f"({_fmt(c['rate'])}), signe que ses places sont sollicitées par les "
                        "familles des communes voisines."
                    ),
                }
            )
    for code, commune in info.items():
        if commune["schema_duty"]:
            axes.append(
                {
                    "code": code,
                    "kind": "duty",
                    "text": (
                        f"{commune['name']} ({commune['population']:,} habitants) doit établir un "
                        "schéma pluriannuel de maintien et de développement de l'offre d'accueil "
                        "(L. 214-1-3 et L. 214-2 CASF)."
                    ).replace(",", "\u202f"),
                }
            )
    return axes


def coverage_bars(coverage: dict) -> str:
    """Stacked bars of the rate by commune and mode, with the reference rates."""
    refs = [
        (r["label"].replace("Taux de couverture — ", ""), r["rate"])
        for r in coverage["references"]
        if "-metro" not in r["key"]
    ]
    rows = [(c["name"], {m: c["modes"][m]["rate"] for m in MODES}) for c in coverage["communes"]]
    if len(coverage["communes"]) > 1:
        rows.append(("Territoire", {m: coverage["total"]["modes"][m]["rate"] for m in MODES}))
    return charts.stacked_bars(
        rows,
        [(m, MODE_LABELS[m]) for m in MODES],
        references=refs,
        title="Taux de couverture par commune et par mode d'accueil",
        ident="barres-couverture",
    )


def trend_chart(trend: list[dict], national_history: list[dict], name: str = "Territoire"):
    series = [(name, [(p["period"], p["value"]) for p in trend])]
    national = [(str(h["year"]), h["rate"]) for h in national_history]
    if national:
        series.append(("France", national))
    return charts.line_chart(
        series, title="Évolution du taux de couverture", ident="courbe-couverture"
    )


def map_areas(communes: list[dict], coverage: dict) -> list[dict]:
    """Commune shapes (or centres) coloured by their coverage rate."""
    by_code = {c["code"]: c for c in coverage["communes"]}
    return [
        {
            "name": c["name"],
            "geometry": c["geometry"],
            "latitude": c["latitude"],
            "longitude": c["longitude"],
            "fill": charts.rate_color(by_code[c["code"]]["rate"]),
            "label": _fmt(by_code[c["code"]]["rate"]),
        }
        for c in communes
        if c["code"] in by_code
    ]


def coverage_map(communes: list[dict], coverage: dict, **kwargs) -> str:
    return charts.map_svg(
        map_areas(communes, coverage),
        title="Taux de couverture par commune",
        legend=charts.rate_legend(),
        ident=kwargs.pop("ident", "carte-couverture"),
        **kwargs,
    )


def render_context(snapshot: dict) -> dict:
    """Template context of the report: the snapshot plus charts and maps built from it."""
    coverage = snapshot["coverage"]
    bars = coverage_bars(coverage)
    trend_svg = trend_chart(snapshot["trend"], snapshot["national_history"])
    areas = map_areas(snapshot["communes"], coverage)
    choropleth = coverage_map(snapshot["communes"], coverage)
    outline = [{**a, "fill": "#f8f9fa", "label": ""} for a in areas]
    theme_maps = []
    for theme in snapshot["offer"]["themes"]:
        color, shape = charts.THEME_STYLES.get(theme["key"], ("#333", "circle"))
        markers = [
            {
                "latitude": m["latitude"],
                "longitude": m["longitude"],
                "color": color,
                "shape": shape,
                "label": f"{m['name']} ({m['kind_label']}, {m['commune_name']})",
            }
            for m in snapshot["offer"]["markers"]
            if m["theme"] == theme["key"]
        ]
        theme_maps.append(
            {
                **theme,
                "count": sum(theme["kinds"].values()),
                "svg": mark_safe(
                    charts.map_svg(
                        outline,
                        markers,
                        title=f"Cartographie {theme['label']}",
                        legend=[(shape, color, theme["label"])],
                        ident=f"carte-{theme['key']}",
                        width=340,
                        height=340,
                    )
                ),
                "markers": [m for m in snapshot["offer"]["markers"] if m["theme"] == theme["key"]],
            }
        )
    comments = snapshot.get("comments", {})
    sections = [
        {"key": s.value, "label": s.label, "comment": comments.get(s.value, {}).get("text", "")}
        for s in DiagnosticSection
    ]
    axes = priority_axes(snapshot)
    return {
        "snap": snapshot,
        "report_date": datetime.date.fromisoformat(snapshot["date"]),
        "coverage": coverage,
        "sections": {s["key"]: s for s in sections},
        "bars_svg": mark_safe(bars),
        "trend_svg": mark_safe(trend_svg),
        "choropleth_svg": mark_safe(choropleth),
        "theme_maps": theme_maps,
        "axes": axes,
        "highlighted": {a["code"] for a in axes if a["kind"] == "offer"},
        "modes": [(m, MODE_LABELS[m]) for m in MODES],
    }


def render_body(snapshot: dict, edition=None) -> str:
    context = render_context(snapshot)
    context["edition"] = edition
    return render_to_string("observatory/report/_body.html", context)


def render_pdf(body: str, edition) -> bytes:
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    from weasyprint import HTML  # imported late: heavy, and logs its stylesheets at import

    html = render_to_string(
        "observatory/report/pdf.html", {"body": mark_safe(body), "edition": edition}
    )
    return HTML(string=html).write_pdf()


def new_edition(group, user=None) -> DiagnosticEdition:
    with transaction.atomic():
        number = (
            DiagnosticEdition.objects.select_for_update()
            .filter(territory=group)
            .aggregate(n=Max("number"))["n"]
            or 0
        ) + 1
        return DiagnosticEdition.objects.create(
            territory=group, number=number, created_by=user, step="En attente"
        )


def _set(edition, progress: int, step: str, **fields):
    edition.progress, edition.step = progress, step
    for k, v in fields.items():
        setattr(edition, k, v)
    DiagnosticEdition.objects.filter(pk=edition.pk).update(progress=progress, step=step, **fields)


def generate(edition: DiagnosticEdition, on: datetime.date | None = None, report: Callable = None):
    """Build the snapshot, the HTML and the PDF of `edition`, recording progress on the row."""
    notify = report or (lambda progress, step: None)
    steps = []

    def step(progress, text, **fields):
        _set(edition, progress, text, **fields)
        steps.append(text)
        notify(progress, text)

    try:
        step(5, "Collecte des données", status=EditionStatus.RUNNING)
        snapshot = build_snapshot(edition.territory, on)
        step(35, "Empreinte des données d'entrée")
        digest = snapshot_hash(snapshot)
        edition.snapshot, edition.snapshot_hash = snapshot, digest
        step(45, "Rédaction du rapport et des cartes", snapshot=snapshot, snapshot_hash=digest)
        body = render_body(snapshot, edition)
        step(65, "Mise en page du PDF", html=body)
        pdf = render_pdf(body, edition)
        step(
            100,
            "Terminé",
            pdf=pdf,
            status=EditionStatus.DONE,
            finished_at=timezone.now(),
        )
    except Exception as exc:  # recorded on the edition and shown to the user
        logger.exception("Échec de la génération du diagnostic %s", edition.pk)
        step(
            edition.progress,
            "Échec",
            status=EditionStatus.FAILED,
            error=f"{type(exc).__name__} : {exc}",
            finished_at=timezone.now(),
        )
    return edition


def _run_in_thread(edition_pk: int):
    close_old_connections()
    try:
        generate(DiagnosticEdition.objects.select_related("territory").get(pk=edition_pk))
    finally:
        connections.close_all()


def launch(edition: DiagnosticEdition, *, background: bool = True) -> DiagnosticEdition:
    """Generate `edition`, in a background thread (started after the current transaction
    commits) unless `background` is False."""
    if background:
        transaction.on_commit(
            lambda: threading.Thread(
                target=_run_in_thread, args=(edition.pk,), daemon=True, name="diagnostic"
            ).start()
        )
    else:
        generate(edition)
    return edition


def start(group, user=None, *, background: bool = True) -> DiagnosticEdition:
    """Create an edition and generate it (see `launch`)."""
    return launch(new_edition(group, user), background=background)


def is_stale(edition: DiagnosticEdition) -> bool:
    """An edition still running long after its request (the server restarted meanwhile)."""
    return not edition.is_finished and timezone.now() - edition.created_at > STALE_AFTER
