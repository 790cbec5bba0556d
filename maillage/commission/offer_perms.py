"""Who may handle the offers of a session: the commission's agents are the administrators and
agents of the organisation that operates the territory's guichet (applications.perms). Readers,
elected members, the DPO and the Caf (unless it operates the guichet) see aggregates only.
(csess creates `commission/perms.py`; these rules move there at the merge.)"""

from django.core.exceptions import PermissionDenied

from maillage.applications import perms as guichet_perms

NOT_AGENT = (
    "Seuls les agents de l'organisation qui tient le guichet unique du territoire gèrent les "
    "propositions de place de la commission."
)


def can_handle_offers(membership, territory) -> bool:
    return guichet_perms.can_register_at_counter(membership, territory)


def require_offer_agent(membership, territory) -> None:
    if not can_handle_offers(membership, territory):
        raise PermissionDenied(NOT_AGENT)


def may_handle_some_offers(membership) -> bool:
    """Before any session is named: an administrator or agent of an organisation operating a
    guichet (the others get 403 whatever they ask)."""
    return (
        membership is not None
        and membership.role in guichet_perms.EDITOR_ROLES
        and bool(guichet_perms.operated_territory_ids(membership.organisation))
    )
