"""Who may see and change what in the observatory. Views call these first.

- Coverage figures, maps and commune sheets: public. Counts below the secrecy threshold are
  masked, except for the communes the acting organisation covers (`can_see_raw_counts`).
- Diagnostic partagé (commentary, editions, PDF): read by any professional (a member of an
  organisation, whatever the role).
- Changing a territory group's shared content (commentary blocks, starting a new edition,
  territory-level figures): the territory-wide rule of `accounts.perms.can_write_territory_group`
  — an admin or agent of the Caf covering the group or of an organisation named party for it,
  never one of its communes alone — in one helper, `can_write_territory`.
- Importing figures: admins and agents of an organisation, for the communes it covers and the
  territory groups it may write to; a batch is seen only by its organisation.

The `can_*` helpers take `(membership, obj)` and answer True/False; the `get_*` helpers fetch
the object and check access in one call (Http404, then PermissionDenied with a French message).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from maillage.accounts.enums import Role
from maillage.accounts.perms import (
    can_write_territory_group,
    territory_groups_written_by,
    writable_territory_groups,
)
from maillage.observatory.enums import DiagnosticSection
from maillage.observatory.models import DiagnosticEdition, FigureImport
from maillage.territories.models import TerritoryGroup

EDITOR_ROLES = (Role.ADMIN, Role.AGENT)

PROFESSIONALS_ONLY = "Cette page est réservée aux professionnels membres d'une organisation."
WRITERS_ONLY = (
    "Seuls les agents et administrateurs de la Caf ou d'une organisation partie pour ce "
    "territoire peuvent modifier le diagnostic partagé."
)


def _is_editor(membership) -> bool:
    return membership is not None and membership.role in EDITOR_ROLES


def covers_territory(membership, group) -> bool:
    """The organisation of `membership` covers at least one commune of `group`."""
    return (
        membership is not None
        and membership.organisation.communes.filter(pk__in=group.communes.values("pk")).exists()
    )


def can_write_territory(membership, group) -> bool:
    """The one rule for changing what a territory group shares (commentary, editions)."""
    return can_write_territory_group(membership, group)


def can_view_diagnostic(membership, group) -> bool:
    return membership is not None


def can_edit_commentary(membership, group) -> bool:
    return can_write_territory(membership, group)


def can_start_diagnostic(membership, group) -> bool:
    return can_write_territory(membership, group)


def can_see_raw_counts(membership, commune) -> bool:
    """Small counts of `commune` shown unmasked: the acting organisation covers it."""
    return commune.insee_code in raw_codes(membership, [commune])


def raw_codes(membership, communes) -> set[str]:
    """Codes of the `communes` whose small counts `membership` may see unmasked (one query)."""
    if membership is None or not communes:
        return set()
    return set(
        membership.organisation.communes.filter(pk__in=[c.pk for c in communes]).values_list(
            "insee_code", flat=True
        )
    )


# fetch and check ---------------------------------------------------------------------------


def get_territory(slug: str) -> TerritoryGroup:
    """A territory group for the public pages (404 if unknown)."""
    return get_object_or_404(TerritoryGroup, slug=slug)


def get_diagnostic_territory(membership, slug: str) -> TerritoryGroup:
    group = get_territory(slug)
    if not can_view_diagnostic(membership, group):
        raise PermissionDenied(PROFESSIONALS_ONLY)
    return group


def get_territory_for_commentary(membership, slug: str, section: str) -> TerritoryGroup:
    group = get_territory(slug)
    if section not in DiagnosticSection.values:
        raise Http404("Partie inconnue.")
    if not can_view_diagnostic(membership, group):
        raise PermissionDenied(PROFESSIONALS_ONLY)
    if not can_edit_commentary(membership, group):
        raise PermissionDenied(WRITERS_ONLY)
    return group


def get_territory_for_generation(membership, slug: str) -> TerritoryGroup:
    group = get_territory(slug)
    if not can_view_diagnostic(membership, group):
        raise PermissionDenied(PROFESSIONALS_ONLY)
    if not can_start_diagnostic(membership, group):
        raise PermissionDenied(WRITERS_ONLY)
    return group


def get_edition(membership, slug: str, number: int, *, defer=("html", "pdf", "snapshot")):
    """An edition of the diagnostic, for a professional; its heavy columns deferred except the
    ones the caller needs."""
    edition = get_object_or_404(
        DiagnosticEdition.objects.select_related("territory", "job").defer(*defer),
        territory__slug=slug,
        number=number,
    )
    if not can_view_diagnostic(membership, edition.territory):
        raise PermissionDenied(PROFESSIONALS_ONLY)
    return edition


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


def importable_territories(membership) -> set[str]:
    """Slugs of the territory groups whose figures `membership` may import."""
    return set(writable_territory_groups(membership).values_list("slug", flat=True))
