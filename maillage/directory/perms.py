"""Who may do what in the directory. Views call these first; helpers take `(membership, obj)`.

- Reading the directory: everyone (public pages).
- File imports: admins and agents of an organisation; a batch is seen only by its organisation.
- Declaring a childminder's availability, and the rights of the data subject (export,
  rectification, erasure of her record): admins and agents of an organisation covering the
  childminder's commune.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from maillage.accounts.enums import Role
from maillage.directory.models import Childminder, DirectoryImport


def _is_editor(membership) -> bool:
    return membership is not None and membership.can_edit


def can_import(membership) -> bool:
    return _is_editor(membership)


def require_import(membership):
    if not can_import(membership):
        raise PermissionDenied(
            "L'import est réservé aux agents et administrateurs d'une organisation."
        )
    return membership.organisation


def can_view_import(membership, batch: DirectoryImport) -> bool:
    return can_import(membership) and batch.organisation_id == membership.organisation_id


def get_import_for(membership, pk: int) -> DirectoryImport:
    """The batch `pk` of the acting organisation; another organisation's batch is not found."""
    require_import(membership)
    batch = DirectoryImport.objects.select_related("job").filter(pk=pk).first()
    if batch is None or not can_view_import(membership, batch):
        raise Http404("Import introuvable.")
    return batch


def can_declare_availability(membership, childminder: Childminder) -> bool:
    return _is_editor(membership) and membership.organisation.covers(childminder.commune)


def get_childminder_for_declaration(membership, pk: int) -> Childminder:
    childminder = Childminder.objects.select_related("commune").filter(pk=pk).first()
    if childminder is None:
        raise Http404("Assistant maternel introuvable.")
    if not _is_editor(membership):
        raise PermissionDenied(
            "La déclaration de disponibilité est réservée aux agents et administrateurs d'une "
            "organisation."
        )
    if not can_declare_availability(membership, childminder):
        raise PermissionDenied(
            "Cette page est réservée aux organisations dont le territoire couvre cette commune."
        )
    return childminder


def can_see_childminder_contacts(membership, childminder) -> bool:
    """An agent or administrator of an organisation covering her commune (the relais petite
    enfance, the commune, the Caf) sees her contact details, consent or not, to put families in
    touch with her. Such a read is recorded in the audit trail."""
    return (
        membership is not None
        and membership.role in (Role.ADMIN, Role.AGENT)
        and membership.organisation.covers(childminder.commune)
    )


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
