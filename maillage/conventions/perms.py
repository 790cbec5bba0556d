"""Who may read and change what in a convention. Views call these first.

- Reading: any member (admin, agent, reader, elected) of an organisation that is a party to the
  convention (signatory, co-signatory or associated partner). Anyone else: refused.
- An action, its indicators and their measurements: admin or agent of the action's lead
  organisation, or of the Caf party (the Caf co-pilots the whole convention).
- Convention-wide content (status, clauses, amendments, governance rules, funding): admin or agent
  of the Caf party.
- Secretariat (meetings, minutes, decisions, evaluation reports and their conclusions): admin or
  agent of any signatory party — the chargé de coopération works for a commune.
- Means of one partner: admin or agent of that partner, or of the Caf party.
"""

from django.core.exceptions import PermissionDenied

from maillage.accounts.enums import OrganisationKind, Role
from maillage.conventions.enums import PartyRole

EDITOR_ROLES = (Role.ADMIN, Role.AGENT)


def _party(membership, convention):
    if membership is None:
        return None
    return convention.parties.filter(organisation_id=membership.organisation_id).first()


def _is_editor(membership) -> bool:
    return membership is not None and membership.role in EDITOR_ROLES


def is_caf_party(membership, convention) -> bool:
    party = _party(membership, convention)
    return party is not None and party.organisation.kind == OrganisationKind.CAF


def can_view_convention(membership, convention) -> bool:
    return _party(membership, convention) is not None


def require_view_convention(membership, convention) -> None:
    if not can_view_convention(membership, convention):
        raise PermissionDenied(
            "Cette convention n'est consultable que par les membres des organisations parties."
        )


def can_edit_convention(membership, convention) -> bool:
    return _is_editor(membership) and is_caf_party(membership, convention)


def can_run_secretariat(membership, convention) -> bool:
    party = _party(membership, convention)
    return (
        _is_editor(membership)
        and party is not None
        and party.role in (PartyRole.SIGNATORY, PartyRole.CO_SIGNATORY)
    )


def can_edit_action(membership, action) -> bool:
    if not _is_editor(membership):
        return False
    if membership.organisation_id == action.lead_id:
        return can_view_convention(membership, action.convention)
    return is_caf_party(membership, action.convention)


def can_record_measurement(membership, indicator) -> bool:
    if indicator.action_id:
        return can_edit_action(membership, indicator.action)
    return can_run_secretariat(membership, indicator.convention)


def can_edit_means(membership, entry) -> bool:
    if not _is_editor(membership):
        return False
    if membership.organisation_id == entry.organisation_id:
        return can_view_convention(membership, entry.convention)
    return is_caf_party(membership, entry.convention)


def require(allowed: bool, message: str = "Vous ne pouvez pas modifier cet élément.") -> None:
    if not allowed:
        raise PermissionDenied(message)
