"""Documents of a convention (DOCX, PDF), each download recorded in the audit trail."""

from maillage.audit.models import AuditAction
from maillage.audit.services import record
from maillage.conventions import documents

FORMATS = ("docx", "pdf")


def _record(obj, fmt: str, content: bytes, label: str, actor, organisation) -> None:
    record(
        AuditAction.EXPORT,
        actor=actor,
        organisation=organisation,
        obj=obj,
        changes={"format": fmt, "bytes": len(content)},
        message=f"{label} {fmt.upper()}",
    )


def convention_document(convention, fmt: str, *, actor, organisation) -> bytes:
    if fmt not in FORMATS:
        raise ValueError(fmt)
    if fmt == "docx":
        content = documents.convention_docx(convention)
    else:
        content = documents.convention_pdf(convention)
    _record(convention, fmt, content, "Convention", actor, organisation)
    return content


def report_document(report, fmt: str, *, actor, organisation) -> bytes:
    if fmt not in FORMATS:
        raise ValueError(fmt)
    content = documents.report_docx(report) if fmt == "docx" else documents.report_pdf(report)
    _record(report, fmt, content, "Rapport", actor, organisation)
    return content
