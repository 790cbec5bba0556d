"""Access helpers, named after what they check. Views call them first."""

from django.core.exceptions import PermissionDenied
from django.db import models

from maillage.accounts.enums import OrganisationKind, Role
from maillage.accounts.middleware import SESSION_KEY
from maillage.accounts.models import Membership, Organisation
from maillage.territories.models import Commune, TerritoryGroup


def acting_organisation_covers_commune(request, commune) -> bool:
    """True when the organisation the user acts for covers `commune` (CAF and Département included)."""
    organisation = getattr(request, "current_organisation", None)
    return organisation is not None and organisation.covers(commune)


def require_acting_organisation_covers_commune(request, commune) -> Organisation:
    if not acting_organisation_covers_commune(request, commune):
        raise PermissionDenied(
            "Cette page est réservée aux organisations dont le territoire couvre cette commune."
        )
    return request.current_organisation


def acting_membership_can_edit(request) -> bool:
    membership = getattr(request, "current_membership", None)
    return membership is not None and membership.role in (Role.ADMIN, Role.AGENT)


def require_professional(request) -> Membership:
    membership = getattr(request, "current_membership", None)
    if membership is None:
        raise PermissionDenied(
            "Cette page est réservée aux professionnels membres d'une organisation."
        )
    return membership


def switch_organisation(request, organisation_id: int) -> Membership:
    """Make the user act for one of their organisations; refuses any other."""
    membership = request.user.active_memberships().filter(organisation_id=organisation_id).first()
    if membership is None:
        raise PermissionDenied("Vous n'êtes pas membre de cette organisation.")
    request.session[SESSION_KEY] = membership.organisation_id
    request.current_membership = membership
    request.current_organisation = membership.organisation
    return membership


def is_caf(organisation) -> bool:
    return organisation is not None and organisation.kind == OrganisationKind.CAF


def can_write_territory_group(membership, group) -> bool:
    """Writing territory-wide data (figures of the group, the shared diagnostic) needs a role on
    the group itself, never on one of its communes: an admin or agent of the Caf covering every
    commune of the group, or of an organisation named party for the group
    (`Organisation.territory_groups`)."""
    if membership is None or membership.role not in (Role.ADMIN, Role.AGENT):
        return False
    organisation = membership.organisation
    if organisation.territory_groups.filter(pk=group.pk).exists():
        return True
    return (
        organisation.kind == OrganisationKind.CAF
        and not group.communes.exclude(pk__in=organisation.communes.values("pk")).exists()
    )


def writable_territory_groups(membership):
    """The territory groups `membership` may write to (see `can_write_territory_group`)."""
    if membership is None or membership.role not in (Role.ADMIN, Role.AGENT):
        return TerritoryGroup.objects.none()
    return territory_groups_written_by(membership.organisation)


def territory_groups_written_by(organisation):
    """The territory groups whose admins and agents of `organisation` may write to."""
    allowed = models.Q(parties=organisation)
    if organisation.kind == OrganisationKind.CAF:
        uncovered = Commune.objects.exclude(pk__in=organisation.communes.values("pk"))
        partly_outside = TerritoryGroup.objects.filter(communes__in=uncovered).values("pk")
        allowed |= ~models.Q(pk__in=partly_outside)
    return TerritoryGroup.objects.filter(allowed).distinct()


def can_read_processing_register(user, membership) -> bool:
    """The register of processing activities: staff, administrators of the Caf, and the DPO
    role when the deployment has one."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    if membership is None:
        return False
    dpo = getattr(Role, "DPO", None)
    if dpo is not None and membership.role == dpo:
        return True
    return membership.role == Role.ADMIN and is_caf(membership.organisation)


def require_processing_register_reader(request) -> Membership | None:
    membership = getattr(request, "current_membership", None)
    if not can_read_processing_register(request.user, membership):
        raise PermissionDenied(
            "Le registre des traitements est réservé aux administrateurs de la Caf et au délégué "
            "à la protection des données."
        )
    return membership
