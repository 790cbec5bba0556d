"""Guichet unique API: another software registers an application (fields of the import format)
and reads it back. Organisation key (`Authorization: Token <clé>`) or session; what a call sees
is what the organisation's agents see in their queue."""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from maillage.api.partner import PartnerAPIView
from maillage.applications import perms, services
from maillage.applications.importer import create_from_record
from maillage.applications.models import Application


def application_payload(application: Application, membership=None) -> dict:
    """The application as the API shows it. `fratrie`: the numbers of the linked applications of
    the household's other children (`services.link_siblings`) that the organisation may see."""
    child, household = application.child, application.household
    siblings = application.siblings.all()
    if membership is not None:
        siblings = siblings.filter(pk__in=perms.visible_applications(membership).values("pk"))
    return {
        "number": application.number,
        "reference": application.external_reference,
        "territoire": application.territory.slug,
        "state": application.state,
        "state_label": application.get_state_display(),
        "source": application.source,
        "famille": household.external_reference,
        "enfant_prenom": child.first_name,
        "enfant_nom": child.last_name,
        "date_naissance": child.birth_date.isoformat() if child.birth_date else None,
        "date_naissance_prevue": (child.expected_date.isoformat() if child.expected_date else None),
        "handicap_enfant": child.disability,
        "commune_residence": household.commune.insee_code,
        "date_demande": application.registered_on.isoformat()
        if application.registered_on
        else None,
        "date_entree_souhaitee": application.desired_start.isoformat(),
        "jours_par_semaine": application.days_per_week,
        "voeux": [
            {
                "rang": wish.rank,
                "id": wish.structure_id,
                "identifiant_externe": wish.structure.external_id,
                "nom": wish.structure.name,
            }
            for wish in application.wishes.select_related("structure").order_by("rank")
        ],
        "fratrie_ensemble": application.siblings_together,
        "fratrie": sorted(siblings.values_list("number", flat=True)),
        "accepte_assistant_maternel": application.accepts_childminder,
        "date_limite": application.deadline.isoformat() if application.deadline else None,
        "echeance": application.deadline_kind,
    }


class GuichetAPIView(PartnerAPIView):
    pass


EXAMPLE = {
    "reference": "LOGICIEL-123",
    "famille": "FAM-77",
    "enfant_prenom": "Léa",
    "enfant_nom": "Durand",
    "date_naissance": "2026-03-02",
    "commune_residence": "06033",
    "date_demande": "2026-04-01",
    "date_entree_souhaitee": "2026-09-01",
    "jours_par_semaine": 4,
    "voeux": ["EAJE-CARROS", 12],
    "parents_en_activite": 2,
    "famille_monoparentale": False,
    "parcours_insertion": False,
    "courriel": "famille@exemple.fr",
}


RESPONSE_EXAMPLE = {
    "number": "CAR-2026-00042",
    "reference": "LOGICIEL-123",
    "territoire": "bassin-de-vie-carros",
    "state": "submitted",
    "state_label": "Déposée",
    "source": "api",
    "famille": "FAM-77",
    "enfant_prenom": "Léa",
    "enfant_nom": "Durand",
    "date_naissance": "2026-03-02",
    "date_naissance_prevue": None,
    "handicap_enfant": False,
    "commune_residence": "06033",
    "date_demande": "2026-04-01",
    "date_entree_souhaitee": "2026-09-01",
    "jours_par_semaine": 4,
    "voeux": [
        {"rang": 1, "id": 7, "identifiant_externe": "EAJE-CARROS", "nom": "Maison de l'Enfance"}
    ],
    "fratrie_ensemble": True,
    "fratrie": ["CAR-2026-00041"],
    "accepte_assistant_maternel": False,
    "date_limite": None,
    "echeance": "",
}
FIELDS_NOTE = (
    " Réponse : la demande (exemple ci-dessous) ; `fratrie` (ajouté, toujours présent, liste "
    "éventuellement vide) donne les numéros des demandes liées des autres enfants du même foyer "
    "(même `famille`) que l'organisation peut voir ; `fratrie_ensemble` dit si les enfants ne "
    "doivent être accueillis qu'ensemble."
)


class ApplicationCreate(GuichetAPIView):
    @extend_schema(
        summary="Enregistrer une demande d'accueil",
        description=(
            "Corps JSON avec les champs du format d'import v1 (docs/guichet.md), `voeux` en "
            "liste d'identifiants de structures (id Maillage ou identifiant externe), les oui/non "
            "en booléens ; `date_demande` vaut aujourd'hui par défaut. `territoire` (slug) est "
            "facultatif : sans lui, le territoire est celui du seul guichet que tient "
            "l'organisation ; si elle en tient plusieurs, celui dont les structures "
            "participantes comprennent tous les `voeux` quand un seul convient ; sinon 400 sur "
            "`territoire` avec la liste des territoires de l'organisation (jamais deviné). Une "
            "`famille` déjà connue du territoire reprend son foyer et la demande est liée aux "
            "demandes en cours de ses autres enfants (`fratrie`). La demande est déposée (état "
            "`submitted`) et la famille reçoit l'accusé de réception. Une `reference` déjà connue "
            "pour ce territoire renvoie la demande existante (200) au lieu d'en créer une (201). "
            "Erreurs : 400 avec la liste des champs et des messages en français." + FIELDS_NOTE
        ),
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT, 201: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
        examples=[
            OpenApiExample("Demande", value=EXAMPLE, request_only=True),
            OpenApiExample(
                "Demande enregistrée",
                value=RESPONSE_EXAMPLE,
                response_only=True,
                status_codes=["201"],
            ),
        ],
    )
    def post(self, request):
        membership = self.membership(request)
        body = request.data
        if not isinstance(body, dict):
            return Response(
                {"errors": [{"field": "", "message": "Le corps doit être un objet JSON."}]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        territory = self._territory(membership, body.get("territoire"), body.get("voeux"))
        if isinstance(territory, Response):
            return territory
        if not perms.can_register_at_counter(membership, territory):
            raise PermissionDenied(
                "Seuls les agents de l'organisation qui tient le guichet unique peuvent "
                "enregistrer une demande."
            )
        try:
            application, created, errors = create_from_record(
                territory, body, actor=request.user, organisation=membership.organisation
            )
        except services.GuichetError as exc:
            errors = [{"field": "", "message": str(exc)}]
        if errors:
            return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)
        if not created:
            application = services.open_application(
                membership, application.number, actor=request.user
            )
        return Response(
            application_payload(application, membership),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def _territory(self, membership, slug, wishes):
        try:
            return services.registration_territory(membership.organisation, slug, wishes)
        except services.TerritoryError as exc:
            return Response(
                {"errors": [{"field": "territoire", "message": str(exc)}]},
                status=status.HTTP_400_BAD_REQUEST,
            )


class ApplicationDetail(GuichetAPIView):
    @extend_schema(
        summary="Une demande d'accueil",
        description=(
            "La demande de ce numéro si l'organisation peut la voir (même périmètre que la file "
            "des agents) ; 404 sinon. Chaque lecture est inscrite au journal d'audit." + FIELDS_NOTE
        ),
        responses={200: OpenApiTypes.OBJECT},
        examples=[OpenApiExample("Demande", value=RESPONSE_EXAMPLE, response_only=True)],
    )
    def get(self, request, number):
        membership = self.membership(request)
        try:
            application = services.open_application(membership, number, actor=request.user)
        except Http404:
            raise NotFound(perms.NOT_FOUND) from None
        return Response(application_payload(application, membership))
