"""Conventions: overview, action plan and fiches, indicators, governance and calendar, evaluation,
funding, amendments and generated documents. Access rules: maillage/conventions/perms.py."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from maillage.audit.models import AuditAction
from maillage.audit.services import diff, record, snapshot
from maillage.conventions import documents, downloads, perms, schedule, services
from maillage.conventions.enums import ReportKind
from maillage.conventions.models import (
    Action,
    Convention,
    CooperationPost,
    Decision,
    EvaluationReport,
    Indicator,
    InvalidTransition,
    MeansEntry,
    Meeting,
    TerritoryBonus,
    parse_references,
)
from maillage.web.conventions.forms import (
    ActionEditForm,
    ActionProgressForm,
    AmendmentForm,
    BonusForm,
    ConclusionsForm,
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

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# -- access helpers ----------------------------------------------------------------------------
def _convention(request, slug) -> Convention:
    convention = get_object_or_404(Convention.objects.select_related("territory"), slug=slug)
    perms.require_view_convention(request.current_membership, convention)
    return convention


def _action(convention, code) -> Action:
    return get_object_or_404(
        Action.objects.of(convention).select_related("lead", "perspective__axis"), code=code
    )


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
    return render(request, "conventions/list.html", {"conventions": conventions})


def convention_detail(request, slug):
    convention = _convention(request, slug)
    on = _reference_date(request, convention)
    events = convention.calendar()
    bodies = list(convention.bodies.select_related("relative_to"))
    next_meetings = [(body, schedule.next_meeting(events, body.code, on)) for body in bodies]
    communes = list(convention.territory.communes.order_by("name"))
    grid = (
        documents.convention_context(convention)["grid"]
        if convention.competence_items.exists()
        else []
    )
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
        ),
    )


@require_POST
def convention_transition(request, slug):
    convention = _convention(request, slug)
    perms.require(
        perms.can_edit_convention(request.current_membership, convention),
        "Seuls les administrateurs et agents de la Caf partie changent l'état de la convention.",
    )
    form = TransitionForm(request.POST, convention=convention)
    if form.is_valid():
        before = snapshot(convention, ["status", "signed_on"])
        name = form.cleaned_data["transition"]
        kwargs = {"by": request.user, "on": form.cleaned_data["on"]}
        try:
            if name == "terminate":
                convention.terminate(reason=form.cleaned_data["reason"], **kwargs)
            else:
                getattr(convention, name)(**kwargs)
        except InvalidTransition as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            record(
                AuditAction.TRANSITION,
                request=request,
                obj=convention,
                changes=diff(before, snapshot(convention, ["status", "signed_on"])),
            )
            messages.success(request, f"Convention : {convention.get_status_display()}.")
    else:
        messages.error(request, "Changement d'état impossible : vérifiez la date et le motif.")
    return redirect("web:convention_detail", slug=slug)


# -- action plan --------------------------------------------------------------------------------
def action_plan(request, slug):
    convention = _convention(request, slug)
    form = PlanFilterForm(request.GET or None, convention=convention)
    actions = (
        Action.objects.of(convention)
        .select_related("lead", "perspective__axis")
        .prefetch_related("indicators", "references", "referenced_by")
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
    rows = [(a, perms.can_edit_action(membership, a)) for a in actions]
    axes = convention.axes.prefetch_related("perspectives")
    return render(
        request,
        "conventions/plan.html",
        _base(request, convention, form=form, rows=rows, axes=axes, filtered=bool(request.GET)),
    )


def action_detail(request, slug, code):
    convention = _convention(request, slug)
    action = _action(convention, code)
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
            progress_form=ActionProgressForm(
                initial={"status": action.status, "progress": action.progress}
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
    )


@require_POST
def action_progress(request, slug, code):
    """Updates an action's status and progress; inline with htmx, or a plain POST."""
    convention = _convention(request, slug)
    action = _action(convention, code)
    perms.require(
        perms.can_edit_action(request.current_membership, action),
        "Seul le pilote de l'action (ou la Caf) peut modifier son avancement.",
    )
    form = ActionProgressForm(request.POST)
    saved = False
    if form.is_valid():
        before = snapshot(action, ["status", "progress"])
        action.set_progress(**form.cleaned_data)
        record(
            AuditAction.UPDATE,
            request=request,
            obj=action,
            changes=diff(before, snapshot(action, ["status", "progress"])),
        )
        saved = True
        form = ActionProgressForm(initial={"status": action.status, "progress": action.progress})
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
        )
    if saved:
        messages.success(
            request, f"Action {action.code} : {action.get_status_display()}, {action.progress} %."
        )
        return redirect("web:convention_action", slug=slug, code=code)
    messages.error(
        request,
        "L'avancement n'a pas été enregistré : "
        + " ".join(e for errors in form.errors.values() for e in errors),
    )
    return redirect("web:convention_action", slug=slug, code=code)


