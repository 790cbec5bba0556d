"""Access rules of the directory, as helpers taking (membership, obj)."""

from maillage.accounts.enums import Role


def can_see_childminder_contacts(membership, childminder) -> bool:
    """An agent or administrator of an organisation covering her commune (the relais petite
    enfance, the commune, the Caf) sees her contact details, consent or not, to put families in
    touch with her. Such a read is recorded in the audit trail."""
    return (
        membership is not None
        and membership.role in (Role.ADMIN, Role.AGENT)
        and membership.organisation.covers(childminder.commune)
    )
