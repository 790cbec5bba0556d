"""Who may work a commission session. Views and commands call these first.

Commission agents are the people who work the territory's guichet queue: administrators and
agents (`applications.perms.EDITOR_ROLES`) of the organisation that operates the territory's
guichet. They see the frozen queue, the proposals and the decisions (personal records, each
read audited). Families see only their own applications; readers, elected members, the DPO
and the Caf see aggregates only (public statistics, see letters/statistics).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from maillage.applications.perms import EDITOR_ROLES, operated_territory_ids
from maillage.commission.models import Session
from maillage.territories.models import TerritoryGroup

NOT_COMMISSION_AGENT = (
    "Les séances de la commission sont réservées aux agents et administrateurs de "
    "l'organisation qui tient le guichet unique du territoire."
)
SESSION_NOT_FOUND = "Aucune séance de commission de cet identifiant."
NOT_GRID_AGENT = (
    "Seuls les agents et administrateurs de l'organisation qui tient le guichet unique de ce "
    "territoire préparent la grille de points, les réserves et les admissions en urgence."
)
NOT_OFFER_AGENT = (
    "Seuls les agents de l'organisation qui tient le guichet unique du territoire gèrent les "
    "propositions de place de la commission."
)


def commission_territory_ids(membership) -> set[int]:
    if membership is None or membership.role not in EDITOR_ROLES:
        return set()
    return operated_territory_ids(membership.organisation)


def can_manage_commission(membership, territory) -> bool:
    return territory.pk in commission_territory_ids(membership)


def require_commission_agent(membership, territory=None, message=NOT_COMMISSION_AGENT) -> None:
    """Any commission territory at all (territory None), or this one; `message` says what the
    refused page was for (sessions, grid and reserves, offers)."""
    ids = commission_territory_ids(membership)
    if not ids or (territory is not None and territory.pk not in ids):
        raise PermissionDenied(message)


def commission_territories(membership):
    return TerritoryGroup.objects.filter(pk__in=commission_territory_ids(membership)).order_by(
        "name"
    )


def visible_sessions(membership):
    return Session.objects.filter(territory_id__in=commission_territory_ids(membership))


def require_session(membership, slug: str) -> Session:
    """The session `slug` for a commission agent of its territory (403 for anyone else, 404
    for an unknown slug)."""
    ids = commission_territory_ids(membership)
    if not ids:
        raise PermissionDenied(NOT_COMMISSION_AGENT)
    session = Session.objects.select_related("territory", "grid").filter(slug=slug).first()
    if session is None:
        raise Http404(SESSION_NOT_FOUND)
    if session.territory_id not in ids:
        raise PermissionDenied(NOT_COMMISSION_AGENT)
    return session


def declarable_structures(membership, session):
    """The structures whose places `membership` may declare at `session`: every participating
    structure for a commission agent, the participating structures its organisation manages for
    an administrator or agent of a manager (gestionnaire)."""
    from maillage.commission.sessions import participating_structures

    structures = participating_structures(session.territory, session.date)
    if session.territory_id in commission_territory_ids(membership):
        return structures
    if membership is None or membership.role not in EDITOR_ROLES:
        return structures.none()
    return structures.filter(manager=membership.organisation)


def require_places_declarant(membership, slug: str) -> Session:
    """The session `slug` for someone who may declare places there (commission agent or manager
    of a participating structure); 403 otherwise, 404 for an unknown slug."""
    if membership is None or membership.role not in EDITOR_ROLES:
        raise PermissionDenied(NOT_PLACES_DECLARANT)
    session = Session.objects.select_related("territory").filter(slug=slug).first()
    if session is None:
        raise Http404(SESSION_NOT_FOUND)
    if not declarable_structures(membership, session).exists():
        raise PermissionDenied(NOT_PLACES_DECLARANT)
    return session


NOT_PLACES_DECLARANT = (
    "Les places d'une séance sont déclarées par les agents du guichet unique et par les "
    "gestionnaires des structures qui y participent."
)


def manager_sessions(membership):
    """Sessions of the territories where `membership`'s organisation manages a participating
    structure (administrators and agents of a manager), for declaring places."""
    if membership is None or membership.role not in EDITOR_ROLES:
        return Session.objects.none()
    return Session.objects.filter(
        territory__guichet_settings__participating_structures__manager=membership.organisation
    ).distinct()
