"""Access rules of the observatory. Views call these first; helpers take `(membership, obj)`.

- Importing figures: admins and agents of an organisation, for the communes it covers and the
  territory groups it may write to (the Caf covering the group or a party named for it, never
  one of its communes); a batch is seen only by its organisation.
- The shared diagnostic (commentary, editions): the same territory-wide rule.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from maillage.accounts.perms import (
    can_write_territory_group,
    territory_groups_written_by,
    writable_territory_groups,
)
from maillage.observatory.models import FigureImport


def can_import_figures(membership) -> bool:
    return membership is not None and membership.can_edit


def require_import_figures(membership):
    if membership is None:
        raise PermissionDenied(
            "Cette page est réservée aux professionnels membres d'une organisation."
        )
    if not can_import_figures(membership):
        raise PermissionDenied("Seuls les agents et administrateurs peuvent importer des données.")
    return membership.organisation


def figure_import_scope(organisation) -> tuple[set[str], set[str]]:
    """(INSEE codes, territory slugs) an organisation's files may touch."""
    communes = set(organisation.communes.values_list("insee_code", flat=True))
    territories = set(territory_groups_written_by(organisation).values_list("slug", flat=True))
    return communes, territories


def can_view_figure_import(membership, batch: FigureImport) -> bool:
    return can_import_figures(membership) and batch.organisation_id == membership.organisation_id


def get_figure_import_for(membership, pk: int) -> FigureImport:
    require_import_figures(membership)
    batch = FigureImport.objects.select_related("job").filter(pk=pk).first()
    if batch is None or not can_view_figure_import(membership, batch):
        raise Http404("Import introuvable.")
    return batch


def can_edit_diagnostic(membership, group) -> bool:
    """The shared diagnostic of a territory group (commentary, editions) is territory-wide
    data: the Caf covering the group or a party named for it, not one of its communes."""
    return can_write_territory_group(membership, group)


def require_edit_diagnostic(membership, group) -> None:
    if not can_edit_diagnostic(membership, group):
        raise PermissionDenied(
            "Seuls les agents et administrateurs de la Caf ou d'une organisation partie pour ce "
            "territoire peuvent modifier le diagnostic partagé."
        )


def importable_territories(membership) -> set[str]:
    """Slugs of the territory groups whose figures `membership` may import."""
    return set(writable_territory_groups(membership).values_list("slug", flat=True))
