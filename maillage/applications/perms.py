"""Who may see and handle which applications. Views and the API call these first.

- An organisation sees the applications (not drafts) that have a wish in a structure it manages
  or whose family lives in a commune it covers.
- The organisation operating a territory's guichet sees every application of the territory and
  is the only one to instruct them (check documents, corrections, notes, counter, cancel).
- The Caf sees aggregates only, unless it operates the guichet.
- Reading a family's application is for administrators and agents (`PERSONAL_ROLES`) of such an
  organisation; readers (PMI…), elected members and the DPO get aggregates only: counts by state
  and commune, small counts masked (`can_see_aggregates`).
- A family sees its own applications only.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from maillage.accounts.enums import OrganisationKind, Role
from maillage.applications.enums import State
from maillage.applications.models import Application, GuichetSettings, Household, Wish

EDITOR_ROLES = (Role.ADMIN, Role.AGENT)
PERSONAL_ROLES = (Role.ADMIN, Role.AGENT)
NOT_FOUND = "Aucune demande de ce numéro ne vous est accessible."
AGGREGATES_ONLY = (
    "Votre rôle donne accès aux chiffres agrégés du guichet unique, pas aux demandes des "
    "familles. Seuls les agents et administrateurs des organisations concernées les ouvrent."
)


def reads_personal(membership) -> bool:
    """May this membership open individual applications at all (before any scope)?"""
    return membership is not None and membership.role in PERSONAL_ROLES


def require_personal_reader(membership) -> None:
    if not reads_personal(membership):
        raise PermissionDenied(AGGREGATES_ONLY)


def operated_territory_ids(organisation) -> set[int]:
    if organisation is None:
        return set()
    return set(
        GuichetSettings.objects.filter(operator=organisation).values_list("territory_id", flat=True)
    )


def visible_applications(membership):
    """The applications `membership` may open, as a queryset (no drafts; none for the roles
    that see aggregates only)."""
    if not reads_personal(membership):
        return Application.objects.none()
    organisation = membership.organisation
    operated = operated_territory_ids(organisation)
    scope = Q(territory_id__in=operated)
    if organisation.kind != OrganisationKind.CAF:
        # subqueries rather than joins: one row per application, no DISTINCT to sort or count
        scope |= Q(
            pk__in=Wish.objects.filter(structure__manager=organisation).values("application_id")
        ) | Q(
            household_id__in=Household.objects.filter(
                commune_id__in=organisation.communes.through.objects.filter(
                    organisation=organisation
                ).values("commune_id")
            ).values("pk")
        )
    return Application.objects.filter(scope).exclude(state=State.DRAFT)


def can_view_application(membership, application) -> bool:
    return visible_applications(membership).filter(pk=application.pk).exists()


def require_visible_application(membership, number: str) -> Application:
    """Fetch an application by number and check it is visible (403 for the roles that see
    aggregates only, 404 when out of scope: no leak)."""
    require_personal_reader(membership)
    application = (
        visible_applications(membership)
        .select_related("territory", "household__commune", "child")
        .filter(number=number)
        .first()
    )
    if application is None:
        raise Http404(NOT_FOUND)
    return application


def operates(membership, territory) -> bool:
    return membership is not None and territory.pk in operated_territory_ids(
        membership.organisation
    )


def can_instruct(membership, application) -> bool:
    return (
        membership is not None
        and membership.role in EDITOR_ROLES
        and operates(membership, application.territory)
    )


def require_instruct(membership, application) -> None:
    if not can_instruct(membership, application):
        raise PermissionDenied(
            "Seuls les agents de l'organisation qui tient le guichet unique peuvent instruire "
            "cette demande."
        )


def can_register_at_counter(membership, territory) -> bool:
    return (
        membership is not None
        and membership.role in EDITOR_ROLES
        and operates(membership, territory)
    )


def can_see_aggregates(membership, territory) -> bool:
    """Counts by state and commune: the Caf and any organisation covering a commune of it."""
    if membership is None:
        return False
    organisation = membership.organisation
    return (
        operates(membership, territory)
        or organisation.communes.filter(pk__in=territory.communes.values("pk")).exists()
    )


def require_family_application(user, number: str) -> Application:
    application = (
        Application.objects.select_related("territory", "household__commune", "child")
        .filter(number=number, household__account=user)
        .first()
        if user is not None and user.is_authenticated
        else None
    )
    if application is None:
        raise Http404(NOT_FOUND)
    return application
