"""Downloads of the observatory, each recorded in the audit trail by the domain."""

from maillage.audit.models import AuditAction
from maillage.audit.services import record
from maillage.observatory.enums import EditionStatus


def edition_pdf(edition, *, actor, organisation) -> bytes | None:
    """The PDF of a finished edition of the diagnostic (None if not available); one EXPORT
    entry per download."""
    if edition.status != EditionStatus.DONE or not edition.pdf:
        return None
    content = bytes(edition.pdf)
    record(
        AuditAction.EXPORT,
        actor=actor,
        organisation=organisation,
        obj=edition,
        changes={"format": "pdf", "bytes": len(content)},
        message="Téléchargement du diagnostic (PDF)",
    )
    return content
