"""Conventions API: the plan of a convention (axes, actions, indicators, calendar), for the
members of its parties (session authentication, like the pages)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from maillage.conventions import perms
from maillage.conventions.models import Convention
from maillage.conventions.services import plan_report


class ConventionListView(APIView):
    @extend_schema(
        summary="Conventions de l'organisation",
        description="Les conventions dont l'organisation pour laquelle on agit est partie.",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        conventions = Convention.objects.visible_to(
            getattr(request, "current_organisation", None)
        ).select_related("territory")
        return Response(
            [
                {
                    "slug": c.slug,
                    "title": c.title,
                    "kind": c.kind,
                    "status": c.status,
                    "territory": c.territory.slug,
                    "start": c.start_date.isoformat(),
                    "end": c.end_date.isoformat(),
                }
                for c in conventions
            ]
        )


class ConventionPlanView(APIView):
    @extend_schema(
        summary="Plan d'actions et calendrier d'une convention",
        description=(
            "Axes et fiches actions (état, avancement, pilote, échéance), indicateurs avec leur "
            "dernière valeur, calendrier des instances calculé à partir des règles (réunions et "
            "envoi des documents). Réservé aux membres des organisations parties."
        ),
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request, slug):
        convention = perms.get_convention(getattr(request, "current_membership", None), slug)
        return Response(plan_report(convention))
