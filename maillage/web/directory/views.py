"""Directory pages: public search with a map, structure and childminder pages, the cost
simulator, open-data exports (all public), and the agents' file import (login + organisation)."""

import datetime
import math
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods

from maillage.accounts.enums import OrganisationKind
from maillage.accounts.models import Organisation
from maillage.applications.services import guichets_for_structure
from maillage.core.concurrency import ConcurrentEditError
from maillage.core.imports import (
    ImportLimitError,
    file_too_large_message,
    max_bytes,
    max_rows,
)
from maillage.core.models import ParameterMissing
from maillage.directory import perms as directory_perms
from maillage.directory import rights, services
from maillage.directory.enums import ImportKind
from maillage.directory.importers import VALUES_HELP, column_help
from maillage.directory.models import Childminder, DirectoryImport, Structure
from maillage.directory.pricing import PricingInputError
from maillage.directory.search import (
    CHILDMINDER,
    EAJE,
    SearchCriteria,
    helpers_for,
    helpers_for_communes,
    search,
    wider_searches,
)
from maillage.directory.simulation import CareKind, simulate_cmg, simulate_psu
from maillage.web.directory.forms import (
    AvailabilityForm,
    ChildminderEraseForm,
    ChildminderRectifyForm,
    ImportForm,
    SearchForm,
    SimulatorForm,
    commune_label,
    search_query_without_birth_date,
)

FIELD_LABELS = {
    "monthly_resources": "Ressources mensuelles",
    "children": "Enfants à charge",
    "aeeh_children": "Enfants bénéficiaires de l'AEEH",
    "hours_per_month": "Heures par mois",
    "hourly_wage": "Salaire horaire",
}


# results shown at once in the list (and on the map); « Voir plus de résultats » loads the next
# ones (htmx), or, without JavaScript, reloads the page with one more page of results
PAGE_SIZE = 20


@dataclass(frozen=True)
class ResultRow:
    """What the list and the map show of one hit, computed once here (display values ready:
    the template only prints them)."""

    number: int  # 1-based rank in the results (anchor « resultat-<n> »)
    url: str
    name: str
    childminder: bool
    kind_label: str
    place: str  # address and commune (structures) or commune (childminders), distance
    details: str  # structures: days, hours, places; childminders: agreement
    availability: str  # childminders: « 2 places disponibles », or "" (none declared lately)
    availability_when: str  # « à partir du 01/12/2026, du lundi au vendredi, 08:00 – 18:00 »
    availability_note: str  # « (déclaré le …) »
    reserved_to: str  # structures reserved to families of other communes: who is admitted
    badges: tuple[str, ...]
    map_item: dict | None  # the marker (None: no public position)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"  # as the `pluralize` filter


def _distance(hit) -> str:
    if hit.distance_km is None:
        return ""
    approx = " (≈)" if hit.obj.is_approximate else ""
    return f" · {floatformat(hit.distance_km, 1)} km{approx}"


