"""Directory pages: public search with a map, structure and childminder pages, the cost
simulator, open-data exports (all public), and the agents' file import (login + organisation)."""

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
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


def _map_item(hit) -> dict:
    obj = hit.obj
    if hit.is_childminder:
        url = reverse("web:directory_childminder", args=[obj.pk])
        name = obj.public_name
    else:
        url = reverse("web:directory_structure", args=[obj.pk])
        name = obj.name
    location = obj.public_location()
    return {
        "lat": location.latitude,
        "lon": location.longitude,
        "name": name,
        "kind": hit.kind_label,
        "childminder": hit.is_childminder,
        "url": url,
        "approximate": location.approximate,
        "distance_km": round(hit.distance_km, 1) if hit.distance_km is not None else None,
    }


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
        wider = [] if result.hits else _wider_links(request.GET, wider_searches(criteria))
        outlines = []
        if result.centre is not None:
            from maillage.territories.models import Commune

            communes = {h.obj.commune_id for h in result.hits}
            communes |= {c.pk for c in postal_communes}
            if commune is not None:
                communes.add(commune.pk)
            outlines = _outlines(Commune.objects.filter(pk__in=communes))
        context.update(
            searched=True,
            commune=commune,
            criteria=criteria,
            result=result,
            derived_start=form.derived_start(today),
            wider=wider,
            postal_code=data["commune"].strip() if postal_communes else "",
            postal_communes=postal_communes,
            helpers=_helpers(commune, postal_communes),
            commune_services=_commune_services(commune) if commune else [],
            map_data=_map_payload(
                [_map_item(h) for h in result.hits if h.obj.public_location().known],
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
    return render(request, "directory/search.html", context)


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
