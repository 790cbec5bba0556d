"""Agents' offers API: another software (the guichet's agents' tool) reads the offers of a
session and records the families' answers. Organisation key (`Authorization: Token <clé>`) or
session, as the guichet API; only the organisation operating the territory's guichet may."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from maillage.api.partner import PartnerAPIView
from maillage.audit.services import record_read
from maillage.audit.workflow import WorkflowError
from maillage.commission import offers, perms
from maillage.commission.enums import OfferChannel
from maillage.commission.models import Offer, Session


class CommissionAPIView(PartnerAPIView):
    pass


class OfferList(CommissionAPIView):
    @extend_schema(
        summary="Les propositions de place d'une séance",
        description=(
            "Liste des propositions de la séance `session` (slug), chacune avec `id`, `status` "
            "(`open`, `accepted`, `refused`, `expired`, `withdrawn`), le numéro de la demande, "
            "la structure, la tranche d'âge, la date d'entrée, la date limite de réponse et "
            "`reoffer_of` (la proposition dont la place s'est libérée). Réservé aux agents de "
            "l'organisation qui tient le guichet du territoire ; la lecture est journalisée."
        ),
        parameters=[OpenApiParameter("session", str, required=True)],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        membership = self.membership(request)
        perms.require_commission_agent(membership, None, perms.NOT_OFFER_AGENT)
        slug = request.query_params.get("session", "").strip()
        if not slug:
            return Response(
                {"errors": [{"field": "session", "message": "Indiquez la séance (slug)."}]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        session = Session.objects.select_related("territory").filter(slug=slug).first()
        if session is None:
            raise NotFound("Séance inconnue.")
        perms.require_commission_agent(membership, session.territory, perms.NOT_OFFER_AGENT)
        rows = [offers.payload(offer) for offer in offers.session_offers(session)]
        record_read(
            session,
            actor=request.user,
            organisation=membership.organisation,
            fields=["offers"],
            message=f"Propositions de la séance (API) : {len(rows)}",
        )
        return Response(rows)


class OfferAnswer(CommissionAPIView):
    answer = "accept"

    @extend_schema(
        summary="Enregistrer la réponse de la famille",
        description=(
            '`accept/` (corps facultatif : `{"keep_better_wishes": true}` pour garder les vœux '
            'mieux classés) ou `refuse/` (corps facultatif : `{"reason": "…"}`). 200 avec la '
            "proposition quand c'est fait ; 409 quand la proposition n'attend plus de réponse "
            "(déjà acceptée, refusée, expirée ou retirée, y compris par une réponse simultanée) ; "
            "404 pour une proposition inconnue ; 403 hors du guichet de l'organisation."
        ),
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT},
    )
    def post(self, request, pk):
        membership = self.membership(request)
        offer = (
            Offer.objects.select_related("session__territory", "application", "structure")
            .filter(pk=pk)
            .first()
        )
        if offer is None:
            raise NotFound("Proposition inconnue.")
        perms.require_commission_agent(membership, offer.session.territory, perms.NOT_OFFER_AGENT)
        body = request.data if isinstance(request.data, dict) else {}
        try:
            if self.answer == "accept":
                offers.accept(
                    offer,
                    actor=request.user,
                    channel=OfferChannel.API,
                    keep_better_wishes=body.get("keep_better_wishes") in (True, "true", "1", 1),
                    organisation=membership.organisation,
                )
            else:
                offers.refuse(
                    offer,
                    actor=request.user,
                    channel=OfferChannel.API,
                    organisation=membership.organisation,
                    reason=str(body.get("reason", ""))[:500],
                )
        except WorkflowError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        offer = Offer.objects.select_related("session", "application", "structure").get(pk=pk)
        return Response(offers.payload(offer))
