"""Pages of the commission's letters: the family's letter and detailed explanation (page and
PDF), the agents' reading of a letter (audited), the public statistics of a session. Each view
parses input, calls one domain service, renders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from maillage.accounts.perms import require_professional
from maillage.applications import perms
from maillage.commission import explanations, letters, statistics
from maillage.territories.models import TerritoryGroup

FAMILY_ONLY = (
    "Cet espace est réservé aux familles. Les professionnels ouvrent les courriers depuis la"
    " séance de la commission."
)


def _require_family(request):
    if not request.user.is_family:
        raise PermissionDenied(FAMILY_ONLY)


def _family_decision(request, number):
    _require_family(request)
    application = perms.require_family_application(request.user, number)
    return letters.open_family_letter(application, request.GET.get("seance", "")[:80])


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
def family_letter(request, number):
    decision = _family_decision(request, number)
    context = letters.letter_context(decision)
    context["others"] = letters.family_decisions(decision.entry.application)
    context["explanation_requested"] = explanations.requested(decision) is not None
    return render(request, "commission/letter_family.html", context)


@require_safe
def family_letter_pdf(request, number):
    decision = _family_decision(request, number)
    return _pdf(
        letters.render_letter_pdf(decision), f"courrier-{letters.letter_filename(decision)}"
    )


@require_http_methods(["GET", "POST"])
def family_explanation(request, number):
    """GET: the document if requested, else what it is and the button; POST: the request."""
    decision = _family_decision(request, number)
    query = f"?seance={decision.session.slug}"
    if request.method == "POST":
        explanations.request_explanation(decision, actor=request.user)
        messages.success(request, "Votre demande d'explication détaillée est enregistrée.")
        return redirect(request.path + query)
    found = explanations.requested(decision)
    if found is None:
        return render(
            request,
            "commission/letter_explanation_request.html",
            {"decision": decision, "application": decision.entry.application, "query": query},
        )
    context = explanations.explanation_context(decision, found)
    context["query"] = query
    return render(request, "commission/letter_explanation.html", context)


@require_safe
def family_explanation_pdf(request, number):
    decision = _family_decision(request, number)
    found = explanations.requested(decision)
    if found is None:
        raise Http404("Demandez d'abord l'explication détaillée.")
    return _pdf(
        explanations.render_explanation_pdf(decision, found),
        f"explication-{letters.letter_filename(decision)}",
    )


@require_safe
def agent_letter(request, slug, number):
    membership = require_professional(request)
    decision = letters.open_agent_letter(membership, slug, number, actor=request.user)
    context = letters.letter_context(decision)
    context["explanation_requested"] = explanations.requested(decision) is not None
    return render(request, "commission/letter_agent.html", context)


@require_safe
def agent_letter_pdf(request, slug, number):
    membership = require_professional(request)
    decision = letters.open_agent_letter(membership, slug, number, actor=request.user)
    return _pdf(letters.render_letter_pdf(decision), letters.letter_filename(decision))


@login_not_required
@require_safe
def public_statistics(request, slug):
    territory = get_object_or_404(TerritoryGroup, slug=slug)
    sessions = list(statistics.public_sessions(territory))
    wanted = request.GET.get("seance", "")[:80]
    session = next((s for s in sessions if s.slug == wanted), sessions[0] if sessions else None)
    if wanted and session is not None and session.slug != wanted:
        raise Http404("Aucune séance publiée de cet identifiant.")
    figures = statistics.session_statistics(session) if session is not None else None
    return render(
        request,
        "commission/stats_session.html",
        {"territory": territory, "sessions": sessions, "session": session, "figures": figures},
    )
