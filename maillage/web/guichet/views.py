"""Pages of the guichet unique: the family's journey (phone first) and the agents' queue.
Each view parses input, calls one domain service, renders."""

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from maillage.accounts.perms import require_professional
from maillage.applications import perms, services
from maillage.applications.enums import DocumentKind, Source
from maillage.applications.queue import (
    EXPORT_HEADER,
    QueueFilters,
    export_queue,
    filter_choices,
)
from maillage.audit.workflow import WorkflowError
from maillage.commission.employers import panel as employer_panel
from maillage.commission.family import family_panel
from maillage.core.concurrency import ConcurrentEditError
from maillage.core.exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_bytes, xlsx_bytes
from maillage.territories.models import TerritoryGroup
from maillage.web.guichet.forms import (
    ApplicationForm,
    BirthForm,
    CounterContactForm,
    DocumentForm,
    HouseholdForm,
    QueueFilterForm,
    SignupForm,
)

FAMILY_ONLY = (
    "Cet espace est réservé aux familles. Les professionnels utilisent la file du guichet."
)


def _require_family(request):
    if not request.user.is_family:
        raise PermissionDenied(FAMILY_ONLY)


def _open_territory(slug):
    territory = get_object_or_404(TerritoryGroup, slug=slug)
    try:
        rules = services.rules_for(territory)
    except services.GuichetError:
        rules = None
    return territory, rules


# --- public -------------------------------------------------------------------------------------


@login_not_required
def rules_page(request, slug):
    """« Comment ça marche » : every rule of the territory's guichet, in words."""
    territory, rules = _open_territory(slug)
    structures = (
        rules.participating_structures.select_related("commune").order_by("commune__name", "name")
        if rules
        else []
    )
    return render(
        request,
        "guichet/rules.html",
        {"territory": territory, "rules": rules, "structures": structures,
         "draft_days": services.draft_retention_days(rules, None) if rules else None},
    )  # fmt: skip


@login_not_required
def index(request):
    """The open guichets, for families and anyone looking."""
    return render(request, "guichet/index.html", {"territories": services.open_territories()})


