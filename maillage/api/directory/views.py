"""Public, read-only API of the directory and of the cost simulators."""

import datetime

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from maillage.api.directory.serializers import (
    ChildminderSearchParams,
    ChildminderSerializer,
    CmgParams,
    CmgResultSerializer,
    PsuParams,
    PsuResultSerializer,
    StructureSearchParams,
    StructureSerializer,
)
from maillage.api.public import PublicAPIMixin
from maillage.core.models import ParameterMissing
from maillage.directory.models import Structure
from maillage.directory.pricing import PricingInputError
from maillage.directory.search import CHILDMINDER, SearchCriteria, search
from maillage.directory.simulation import simulate_cmg, simulate_psu
from maillage.territories.models import Commune


def _validated(params_class, request) -> dict:
    params = params_class(data=request.query_params)
    params.is_valid(raise_exception=True)
    return params.validated_data


def _criteria(data: dict, **extra) -> SearchCriteria:
    """The search criteria shared by the structure and childminder endpoints."""
    commune = None
    if data.get("commune"):
        commune = Commune.objects.filter(insee_code=data["commune"]).first()
        if commune is None:
            raise ValidationError({"commune": f"Commune {data['commune']} inconnue."})
    return SearchCriteria(
        latitude=data.get("latitude"),
        longitude=data.get("longitude"),
        commune=commune,
        radius_km=data["radius_km"],
        age_months=data.get("age_months"),
        needs_from=data.get("needs_from"),
        needs_until=data.get("needs_until"),
        atypical=data.get("atypical") or [],
        inclusion=data.get("inclusion", False),
        **extra,
    )


class StructureList(PublicAPIMixin, APIView):
    @extend_schema(
        summary="Rechercher des structures",
        description=(
            "Structures actives à moins de `radius_km` km du centre de la commune (ou de la "
            "position), triées par distance. Filtres : âge, type, horaires, horaires atypiques, "
            "accueil inclusif. Au plus 100 résultats. Les assistants maternels ne sont pas "
            "inclus (voir l'export open data)."
        ),
        parameters=[StructureSearchParams],
        responses={200: StructureSerializer(many=True)},
    )
    def get(self, request):
        data = _validated(StructureSearchParams, request)
        kinds = [data["kind"]] if data.get("kind") else []
        result = search(_criteria(data, kinds=kinds, structures_only=True))
        structures = [hit.obj for hit in result.hits]
        distances = {hit.obj.pk: hit.distance_km for hit in result.hits}
        serializer = StructureSerializer(
            structures, many=True, context={"request": request, "distances": distances}
        )
        return Response(serializer.data)


class ChildminderList(PublicAPIMixin, APIView):
    @extend_schema(
        summary="Rechercher des assistants maternels",
        description=(
            "Assistants maternels actifs à moins de `radius_km` km, triés par distance, avec "
            "leur disponibilité déclarée (moins de 6 mois). Données publiques seulement : sans "
            "leur accord, ni nom de famille, ni téléphone, ni courriel, et la position est le "
            "centre de la commune. Au plus 100 résultats."
        ),
        parameters=[ChildminderSearchParams],
        responses={200: ChildminderSerializer(many=True)},
    )
    def get(self, request):
        data = _validated(ChildminderSearchParams, request)
        only_available = data.get("only_available", True)
        result = search(_criteria(data, kinds=[CHILDMINDER], only_available=only_available))
        context = {
            "request": request,
            "distances": {h.obj.pk: h.distance_km for h in result.hits},
            "availabilities": {h.obj.pk: h.availability for h in result.hits},
        }
        childminders = [h.obj for h in result.hits]
        return Response(ChildminderSerializer(childminders, many=True, context=context).data)


class StructureDetail(PublicAPIMixin, APIView):
    @extend_schema(summary="Une structure", responses={200: StructureSerializer})
    def get(self, request, pk: int):
        structure = get_object_or_404(
            Structure.objects.active().select_related("commune", "manager"), pk=pk
        )
        return Response(StructureSerializer(structure, context={"request": request}).data)


