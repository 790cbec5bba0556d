from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from maillage.api.public import PublicAPIMixin
from maillage.observatory.demand import demand_summary
from maillage.observatory.services import coverage_report
from maillage.territories.models import Commune, Departement, Epci, TerritoryGroup

EXAMPLE = {
    "territory": {"slug": "bassin-de-vie-carros", "name": "Bassin de vie de Carros"},
    "date": "2026-11-22",
    "communes": [
        {
            "code": "06033",
            "name": "Carros",
            "children_under_3": {
                "value": 464,
                "masked": False,
                "estimated": True,
                "method": "estimated",
                "source": "Estimation Maillage : population COG 2026 × 3.36 %",
                "source_url": "https://evaluation.securite-sociale.fr/…",
                "vintage": "COG 2026",
            },
            "modes": {
                "eaje": {"places": 50, "rate": 10.8, "masked": False, "estimated": False},
                "assistants_maternels": {"places": 172, "rate": 37.1, "estimated": True},
                "garde_a_domicile": {"places": 8, "rate": 1.7, "estimated": True},
                "prescolarisation": {"places": 18, "rate": 3.9, "estimated": True},
            },
            "places_total": 248,
            "rate": 53.4,
            "catchment_rate": 56.2,
            "estimated": True,
        }
    ],
    "total": {"places_total": 565, "rate": 51.0, "catchment_rate": 51.0},
    "references": [{"label": "Taux de couverture — France hors Mayotte", "rate": 58.8}],
}


@extend_schema(
    summary="Taux de couverture de l'accueil du jeune enfant",
    description=(
        "Places pour 100 enfants de moins de 3 ans, par commune et par mode d'accueil (EAJE, "
        "assistants maternels, garde à domicile, préscolarisation), taux de bassin (places à portée partagées entre communes), "
        "total du territoire, références nationale et départementale, écarts besoin/offre ; "
        "demande exprimée au guichet unique (`demand` : demandes en attente dont l'entrée "
        "souhaitée tombe dans la fenêtre, places ouvertes en commission, écart de la demande, "
        "tension par structure) à côté de l'écart de couverture. "
        "Chaque chiffre porte sa source, son millésime et un indicateur « estimé ». Données "
        "agrégées et publiques : les effectifs inférieurs au seuil de secret statistique sont "
        "masqués (valeur null, masked=true)."
    ),
    parameters=[
        OpenApiParameter("commune", str, description="code INSEE d'une commune (5 caractères)"),
        OpenApiParameter("territory", str, description="identifiant d'un groupe de territoires"),
        OpenApiParameter("epci", str, description="SIREN d'un EPCI (9 chiffres)"),
        OpenApiParameter("departement", str, description="code d'un département (ex. 06)"),
    ],
    responses={200: OpenApiTypes.OBJECT},
    examples=[OpenApiExample("Bassin de vie de Carros", value=EXAMPLE, response_only=True)],
)
class CoverageView(PublicAPIMixin, APIView):
    def get(self, request):
        given = {
            k: request.query_params.get(k)
            for k in ("commune", "territory", "epci", "departement")
            if request.query_params.get(k)
        }
        if len(given) != 1:
            raise ValidationError(
                {
                    "detail": "Précisez un seul filtre : ?commune=<code INSEE>, "
                    "?territory=<identifiant>, ?epci=<SIREN> ou ?departement=<code>."
                }
            )
        ((kind, value),) = given.items()
        if kind == "commune":
            if len(value) != 5:
                raise ValidationError({"commune": "Un code INSEE compte 5 caractères."})
            found = Commune.objects.filter(insee_code=value.upper()).first()
            if found is None:
                raise NotFound(f"Commune « {value} » inconnue.")
            report = coverage_report([found], title=found.name)
        elif kind == "territory":
            group = TerritoryGroup.objects.filter(slug=value).first()
            if group is None:
                raise NotFound(f"Territoire « {value} » inconnu.")
            report = coverage_report(list(group.communes.all()), title=group.name, slug=group.slug)
        elif kind == "epci":
            epci = Epci.objects.filter(siren=value).first()
            if epci is None:
                raise NotFound(f"EPCI « {value} » inconnu.")
            report = coverage_report(list(epci.communes.all()), title=epci.name)
        else:
            dep = Departement.objects.filter(code=value.upper()).first()
            if dep is None:
                raise NotFound(f"Département « {value} » inconnu.")
            report = coverage_report(list(dep.communes.all()), title=dep.name)
        return Response(report.as_dict(demand=demand_summary(report.communes, previous_ok=True)))
