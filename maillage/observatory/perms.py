"""Who may import statistical figures. Views call these first; helpers take `(membership, obj)`.

- Importing figures: admins and agents of an organisation, for the communes it covers and the
  territory groups those communes belong to; a batch is seen only by its organisation.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from maillage.observatory.models import FigureImport
from maillage.territories.models import TerritoryGroup


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
    territories = set(
        TerritoryGroup.objects.filter(communes__in=organisation.communes.all())
        .values_list("slug", flat=True)
        .distinct()
    )
    return communes, territories


def can_view_figure_import(membership, batch: FigureImport) -> bool:
    return can_import_figures(membership) and batch.organisation_id == membership.organisation_id


def get_figure_import_for(membership, pk: int) -> FigureImport:
    require_import_figures(membership)
    batch = FigureImport.objects.select_related("job").filter(pk=pk).first()
    if batch is None or not can_view_figure_import(membership, batch):
        raise Http404("Import introuvable.")
    return batch