def _simulation_response(serializer_class, params, run, on):
    try:
        result = run()
    except ParameterMissing as exc:
        return Response({"date": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
    except PricingInputError as exc:
        return Response({k: [v] for k, v in exc.errors.items()}, status=status.HTTP_400_BAD_REQUEST)
    result.date = on
    payload = serializer_class(result).data
    payload["parameters"] = [p.as_dict() for p in result.parameters]
    return Response(payload)


USE_POST = (
    "Envoyez les données du calcul par POST, dans un corps JSON : les ressources du foyer ne "
    "doivent pas figurer dans l'adresse (elle est conservée dans les journaux et l'historique)."
)


class SimulatorView(PublicAPIMixin, APIView):
    """A cost simulator: POST with a JSON body, so that the family's resources never end up in
    a URL (server logs, browser history). No session: nothing to protect from CSRF."""

    authentication_classes: list = []
    params_class = PsuParams
    result_class = PsuResultSerializer

    @extend_schema(exclude=True)
    def get(self, request):
        return Response({"detail": USE_POST}, status=status.HTTP_400_BAD_REQUEST)

    def simulate(self, data, on):  # pragma: no cover - overridden
        raise NotImplementedError

    def post(self, request):
        if not isinstance(request.data, dict):
            raise ValidationError({"detail": "Le corps de la requête doit être un objet JSON."})
        params = self.params_class(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        on = data.get("date") or datetime.date.today()
        return _simulation_response(self.result_class, data, lambda: self.simulate(data, on), on)


class PsuSimulator(SimulatorView):
    @extend_schema(
        summary="Simuler le prix d'une crèche (barème PSU)",
        description=(
            "Prix horaire et mensuel selon le barème national des participations familiales "
            "en vigueur à la date choisie, avec les étapes du calcul et la source de chaque "
            "valeur. `verified` est faux si une valeur non vérifiée a servi au calcul. Les "
            "données sont envoyées par POST dans un corps JSON (jamais dans l'adresse : ce "
            "sont des données personnelles) ; un GET répond 400."
        ),
        request=PsuParams,
        responses={200: PsuResultSerializer},
        examples=[
            OpenApiExample(
                "3 000 € par mois, 2 enfants, 160 h",
                value={"monthly_resources": "3000", "children": 2, "hours_per_month": 160},
                request_only=True,
            ),
            OpenApiExample(
                "Résultat",
                value={"hourly_price": 1.55, "monthly_price": 247.68, "effort_rate": 0.0516},
                response_only=True,
            ),
        ],
    )
    def post(self, request):
        return super().post(request)

    def simulate(self, data, on):
        return simulate_psu(
            on=on,
            care_kind=data["care_kind"],
            monthly_resources=data["monthly_resources"],
            children=data["children"],
            aeeh_children=data["aeeh_children"],
            hours_per_month=data["hours_per_month"],
        )


class CmgSimulator(SimulatorView):
    params_class = CmgParams
    result_class = CmgResultSerializer

    @extend_schema(
        summary="Estimer le CMG (assistant maternel)",
        description=(
            "Estimation du complément de libre choix du mode de garde (art. D. 531-18 CSS) "
            "avec les paramètres datés ; les valeurs non vérifiées sont signalées. Les données "
            "sont envoyées par POST dans un corps JSON ; un GET répond 400."
        ),
        request=CmgParams,
        responses={200: CmgResultSerializer},
    )
    def post(self, request):
        return super().post(request)

    def simulate(self, data, on):
        return simulate_cmg(
            on=on,
            monthly_resources=data["monthly_resources"],
            children=data["children"],
            aeeh_children=data["aeeh_children"],
            hours_per_month=data["hours_per_month"],
            hourly_wage=data["hourly_wage"],
        )
