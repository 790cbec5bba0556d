"""Conventions: overview, action plan and fiches, indicators, governance and calendar, evaluation,
funding, amendments and generated documents.

Each view parses its input, fetches the object and checks access in one call
(maillage/conventions/perms.py), calls one domain service (maillage/conventions/editing.py,
exports.py) and renders. Edit forms carry the version they were shown: when someone else saved
first the form comes back with what was typed and the French conflict message (HTTP 409)."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from maillage.conventions import (
    documents,
    downloads,
    editing,
    exports,
    perms,
    renewal,
    schedule,
    services,
)
from maillage.conventions.enums import ReportKind
from maillage.conventions.models import (
    Action,
    Convention,
    DocumentFormat,
    Meeting,
    TerritoryBonus,
    attach_cross_references,
    parse_references,
)
from maillage.core.concurrency import ConcurrentEditError
from maillage.web.conventions.forms import (
    ActionAddForm,
    ActionEditForm,
    ActionProgressForm,
    AdoptReportForm,
    AmendmentForm,
    AxisAddForm,
    BonusForm,
    ConclusionsForm,
    ConventionCreateForm,
    CooperationForm,
    IndicatorDefinitionForm,
    MeansForm,
    MeasurementForm,
    MeetingForm,
    NewIndicatorForm,
    PlanFilterForm,
    ReportForm,
    TransitionForm,
)

CONFLICT = 409


# -- helpers -------------------------------------------------------------------------------------
def _who(request) -> dict:
    """The author of a change, for the domain services' audit entries."""
    return {"actor": request.user, "organisation": request.current_organisation}


def _reference_date(request, convention) -> datetime.date:
    raw = request.GET.get("au", "")
    try:
        return datetime.date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        messages.warning(request, f"Date « {raw} » invalide : la date du jour est utilisée.")
        return timezone.localdate()


def _base(request, convention, **extra) -> dict:
    membership = request.current_membership
    return {
        "convention": convention,
        "can_edit_convention": perms.can_edit_convention(membership, convention),
        "can_run_secretariat": perms.can_run_secretariat(membership, convention),
        "plan_locked": perms.plan_locked(membership, convention),
        **extra,
    }


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# -- list and overview -------------------------------------------------------------------------
def convention_list(request):
    conventions = Convention.objects.visible_to(request.current_organisation).select_related(
        "territory"
    )
    return render(
        request,
        "conventions/list.html",
        {
            "conventions": conventions,
            "can_create": perms.can_create_convention(request.current_membership),
        },
    )


@require_http_methods(["GET", "POST"])
def convention_create(request):
    """A new convention (draft) with its title, nature, territory, period and parties."""
    membership = request.current_membership
    perms.require_create_convention(membership)
    territories = list(perms.creatable_territories(membership))
    organisations = list(renewal.party_candidates(territories, request.current_organisation))
    form = ConventionCreateForm(
        request.POST if request.method == "POST" else None,
        territories=territories,
        organisations=organisations,
        initial={"duration_years": 4},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                convention = renewal.create_convention(**form.service_arguments(), **_who(request))
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    f"Convention « {convention.title} » créée (en préparation). Complétez-la : "
                    "plan d'actions, instances, moyens, puis signature.",
                )
                return redirect("web:convention_detail", slug=convention.slug)
    return render(
        request,
        "conventions/create.html",
        {"form": form, "current_name": getattr(request.current_organisation, "name", "")},
        status=status,
    )


