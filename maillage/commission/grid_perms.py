"""Who may manage a territory's points grid, reserves and emergency admissions.

The commission's agents are the people who work the territory's guichet queue: administrators
and agents of the organisation that operates the guichet (see `applications.perms`). Readers,
elected members, the DPO and the Caf (unless it operates the guichet) see the public page only.

csess's `commission/perms.py` holds the same rule for sessions; this module keeps the smallest
private copy the grid pages need until the areas are merged.
"""

from django.core.exceptions import PermissionDenied

from maillage.applications import perms as application_perms

NOT_AN_AGENT = (
    "Seuls les agents et administrateurs de l'organisation qui tient le guichet unique de ce "
    "territoire préparent la grille de points, les réserves et les admissions en urgence."
)


def is_commission_agent(membership, territory) -> bool:
    return (
        membership is not None
        and membership.role in application_perms.EDITOR_ROLES
        and application_perms.operates(membership, territory)
    )


def require_commission_agent(membership, territory) -> None:
    if not is_commission_agent(membership, territory):
        raise PermissionDenied(NOT_AN_AGENT)
