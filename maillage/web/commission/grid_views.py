"""Pages of the points grid, reserves and emergency admissions (agents of the territory's
guichet), and the public page « Comment sont attribuées les places ». Each view parses input,
calls one domain service, renders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from maillage.accounts.perms import require_professional
from maillage.audit.workflow import WorkflowError
from maillage.commission import emergency, grids, perms, reserves
from maillage.commission.enums import GridStatus
from maillage.commission.rules import public_rules
from maillage.territories.models import TerritoryGroup
from maillage.web.commission.grid_forms import EmergencyForm, GridForm, ReserveForm


def _posted(request):
    return request.POST if request.method == "POST" else None


def _territory(slug) -> TerritoryGroup:
    return get_object_or_404(TerritoryGroup, slug=slug)


def _agent(request, territory):
    membership = require_professional(request)
    perms.require_commission_agent(membership, territory, perms.NOT_GRID_AGENT)
    return membership


def _version(territory, version):
    grid = grids.get_version(territory, version)
    if grid is None:
        raise Http404("Cette version de la grille n'existe pas.")
    return grid


# --- public -------------------------------------------------------------------------------------


@login_not_required
def rules_page(request, territory):
    """« Comment sont attribuées les places » (CRPA L. 312-1-3), for everyone."""
    territory = _territory(territory)
    return render(
        request,
        "commission/rules_territory.html",
        {"territory": territory, **public_rules(territory)},
    )


# --- grid versions --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def grid_list(request, territory):
    territory = _territory(territory)
    membership = _agent(request, territory)
    if request.method == "POST":
        try:
            grid = grids.create_draft(
                territory, actor=request.user, organisation=membership.organisation
            )
        except grids.GridError as exc:
            messages.error(request, str(exc))
            return redirect("web:commission_grids", territory=territory.slug)
        messages.success(request, f"Projet de grille v{grid.version} créé : modifiez ses lignes.")
        return redirect("web:commission_grid", territory=territory.slug, version=grid.version)
    return render(
        request,
        "commission/grid_list.html",
        {
            "territory": territory,
            "versions": grids.versions(territory),
            "in_force": grids.grid_in_force(territory),
        },
    )


def _grid_page(request, territory, grid, form, status=200, errors=None):
    return render(
        request,
        "commission/grid_detail.html",
        {
            "territory": territory,
            "grid": grid,
            "form": form,
            "lines": grids.line_dicts(grid),
            "line_errors": errors or [],
            "refusal": grids.adoption_refusal(grid) if grid.status == GridStatus.DRAFT else "",
            "simulation": grids.latest_simulation(grid),
            "in_force": grids.grid_in_force(territory),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def grid_detail(request, territory, version):
    territory = _territory(territory)
    membership = _agent(request, territory)
    grid = _version(territory, version)
    draft = grid.status == GridStatus.DRAFT
    if request.method != "POST":
        form = GridForm(initial=GridForm.initial_for(grid)) if draft else None
        return _grid_page(request, territory, grid, form)
    if not draft:
        messages.error(request, "Une grille adoptée ne change plus : créez une nouvelle version.")
        return redirect("web:commission_grid", territory=territory.slug, version=grid.version)
    form = GridForm(request.POST)
    if not form.is_valid():
        return _grid_page(request, territory, grid, form, status=400)
    data = form.cleaned_data
    try:
        grids.update_draft(
            grid,
            title=data["title"],
            valid_from=data["valid_from"],
            deliberation=data["deliberation"],
            notes=data["notes"],
            lines=form.lines(),
            actor=request.user,
            organisation=membership.organisation,
        )
    except grids.GridValidationError as exc:
        return _grid_page(request, territory, grid, form, 400, exc.errors.get("lines", []))
    except grids.GridError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Projet de grille enregistré.")
    return redirect("web:commission_grid", territory=territory.slug, version=grid.version)


@require_POST
def grid_adopt(request, territory, version):
    territory = _territory(territory)
    membership = _agent(request, territory)
    grid = _version(territory, version)
    try:
        grids.adopt(
            grid,
            actor=request.user,
            organisation=membership.organisation,
            deliberation=request.POST.get("deliberation", ""),
        )
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"Grille v{grid.version} adoptée : elle s'applique aux commissions dont la liste est "
            f"arrêtée à partir du {grid.valid_from:%d/%m/%Y}.",
        )
    return redirect("web:commission_grid", territory=territory.slug, version=grid.version)


@require_POST
def grid_delete(request, territory, version):
    territory = _territory(territory)
    membership = _agent(request, territory)
    grid = _version(territory, version)
    try:
        grids.delete_draft(grid, actor=request.user, organisation=membership.organisation)
    except grids.GridError as exc:
        messages.error(request, str(exc))
        return redirect("web:commission_grid", territory=territory.slug, version=grid.version)
    messages.success(request, f"Projet de grille v{version} supprimé.")
    return redirect("web:commission_grids", territory=territory.slug)


def _simulation_context(territory, grid):
    job = grids.latest_simulation(grid)
    result = job.result if job is not None and job.status == "done" else {}
    return {
        "territory": territory,
        "grid": grid,
        "job": job,
        "result": result,
        "stale": bool(result) and result.get("signature") != grids.lines_signature(grid),
    }


@require_http_methods(["GET", "POST"])
def grid_simulation(request, territory, version):
    territory = _territory(territory)
    membership = _agent(request, territory)
    grid = _version(territory, version)
    if request.method == "POST":
        try:
            grids.start_simulation(grid, actor=request.user, organisation=membership.organisation)
        except grids.GridError as exc:
            messages.error(request, str(exc))
        return redirect(
            "web:commission_grid_simulation", territory=territory.slug, version=grid.version
        )
    return render(request, "commission/grid_simulation.html", _simulation_context(territory, grid))


def grid_simulation_status(request, territory, version):
    """htmx fragment polled while the simulation runs; once finished, the page reloads."""
    territory = _territory(territory)
    _agent(request, territory)
    grid = _version(territory, version)
    context = _simulation_context(territory, grid)
    response = render(request, "commission/_grid_simulation_status.html", context)
    job = context["job"]
    if job is None or job.finished:
        response["HX-Refresh"] = "true"
    return response


# --- reserves -------------------------------------------------------------------------------


def _reserve_input(data, structure=None, age_group=""):
    return reserves.ReserveInput(
        structure=data.get("structure", structure),
        age_group=data.get("age_group", age_group),
        kind=data["kind"],
        places=data["places"],
        release_if_unused=data["release_if_unused"],
        valid_from=data["valid_from"],
        valid_until=data.get("valid_until"),
        employer=data.get("employer", ""),
        reason=data.get("reason", ""),
    )


def _add_errors(form, errors: dict) -> None:
    for field, messages_list in errors.items():
        for message in messages_list:
            form.add_error(None if field not in form.fields else field, message)


@require_http_methods(["GET", "POST"])
def reserve_list(request, territory):
    territory = _territory(territory)
    membership = _agent(request, territory)
    structures = reserves.territory_structures(territory)
    bands = grids.age_bands(territory)
    form = ReserveForm(
        _posted(request),
        structures=structures,
        bands=bands,
        initial={"valid_from": grids.today()},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                reserve = reserves.declare_reserve(
                    territory,
                    _reserve_input(form.cleaned_data),
                    actor=request.user,
                    organisation=membership.organisation,
                )
            except reserves.ReserveError as exc:
                _add_errors(form, exc.errors)
            else:
                messages.success(request, f"Réserve déclarée : {reserve}.")
                return redirect("web:commission_reserves", territory=territory.slug)
        status = 400
    labels = {band["code"]: band["label"] for band in bands}
    rows = [(r, labels.get(r.age_group, r.age_group)) for r in reserves.reserves_of(territory)]
    return render(
        request,
        "commission/reserve_list.html",
        {
            "territory": territory,
            "form": form,
            "rows": rows,
            "today": grids.today(),
            "quota": reserves.quota_rule(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def reserve_edit(request, territory, pk):
    territory = _territory(territory)
    membership = _agent(request, territory)
    reserve = reserves.get_reserve(territory, pk)
    if reserve is None:
        raise Http404("Cette réserve n'existe pas dans ce territoire.")
    bands = grids.age_bands(territory)
    initial = {
        "kind": reserve.kind,
        "employer": reserve.employer,
        "places": reserve.places,
        "release_if_unused": "1" if reserve.release_if_unused else "0",
        "valid_from": reserve.valid_from,
        "valid_until": reserve.valid_until,
        "reason": reserve.reason,
    }
    form = ReserveForm(_posted(request), initial=initial, bands=bands, editing=True)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                reserves.update_reserve(
                    territory,
                    reserve,
                    _reserve_input(form.cleaned_data, reserve.structure, reserve.age_group),
                    actor=request.user,
                    organisation=membership.organisation,
                )
            except reserves.ReserveError as exc:
                _add_errors(form, exc.errors)
            else:
                messages.success(request, "Réserve enregistrée.")
                return redirect("web:commission_reserves", territory=territory.slug)
        status = 400
    labels = {band["code"]: band["label"] for band in bands}
    return render(
        request,
        "commission/reserve_edit.html",
        {
            "territory": territory,
            "reserve": reserve,
            "age_label": labels.get(reserve.age_group, reserve.age_group),
            "form": form,
        },
        status=status,
    )


# --- emergency admissions -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def emergency_list(request, territory):
    territory = _territory(territory)
    membership = _agent(request, territory)
    bands = grids.age_bands(territory)
    form = EmergencyForm(
        _posted(request),
        structures=reserves.territory_structures(territory),
        bands=bands,
        initial={"admitted_on": grids.today()},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                admission = emergency.record_emergency(
                    territory,
                    emergency.EmergencyInput(
                        number=data["number"],
                        structure=data["structure"],
                        age_group=data["age_group"],
                        admitted_on=data["admitted_on"],
                        reason=data["reason"],
                    ),
                    actor=request.user,
                    organisation=membership.organisation,
                )
            except emergency.EmergencyError as exc:
                _add_errors(form, exc.errors)
            else:
                messages.success(
                    request,
                    f"Admission en urgence enregistrée pour la demande "
                    f"{admission.application.number} : "
                    f"{admission.application.get_state_display().lower()}.",
                )
                return redirect("web:commission_emergencies", territory=territory.slug)
        status = 400
    labels = {band["code"]: band["label"] for band in bands}
    admissions = emergency.read_for_agent(
        territory, actor=request.user, organisation=membership.organisation
    )
    rows = [(a, labels.get(a.age_group, a.age_group)) for a in admissions]
    return render(
        request,
        "commission/emergency_list.html",
        {"territory": territory, "form": form, "rows": rows},
        status=status,
    )
