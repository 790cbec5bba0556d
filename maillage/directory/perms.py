"""Access rules of the directory, named after what they check."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from maillage.accounts.enums import Role
from maillage.directory.models import Childminder


def can_manage_childminders_of(membership, commune) -> bool:
    """Agents and administrators of an organisation covering the commune keep the records of its
    childminders (rectification, export, erasure)."""
    return (
        membership is not None
        and membership.role in (Role.ADMIN, Role.AGENT)
        and membership.organisation.is_active
        and membership.organisation.covers(commune)
    )


def can_manage_childminder(membership, childminder: Childminder) -> bool:
    return can_manage_childminders_of(membership, childminder.commune)


def get_childminder_for_agent(request, pk: int) -> Childminder:
    """The childminder `pk` if the organisation the user acts for may manage her record."""
    childminder = get_object_or_404(Childminder.objects.select_related("commune", "mam"), pk=pk)
    if not can_manage_childminder(getattr(request, "current_membership", None), childminder):
        raise PermissionDenied(
            "Cette fiche est gérée par les agents des organisations qui couvrent la commune de "
            "l'assistant maternel."
        )
    return childminder
