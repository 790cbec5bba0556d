"""The employer that reserves places for which a parent works: recorded by the family on her
application's page or by an agent of the guichet's operator (`commission.employers`)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from maillage.accounts.perms import require_professional
from maillage.applications import perms as application_perms
from maillage.commission import employers
from maillage.commission.enums import EmployerSource

SAVED = "Employeur réservataire enregistré."
REMOVED = "Employeur réservataire retiré."


def _save(request, application, source, organisation=None) -> None:
    employer = request.POST.get("employer", "")
    try:
        employers.set_employer(
            application, employer, source=source, actor=request.user, organisation=organisation
        )
    except employers.EmployerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, SAVED if employer.strip() else REMOVED)


@require_POST
def family_employer(request, number):
    if not request.user.is_family:
        raise PermissionDenied(
            "Cet espace est réservé aux familles. Les professionnels utilisent la file du guichet."
        )
    application = application_perms.require_family_application(request.user, number)
    _save(request, application, EmployerSource.FAMILY)
    return redirect("web:guichet_family_application", number=number)


@require_POST
def agent_employer(request, number):
    membership = require_professional(request)
    application = application_perms.require_visible_application(membership, number)
    application_perms.require_instruct(membership, application)
    _save(request, application, EmployerSource.AGENT, membership.organisation)
    return redirect("web:guichet_agent_application", number=number)
