"""Observatory pages: dashboard, commune sheet, thematic maps and the diagnostic partagé.

Who sees and changes what is decided in `maillage.observatory.perms`; commentary is saved and
editions are requested through the observatory's services (which write the audit trail). GET
handlers never write.
"""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from maillage.core.concurrency import ConcurrentEditError
from maillage.observatory import charts, commentary, diagnostic, downloads, supply
from maillage.observatory import perms as observatory_perms
from maillage.observatory.demand import demand_summary
from maillage.observatory.enums import COUNT_INDICATORS, DiagnosticSection
from maillage.observatory.indicators import MODES
from maillage.observatory.models import DiagnosticEdition, Figure
from maillage.observatory.parameters import reference_history
from maillage.observatory.services import (
    MODE_LABELS,
    commune_trend,
    coverage_report,
    territory_trend,
)
from maillage.territories.models import Commune, TerritoryGroup
from maillage.web.observatory.forms import CommentForm

MODE_CHOICES = [(m, MODE_LABELS[m]) for m in MODES]


def _membership(request):
    return getattr(request, "current_membership", None)


def raw_codes(request, communes) -> set[str]:
    """Codes of the communes whose small counts the user may see unmasked."""
    return observatory_perms.raw_codes(_membership(request), communes)


def _commune_shapes(communes) -> list[dict]:
    return [
        {
            "code": c.insee_code,
            "name": c.name,
            "geometry": c.geometry,
            "latitude": c.latitude,
            "longitude": c.longitude,
        }
        for c in communes
    ]


def _history():
    return [{"year": r.year, "rate": r.rate, "source": r.source_label} for r in reference_history()]


def _mode_sources(coverage: dict) -> list[dict]:
    """Distinct sources of the places by mode, for the note under the tables."""
    seen, result = set(), []
    for c in coverage["communes"]:
        for mode, m in c["modes"].items():
            key = (mode, m["source"].split(" : ")[0], m["vintage"], m["estimated"])
            if m["places"] is None and not m["masked"] or key in seen:
                continue
            seen.add(key)
            result.append(
                {
                    "mode": m["label"],
                    "label": key[1],
                    "url": m["source_url"],
                    "vintage": m["vintage"],
                    "estimated": m["estimated"],
                }
            )
    return result


def _highlighted(coverage: dict) -> set[str]:
    national = next(
        (r for r in coverage["references"] if r["key"] == "coverage-reference-fr"), None
    )
    if national is None:
        return set()
    return {
        c["code"]
        for c in coverage["communes"]
        if c["rate"] is not None and c["rate"] < national["rate"]
    }


@login_not_required
def index(request):
    groups = TerritoryGroup.objects.order_by("name")
    return render(request, "observatory/index.html", {"groups": groups})


@login_not_required
def dashboard(request, slug):
    group = observatory_perms.get_territory(slug)
    communes = list(group.communes.all())
    report = coverage_report(communes, title=group.name, slug=group.slug, with_areas=True)
    raw = raw_codes(request, report.communes)
    coverage = report.as_dict(
        raw_codes=raw, demand=demand_summary(report.communes, previous_ok=True)
    )
    trend = [
        {
            "period": p.period,
            "value": p.value,
            "change": p.change,
            "label": p.label,
            "series": p.series,
        }
        for p in territory_trend(group, report)
    ]
    shapes = _commune_shapes(report.communes)
    return render(
        request,
        "observatory/dashboard.html",
        {
            "group": group,
            "coverage": coverage,
            "modes": MODE_CHOICES,
            "highlighted": _highlighted(coverage),
            "mode_sources": _mode_sources(coverage),
            "raw": raw,
            "trend": trend,
            "bars_svg": mark_safe(diagnostic.coverage_bars(coverage)),
            "map_svg": mark_safe(diagnostic.coverage_map(shapes, coverage)),
            "demand_bars_svg": mark_safe(diagnostic.demand_bars(coverage)),
            "demand_map_svg": mark_safe(diagnostic.demand_map(shapes, coverage)),
            "trend_svg": mark_safe(diagnostic.trend_chart(trend, _history())),
            "territory_figures": [
                (f, f.indicator in COUNT_INDICATORS and 0 < f.value < report.params.threshold)
                for f in Figure.objects.filter(territory=group).order_by("indicator", "-period")
            ],
        },
    )