@require_POST
def convention_prepare_next(request, slug):
    """Prepares the next convention (or opens the one already prepared)."""
    convention = perms.get_convention_for_next(request.current_membership, slug)
    try:
        successor, created = renewal.prepare_next(convention, **_who(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("web:convention_detail", slug=slug)
    if created:
        messages.success(
            request,
            f"Convention suivante préparée : « {successor.title} ». Les parties, les objectifs, "
            "les axes et les fiches actions en cours sont repris : relisez-les.",
        )
    else:
        messages.info(request, "La convention suivante était déjà préparée : la voici.")
    return redirect("web:convention_detail", slug=successor.slug)


def convention_detail(request, slug):
    convention = perms.get_convention(request.current_membership, slug)
    on = _reference_date(request, convention)
    events = convention.calendar()
    bodies = list(convention.bodies.select_related("relative_to"))
    next_meetings = [(body, schedule.next_meeting(events, body.code, on)) for body in bodies]
    communes = list(convention.territory.communes.order_by("name"))
    grid = documents.competence_grid(convention, communes)
    return render(
        request,
        "conventions/detail.html",
        _base(
            request,
            convention,
            on=on,
            upcoming=schedule.upcoming(events, on, 120)[:8],
            next_meetings=next_meetings,
            period_over=on > convention.end_date,
            can_prepare_next=perms.can_prepare_next(request.current_membership, convention)
            and convention.renewal_open(),
            parties=convention.parties.select_related("organisation"),
            clauses=convention.clauses.all(),
            objectives=convention.objectives.all(),
            zones=convention.zones.prefetch_related("communes"),
            communes=communes,
            grid=grid,
            transitions=convention.transitions.select_related("user"),
            transition_form=TransitionForm(
                convention=convention, initial={"on": timezone.localdate()}
            ),
            actions_count=Action.objects.of(convention).count(),
            documents=_documents(convention),
        ),
    )


@require_POST
def convention_transition(request, slug):
    convention = perms.get_convention_for_edit(
        request.current_membership,
        slug,
        "Seuls les administrateurs et agents de la Caf partie changent l'état de la convention.",
    )
    form = TransitionForm(request.POST, convention=convention)
    if form.is_valid():
        try:
            editing.change_status(
                convention,
                form.cleaned_data["transition"],
                on=form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
                **_who(request),
            )
        except editing.InvalidTransition as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Convention : {convention.get_status_display()}.")
    else:
        messages.error(request, "Changement d'état impossible : vérifiez la date et le motif.")
    return redirect("web:convention_detail", slug=slug)


# -- action plan --------------------------------------------------------------------------------
def action_plan(request, slug):
    convention = perms.get_convention(request.current_membership, slug)
    return _plan_page(request, convention)


def _plan_page(request, convention, *, axis_form=None, action_form=None, status=200):
    # Axes and parties loaded once: for the filters, the footer and the « ajouter » forms.
    axes = list(convention.axes.prefetch_related("perspectives"))
    parties = list(convention.parties.select_related("organisation"))
    form = PlanFilterForm(request.GET or None, convention=convention, axes=axes, parties=parties)
    actions = (
        Action.objects.of(convention)
        .select_related("lead", "perspective__axis")
        .order_by("perspective__axis__order", "perspective__order", "order")
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["axe"]:
            actions = actions.filter(perspective__axis__code=data["axe"])
        if data["etat"]:
            actions = actions.filter(status=data["etat"])
        if data["pilote"]:
            actions = actions.filter(lead__slug=data["pilote"])
        if data["commune"]:
            commune = convention.territory.communes.filter(insee_code=data["commune"]).first()
            if commune:
                actions = actions.concerning_commune(commune)
    membership = request.current_membership
    actions = list(actions)
    attach_cross_references(actions)  # codes of the fiches cited and citing, one query
    rows = [(a, perms.can_edit_action(membership, a)) for a in actions]
    can_extend = perms.can_extend_plan(membership, convention)
    if can_extend:
        axis_form = axis_form or AxisAddForm()
        action_form = action_form or ActionAddForm(
            axes=axes, leads=perms.plan_leads(membership, convention, parties)
        )
    return render(
        request,
        "conventions/plan.html",
        _base(
            request,
            convention,
            form=form,
            rows=rows,
            axes=axes,
            filtered=bool(request.GET),
            can_extend_plan=can_extend,
            axis_form=axis_form,
            action_form=action_form,
        ),
        status=status,
    )


@require_POST
def plan_axis_add(request, slug):
    """« Ajouter un axe » on the action plan page."""
    convention = perms.get_convention_for_plan(request.current_membership, slug)
    form = AxisAddForm(request.POST)
    if form.is_valid():
        try:
            axis = renewal.add_axis(convention, **form.cleaned_data, **_who(request))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Axe {axis.code} « {axis.title} » ajouté au plan d'actions.")
            return redirect(reverse("web:convention_plan", args=[convention.slug]))
    return _plan_page(request, convention, axis_form=form, status=400)


@require_POST
def plan_action_add(request, slug):
    """« Ajouter une fiche action »: the new fiche opens on its edit page."""
    membership = request.current_membership
    convention = perms.get_convention_for_plan(membership, slug)
    form = ActionAddForm(
        request.POST,
        axes=convention.axes.order_by("order", "pk"),
        leads=perms.plan_leads(membership, convention),
    )
    if form.is_valid():
        try:
            action = renewal.add_action(convention, **form.service_arguments(), **_who(request))
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        else:
            messages.success(
                request,
                f"Fiche {action.code} « {action.title} » ajoutée : complétez-la ci-dessous.",
            )
            return redirect("web:convention_action_edit", slug=convention.slug, code=action.code)
    return _plan_page(request, convention, action_form=form, status=400)


def _action_page(request, convention, action, *, progress_form=None, status=200):
    membership = request.current_membership
    can_edit = perms.can_edit_action(membership, action)
    indicators = action.indicators.prefetch_related(Prefetch("measurements", to_attr="history"))
    return render(
        request,
        "conventions/action.html",
        _base(
            request,
            convention,
            action=action,
            can_edit=can_edit,
            progress_form=progress_form
            or ActionProgressForm(
                initial={
                    "status": action.status,
                    "progress": action.progress,
                    "version": action.version,
                }
            ),
            indicators=[
                (i, MeasurementForm(prefix=f"i{i.pk}", initial={"on": timezone.localdate()}))
                for i in indicators
            ],
            fields=documents.FIELDS,
            references=action.references.all(),
            referenced_by=action.referenced_by.all(),
            decisions=action.decisions.select_related("meeting__body"),
            unknown_references=[
                c
                for c in parse_references(action.text_for_references())
                if c != action.code and not Action.objects.of(convention).filter(code=c).exists()
            ],
        ),
        status=status,
    )


def action_detail(request, slug, code):
    convention, action = perms.get_action(request.current_membership, slug, code)
    return _action_page(request, convention, action)


@require_POST
def action_progress(request, slug, code):
    """Updates an action's status and progress; inline with htmx, or a plain POST."""
    convention, action = perms.get_action_for_edit(
        request.current_membership,
        slug,
        code,
        "Seul le pilote de l'action (ou la Caf) peut modifier son avancement.",
    )
    form = ActionProgressForm(request.POST)
    saved = False
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        try:
            editing.save_progress(
                action,
                status=data["status"],
                progress=data["progress"],
                seen_version=data["version"],
                **_who(request),
            )
        except ConcurrentEditError as exc:
            action.refresh_from_db()
            form.add_error(None, str(exc))
            form.with_version(action.version)
            status = CONFLICT
        else:
            saved = True
            form = ActionProgressForm(
                initial={
                    "status": action.status,
                    "progress": action.progress,
                    "version": action.version,
                }
            )
    if request.htmx:
        return render(
            request,
            "conventions/_action_progress.html",
            {
                "convention": convention,
                "action": action,
                "progress_form": form,
                "can_edit": True,
                "saved": saved,
            },
            status=status,
        )
    if saved:
        messages.success(
            request, f"Action {action.code} : {action.get_status_display()}, {action.progress} %."
        )
        return redirect("web:convention_action", slug=slug, code=code)
    if status == CONFLICT:
        return _action_page(request, convention, action, progress_form=form, status=CONFLICT)
    messages.error(
        request,
        "L'avancement n'a pas été enregistré : "
        + " ".join(e for errors in form.errors.values() for e in errors),
    )
    return redirect("web:convention_action", slug=slug, code=code)


@require_POST
def measurement_add(request, slug, pk):
    convention, indicator = perms.get_indicator_for_measurement(
        request.current_membership, slug, pk
    )
    form = MeasurementForm(request.POST, prefix=f"i{indicator.pk}")
    saved = None
    if form.is_valid():
        saved = editing.add_measurement(indicator, **form.cleaned_data, **_who(request))
        form = MeasurementForm(prefix=f"i{indicator.pk}", initial={"on": timezone.localdate()})
    indicator.history = list(indicator.measurements.select_related("entered_by"))
    context = {
        "convention": convention,
        "indicator": indicator,
        "form": form,
        "can_record": True,
        "saved": saved,
    }
    if request.htmx:
        return render(request, "conventions/_indicator.html", context)
    if saved:
        messages.success(request, f"Mesure enregistrée : {indicator.label} = {saved.value}.")
    else:
        messages.error(request, "La mesure n'a pas été enregistrée : corrigez la saisie.")
    target = (
        reverse("web:convention_action", kwargs={"slug": slug, "code": indicator.action.code})
        if indicator.action_id
        else reverse("web:convention_evaluation", kwargs={"slug": slug})
    )
    return redirect(target)


def action_edit(request, slug, code):
    """The fiche action's texts and its indicators' definitions, for the lead (or the Caf)."""
    convention, action = perms.get_action_for_edit(request.current_membership, slug, code)
    indicators = list(action.indicators.all())
    data = request.POST if request.method == "POST" else None
    form = ActionEditForm(
        data,
        initial={
            **{name: getattr(action, name) for name in editing.ACTION_TEXT_FIELDS},
            "version": action.version,
        },
    )
    definitions = [
        (
            indicator,
            IndicatorDefinitionForm(
                data,
                prefix=f"ind{indicator.pk}",
                initial={
                    **{n: getattr(indicator, n) for n in editing.INDICATOR_DEFINITION_FIELDS},
                    "version": indicator.version,
                },
            ),
        )
        for indicator in indicators
    ]
    new_indicator = NewIndicatorForm(data, prefix="nouvel")
    status = 400 if data is not None else 200
    if data is not None and all(
        f.is_valid() for f in [form, new_indicator, *(d for _i, d in definitions)]
    ):
        values = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            unknown = editing.save_fiche(
                action,
                values=values,
                seen_version=form.cleaned_data["version"],
                indicators=[
                    (
                        indicator,
                        definition.cleaned_data["version"],
                        {
                            n: definition.cleaned_data[n]
                            for n in editing.INDICATOR_DEFINITION_FIELDS
                        },
                    )
                    for indicator, definition in definitions
                ],
                new_indicator=new_indicator.cleaned_data,
                **_who(request),
            )
        except ConcurrentEditError as exc:
            # Nothing was written: the form comes back as typed, with the versions now stored.
            action.refresh_from_db()
            form.add_error(None, str(exc))
            form.with_version(action.version)
            for indicator, definition in definitions:
                indicator.refresh_from_db()
                definition.with_version(indicator.version)
            status = CONFLICT
        else:
            messages.success(request, f"Fiche action {action.code} enregistrée.")
            if unknown:
                messages.warning(
                    request, f"Renvois sans fiche correspondante : {', '.join(unknown)}."
                )
            return redirect("web:convention_action", slug=slug, code=code)
    return render(
        request,
        "conventions/action_edit.html",
        _base(
            request,
            convention,
            action=action,
            form=form,
            definitions=definitions,
            new_indicator=new_indicator,
        ),
        status=status,
    )


# -- governance ---------------------------------------------------------------------------------
def governance(request, slug):
    membership = request.current_membership
    if request.method == "POST":
        convention = perms.get_convention_for_secretariat(
            membership,
            slug,
            "Seuls les administrateurs et agents des parties signataires enregistrent les réunions.",
        )
    else:
        convention = perms.get_convention(membership, slug)
    on = _reference_date(request, convention)
    form = MeetingForm(convention=convention, initial={"date": on})
    if request.method == "POST":
        form = MeetingForm(request.POST, convention=convention)
        if form.is_valid():
            meeting = editing.record_meeting(convention, **form.cleaned_data, **_who(request))
            messages.success(request, f"Réunion enregistrée : {meeting}.")
            return redirect("web:convention_governance", slug=slug)
    events = convention.calendar()
    return render(
        request,
        "conventions/governance.html",
        _base(
            request,
            convention,
            on=on,
            bodies=convention.bodies.select_related("relative_to"),
            events=events,
            next_meetings=[
                (b, schedule.next_meeting(events, b.code, on)) for b in convention.bodies.all()
            ],
            meetings=Meeting.objects.filter(body__convention=convention)
            .select_related("body")
            .prefetch_related("attendees", "decisions__actions")
            .order_by("-date"),
            form=form,
        ),
        status=400 if form.errors else 200,
    )


def calendar_ics(request, slug):
    convention = perms.get_convention(request.current_membership, slug)
    content = schedule.to_ics(
        convention.calendar(),
        calendar_name=f"Instances — {convention.title}",
        uid_prefix=convention.slug,
        now=timezone.now().astimezone(datetime.UTC),
    )
    return _download(
        content.encode("utf-8"), f"{convention.slug}.ics", "text/calendar; charset=utf-8"
    )


# -- evaluation ---------------------------------------------------------------------------------
def evaluation(request, slug):
    membership = request.current_membership
    if request.method == "POST":
        convention = perms.get_convention_for_secretariat(
            membership,
            slug,
            "Seuls les administrateurs et agents des parties signataires génèrent les rapports.",
        )
    else:
        convention = perms.get_convention(membership, slug)
    today = timezone.localdate()
    default_year = min(max(today.year - 1, convention.years[0]), convention.years[-1])
    form = ReportForm(convention=convention, initial={"kind": "annual", "year": default_year})
    if request.method == "POST":
        form = ReportForm(request.POST, convention=convention)
        if form.is_valid():
            kind = form.cleaned_data["kind"]
            year = form.cleaned_data["year"] if kind == ReportKind.ANNUAL else None
            try:
                report = editing.create_report(convention, kind=kind, year=year, **_who(request))
            except editing.ReportAdopted as exc:
                form.add_error(None, " ".join(exc.messages))
            else:
                messages.success(request, f"{report} : généré à partir des données du jour.")
                return redirect("web:convention_report", slug=slug, pk=report.pk)

    def with_forms(indicators):
        return [
            (
                i,
                MeasurementForm(prefix=f"i{i.pk}", initial={"on": today}),
                perms.can_record_measurement(membership, i),
            )
            for i in indicators.select_related("action__perspective__axis").prefetch_related(
                Prefetch("measurements", to_attr="history")
            )
        ]

    questions = [
        (question, with_forms(question.indicators.all()))
        for question in convention.evaluation_questions.all()
    ]
    context_indicators = with_forms(
        convention.indicators.filter(action__isnull=True, questions__isnull=True)
    )
    return render(
        request,
        "conventions/evaluation.html",
        _base(
            request,
            convention,
            form=form,
            questions=questions,
            context_indicators=context_indicators,
            reports=convention.reports.all(),
        ),
        status=400 if form.errors else 200,
    )


def report_detail(request, slug, pk):
    membership = request.current_membership
    if request.method == "POST":
        convention, report = perms.get_report_for_secretariat(
            membership,
            slug,
            pk,
            "Seuls les administrateurs et agents des parties signataires rédigent les conclusions.",
        )
    else:
        convention, report = perms.get_report(membership, slug, pk)
    form = ConclusionsForm(initial={"conclusions": report.conclusions, "version": report.version})
    status = 200
    if request.method == "POST":
        form = ConclusionsForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                editing.save_conclusions(
                    report,
                    conclusions=form.cleaned_data["conclusions"],
                    seen_version=form.cleaned_data["version"],
                    **_who(request),
                )
            except ConcurrentEditError as exc:
                report.refresh_from_db()
                form.add_error(None, str(exc))
                form.with_version(report.version)
                status = CONFLICT
            except editing.ReportAdopted as exc:
                form.add_error(None, " ".join(exc.messages))
            else:
                messages.success(request, "Conclusions enregistrées.")
                return redirect("web:convention_report", slug=slug, pk=pk)
    return render(
        request,
        "conventions/report.html",
        _base(
            request,
            convention,
            report=report,
            data=report.data,
            form=form,
            adopt_form=AdoptReportForm(initial={"on": timezone.localdate()}),
            documents=_documents(convention, report),
        ),
        status=status,
    )


@require_POST
def report_adopt(request, slug, pk):
    """Records the adoption of a report; the final evaluation's closes the action plan."""
    convention, report = perms.get_report_for_secretariat(
        request.current_membership,
        slug,
        pk,
        "Seuls les administrateurs et agents des parties signataires enregistrent l'adoption.",
    )
    form = AdoptReportForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "Le rapport n'a pas été adopté : "
            + " ".join(e for errors in form.errors.values() for e in errors),
        )
        return redirect("web:convention_report", slug=slug, pk=pk)
    try:
        editing.adopt_report(report, on=form.cleaned_data["on"], **_who(request))
    except editing.InvalidTransition as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        message = f"{report} : adopté le {report.adopted_on:%d/%m/%Y}."
        if report.kind == ReportKind.FINAL:
            message += " Le plan d'actions est désormais clos."
        messages.success(request, message)
    return redirect("web:convention_report", slug=slug, pk=pk)


@require_http_methods(["GET", "POST"])
def report_download(request, slug, pk, fmt):
    """Like `convention_download`, for an evaluation report."""
    convention, report = perms.get_report(request.current_membership, slug, pk)
    return _document_request(request, convention, fmt, report)


# -- documents generated in the background ---------------------------------------------------------
@require_http_methods(["GET", "POST"])
def convention_download(request, slug, fmt):
    """POST: starts generating the document (or returns the one being generated) and shows its
    progress; GET: the latest generated file, or the page where it can be asked for."""
    convention = perms.get_convention(request.current_membership, slug)
    return _document_request(request, convention, fmt, None)


def _document_request(request, convention, fmt, report):
    if fmt not in DocumentFormat.values:
        raise Http404("Format inconnu : docx ou pdf.")
    page = (
        reverse("web:convention_report", kwargs={"slug": convention.slug, "pk": report.pk})
        if report is not None
        else reverse("web:convention_detail", kwargs={"slug": convention.slug})
    ) + "#documents"
    if request.method == "POST":
        document = exports.start_document(convention, fmt, report=report, **_who(request))
        if request.htmx:
            return _document_fragment(request, convention, fmt, document, report)
        return redirect(page)
    document = exports.ready_document(convention, fmt, report)
    if document is None:
        messages.info(
            request,
            f"Le document {fmt.upper()} n'a pas encore été généré : demandez-le ci-dessous.",
        )
        return redirect(page)
    return _file_response(request, document)


def _documents(convention, report=None) -> list[dict]:
    """What the « Documents » block of a page shows, one entry a format."""
    latest = exports.latest_documents(convention, report)
    return [_document_context(convention, fmt, latest[fmt], report) for fmt in DocumentFormat]


def _document_context(convention, fmt, document, report) -> dict:
    if report is not None:
        start_url = reverse(
            "web:convention_report_download",
            kwargs={"slug": convention.slug, "pk": report.pk, "fmt": fmt},
        )
    else:
        start_url = reverse("web:convention_download", kwargs={"slug": convention.slug, "fmt": fmt})
    return {
        "fmt": fmt,
        "label": dict(DocumentFormat.choices).get(fmt, fmt.upper()),
        "what": "le rapport" if report is not None else "la convention",
        "start_url": start_url,
        "document": document,
    }


def _document_fragment(request, convention, fmt, document, report):
    return render(
        request,
        "conventions/_document.html",
        {"convention": convention, **_document_context(convention, fmt, document, report)},
    )


@require_GET
def document_status(request, slug, pk):
    """The small fragment the page polls while the document is being generated."""
    convention, document = perms.get_document(request.current_membership, slug, pk)
    return _document_fragment(request, convention, document.fmt, document, document.report)


@require_GET
def document_file(request, slug, pk):
    convention, document = perms.get_document(request.current_membership, slug, pk)
    if not document.file:
        raise Http404("Ce document n'est pas (encore) disponible.")
    return _file_response(request, document)


def _file_response(request, document):
    return FileResponse(
        downloads.open_generated_document(
            document, actor=request.user, organisation=request.current_organisation
        ),
        as_attachment=True,
        filename=document.filename,
        content_type=document.content_type,
    )


# -- funding ------------------------------------------------------------------------------------
def funding(request, slug, means_form=None, cooperation_form=None):
    membership = request.current_membership
    is_bonus_post = request.method == "POST" and means_form is None and cooperation_form is None
    if is_bonus_post:
        convention = perms.get_convention_for_edit(
            membership,
            slug,
            "Seuls les administrateurs et agents de la Caf partie modifient le bonus territoire.",
        )
    else:
        convention = perms.get_convention(membership, slug)
    organisations = perms.means_organisations(membership, convention)
    bonus = TerritoryBonus.objects.filter(convention=convention).first()
    form = BonusForm(
        initial={
            "reference_amount": bonus.reference_amount if bonus else None,
            "rule": bonus.rule if bonus else None,
            "version": bonus.version if bonus else None,
        }
    )
    error = ""
    status = None
    if is_bonus_post:
        form = BonusForm(request.POST)
        if form.is_valid() and bonus is not None:
            try:
                editing.update_bonus(
                    bonus,
                    reference_amount=form.cleaned_data["reference_amount"],
                    rule=form.cleaned_data["rule"],
                    seen_version=form.cleaned_data["version"],
                    **_who(request),
                )
            except ConcurrentEditError as exc:
                bonus.refresh_from_db()
                form.add_error(None, str(exc))
                form.with_version(bonus.version)
                status = CONFLICT
            else:
                messages.success(request, "Bonus territoire mis à jour.")
                return redirect("web:convention_funding", slug=slug)
        if bonus is None:
            error = "Cette convention ne prévoit pas de bonus territoire."
    try:
        shares = services.bonus_shares(convention)
    except ValidationError as exc:
        shares, error = [], " ".join(exc.messages)
    means = convention.means.select_related("organisation", "action")
    cooperation = list(convention.cooperation_posts.select_related("organisation"))
    by_year = {}
    for post in cooperation:
        fte, caf, local = by_year.get(post.year, (0, 0, 0))
        by_year[post.year] = (fte + post.fte, caf + post.caf_amount, local + post.local_amount)
    totals = {}
    for m in means:
        totals[m.organisation.name] = totals.get(m.organisation.name, 0) + m.amount
    if status is None:
        status = (
            400
            if form.errors
            or error
            or (means_form and means_form.errors)
            or (cooperation_form and cooperation_form.errors)
            else 200
        )
    return render(
        request,
        "conventions/funding.html",
        _base(
            request,
            convention,
            means=means,
            totals=sorted(totals.items()),
            bonus=bonus,
            shares=shares,
            form=form,
            error=error,
            cooperation=cooperation,
            cooperation_totals=[(y, *values) for y, values in sorted(by_year.items())],
            means_form=means_form
            or (
                MeansForm(convention=convention, organisations=organisations)
                if organisations
                else None
            ),
            cooperation_form=cooperation_form
            or (
                CooperationForm(convention=convention, organisations=organisations)
                if organisations
                else None
            ),
        ),
        status=status,
    )


@require_POST
def means_add(request, slug):
    convention, organisations = perms.get_means_organisations(request.current_membership, slug)
    form = MeansForm(request.POST, convention=convention, organisations=organisations)
    if form.is_valid():
        data = dict(form.cleaned_data)
        entry = editing.add_means(
            convention, organisation_id=int(data.pop("organisation")), **data, **_who(request)
        )
        messages.success(request, f"Moyen enregistré : {entry}.")
        return redirect("web:convention_funding", slug=slug)
    return funding(request, slug, means_form=form)


@require_POST
def cooperation_add(request, slug):
    """A chargé de coopération line: the Caf for any party, a party for its own staff."""
    convention, organisations = perms.get_means_organisations(
        request.current_membership,
        slug,
        "Seuls les administrateurs et agents des parties saisissent les postes de coopération.",
    )
    form = CooperationForm(request.POST, convention=convention, organisations=organisations)
    if form.is_valid():
        data = dict(form.cleaned_data)
        post = editing.add_cooperation_post(
            convention, organisation_id=int(data.pop("organisation")), **data, **_who(request)
        )
        messages.success(request, f"Poste de chargé de coopération enregistré : {post}.")
        return redirect("web:convention_funding", slug=slug)
    return funding(request, slug, cooperation_form=form)


# -- amendments ---------------------------------------------------------------------------------
def amendments(request, slug):
    membership = request.current_membership
    if request.method == "POST":
        convention = perms.get_convention_for_edit(
            membership,
            slug,
            "Seuls les administrateurs et agents de la Caf partie enregistrent un avenant.",
        )
    else:
        convention = perms.get_convention(membership, slug)
    form = AmendmentForm(initial={"version": convention.version})
    status = 200
    if request.method == "POST":
        form = AmendmentForm(request.POST)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            clauses = []
            if data["clause_number"]:
                clauses.append(
                    {
                        "number": data["clause_number"],
                        "title": data["clause_title"],
                        "text": data["clause_text"],
                    }
                )
            try:
                amendment = editing.record_amendment(
                    convention,
                    title=data["title"],
                    signed_on=data["signed_on"],
                    duration_years=data["duration_years"],
                    clauses=clauses,
                    refresh_equipment=data["refresh_equipment"],
                    seen_version=data["version"],
                    **_who(request),
                )
            except ConcurrentEditError as exc:
                convention.refresh_from_db()
                form.add_error(None, str(exc))
                form.with_version(convention.version)
                status = CONFLICT
            except ValidationError as exc:
                convention.refresh_from_db()
                form.add_error(None, " ".join(exc.messages))
            else:
                messages.success(request, f"{amendment} enregistré.")
                return redirect("web:convention_amendments", slug=slug)
    items = [
        (a, services.diff_html(a.diff_text))
        for a in convention.amendments.select_related("before", "after", "created_by")
    ]
    return render(
        request,
        "conventions/amendments.html",
        _base(request, convention, items=items, form=form, versions=convention.versions.all()),
        status=status,
    )


def amendment_diff(request, slug, number, fmt):
    convention = perms.get_convention(request.current_membership, slug)
    amendment = get_object_or_404(convention.amendments, number=number)
    if fmt != "txt":
        raise Http404("Format inconnu : txt.")
    return HttpResponse(amendment.diff_text, content_type="text/plain; charset=utf-8")
