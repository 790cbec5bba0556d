from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError

from maillage.api.public import PublicAPIMixin
from maillage.api.territories.serializers import CommuneSerializer
from maillage.territories.models import Commune


@extend_schema(
    summary="Communes",
    description="Liste des communes, filtrée par EPCI (SIREN) ou par début de nom / code postal.",
    parameters=[
        OpenApiParameter("epci", str, description="SIREN de l'EPCI (9 chiffres)"),
        OpenApiParameter(
            "q", str, description="début du nom de la commune, ou code postal / code INSEE"
        ),
    ],
)
class CommuneList(PublicAPIMixin, generics.ListAPIView):
    serializer_class = CommuneSerializer

    def get_queryset(self):
        qs = Commune.objects.with_related().order_by("name", "insee_code")
        epci = self.request.query_params.get("epci")
        q = self.request.query_params.get("q")
        if epci is None and q is None:
            raise ValidationError(
                {"detail": "Précisez un filtre : ?epci=<SIREN> ou ?q=<début du nom>."}
            )
        if epci is not None:
            if not (epci.isdigit() and len(epci) == 9):
                raise ValidationError({"epci": "Le SIREN d'un EPCI compte 9 chiffres."})
            qs = qs.filter(epci__siren=epci)
        if q is not None:
            if len(q.strip()) < 2:
                raise ValidationError({"q": "Saisissez au moins 2 caractères."})
            qs = qs.search(q)
        return qs


@extend_schema(summary="Une commune", description="Commune désignée par son code INSEE.")
class CommuneDetail(PublicAPIMixin, generics.RetrieveAPIView):
    serializer_class = CommuneSerializer
    queryset = Commune.objects.with_related()
    lookup_field = "insee_code"
    lookup_url_kwarg = "insee"