def _safe_next(request) -> str:
    """Where to come back after signing up (e.g. a new application with a structure chosen on
    the directory), only within this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@login_not_required
def signup(request):
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or "web:guichet_family_home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.create_family_account(
                form.cleaned_data["email"], form.cleaned_data["password"]
            )
        except services.GuichetError as exc:
            form.add_error("email", str(exc))
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Votre compte est créé. Vous pouvez faire votre demande.")
            return redirect(next_url or "web:guichet_family_home")
    return render(request, "guichet/signup.html", {"form": form, "next": next_url})


@login_not_required
def invitation(request, token):
    """The link of an invitation e-mail: sign in or sign up, then attach the application."""
    from maillage.applications import invitations

    if request.method == "POST" and not request.user.is_authenticated:
        return redirect_to_login(request.path)
    try:
        if request.method == "POST":
            application = invitations.claim(token, request.user)
            messages.success(request, f"La demande {application.number} est rattachée à votre "
                             "compte : vous pouvez la suivre en ligne.")  # fmt: skip
            return redirect("web:guichet_family_application", number=application.number)
        found = invitations.find_invitation(token)
    except invitations.InvitationError as exc:
        return render(request, "guichet/invitation.html", {"error": str(exc), "found": None},
                      status=exc.status)  # fmt: skip
    return render(
        request,
        "guichet/invitation.html",
        {"error": "", "found": found, "path": request.path,
         "is_family": request.user.is_authenticated and request.user.is_family},
    )  # fmt: skip


# --- family -------------------------------------------------------------------------------------


def family_home(request):
    _require_family(request)
    return render(
        request,
        "guichet/family_home.html",
        {
            "applications": services.family_applications(request.user),
            "territories": services.open_territories(),
        },
    )


# the button that lists the wishes again, nearest to home or to work, without saving anything
REFRESH = "chercher"


def _refreshing(request) -> bool:
    return request.method == "POST" and REFRESH in request.POST


def _keep_typed(form, post) -> None:
    """An unbound `form` showing what was typed (a refresh of the wish picker: no errors shown
    for what is not filled in yet, nothing saved)."""
    initial = {}
    for name, field in form.fields.items():
        key = form.add_prefix(name)
        if isinstance(field, django_forms.BooleanField):
            initial[name] = key in post
        elif key in post:
            initial[name] = post.get(key)
    form.initial = initial


def _home_and_work(request, territory, household):
    """The home commune (as typed, else the household's) and the commune(s) of work typed for
    the wish picker (never stored), with a French message when the place is unknown."""
    from maillage.web.directory.forms import resolve_commune

    home = household.commune if household is not None else None
    if request.method != "POST":
        return home, [], ""
    try:
        typed_home = int(request.POST.get("foyer-commune", ""))
    except ValueError:
        typed_home = None
    if typed_home:
        home = territory.communes.filter(pk=typed_home).first() or home
    text = request.POST.get("demande-work_place", "").strip()[:100]
    if not text:
        return home, [], ""
    postal: list = []
    commune, error = resolve_commune(text, postal=postal)
    return home, [commune] if commune is not None else postal, error or ""


def _application_forms(
    request, territory, rules, *, household=None, application=None, wish=None, initial=None
):
    refresh = _refreshing(request)
    data = request.POST if request.method == "POST" and not refresh else None
    household_initial = {}
    if household is not None:
        household_initial = {name: getattr(household, name) for name in services.HOUSEHOLD_FIELDS}
    household_form = HouseholdForm(data, territory=territory, initial=household_initial,
                                   prefix="foyer")  # fmt: skip
    home, work, work_error = _home_and_work(request, territory, household)
    if initial is None:
        initial = (
            ApplicationForm.initial_from(application)
            if application
            else {"born": "1", **({"wish_1": wish} if wish else {})}
        )
    application_form = ApplicationForm(
        data,
        candidates=services.wish_candidates(rules, home=home, work=work),
        max_wishes=rules.max_wishes,
        work_error=work_error,
        initial=initial,
        prefix="demande",
    )
    application_form.refreshed = refresh
    if refresh:
        _keep_typed(household_form, request.POST)
        _keep_typed(application_form, request.POST)
    return household_form, application_form


def _data(form) -> services.ApplicationData:
    d = form.cleaned_data
    return services.ApplicationData(
        desired_start=d["desired_start"],
        days_per_week=d["days_per_week"],
        daily_hours=d["daily_hours"],
        atypical_hours=d["atypical_hours"],
        radius_km=d["radius_km"],
        accepts_childminder=d["accepts_childminder"],
        siblings_together=d["siblings_together"],
    )


def _save(request, forms_pair, *, territory, application=None, status_ok=None, **extra):
    household_form, application_form = forms_pair
    if not (household_form.is_valid() and application_form.is_valid()):
        return None, 400
    try:
        saved = extra.pop("service", services.save_draft)(
            territory=territory,
            household_values=household_form.cleaned_data | extra.pop("household_extra", {}),
            child_values=application_form.child_values(),
            data=_data(application_form),
            structures=application_form.cleaned_data["structures"],
            application=application,
            seen_version=application_form.cleaned_data.get("version"),
            **extra,
        )
    except ConcurrentEditError as exc:
        application_form.add_error(None, str(exc))
        return None, 409
    except (services.GuichetError, ValidationError, WorkflowError) as exc:
        application_form.add_error(None, exc.messages[0] if hasattr(exc, "messages") else str(exc))
        return None, 400
    return saved, 200


def family_new(request, slug):
    """A new application. The household is the family's (prefilled, editable: it is described
    once); with `?enfant=<numéro>`, a new application for the child of one of her previous
    applications (next year, after a withdrawal…), prefilled too."""
    _require_family(request)
    territory, rules = _open_territory(slug)
    if rules is None or not rules.is_open:
        messages.error(request, "Le guichet unique de ce territoire n'est pas ouvert.")
        return redirect("web:guichet_family_home")
    household = services.household_for(request.user, territory)
    source = None
    if request.GET.get("enfant"):
        source = perms.require_family_application(request.user, request.GET["enfant"])
        try:
            services.check_renewal(source, territory)
        except services.GuichetError as exc:
            messages.error(request, str(exc))
            return redirect("web:guichet_family_home")
        household = source.household
    # from a structure's page of the directory: that structure as the first wish
    wish = services.preselected_wish(rules, request.GET.get("structure"))
    forms_pair = _application_forms(
        request, territory, rules, household=household, wish=wish,
        initial=services.renewal_initial(source) if source else None,
    )  # fmt: skip
    status = 200
    if request.method == "POST" and not _refreshing(request):
        application, status = _save(
            request, forms_pair, territory=territory, account=request.user, actor=request.user,
            child=source.child if source else None,
        )  # fmt: skip
        if application is not None:
            messages.success(request, f"Brouillon enregistré sous le numéro {application.number}.")
            return redirect("web:guichet_family_documents", number=application.number)
    return render(
        request,
        "guichet/family_form.html",
        {"territory": territory, "rules": rules, "household_form": forms_pair[0],
         "application_form": forms_pair[1], "application": None, "renewal": source,
         "household_reused": household is not None,
         "siblings": services.open_household_applications(household, territory, source)},
        status=status,
    )  # fmt: skip


def family_edit(request, number):
    _require_family(request)
    application = perms.require_family_application(request.user, number)
    rules = services.rules_for(application.territory)
    if not services.can_family_edit(application):
        messages.error(request, "Cette demande ne peut plus être modifiée en ligne.")
        return redirect("web:guichet_family_application", number=number)
    forms_pair = _application_forms(
        request, application.territory, rules, household=application.household,
        application=application,
    )  # fmt: skip
    status = 200
    if request.method == "POST" and not _refreshing(request):
        saved, status = _save(
            request, forms_pair, territory=application.territory, application=application,
            account=request.user, actor=request.user,
        )  # fmt: skip
        if saved is not None:
            messages.success(request, "Vos modifications sont enregistrées.")
            return redirect("web:guichet_family_application", number=number)
    return render(
        request,
        "guichet/family_form.html",
        {"territory": application.territory, "rules": rules, "household_form": forms_pair[0],
         "application_form": forms_pair[1], "application": application, "renewal": None,
         "household_reused": False, "siblings": services.sibling_applications(application)},
        status=status,
    )  # fmt: skip


def family_documents(request, number):
    _require_family(request)
    application = perms.require_family_application(request.user, number)
    form = DocumentForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.add_document(
                    application, form.cleaned_data["kind"], form.cleaned_data["file"],
                    actor=request.user,
                )  # fmt: skip
            except services.GuichetError as exc:
                form.add_error("file", str(exc))
                status = 400
            else:
                messages.success(request, "Pièce bien reçue.")
                return redirect("web:guichet_family_documents", number=number)
        else:
            status = 400
    labels = dict(DocumentKind.choices)
    return render(
        request,
        "guichet/family_documents.html",
        {
            "application": application,
            "form": form,
            "documents": application.documents.all(),
            "missing": [labels[k] for k in services.missing_documents(application)],
        },
        status=status,
    )


@require_POST
def family_submit(request, number):
    _require_family(request)
    application = perms.require_family_application(request.user, number)
    try:
        if application.state == "to_correct":
            services.resubmit(application, actor=request.user)
        else:
            services.submit(application, actor=request.user)
    except (services.GuichetError, WorkflowError) as exc:
        messages.error(request, str(exc))
        return redirect("web:guichet_family_application", number=number)
    return redirect("web:guichet_family_receipt", number=number)


def _receipt_context(application):
    rules = services.rules_for(application.territory)
    return {
        "application": application,
        "rules": rules,
        "steps": services.next_steps(application, rules),
    }


def family_receipt(request, number):
    _require_family(request)
    application = perms.require_family_application(request.user, number)
    return render(request, "guichet/family_receipt.html", _receipt_context(application))


def family_receipt_pdf(request, number):
    _require_family(request)
    application = perms.require_family_application(request.user, number)
    from weasyprint import HTML

    html = render_to_string("guichet/receipt_pdf.html", _receipt_context(application))
    response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="accuse-{application.number}.pdf"'
    return response


def family_application(request, number):
    _require_family(request)
    application = perms.require_family_application(request.user, number)
    return render(
        request,
        "guichet/family_application.html",
        {
            "application": application,
            "timeline": services.timeline(application),
            "messages_list": application.messages.all(),
            "wishes": application.wishes.select_related("structure__commune"),
            "can_edit": services.can_family_edit(application),
            "birth_form": BirthForm(),
            "commission": family_panel(application),
            "draft_fate": services.draft_fate(application),
            "siblings": services.sibling_applications(application),
        },
    )


def _family_action(request, number, action, success):
    _require_family(request)
    application = perms.require_family_application(request.user, number)
    try:
        action(application)
    except (services.GuichetError, WorkflowError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect("web:guichet_family_application", number=number)


@require_POST
def family_birth(request, number):
    _require_family(request)
    perms.require_family_application(request.user, number)  # access first, then the input
    form = BirthForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Indiquez une date de naissance valide (JJ/MM/AAAA).")
        return redirect("web:guichet_family_application", number=number)
    return _family_action(
        request, number,
        lambda a: services.confirm_birth(a, form.cleaned_data["birth_date"], actor=request.user),
        "Naissance confirmée : votre demande est en liste d'attente.",
    )  # fmt: skip


@require_POST
def family_interest(request, number):
    return _family_action(
        request, number, lambda a: services.confirm_interest(a, actor=request.user),
        "Merci, votre demande reste en liste d'attente.",
    )  # fmt: skip


@require_POST
def family_withdraw(request, number):
    return _family_action(
        request, number, lambda a: services.withdraw(a, actor=request.user),
        "Votre demande est retirée.",
    )  # fmt: skip


@require_POST
def family_message(request, number):
    return _family_action(
        request, number,
        lambda a: services.send_message(a, request.POST.get("text", ""), actor=request.user,
                                        from_family=True),
        "Message envoyé au guichet.",
    )  # fmt: skip


# --- agents ----------------------------------------------------------------------------------

PAGE_SIZE = 50


def _queue_form(request, membership):
    communes, structures = filter_choices(membership)
    return QueueFilterForm(request.GET or None, communes=communes, structures=structures)


def _filters(form) -> QueueFilters:
    if not form.is_bound or not form.is_valid():
        return QueueFilters()
    d = form.cleaned_data
    return QueueFilters(
        q=d["q"], state=d["state"], commune=d["commune"],
        structure=int(d["structure"]) if d["structure"] else None,
        start_month=d["start_month"], missing=d["missing"], sort=d["sort"] or "registered_on",
    )  # fmt: skip


def queue_view(request):
    membership = require_professional(request)
    form = _queue_form(request, membership)
    page = services.read_queue(
        membership, _filters(form), page=request.GET.get("page"), actor=request.user,
        page_size=PAGE_SIZE,
    )  # fmt: skip
    query = request.GET.copy()
    query.pop("page", None)
    operated = TerritoryGroup.objects.filter(
        pk__in=perms.operated_territory_ids(membership.organisation)
        if perms.reads_personal(membership)
        else []
    )
    aggregates = services.queue_aggregates(membership)
    return render(
        request,
        "guichet/queue.html",
        {"form": form, "page": page, "query": query.urlencode(), "operated": operated,
         "aggregates": aggregates, "personal": perms.reads_personal(membership)},
    )  # fmt: skip


def queue_export(request, fmt="csv"):
    """The minimised export of the queue (same filters), CSV or XLSX; cells written as text
    through the safe export helpers."""
    membership = require_professional(request)
    form = _queue_form(request, membership)
    rows = export_queue(membership, _filters(form), actor=request.user, fmt=fmt)
    if fmt == "xlsx":
        content, content_type = xlsx_bytes("Demandes", EXPORT_HEADER, rows), XLSX_CONTENT_TYPE
    else:
        content, content_type = csv_bytes(EXPORT_HEADER, rows), CSV_CONTENT_TYPE
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="guichet-demandes.{fmt}"'
    return response


def agent_application(request, number):
    membership = require_professional(request)
    application = services.open_application(membership, number, actor=request.user)
    labels = dict(DocumentKind.choices)
    return render(
        request,
        "guichet/agent_application.html",
        {
            "application": application,
            "can_instruct": perms.can_instruct(membership, application),
            "timeline": services.timeline(application),
            "wishes": application.wishes.select_related("structure__commune"),
            "documents": application.documents.all(),
            "missing": [labels[k] for k in services.missing_documents(application)],
            "notes": application.notes.all(),
            "messages_list": application.messages.all(),
            "duplicates": services.possible_duplicates(application)
            if perms.can_instruct(membership, application) and application.is_open
            else [],
            "merged_from": application.merged_from.all(),
            "siblings": services.sibling_applications(application),
            "employer": employer_panel(
                application, editable=perms.can_instruct(membership, application)
            ),
        },
    )


def agent_document(request, number, pk):
    """The file of a document, for the agent who checks it (read recorded)."""
    from django.http import FileResponse

    membership = require_professional(request)
    document = services.open_document(membership, number, pk, actor=request.user)
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
    response = FileResponse(
        document.file.open("rb"),
        content_type=document.content_type,
        filename=f"{number}-{document.kind}.{extension.get(document.content_type, 'bin')}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


AGENT_ACTIONS = {
    "request_correction": lambda a, p, u, o: services.request_correction(
        a, p.get("reason", ""), actor=u, organisation=o
    ),
    "mark_complete": lambda a, p, u, o: services.mark_complete(a, actor=u, organisation=o),
    "cancel": lambda a, p, u, o: services.cancel(a, p.get("reason", ""), actor=u, organisation=o),
    "note": lambda a, p, u, o: services.add_note(a, p.get("text", ""), actor=u, organisation=o),
    "message": lambda a, p, u, o: services.send_message(
        a, p.get("text", ""), actor=u, from_family=False, organisation=o
    ),
    "verify_document": lambda a, p, u, o: services.verify_document(
        get_object_or_404(a.documents, pk=p.get("document")), actor=u, organisation=o
    ),
}


@require_POST
def agent_merge(request, number):
    """Merge two applications of the same child; the agent chooses the one kept."""
    membership = require_professional(request)
    try:
        kept = services.merge_duplicate(
            membership, number, request.POST.get("other", ""),
            keep_this=request.POST.get("keep", "this") != "other", actor=request.user,
        )  # fmt: skip
    except (services.GuichetError, WorkflowError) as exc:
        messages.error(request, str(exc))
        return redirect("web:guichet_agent_application", number=number)
    messages.success(request, f"Demandes fusionnées : la demande {kept.number} est conservée.")
    return redirect("web:guichet_agent_application", number=kept.number)


@require_POST
def agent_action(request, number):
    membership = require_professional(request)
    application = perms.require_visible_application(membership, number)
    perms.require_instruct(membership, application)
    action = AGENT_ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        messages.error(request, "Action inconnue.")
    else:
        try:
            action(application, request.POST, request.user, membership.organisation)
        except (services.GuichetError, WorkflowError) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "C'est fait.")
    return redirect("web:guichet_agent_application", number=number)


def counter_new(request, slug):
    """An agent registers an application for a family at the counter; with `?fratrie=<numéro>`
    (from the file of a brother's or sister's application), for the same household: prefilled,
    and the new application is linked to the siblings' ones."""
    membership = require_professional(request)
    territory, rules = _open_territory(slug)
    if rules is None or not perms.can_register_at_counter(membership, territory):
        raise PermissionDenied(
            "Seuls les agents de l'organisation qui tient le guichet peuvent enregistrer une "
            "demande au guichet."
        )
    sibling = household = None
    if request.GET.get("fratrie"):
        sibling = services.counter_sibling(
            membership, territory, request.GET["fratrie"], actor=request.user
        )
        household = sibling.household
    forms_pair = _application_forms(request, territory, rules, household=household)
    contact = CounterContactForm(
        None if _refreshing(request) else request.POST or None,
        prefix="contact",
        initial={"email": request.POST.get("contact-email", household.email if household else "")},
    )
    status = 200
    if request.method == "POST" and not _refreshing(request) and contact.is_valid():
        application, status = _save(
            request, forms_pair, territory=territory, actor=request.user,
            organisation=membership.organisation, source=Source.COUNTER,
            household_extra={"email": contact.cleaned_data["email"]},
            service=services.register_at_counter, household=household,
        )  # fmt: skip
        if application is not None:
            messages.success(request, f"Demande {application.number} enregistrée et déposée.")
            return redirect("web:guichet_agent_application", number=application.number)
    return render(
        request,
        "guichet/counter_form.html",
        {"territory": territory, "rules": rules, "household_form": forms_pair[0],
         "application_form": forms_pair[1], "contact_form": contact, "renewal": None,
         "household_reused": False, "counter_sibling": sibling,
         "siblings": services.open_household_applications(household, territory)},
        status=status,
    )  # fmt: skip