def _result_row(number: int, hit, structure_url: str, childminder_url: str) -> ResultRow:
    obj = hit.obj
    availability = when = note = reserved = ""
    if hit.is_childminder:
        url = childminder_url.replace("/0/", f"/{obj.pk}/", 1)
        name = obj.public_name
        place = f"{obj.commune.name}{_distance(hit)}"
        details = f"agrément {_plural(obj.agreement_places, 'place')}"
        a = hit.availability
        if a is not None:
            hours = f", {a.hours_label}" if a.hours_label else ""
            availability = f"{_plural(a.places, 'place')} disponible{'' if a.places == 1 else 's'}"
            when = f"à partir du {a.available_from:%d/%m/%Y}, {a.days_label}{hours}"
            note = f"(déclaré le {a.declared_on:%d/%m/%Y})"
    else:
        url = structure_url.replace("/0/", f"/{obj.pk}/", 1)
        name = obj.name
        address = f"{obj.address}, " if obj.address else ""
        place = f"{address}{obj.commune.name}{_distance(hit)}"
        hours = f", {obj.hours_label}" if obj.hours_label else ""
        places = obj.places_total
        details = f"{obj.days_label}{hours}" + (f" · {_plural(places, 'place')}" if places else "")
        if not hit.admits_family:
            reserved = ", ".join(c.name for c in hit.admitted_communes)
    location = obj.public_location()
    map_item = None
    if location.known:
        map_item = {
            "lat": location.latitude,
            "lon": location.longitude,
            "name": name,
            "kind": hit.kind_label,
            "childminder": hit.is_childminder,
            "url": url,
            "approximate": location.approximate,
            "distance_km": round(hit.distance_km, 1) if hit.distance_km is not None else None,
        }
    return ResultRow(
        number=number,
        url=url,
        name=name,
        childminder=hit.is_childminder,
        kind_label=hit.kind_label,
        place=place,
        details=details,
        availability=availability,
        availability_when=when,
        availability_note=note,
        reserved_to=reserved,
        badges=tuple(obj.badges),
        map_item=map_item,
    )


def _result_rows(hits, start: int) -> list[ResultRow]:
    """The rows of `hits`, numbered from `start` + 1 (URLs reversed once, not per hit)."""
    structure_url = reverse("web:directory_structure", args=[0])
    childminder_url = reverse("web:directory_childminder", args=[0])
    return [
        _result_row(start + i + 1, hit, structure_url, childminder_url)
        for i, hit in enumerate(hits)
    ]


def _page_number(raw: str, total: int) -> int:
    """The `page` parameter, within the pages there are (1 when absent or not a number)."""
    pages = max(1, math.ceil(total / PAGE_SIZE))
    try:
        return min(max(int(raw), 1), pages)
    except (TypeError, ValueError):
        return 1


def _next_page_query(query, page: int) -> str:
    changed = query.copy()
    changed["page"] = str(page + 1)
    return changed.urlencode()


def _outlines(communes) -> list[dict]:
    return [
        {"type": "Feature", "properties": {"name": c.name}, "geometry": c.geometry}
        for c in communes
        if c.geometry
    ]


def _map_payload(items, centre=None, radius_km=None, outlines=()):
    return {
        "items": items,
        "centre": list(centre) if centre else None,
        "radius_km": radius_km,
        "outlines": list(outlines),
        "tiles": {
            "url": settings.MAILLAGE_MAP_TILES_URL,
            "attribution": settings.MAILLAGE_MAP_TILES_ATTRIBUTION,
        },
    }


def _commune_services(commune):
    """The commune's own organisation (service petite enfance), when Maillage knows it."""
    return list(
        Organisation.objects.active()
        .filter(kind=OrganisationKind.COMMUNE, communes=commune)
        .order_by("name")[:2]
    )


# how each wider search changes the query string (the search stays a GET)
WIDER_QUERY = {
    "childminders": {"kind": CHILDMINDER},
    "structures": {"kind": EAJE},
    "days": {"days": None},
    "hours": {"from_time": None, "until_time": None},
    "atypical": {"atypical": None},
    "inclusion": {"inclusion": None},
    "available": {"all_childminders": "on"},
}


def _wider_links(query, options) -> list[dict]:
    links = []
    for option in options:
        changed = query.copy()
        changes = WIDER_QUERY.get(option.key, {})
        if option.key == "radius":
            changes = {"radius_km": f"{option.radius_km:.0f}"}
        for name, value in changes.items():
            if value is None:
                changed.pop(name, None)
            else:
                changed[name] = value
        links.append(
            {"label": option.label, "count": option.count, "url": f"?{changed.urlencode()}"}
        )
    return links


def _helpers(commune, postal_communes) -> list:
    """« Qui peut m'aider ? » for the commune, or for each commune sharing the postal code."""
    return helpers_for_communes([commune] if commune else postal_communes)


