"""Home, login, "mon espace", territory and commune pages."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from maillage.accounts import perms, rights
from maillage.accounts import services as account_services
from maillage.accounts.models import Organisation
from maillage.audit import trail
from maillage.audit.models import AuditAction, AuditEntry
from maillage.core import heartbeat
from maillage.directory import perms as directory_perms
from maillage.directory.models import Childminder
from maillage.territories.models import Commune, TerritoryGroup
from maillage.territories.sppe import duties_for_commune, thresholds_at
from maillage.web.core.forms import AuditTrailFilterForm, EmailAuthenticationForm


@login_not_required
@never_cache
def health(request):
    """For a load balancer: 200 when the database and a worker answer, 503 otherwise."""
    checks = heartbeat.health()
    ok = all(checks.values())
    return JsonResponse(
        {"status": "ok" if ok else "indisponible", **checks}, status=200 if ok else 503
    )


@login_not_required
def home(request):
    groups = TerritoryGroup.objects.order_by("name")[:10]
    return render(request, "web/home.html", {"groups": groups})


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True


@require_POST
@login_not_required
def logout_view(request):
    from django.contrib.auth import logout

    logout(request)
    messages.info(request, "Vous êtes déconnecté·e.")
    return redirect("web:home")


def my_space(request):
    memberships = request.user.active_memberships().order_by("organisation__name")
    can_read_register = perms.can_read_processing_register(request.user, request.current_membership)
    return render(
        request,
        "web/my_space.html",
        {"memberships": memberships, "can_read_register": can_read_register},
    )


@require_POST
def my_data(request):
    """The person's own data as a JSON file (POST: the download is an audited action)."""
    data = rights.export_user_data(request.user)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = 'attachment; filename="mes-donnees-maillage.json"'
    return response


@require_POST
def switch_organisation_view(request):
    try:
        organisation_id = int(request.POST.get("organisation", ""))
    except ValueError:
        messages.error(request, "Choisissez une organisation dans la liste.")
        return redirect("web:my_space")
    membership = account_services.switch_organisation(request, organisation_id)
    messages.success(request, f"Vous agissez désormais pour : {membership.organisation}.")
    next_url = request.POST.get("next") or reverse("web:my_space")
    if not next_url.startswith("/") or next_url.startswith("//"):
        next_url = reverse("web:my_space")
    return HttpResponseRedirect(next_url)


@login_not_required
def territory_group(request, slug):
    group = get_object_or_404(TerritoryGroup, slug=slug)
    communes = list(group.communes.with_related().order_by("name"))
    rows = [(commune, duties_for_commune(commune)) for commune in communes]
    return render(
        request,
        "web/territory_group.html",
        {
            "group": group,
            "rows": rows,
            "population": sum(c.population or 0 for c in communes),
            "thresholds": thresholds_at_today(),
        },
    )


def thresholds_at_today():
    import datetime

    return thresholds_at(datetime.date.today())


@login_not_required
def commune(request, insee):
    commune = get_object_or_404(Commune.objects.with_related(), insee_code=insee)
    return render(
        request,
        "web/commune.html",
        {
            "commune": commune,
            "duties": duties_for_commune(commune),
            "thresholds": thresholds_at_today(),
            "groups": commune.territory_groups.order_by("name"),
            "can_open_workspace": perms.acting_organisation_covers_commune(request, commune),
        },
    )


def commune_workspace(request, insee):
    """Restricted: the organisations covering the commune and the recent actions of the
    organisation the person acts for (never another organisation's trail)."""
    commune = get_object_or_404(Commune.objects.with_related(), insee_code=insee)
    try:
        organisation = perms.require_acting_organisation_covers_commune(request, commune)
    except PermissionDenied:
        return render(request, "web/forbidden.html", {"commune": commune}, status=403)
    organisations = commune.organisations.order_by("name").prefetch_related("memberships__user")
    audit = AuditEntry.objects.visible_to(request.current_membership).filter(
        organisation=organisation
    )[:20]
    childminders = None
    if directory_perms.can_manage_childminders_of(request.current_membership, commune):
        childminders = Childminder.objects.filter(commune=commune).order_by(
            "last_name", "first_name"
        )
    return render(
        request,
        "web/commune_workspace.html",
        {
            "commune": commune,
            "organisation": organisation,
            "organisations": organisations,
            "audit": audit,
            "childminders": childminders,
        },
    )


def audit_trail(request):
    """The audit trail an administrator (their organisation) or a DPO (their scope) may read."""
    membership = trail.require_trail_reader(getattr(request, "current_membership", None))
    organisation_ids, _platform = membership.audit_scope()
    form = AuditTrailFilterForm(
        request.GET or None,
        actions=AuditAction.choices,
        object_types=trail.object_types(membership),
        organisations=list(Organisation.objects.filter(pk__in=organisation_ids).order_by("name")),
    )
    filters = trail.TrailFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = trail.TrailFilters(
            action=data.get("action") or "",
            object_type=data.get("object_type") or "",
            object_id=(data.get("object_id") or "").strip(),
            organisation_id=data.get("organisation"),
            date_from=data.get("date_from"),
            date_until=data.get("date_until"),
        )
    page = trail.read_trail(
        membership, actor=request.user, filters=filters, page=request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "web/audit_trail.html",
        {"form": form, "page": page, "membership": membership, "query": query.urlencode()},
    )
