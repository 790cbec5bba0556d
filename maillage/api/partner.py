"""The base of the partners' API views (guichet, commission): an organisation's key or a
session authenticates the call, and the view acts for the organisation it designates."""

from django.contrib.auth.decorators import login_not_required
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import PermissionDenied
from rest_framework.views import APIView

from maillage.api.authentication import OrganisationTokenAuthentication


class PartnerAPIView(APIView):
    authentication_classes = [OrganisationTokenAuthentication, SessionAuthentication]

    @classmethod
    def as_view(cls, *args, **kwargs):
        # a key authenticates the call, not a session: DRF's IsAuthenticated guards the view
        return login_not_required(super().as_view(*args, **kwargs))

    def membership(self, request):
        membership = getattr(request._request, "current_membership", None)
        if membership is None:
            raise PermissionDenied("Réservé aux organisations partenaires (clé d'organisation).")
        return membership