@login_not_required
def search_view(request):
    reduced = search_query_without_birth_date(request.GET)
    if reduced is not None:  # a full birth date: keep only its month, in a new address
        return redirect(f"{request.path}?{reduced}" if reduced else request.path)
    form = SearchForm(request.GET or None)
    context = {"form": form, "searched": False}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        commune = data["commune_obj"]
        postal_communes = data["postal_communes"]
        today = datetime.date.today()
        criteria = SearchCriteria(
            commune=commune,
            communes=postal_communes,
            radius_km=data.get("radius_km") or 10,
            kinds=[data["kind"]] if data.get("kind") else [],
            age_months=form.age_months_value(today),
            days_mask=form.days_mask_value(),
            needs_from=data.get("from_time"),
            needs_until=data.get("until_time"),
            atypical=data.get("atypical") or [],
            inclusion=bool(data.get("inclusion")),
            only_available=not data.get("all_childminders"),
            on=today,
        )
        result = search(criteria)
        total = len(result.hits)
        page = _page_number(request.GET.get("page"), total)
        more = page * PAGE_SIZE < total
        if request.htmx:
            # « Voir plus de résultats »: only the rows of the page asked for, and what follows
            rows = _result_rows(
                result.hits[(page - 1) * PAGE_SIZE : page * PAGE_SIZE], (page - 1) * PAGE_SIZE
            )
            response = render(
                request,
                "directory/_results_more.html",
                {
                    "rows": rows,
                    "total": total,
                    "shown": min(total, page * PAGE_SIZE),
                    "next_query": _next_page_query(request.GET, page) if more else "",
                    "next_number": page * PAGE_SIZE + 1,
                    "paginated": True,
                    "more_map_items": [r.map_item for r in rows if r.map_item],
                },
            )
            patch_vary_headers(response, ["HX-Request"])
            return response
        # without JavaScript, « Voir plus » reloads the page with the results up to its page
        rows = _result_rows(result.hits[: page * PAGE_SIZE], 0)
        wider = [] if result.hits else _wider_links(request.GET, wider_searches(criteria))
        outlines = []
        if result.centre is not None:
            from maillage.territories.models import Commune

            communes = {h.obj.commune_id for h in result.hits[: page * PAGE_SIZE]}
            communes |= {c.pk for c in postal_communes}
            if commune is not None:
                communes.add(commune.pk)
            outlines = _outlines(Commune.objects.filter(pk__in=communes))
        context.update(
            searched=True,
            commune=commune,
            criteria=criteria,
            result=result,
            rows=rows,
            total=total,
            shown=len(rows),
            next_query=_next_page_query(request.GET, page) if more else "",
            next_number=len(rows) + 1,
            paginated=total > PAGE_SIZE,
            derived_start=form.derived_start(today),
            wider=wider,
            postal_code=data["commune"].strip() if postal_communes else "",
            postal_communes=postal_communes,
            helpers=_helpers(commune, postal_communes),
            commune_services=_commune_services(commune) if commune else [],
            map_data=_map_payload(
                [r.map_item for r in rows if r.map_item],
                result.centre,
                # around several communes there is no single circle: their outlines show them
                None if len(postal_communes) > 1 else result.radius_km,
                outlines,
            ),
        )
    elif not form.is_bound:
        context["form"] = SearchForm(initial={"radius_km": 10})
    else:
        choices = []
        for candidate in getattr(form, "commune_candidates", []):
            query = request.GET.copy()
            query["commune"] = commune_label(candidate)
            query["insee"] = candidate.insee_code
            label = f"{commune_label(candidate)}, {candidate.departement.name}"
            choices.append((label, f"?{query.urlencode()}"))
        context["commune_choices"] = choices
    response = render(request, "directory/search.html", context)
    patch_vary_headers(response, ["HX-Request"])  # the same address also answers « Voir plus »
    return response