@require_POST
def measurement_add(request, slug, pk):
    convention = _convention(request, slug)
    indicator = get_object_or_404(
        Indicator.objects.select_related("action"), pk=pk, convention=convention
    )
    perms.require(
        perms.can_record_measurement(request.current_membership, indicator),
        "Seul le pilote de l'action (ou la Caf) peut saisir une mesure de cet indicateur.",
    )
    form = MeasurementForm(request.POST, prefix=f"i{indicator.pk}")
    saved = None
    if form.is_valid():
        saved = indicator.record(by=request.user, **form.cleaned_data)
        saved.refresh_from_db()
        record(
            AuditAction.CREATE,
            request=request,
            obj=saved,
            changes={
                "indicateur": [None, indicator.label],
                "valeur": [None, str(saved.value)],
                "date": [None, saved.on.isoformat()],
            },
        )
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
    convention = _convention(request, slug)
    action = _action(convention, code)
    perms.require(
        perms.can_edit_action(request.current_membership, action),
        "Seul le pilote de l'action (ou la Caf) peut modifier la fiche.",
    )
    names = list(ActionEditForm.base_fields)
    indicators = list(action.indicators.all())
    definition_fields = ["label", "unit", "baseline", "target", "source"]
    data = request.POST if request.method == "POST" else None
    form = ActionEditForm(data, initial={name: getattr(action, name) for name in names})
    definitions = [
        (
            indicator,
            IndicatorDefinitionForm(
                data,
                prefix=f"ind{indicator.pk}",
                initial={name: getattr(indicator, name) for name in definition_fields},
            ),
        )
        for indicator in indicators
    ]
    new_indicator = NewIndicatorForm(data, prefix="nouvel")
    if data is not None and all(
        f.is_valid() for f in [form, new_indicator, *(d for _i, d in definitions)]
    ):
        with transaction.atomic():
            before = snapshot(action, names)
            for name in names:
                setattr(action, name, form.cleaned_data[name])
            action.save()
            unknown = action.refresh_references()
            record(
                AuditAction.UPDATE,
                request=request,
                obj=action,
                changes=diff(before, snapshot(action, names)),
            )
            for indicator, definition in definitions:
                before = snapshot(indicator, definition_fields)
                for name in definition_fields:
                    setattr(indicator, name, definition.cleaned_data[name])
                indicator.save()
                changes = diff(before, snapshot(indicator, definition_fields))
                if changes:
                    record(AuditAction.UPDATE, request=request, obj=indicator, changes=changes)
            if new_indicator.cleaned_data.get("label"):
                created = Indicator.objects.create(
                    convention=convention,
                    action=action,
                    order=len(indicators),
                    **{k: v for k, v in new_indicator.cleaned_data.items() if v not in (None, "")},
                )
                record(
                    AuditAction.CREATE,
                    request=request,
                    obj=created,
                    changes={"libellé": [None, created.label]},
                )
        messages.success(request, f"Fiche action {action.code} enregistrée.")
        if unknown:
            messages.warning(request, f"Renvois sans fiche correspondante : {', '.join(unknown)}.")
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
        status=400 if data is not None else 200,
    )


# -- governance ---------------------------------------------------------------------------------
def governance(request, slug):
    convention = _convention(request, slug)
    on = _reference_date(request, convention)
    form = MeetingForm(convention=convention, initial={"date": on})
    if request.method == "POST":
        perms.require(
            perms.can_run_secretariat(request.current_membership, convention),
            "Seuls les administrateurs et agents des parties signataires enregistrent les réunions.",
        )
        form = MeetingForm(request.POST, convention=convention)
        if form.is_valid():
            meeting = _save_meeting(request, convention, form.cleaned_data)
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