@login_not_required
def commune_sheet(request, insee):
    commune = get_object_or_404(Commune.objects.with_related(), insee_code=insee)
    report = coverage_report([commune], title=commune.name)
    raw = raw_codes(request, [commune])
    coverage = report.as_dict(
        raw_codes=raw, demand=demand_summary(report.communes, previous_ok=True)
    )
    row = coverage["communes"][0]
    trend = [
        {
            "period": p.period,
            "value": p.value,
            "change": p.change,
            "label": p.label,
            "series": p.series,
        }
        for p in commune_trend(commune, report)
    ]
    threshold = report.params.threshold
    figures = []
    for f in Figure.objects.filter(commune=commune).order_by("indicator", "-period"):
        masked = (
            commune.insee_code not in raw
            and 0 < f.value < threshold
            and f.indicator != "coverage_rate"
        )
        figures.append((f, masked))
    return render(
        request,
        "observatory/commune.html",
        {
            "commune": commune,
            "coverage": coverage,
            "row": row,
            "gap": coverage["gaps"][0],
            "modes": MODE_CHOICES,
            "raw": raw,
            "figures": figures,
            "groups": commune.territory_groups.order_by("name"),
            "bars_svg": mark_safe(diagnostic.coverage_bars(coverage)),
            "trend_svg": mark_safe(diagnostic.trend_chart(trend, _history(), commune.name)),
            "demand_bars_svg": "",
            "demand_map_svg": "",
            "trend": trend,
        },
    )


@login_not_required
def maps(request, slug):
    group = observatory_perms.get_territory(slug)
    communes = list(group.communes.order_by("name"))
    report = coverage_report(communes, title=group.name, slug=group.slug)
    coverage = report.as_dict(raw_codes=raw_codes(request, report.communes))
    shapes = _commune_shapes(report.communes)
    markers = supply.markers([c.pk for c in communes])
    themes = []
    for key, label in supply.THEMES:
        color, shape = charts.THEME_STYLES.get(key, ("#333", "circle"))
        items = [m for m in markers if m["theme"] == key]
        themes.append(
            {"key": key, "label": label, "color": color, "shape": shape, "markers": items}
        )
    has_contours = any(c["geometry"] for c in shapes)
    fallback = charts.map_svg(
        [
            {**a, "fill": a["fill"] if has_contours else "#f8f9fa"}
            for a in diagnostic.map_areas(shapes, coverage)
        ],
        [
            {
                "latitude": m["latitude"],
                "longitude": m["longitude"],
                "color": charts.THEME_STYLES.get(m["theme"], ("#333", "circle"))[0],
                "shape": charts.THEME_STYLES.get(m["theme"], ("#333", "circle"))[1],
                "label": f"{m['name']} ({m['kind_label']})",
            }
            for m in markers
        ],
        title=f"Carte de l'offre et de la couverture — {group.name}",
        legend=[(t["shape"], t["color"], t["label"]) for t in themes],
        ident="carte-statique",
    )
    return render(
        request,
        "observatory/maps.html",
        {
            "group": group,
            "themes": themes,
            "has_contours": has_contours,
            "fallback_svg": mark_safe(fallback),
            "tiles_url": getattr(settings, "MAILLAGE_MAP_TILES_URL", ""),
            "tiles_attribution": getattr(settings, "MAILLAGE_MAP_TILES_ATTRIBUTION", ""),
            "legend": charts.rate_legend(),
        },
    )


@login_not_required
def map_data(request, slug):
    """GeoJSON of the communes (coverage rate, masked) and the structures, for the map page."""
    group = observatory_perms.get_territory(slug)
    communes = list(group.communes.all())
    report = coverage_report(communes, title=group.name, slug=group.slug)
    coverage = report.as_dict(raw_codes=raw_codes(request, report.communes))
    by_code = {c["code"]: c for c in coverage["communes"]}
    features = []
    for c in report.communes:
        row = by_code[c.insee_code]
        geometry = c.geometry or (
            {"type": "Point", "coordinates": [c.longitude, c.latitude]}
            if c.latitude is not None
            else None
        )
        if geometry is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "layer": "commune",
                    "code": c.insee_code,
                    "name": c.name,
                    "rate": row["rate"],
                    "catchment_rate": row["catchment_rate"],
                    "estimated": row["estimated"],
                    "fill": charts.NO_DATA_FLAT
                    if row["rate"] is None
                    else charts.rate_color(row["rate"]),
                    "no_data": row["rate"] is None,
                },
            }
        )
    for m in supply.markers([c.pk for c in communes]):
        color, shape = charts.THEME_STYLES.get(m["theme"], ("#333", "circle"))
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [m["longitude"], m["latitude"]]},
                "properties": {
                    "layer": "structure",
                    "name": m["name"],
                    "kind": m["kind_label"],
                    "theme": m["theme"],
                    "theme_label": m["theme_label"],
                    "commune": m["commune_name"],
                    "color": color,
                    "approximate": m["approximate"],
                },
            }
        )
    return JsonResponse({"type": "FeatureCollection", "features": features})


