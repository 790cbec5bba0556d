"""Offer pages: the family answers the place offered to her (with a confirmation step), the
commission's agents follow a session's offers and answer at the counter, record a departure,
publish a session. Each view parses input, calls one domain service, renders."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from maillage.accounts.perms import require_professional
from maillage.applications import perms as guichet_perms
from maillage.applications import services as guichet
from maillage.applications.enums import RefusalRule
from maillage.applications.models import Wish
from maillage.audit.services import record_read
from maillage.audit.workflow import WorkflowError
from maillage.commission import offers, perms
from maillage.commission.enums import OfferChannel, OfferStatus, SessionStatus
from maillage.commission.models import Offer, Session
from maillage.core.jobs import start_job

FAMILY_ONLY = "Cet espace est réservé aux familles."
NO_OPEN_OFFER = "Aucune place n'attend votre réponse pour cette demande."


# --- family -----------------------------------------------------------------------------------


def _family_offer(request, number):
    if not request.user.is_family:
        raise PermissionDenied(FAMILY_ONLY)
    application = guichet_perms.require_family_application(request.user, number)
    return application, offers.open_offer_of(application)


def _refusal_rule_text(application) -> str:
    try:
        rules = guichet.rules_for(application.territory)
    except guichet.GuichetError:
        return ""
    if rules.refusal_rule == RefusalRule.ARCHIVE_AFTER:
        left = max(rules.max_refusals - application.refusals - 1, 0)
        if left == 0:
            return (
                "Attention : d'après les règles du territoire, ce refus entraîne l'archivage de "
                "votre demande."
            )
        return (
            f"Votre demande reste en liste d'attente ; après {rules.max_refusals} refus, elle "
            "est archivée."
        )
    return "Votre demande reste en liste d'attente."


def _family_answer(request, number, answer):
    application, offer = _family_offer(request, number)
    if offer is None:
        messages.info(request, NO_OPEN_OFFER)
        return redirect("web:guichet_family_application", number=number)
    keep = request.POST.get("keep_better_wishes") == "1"
    reason = request.POST.get("reason", "").strip()[:500]
    error = ""
    if request.method == "POST":
        seen = request.POST.get("version", "")
        if seen.isdigit() and int(seen) != offer.version:
            error = (
                "Cette proposition a changé depuis l'affichage de la page. Vérifiez-la puis "
                "confirmez de nouveau."
            )
        else:
            try:
                if answer == "accept":
                    offers.accept(
                        offer, actor=request.user, channel=OfferChannel.FAMILY,
                        keep_better_wishes=keep,
                    )  # fmt: skip
                    messages.success(
                        request, "Place acceptée. La structure va vous contacter pour l'accueil."
                    )
                else:
                    offers.refuse(
                        offer, actor=request.user, channel=OfferChannel.FAMILY, reason=reason
                    )
                    messages.success(request, "Votre refus est enregistré.")
                return redirect("web:guichet_family_application", number=number)
            except (WorkflowError, guichet.GuichetError) as exc:
                messages.error(request, str(exc))
                return redirect("web:guichet_family_application", number=number)
    rank = (
        Wish.objects.filter(application=application, structure=offer.structure)
        .values_list("rank", flat=True)
        .first()
    )
    better = (
        [
            w.structure.name
            for w in Wish.objects.filter(application=application, rank__lt=rank)
            .select_related("structure")
            .order_by("rank")
        ]
        if rank
        else []
    )
    return render(
        request,
        "commission/offer_confirm.html",
        {
            "answer": answer,
            "offer": offer,
            "number": application.number,
            "better_wishes": better,
            "keep_better_wishes": keep,
            "reason": reason,
            "rule_text": _refusal_rule_text(application) if answer == "refuse" else "",
            "error": error,
        },
        status=409 if error else 200,
    )


def family_offer_accept(request, number):
    return _family_answer(request, number, "accept")


def family_offer_refuse(request, number):
    return _family_answer(request, number, "refuse")


# --- agents -----------------------------------------------------------------------------------


def _agent_session(request, session_slug):
    membership = require_professional(request)
    session = get_object_or_404(Session.objects.select_related("territory"), slug=session_slug)
    perms.require_commission_agent(membership, session.territory, perms.NOT_OFFER_AGENT)
    return membership, session


@require_safe
def session_offers(request, session):
    """The offers of a session, with the counter actions."""
    membership, session = _agent_session(request, session)
    rows = list(offers.session_offers(session))
    record_read(
        session,
        actor=request.user,
        organisation=membership.organisation,
        fields=["offers"],
        message=f"Propositions de la séance : {len(rows)}",
    )
    counts = {}
    for offer in rows:
        counts[offer.status] = counts.get(offer.status, 0) + 1
    return render(
        request,
        "commission/offer_list.html",
        {
            "session": session,
            "offers": rows,
            "counts": [(label, counts.get(code, 0)) for code, label in OfferStatus.choices],
            "can_publish": session.status
            in (SessionStatus.RUN, SessionStatus.VALIDATED, SessionStatus.FROZEN),
        },
    )


AGENT_ACTIONS = {"accept", "refuse", "depart"}


@require_POST
def offer_action(request, session, pk):
    """Accept or refuse at the counter on the family's behalf, or record a departure."""
    membership, session = _agent_session(request, session)
    offer = Offer.objects.filter(pk=pk, session=session).select_related("session").first()
    if offer is None:
        raise Http404("Proposition inconnue.")
    action = request.POST.get("action", "")
    if action not in AGENT_ACTIONS:
        messages.error(request, "Action inconnue.")
        return redirect("web:commission_session_offers", session=session.slug)
    seen = request.POST.get("version", "")
    reason = request.POST.get("reason", "").strip()[:500]
    organisation = membership.organisation
    try:
        if seen.isdigit() and int(seen) != offer.version:
            raise WorkflowError(
                "Cette proposition a changé depuis l'affichage de la page (réponse en ligne ou "
                "d'un autre agent). Rechargez la page pour voir la situation actuelle."
            )
        if action == "accept":
            offers.accept(
                offer, actor=request.user, channel=OfferChannel.COUNTER, organisation=organisation,
                keep_better_wishes=request.POST.get("keep_better_wishes") == "1",
            )  # fmt: skip
            messages.success(request, "Place acceptée au guichet pour la famille.")
        elif action == "refuse":
            offers.refuse(
                offer, actor=request.user, channel=OfferChannel.COUNTER, organisation=organisation,
                reason=reason or "Refus enregistré au guichet",
            )  # fmt: skip
            messages.success(
                request, "Refus enregistré ; la place est proposée à l'enfant suivant."
            )
        else:
            offers.record_departure(
                offer, actor=request.user, organisation=organisation, reason=reason
            )
            messages.success(
                request, "Départ enregistré ; la place est proposée à l'enfant suivant."
            )
    except (WorkflowError, guichet.GuichetError) as exc:
        messages.error(request, str(exc))
    return redirect("web:commission_session_offers", session=session.slug)


@require_POST
def session_publish(request, session):
    """Publish the session in the background (offers created, letters queued)."""
    from maillage.commission.offer_tasks import publish_session

    _membership, session = _agent_session(request, session)
    if session.status not in (SessionStatus.RUN, SessionStatus.VALIDATED, SessionStatus.FROZEN):
        messages.error(
            request,
            f"La séance est « {session.get_status_display()} » : elle ne peut pas être publiée.",
        )
        return redirect("web:commission_session_offers", session=session.slug)
    start_job(
        "commission-publish", f"Publication de {session.name}", publish_session, session.pk,
        request.user.pk, user=request.user, key=f"commission-publish:{session.pk}",
    )  # fmt: skip
    messages.info(
        request,
        "Publication lancée : les propositions apparaissent sur cette page quand elle est "
        "terminée (rechargez la page).",
    )
    return redirect("web:commission_session_offers", session=session.slug)