@transaction.atomic
def _save_meeting(request, convention, data) -> Meeting:
    body = convention.bodies.get(code=data["body"])
    meeting = Meeting.objects.create(
        body=body,
        date=data["date"],
        agenda=data["agenda"],
        attendance_note=data["attendance_note"],
        minutes=data["minutes"],
    )
    meeting.attendees.set([int(pk) for pk in data["attendees"]])
    for line in filter(None, (x.strip() for x in data["decisions"].splitlines())):
        decision = Decision.objects.create(meeting=meeting, text=line)
        decision.actions.set(Action.objects.of(convention).filter(code__in=parse_references(line)))
    record(
        AuditAction.CREATE,
        request=request,
        obj=meeting,
        changes={"instance": [None, body.code], "date": [None, meeting.date.isoformat()]},
    )
    return meeting


def calendar_ics(request, slug):
    convention = _convention(request, slug)
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
    convention = _convention(request, slug)
    today = timezone.localdate()
    default_year = min(max(today.year - 1, convention.years[0]), convention.years[-1])
    form = ReportForm(convention=convention, initial={"kind": "annual", "year": default_year})
    if request.method == "POST":
        perms.require(
            perms.can_run_secretariat(request.current_membership, convention),
            "Seuls les administrateurs et agents des parties signataires génèrent les rapports.",
        )
        form = ReportForm(request.POST, convention=convention)
        if form.is_valid():
            kind = form.cleaned_data["kind"]
            year = form.cleaned_data["year"] if kind == ReportKind.ANNUAL else None
            report = services.generate_report(convention, kind=kind, year=year, by=request.user)
            record(AuditAction.CREATE, request=request, obj=report, message="Rapport généré")
            messages.success(request, f"{report} : généré à partir des données du jour.")
            return redirect("web:convention_report", slug=slug, pk=report.pk)
    membership = request.current_membership

    def with_forms(indicators):
        return [
            (
                i,
                MeasurementForm(prefix=f"i{i.pk}", initial={"on": today}),
                perms.can_record_measurement(membership, i),
            )
            for i in indicators.prefetch_related(Prefetch("measurements", to_attr="history"))
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
    convention = _convention(request, slug)
    report = get_object_or_404(EvaluationReport, pk=pk, convention=convention)
    form = ConclusionsForm(initial={"conclusions": report.conclusions})
    if request.method == "POST":
        perms.require(
            perms.can_run_secretariat(request.current_membership, convention),
            "Seuls les administrateurs et agents des parties signataires rédigent les conclusions.",
        )
        form = ConclusionsForm(request.POST)
        if form.is_valid():
            before = snapshot(report, ["conclusions"])
            report.conclusions = form.cleaned_data["conclusions"]
            report.save(update_fields=["conclusions", "updated_at"])
            record(
                AuditAction.UPDATE,
                request=request,
                obj=report,
                changes=diff(before, snapshot(report, ["conclusions"])),
            )
            messages.success(request, "Conclusions enregistrées.")
            return redirect("web:convention_report", slug=slug, pk=pk)
    return render(
        request,
        "conventions/report.html",
        _base(request, convention, report=report, data=report.data, form=form),
    )


def report_download(request, slug, pk, fmt):
    convention = _convention(request, slug)
    report = get_object_or_404(EvaluationReport, pk=pk, convention=convention)
    if fmt not in ("docx", "pdf"):
        raise Http404("Format inconnu : docx ou pdf.")
    name = slugify(str(report))
    content = downloads.report_document(
        report, fmt, actor=request.user, organisation=request.current_organisation
    )
    return _download(content, f"{name}.{fmt}", DOCX if fmt == "docx" else "application/pdf")


def convention_download(request, slug, fmt):
    convention = _convention(request, slug)
    if fmt not in ("docx", "pdf"):
        raise Http404("Format inconnu : docx ou pdf.")
    content = downloads.convention_document(
        convention, fmt, actor=request.user, organisation=request.current_organisation
    )
    return _download(
        content, f"{convention.slug}.{fmt}", DOCX if fmt == "docx" else "application/pdf"
    )


# -- funding ------------------------------------------------------------------------------------
def funding(request, slug, means_form=None, cooperation_form=None):
    convention = _convention(request, slug)
    organisations = _means_organisations(request.current_membership, convention)
    bonus = TerritoryBonus.objects.filter(convention=convention).first()
    form = BonusForm(
        initial={
            "reference_amount": bonus.reference_amount if bonus else None,
            "rule": bonus.rule if bonus else None,
        }
    )
    error = ""
    if request.method == "POST" and means_form is None and cooperation_form is None:
        perms.require(
            perms.can_edit_convention(request.current_membership, convention),
            "Seuls les administrateurs et agents de la Caf partie modifient le bonus territoire.",
        )
        form = BonusForm(request.POST)
        if form.is_valid() and bonus is not None:
            before = snapshot(bonus, ["reference_amount", "rule"])
            bonus.reference_amount = form.cleaned_data["reference_amount"]
            bonus.rule = form.cleaned_data["rule"]
            bonus.save()
            record(
                AuditAction.UPDATE,
                request=request,
                obj=bonus,
                changes=diff(before, snapshot(bonus, ["reference_amount", "rule"])),
            )
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
        status=400
        if form.errors
        or error
        or (means_form and means_form.errors)
        or (cooperation_form and cooperation_form.errors)
        else 200,
    )


