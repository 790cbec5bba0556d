"""Account services called by the pages: changing the organisation one acts for (audited)."""

from maillage.accounts import perms
from maillage.accounts.models import Membership
from maillage.audit.models import AuditAction
from maillage.audit.services import record


def switch_organisation(request, organisation_id: int) -> Membership:
    """Act for another of one's organisations (PermissionDenied for any other); recorded."""
    membership = perms.switch_organisation(request, organisation_id)
    record(AuditAction.SWITCH, request=request, obj=membership.organisation)
    return membership
