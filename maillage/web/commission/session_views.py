"""Pages of the commission's sessions for agents: the list and the creation, a session with its
declared places, the freeze, the run (a background job with progress), the proposal with its
statistics, a decision changed with a written reason, and the validation. Each view parses
input, calls one domain service, renders."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from maillage.accounts.perms import require_professional
from maillage.audit.workflow import WorkflowError
from maillage.commission import perms, runs, sessions
from maillage.commission.enums import DecisionOutcome, Exclusion, SessionStatus
from maillage.commission.grids import settings_in_force
from maillage.commission.instance import structure_key, structure_pk
from maillage.directory.models import Structure
from maillage.web.commission.session_forms import OverrideForm, PlacesForm, RunForm, SessionForm


def _session(request, slug):
    membership = require_professional(request)
    return membership, perms.require_session(membership, slug)


def session_list(request):
    """Commission agents: every session of their territories. Managers of a participating
    structure: the sessions where they declare their places."""
    membership = require_professional(request)
    agent = bool(perms.commission_territory_ids(membership))
    rows = perms.visible_sessions(membership) if agent else perms.manager_sessions(membership)
    if not agent and not rows.exists():
        perms.require_commission_agent(membership)
    rows = rows.select_related("territory").order_by("territory__name", "-date", "pk")
    return render(request, "commission/session_list.html", {"sessions": rows, "agent": agent})


def session_create(request):
    membership = require_professional(request)
    perms.require_commission_agent(membership)
    territories = perms.commission_territories(membership)
    form = SessionForm(request.POST or None, territories=territories)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                session = sessions.create_session(
                    data["territory"],
                    date=data["date"],
                    reference_date=data["reference_date"],
                    entry_from=data["entry_from"],
                    entry_until=data["entry_until"],
                    kind=data["kind"],
                    name=data["name"],
                    freeze_date=data["freeze_date"],
                    actor=request.user,
                    organisation=membership.organisation,
                )
            except sessions.SessionError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Séance créée. Déclarez maintenant les places ouvertes.")
                return redirect("web:commission_session", session=session.slug)
        status = 400
    return render(request, "commission/session_create.html", {"form": form}, status=status)


def _detail(request, membership, session, *, places_form=None, status=200):
    rules = settings_in_force(session.territory, session.date)
    bands = list(rules.age_bands)
    labels = {b["code"]: b["label"] for b in bands}
    structures = sessions.participating_structures(session.territory, session.date)
    places = list(
        session.places.select_related("structure").order_by("structure__name", "age_group")
    )
    for line in places:
        line.age_label = labels.get(line.age_group, line.age_group)
    run = sessions.latest_run(session)
    job = runs.current_job(session)
    return render(
        request,
        "commission/session_detail.html",
        {
            "session": session,
            "places": places,
            "places_total": sum(line.places for line in places),
            "places_form": places_form
            or PlacesForm(structures=structures, bands=bands, initial={"start_date": session.entry_from}),
            "run_form": RunForm(initial={"method": rules.default_method}),
            "run": run,
            "job": job,
            "entries": session.entries.count() if session.status != SessionStatus.DRAFT else None,
            "queue": None if session.status != SessionStatus.DRAFT else sessions.instance_module.queue_count(session),
            "is_draft": session.status == SessionStatus.DRAFT,
            "can_run": session.status in runs.RUNNABLE,
            "overrides": sessions.overrides_count(session) if session.status == SessionStatus.RUN else 0,
            "can_validate": session.status == SessionStatus.RUN,
        },
        status=status,
    )  # fmt: skip


def session_detail(request, session):
    membership, session = _session(request, session)
    return _detail(request, membership, session)


@require_POST
def session_places(request, session):
    membership, session = _session(request, session)
    bands = sessions.age_bands(session)
    structures = sessions.participating_structures(session.territory, session.date)
    form = PlacesForm(request.POST, structures=structures, bands=bands)
    if form.is_valid():
        data = form.cleaned_data
        line = sessions.PlacesLine(
            data["structure"], data["age_group"], data["places"], data["start_date"]
        )
        try:
            sessions.declare_places(
                session, [line], actor=request.user, organisation=membership.organisation
            )
        except sessions.SessionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Places enregistrées.")
            return redirect("web:commission_session", session=session.slug)
    return _detail(request, membership, session, places_form=form, status=400)


@require_POST
def session_freeze(request, session):
    membership, session = _session(request, session)
    try:
        summary = sessions.freeze(session, request.user, organisation=membership.organisation)
    except (sessions.SessionError, WorkflowError) as exc:
        messages.error(request, str(exc))
    else:
        excluded = sum(summary["excluded"].values())
        messages.success(
            request,
            f"Liste arrêtée : {summary['entries']} demande(s), dont {summary['children']} "
            f"étudiée(s) et {excluded} non étudiée(s) (motif indiqué pour chacune).",
        )
        for warning in summary["warnings"]:
            messages.warning(request, warning)
    return redirect("web:commission_session", session=session.slug)


@require_POST
def session_run(request, session):
    membership, session = _session(request, session)
    form = RunForm(request.POST or {"method": "siblings"})
    method = form.cleaned_data["method"] if form.is_valid() else "siblings"
    try:
        runs.start_run(session, method, actor=request.user)
    except sessions.SessionError as exc:
        messages.error(request, str(exc))
    else:
        messages.info(request, "Le calcul est lancé : l'avancement s'affiche ci-dessous.")
    return redirect("web:commission_session", session=session.slug)


def session_run_status(request, session):
    """htmx fragment polled while the run is in progress; once done, the page reloads."""
    membership, session = _session(request, session)
    job = runs.current_job(session)
    response = render(
        request, "commission/session_run_status.html", {"session": session, "job": job}
    )
    if job is None or job.finished:
        response["HX-Refresh"] = "true"
    return response


def session_proposal(request, session):
    membership, session = _session(request, session)
    if session.status in (SessionStatus.DRAFT, SessionStatus.FROZEN):
        messages.info(request, "Aucune proposition n'est encore calculée pour cette séance.")
        return redirect("web:commission_session", session=session.slug)
    outcome = request.GET.get("decision", "")
    try:
        number = int(request.GET.get("page", 1))
    except ValueError:
        number = 1
    page = sessions.proposal_page(session, outcome=outcome, page=number)
    rows = list(page)
    sessions.record_entries_read(
        [d.entry for d in rows], actor=request.user, organisation=membership.organisation
    )
    stats = sessions.proposal_statistics(session)
    names = sessions.structure_names({k for d in rows for k in d.entry.wishes})
    employers = sessions.employer_tag_names({t for d in rows for t in d.entry.tags})
    labels = dict(Exclusion.choices)
    for decision in rows:
        decision.exclusion_label = labels.get(decision.entry.exclusion, "")
        decision.wish_names = [names.get(k, k) for k in decision.entry.wishes]
        decision.employers = sorted({employers[t] for t in decision.entry.tags if t in employers})
        override = (decision.explanation or {}).get("override") or {}
        decision.carried_from_run = (
            override.get("carried_from_run") if decision.overridden else None
        )
    return render(
        request,
        "commission/session_proposal.html",
        {
            "session": session,
            "stats": stats,
            "page": page,
            "rows": rows,
            "outcome": outcome if outcome in DecisionOutcome.values else "",
            "outcomes": DecisionOutcome.choices,
            "can_override": session.status == SessionStatus.RUN,
        },
    )


def session_decision(request, session, pk: int):
    membership, session = _session(request, session)
    decision = sessions.decision_in_session(session, pk)
    if decision is None:
        raise Http404("Aucune décision de ce numéro dans cette séance.")
    structures = sessions.instance_structures(session)
    choices = sorted(((k, v.get("name", k)) for k, v in structures.items()), key=lambda c: c[1])
    current = structure_key(decision.structure_id) if decision.structure_id else ""
    form = OverrideForm(request.POST or None, choices=choices, initial={"structure": current})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            key = form.cleaned_data["structure"]
            structure = Structure.objects.filter(pk=structure_pk(key)).first() if key else None
            try:
                sessions.override(
                    decision, structure, form.cleaned_data["reason"],
                    actor=request.user, organisation=membership.organisation,
                )  # fmt: skip
            except sessions.SessionError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Décision de la commission enregistrée avec son motif.")
                return redirect("web:commission_session_proposal", session=session.slug)
        status = 400
    else:
        sessions.record_decision_read(
            decision, actor=request.user, organisation=membership.organisation
        )
    entry = decision.entry
    wishes = [{"key": k, "name": structures.get(k, {}).get("name", k)} for k in entry.wishes]
    return render(
        request,
        "commission/session_decision.html",
        {
            "session": session,
            "decision": decision,
            "entry": entry,
            "application": entry.application,
            "wishes": wishes,
            "form": form,
            "exclusion_label": dict(Exclusion.choices).get(entry.exclusion, ""),
            "employers": sorted(sessions.employer_tag_names(entry.tags).values()),
            "carried_from_run": ((decision.explanation or {}).get("override") or {}).get(
                "carried_from_run"
            ),
            "can_override": session.status == SessionStatus.RUN and not entry.exclusion,
        },
        status=status,
    )


@require_POST
def session_validate(request, session):
    membership, session = _session(request, session)
    try:
        sessions.validate(session, request.user, organisation=membership.organisation)
    except (sessions.SessionError, WorkflowError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Proposition validée par la commission.")
    return redirect("web:commission_session", session=session.slug)


def session_manager_places(request, session):
    """A structure's manager declares the places that open at a session for its structures."""
    membership = require_professional(request)
    session = perms.require_places_declarant(membership, session)
    structures = perms.declarable_structures(membership, session)
    bands = sessions.age_bands(session)
    form = PlacesForm(
        request.POST or None, structures=structures, bands=bands,
        initial={"start_date": session.entry_from},
    )  # fmt: skip
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            line = sessions.PlacesLine(
                data["structure"], data["age_group"], data["places"], data["start_date"]
            )
            try:
                sessions.declare_places(
                    session, [line], actor=request.user, organisation=membership.organisation,
                    structures=structures,
                )  # fmt: skip
            except sessions.SessionError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Places enregistrées.")
                return redirect("web:commission_session_manager_places", session=session.slug)
        status = 400
    labels = {b["code"]: b["label"] for b in bands}
    lines = list(
        session.places.filter(structure__in=structures)
        .select_related("structure")
        .order_by("structure__name", "age_group")
    )
    for line in lines:
        line.age_label = labels.get(line.age_group, line.age_group)
    return render(
        request,
        "commission/session_manager_places.html",
        {
            "session": session, "lines": lines, "form": form,
            "is_draft": session.status == SessionStatus.DRAFT,
        },
        status=status,
    )  # fmt: skip