def _means_organisations(membership, convention):
    """The partners whose means the acting member may record: all parties for the Caf, else
    their own organisation when it is a party."""
    parties = [p.organisation for p in convention.parties.select_related("organisation")]
    if perms.can_edit_convention(membership, convention):
        return parties
    if membership is not None and membership.role in perms.EDITOR_ROLES:
        return [o for o in parties if o.pk == membership.organisation_id]
    return []


@require_POST
def means_add(request, slug):
    convention = _convention(request, slug)
    organisations = _means_organisations(request.current_membership, convention)
    perms.require(
        bool(organisations),
        "Seuls les administrateurs et agents des parties saisissent leurs moyens.",
    )
    form = MeansForm(request.POST, convention=convention, organisations=organisations)
    if form.is_valid():
        data = dict(form.cleaned_data)
        data["organisation_id"] = int(data.pop("organisation"))
        entry = MeansEntry(convention=convention, **data)
        perms.require(perms.can_edit_means(request.current_membership, entry))
        entry.save()
        record(
            AuditAction.CREATE,
            request=request,
            obj=entry,
            changes={k: [None, str(v)] for k, v in form.cleaned_data.items()},
        )
        messages.success(request, f"Moyen enregistré : {entry}.")
        return redirect("web:convention_funding", slug=slug)
    return funding(request, slug, means_form=form)


@require_POST
def cooperation_add(request, slug):
    """A chargé de coopération line: the Caf for any party, a party for its own staff."""
    convention = _convention(request, slug)
    organisations = _means_organisations(request.current_membership, convention)
    perms.require(
        bool(organisations),
        "Seuls les administrateurs et agents des parties saisissent les postes de coopération.",
    )
    form = CooperationForm(request.POST, convention=convention, organisations=organisations)
    if form.is_valid():
        data = dict(form.cleaned_data)
        data["organisation_id"] = int(data.pop("organisation"))
        post = CooperationPost.objects.create(convention=convention, **data)
        record(
            AuditAction.CREATE,
            request=request,
            obj=post,
            changes={k: [None, str(v)] for k, v in form.cleaned_data.items()},
        )
        messages.success(request, f"Poste de chargé de coopération enregistré : {post}.")
        return redirect("web:convention_funding", slug=slug)
    return funding(request, slug, cooperation_form=form)


# -- amendments ---------------------------------------------------------------------------------
def amendments(request, slug):
    convention = _convention(request, slug)
    form = AmendmentForm()
    if request.method == "POST":
        perms.require(
            perms.can_edit_convention(request.current_membership, convention),
            "Seuls les administrateurs et agents de la Caf partie enregistrent un avenant.",
        )
        form = AmendmentForm(request.POST)
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
                amendment = services.record_amendment(
                    convention,
                    title=data["title"],
                    signed_on=data["signed_on"],
                    duration_years=data["duration_years"],
                    clauses=clauses,
                    by=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, " ".join(exc.messages))
            else:
                record(
                    AuditAction.CREATE,
                    request=request,
                    obj=amendment,
                    changes={"version": [amendment.before.number, amendment.after.number]},
                )
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
        status=400 if form.errors else 200,
    )


def amendment_diff(request, slug, number, fmt):
    convention = _convention(request, slug)
    amendment = get_object_or_404(convention.amendments, number=number)
    if fmt != "txt":
        raise Http404("Format inconnu : txt.")
    return HttpResponse(amendment.diff_text, content_type="text/plain; charset=utf-8")