@login_not_required
def structure_detail(request, pk: int):
    structure = get_object_or_404(
        Structure.objects.select_related("commune", "manager").prefetch_related(
            "admitted_communes"
        ),
        pk=pk,
        is_active=True,
    )
    care = CareKind.of_structure_kind(structure.kind) if structure.is_eaje else None
    helpers = [h for h in helpers_for(structure.commune) if h.pk != structure.pk]
    map_data = None
    if structure.latitude is not None:
        map_data = _map_payload(
            [
                {
                    "lat": structure.latitude,
                    "lon": structure.longitude,
                    "name": structure.name,
                    "kind": structure.get_kind_display(),
                    "childminder": False,
                    "url": "",
                    "approximate": structure.is_approximate,
                    "distance_km": None,
                }
            ],
            outlines=_outlines([structure.commune]),
        )
    return render(
        request,
        "directory/structure.html",
        {
            "structure": structure,
            "simulator_care": care if structure.pricing_mode == "psu" else None,
            "helpers": helpers,
            "map_data": map_data,
            "guichets": _guichet_links(request, structure),
        },
    )


def _guichet_links(request, structure) -> list[dict]:
    """« Faire une demande » at each guichet unique the structure takes part in: the new
    application with the structure as first wish; anonymous visitors sign up (or log in)
    first and come back to it."""
    links = []
    for territory in guichets_for_structure(structure):
        target = reverse("web:guichet_family_new", args=[territory.slug])
        target = f"{target}?{urlencode({'structure': structure.pk})}"
        if request.user.is_authenticated:
            links.append({"territory": territory, "url": target, "login_url": ""})
        else:
            query = urlencode({"next": target})
            links.append(
                {
                    "territory": territory,
                    "url": f"{reverse('web:guichet_signup')}?{query}",
                    "login_url": f"{reverse('web:login')}?{query}",
                }
            )
    return links


@login_not_required
def childminder_detail(request, pk: int):
    membership = _membership(request)
    file = services.get_childminder_for(membership, pk, actor=request.user)
    childminder = file.childminder
    can_declare = directory_perms.can_declare_availability(membership, childminder)
    return render(
        request,
        "directory/childminder.html",
        {
            "childminder": childminder,
            "shows_private": file.shows_private,
            "availability": childminder.current_availability(),
            "helpers": helpers_for(childminder.commune),
            "commune_services": _commune_services(childminder.commune),
            "can_declare": can_declare,
        },
    )