# diagnostic partagé -------------------------------------------------------------------------


def _diagnostic_page(request, group, forms=None, conflicts=None, status=200):
    membership = _membership(request)
    can_edit = observatory_perms.can_edit_commentary(membership, group)
    comments = commentary.comments_of(group)
    forms, conflicts = forms or {}, conflicts or {}
    blocks = []
    for section in DiagnosticSection:
        comment = comments.get(section.value)
        form = forms.get(section.value) or CommentForm(instance=comment, prefix=section.value)
        blocks.append(
            {
                "section": section,
                "comment": comment,
                "form": form,
                "conflict": section.value in conflicts,
            }
        )
    editions = (
        DiagnosticEdition.objects.filter(territory=group)
        .select_related("job", "created_by")
        .defer("html", "pdf", "snapshot", "job__result")
    )
    return render(
        request,
        "observatory/diagnostic.html",
        {
            "group": group,
            "blocks": blocks,
            "editions": [{"edition": e, "state": diagnostic.edition_state(e)} for e in editions],
            "can_edit": can_edit,
            "can_generate": observatory_perms.can_start_diagnostic(membership, group),
        },
        status=status,
    )


def diagnostic_page(request, slug):
    group = observatory_perms.get_diagnostic_territory(_membership(request), slug)
    return _diagnostic_page(request, group)


@require_POST
def comment_update(request, slug, section):
    group = observatory_perms.get_territory_for_commentary(_membership(request), slug, section)
    comment = commentary.comments_of(group).get(section)
    form = CommentForm(request.POST, instance=comment, prefix=section)
    if not form.is_valid():
        messages.error(
            request, "Le commentaire n'a pas été enregistré : corrigez l'erreur signalée."
        )
        return _diagnostic_page(request, group, forms={section: form}, status=400)
    try:
        commentary.save_comment(
            group,
            section,
            form.cleaned_data["text"],
            form.cleaned_data["version"],
            actor=request.user,
            organisation=getattr(request, "current_organisation", None),
        )
    except ConcurrentEditError as exc:
        # What the person typed, against the version now stored: saving again is a choice.
        current = commentary.comments_of(group).get(section)
        data = request.POST.copy()
        data[f"{section}-version"] = current.version if current else commentary.NEW
        form = CommentForm(data, instance=current, prefix=section)
        form.add_error(None, str(exc))
        return _diagnostic_page(
            request, group, forms={section: form}, conflicts={section: current}, status=409
        )
    messages.success(
        request,
        f"Commentaire « {DiagnosticSection(section).label} » enregistré ; il figurera dans la "
        "prochaine édition.",
    )
    return redirect("web:observatory_diagnostic", slug=group.slug)


@require_POST
def generate(request, slug):
    group = observatory_perms.get_territory_for_generation(_membership(request), slug)
    edition, created = diagnostic.request_edition(
        group, actor=request.user, organisation=getattr(request, "current_organisation", None)
    )
    if created:
        messages.info(
            request,
            f"Édition n° {edition.number} du diagnostic demandée : elle est générée en "
            "arrière-plan, suivez son avancement ci-dessous.",
        )
    else:
        messages.info(
            request,
            f"L'édition n° {edition.number} est déjà en cours de génération : suivez son "
            "avancement ci-dessous.",
        )
    return redirect("web:observatory_diagnostic", slug=group.slug)


def edition_status(request, slug, number):
    """The polled fragment: progress of the edition, then its links or its error. Never writes."""
    edition = observatory_perms.get_edition(_membership(request), slug, number)
    return render(
        request,
        "observatory/_edition_status.html",
        {
            "edition": edition,
            "group": edition.territory,
            "state": diagnostic.edition_state(edition),
        },
    )


def edition_detail(request, slug, number):
    edition = observatory_perms.get_edition(
        _membership(request), slug, number, defer=("pdf", "snapshot")
    )
    return render(
        request,
        "observatory/edition.html",
        {
            "edition": edition,
            "group": edition.territory,
            "state": diagnostic.edition_state(edition),
            "body": mark_safe(edition.html),
        },
    )


def edition_pdf(request, slug, number):
    edition = observatory_perms.get_edition(
        _membership(request), slug, number, defer=("html", "snapshot")
    )
    content = downloads.edition_pdf(
        edition, actor=request.user, organisation=request.current_organisation
    )
    if content is None:
        messages.error(request, "Le PDF de cette édition n'est pas (encore) disponible.")
        return redirect("web:observatory_diagnostic", slug=slug)
    response = HttpResponse(content, content_type="application/pdf")
    filename = f"diagnostic-{slug}-{edition.number}-{datetime.date.today():%Y%m%d}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
