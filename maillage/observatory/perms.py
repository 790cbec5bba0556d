"""Access rules of the observatory, as helpers taking (membership, obj)."""

from django.core.exceptions import PermissionDenied

from maillage.accounts.perms import can_write_territory_group, writable_territory_groups


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