@require_http_methods(["GET", "POST"])
def declare_availability(request, pk: int):
    """An agent (of an organisation covering the commune) records a declared availability."""
    membership = _membership(request)
    childminder = directory_perms.get_childminder_for_declaration(membership, pk)
    kwargs = {"agreement_places": childminder.agreement_places}
    if request.method == "POST":
        form = AvailabilityForm(request.POST, **kwargs)
        if form.is_valid():
            services.declare_availability(membership, childminder, form.cleaned_data)
            messages.success(request, "Disponibilité enregistrée : elle est publiée.")
            return redirect("web:directory_childminder", pk=childminder.pk)
    else:
        form = AvailabilityForm(
            initial={"available_from": datetime.date.today(), "days": [0, 1, 2, 3, 4]}, **kwargs
        )
    return render(
        request,
        "directory/availability_form.html",
        {"childminder": childminder, "form": form},
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def simulator_view(request):
    """POST, so that the family's resources never end up in a URL or a log."""
    today = datetime.date.today()
    context = {}
    if request.method == "POST":
        form = SimulatorForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            inputs = {
                "monthly_resources": data["monthly_resources"],
                "children": data["children"],
                "aeeh_children": data["aeeh_children"],
                "hours_per_month": data["hours_per_month"],
            }
            try:
                if data["care"] == SimulatorForm.CHILDMINDER:
                    context["cmg"] = simulate_cmg(
                        on=data["date"], hourly_wage=data["hourly_wage"], **inputs
                    )
                else:
                    context["psu"] = simulate_psu(on=data["date"], care_kind=data["care"], **inputs)
            except ParameterMissing as exc:
                form.add_error("date", f"{exc} Choisissez une date plus récente.")
            except PricingInputError as exc:
                for name, message in exc.errors.items():
                    form.add_error(name if name in form.fields else None, message)
    else:
        care = request.GET.get("care")
        initial = {"date": today, "children": 1, "aeeh_children": 0, "hours_per_month": 160}
        if care in dict(SimulatorForm.base_fields["care"].choices):
            initial["care"] = care
        form = SimulatorForm(initial=initial)
    context["form"] = form
    return render(request, "directory/simulator.html", context)


@login_not_required
def export_view(request, dataset: str, fmt: str):
    try:
        content, content_type = services.open_data_download(
            dataset,
            fmt,
            actor=request.user,
            organisation=getattr(request, "current_organisation", None),
        )
    except ValueError:
        raise Http404("Export inconnu.") from None
    response = HttpResponse(content, content_type=content_type)
    name = f"maillage-{dataset}-{datetime.date.today():%Y%m%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_not_required
def open_data_view(request):
    return render(
        request,
        "directory/open_data.html",
        {
            "structures": Structure.objects.active().count(),
            "childminders": Childminder.objects.active().count(),
        },
    )


def _membership(request):
    return getattr(request, "current_membership", None)


def _import_form_page(request, form, organisation, status=200, upload_error=""):
    recent = DirectoryImport.objects.filter(organisation=organisation).only(
        "pk", "filename", "kind", "status", "created_at"
    )[:10]
    return render(
        request,
        "directory/import.html",
        {
            "form": form,
            "recent": recent,
            "organisation": organisation,
            "max_bytes": max_bytes(),
            "max_rows": max_rows(),
            "upload_error": upload_error,
            "formats": [
                (ImportKind.STRUCTURES.label, column_help(ImportKind.STRUCTURES)),
                (ImportKind.CHILDMINDERS.label, column_help(ImportKind.CHILDMINDERS)),
            ],
            "values_help": VALUES_HELP,
        },
        status=status,
    )


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@require_http_methods(["GET", "POST"])
def import_view(request):
    membership = _membership(request)
    organisation = directory_perms.require_import(membership)
    if request.method == "POST":
        # refused before the body is read: an oversize upload never reaches the parser
        if _declared_length(request) > max_bytes() + 64 * 1024:
            form = ImportForm(initial={"kind": ImportKind.STRUCTURES})
            error = file_too_large_message(_declared_length(request))
            return _import_form_page(request, form, organisation, status=413, upload_error=error)
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                batch = services.upload_import(
                    membership, form.cleaned_data["file"], form.cleaned_data["kind"]
                )
            except ImportLimitError as exc:
                form.add_error("file", str(exc))
            else:
                return redirect("web:directory_import_preview", pk=batch.pk)
        return _import_form_page(request, form, organisation)
    form = ImportForm(initial={"kind": ImportKind.STRUCTURES})
    return _import_form_page(request, form, organisation)


@require_http_methods(["GET", "POST"])
def import_preview(request, pk: int):
    """The batch page: progress while the worker checks or imports the file (htmx polling, the
    page survives a reload), then the stored report (never recomputed) and the choices."""
    membership = _membership(request)
    batch = directory_perms.get_import_for(membership, pk)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "cancel":
            if services.cancel_import(membership, batch):
                messages.info(request, "Import abandonné : rien n'a été enregistré.")
                return redirect("web:directory_import")
        elif action in ("import_all", "import_valid"):
            try:
                services.confirm_import(membership, batch, valid_only=action == "import_valid")
            except services.ImportRefused as exc:
                messages.error(request, str(exc))
        return redirect("web:directory_import_preview", pk=batch.pk)
    return render(request, "directory/import_preview.html", _batch_context(batch))


def _batch_context(batch) -> dict:
    report = batch.report or {}
    return {
        "batch": batch,
        "report": report,
        "job": batch.job,
        "more_errors": max(report.get("error_count", 0) - len(report.get("errors", [])), 0),
    }


def import_status(request, pk: int):
    """htmx fragment polled while the batch is in progress; once done, the page reloads."""
    batch = directory_perms.get_import_for(_membership(request), pk)
    response = render(request, "directory/_import_status.html", _batch_context(batch))
    if not batch.in_progress:
        response["HX-Refresh"] = "true"
    return response


# Rights of the data subject (agents of an organisation covering the childminder's commune).


def childminder_data(request, pk: int):
    """The agent's page about one childminder's personal data: export, rectify, erase."""
    childminder = directory_perms.get_childminder_for_agent(request, pk)
    return render(
        request,
        "directory/childminder_data.html",
        {
            "childminder": childminder,
            "availabilities": rights.open_childminder_record(
                childminder,
                actor=request.user,
                organisation=request.current_organisation,
                purpose="Consultation des données personnelles de la fiche",
            ),
        },
    )


@require_http_methods(["POST"])
def childminder_export(request, pk: int):
    childminder = directory_perms.get_childminder_for_agent(request, pk)
    fmt = request.POST.get("format", "json")
    if fmt not in rights.EXPORT_FORMATS:
        raise Http404("Format d'export inconnu.")
    content, content_type = rights.export_childminder(
        childminder, fmt, actor=request.user, organisation=request.current_organisation
    )
    response = HttpResponse(content, content_type=content_type)
    name = f"donnees-assistant-maternel-{childminder.pk}-{datetime.date.today():%Y%m%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_http_methods(["GET", "POST"])
def childminder_edit(request, pk: int):
    childminder = directory_perms.get_childminder_for_agent(request, pk)
    status = 200
    if request.method == "POST":
        form = ChildminderRectifyForm(request.POST, instance=Childminder.objects.get(pk=pk))
        if form.is_valid():
            try:
                changed = rights.rectify_childminder(
                    childminder,
                    {name: form.cleaned_data[name] for name in rights.PERSONAL_FIELDS},
                    form.cleaned_data["version"],
                    actor=request.user,
                    organisation=request.current_organisation,
                )
            except ConcurrentEditError as exc:
                form.add_error(None, str(exc))
                status = 409
            else:
                messages.success(
                    request,
                    "Fiche rectifiée." if changed else "Aucune modification : rien à enregistrer.",
                )
                return redirect("web:directory_childminder_data", pk=childminder.pk)
    else:
        rights.open_childminder_record(
            childminder,
            actor=request.user,
            organisation=request.current_organisation,
            purpose="Ouverture du formulaire de rectification",
        )
        form = ChildminderRectifyForm(
            instance=childminder, initial={"version": childminder.version}
        )
    return render(
        request,
        "directory/childminder_edit.html",
        {"childminder": childminder, "form": form},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def childminder_erase(request, pk: int):
    childminder = directory_perms.get_childminder_for_agent(request, pk)
    status = 200
    if request.method == "POST":
        form = ChildminderEraseForm(request.POST)
        if form.is_valid():
            try:
                rights.erase_childminder(
                    childminder,
                    form.cleaned_data["version"],
                    actor=request.user,
                    organisation=request.current_organisation,
                    reason=form.cleaned_data["reason"],
                )
            except ConcurrentEditError as exc:
                form.add_error(None, str(exc))
                status = 409
            else:
                messages.success(
                    request,
                    "Fiche effacée : l'identité et les coordonnées ont été supprimées ; seules "
                    "les données utiles aux statistiques sont conservées.",
                )
                return redirect("web:directory_childminder_data", pk=childminder.pk)
    else:
        form = ChildminderEraseForm(initial={"version": childminder.version})
    return render(
        request,
        "directory/childminder_erase.html",
        {"childminder": childminder, "form": form},
        status=status,
    )
