"""Documents of a convention (DOCX, PDF), generated in the background (`exports`); each
download of a generated file is recorded in the audit trail, by the domain."""

from maillage.audit.models import AuditAction
from maillage.audit.services import record


def open_generated_document(document, *, actor, organisation):
    """The open file of a generated document; records one EXPORT entry for the download."""
    obj = document.report if document.report_id else document.convention
    label = "Rapport" if document.report_id else "Convention"
    size = document.file.size
    record(
        AuditAction.EXPORT,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        organisation=organisation,
        obj=obj,
        changes={"format": document.fmt, "bytes": size},
        message=f"{label} {document.fmt.upper()}",
    )
    return document.file.open("rb")
