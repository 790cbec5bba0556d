"""The convention with its annexes, and its evaluation reports, as PDF or DOCX, generated in the
background.

The page asks for a document (`start_document`, POST): a `core.Job` and a `GeneratedDocument`
are created together and the task `tasks.build_convention_document` runs on the worker after the
commit. A second click while it runs returns the same job (`key`). The page polls the job's
progress (htmx) and offers the file once it is done; a newer document of the same kind and format
replaces the older one. Nothing here runs in the request, nor in a thread.
"""

from django.core.files.base import ContentFile
from django.db import transaction

from maillage.audit.models import AuditAction
from maillage.audit.services import record
from maillage.conventions.models import (
    Convention,
    DocumentFormat,
    EvaluationReport,
    GeneratedDocument,
)
from maillage.core.jobs import JobError, run_job, start_job

JOB_KIND = "convention-document"


def job_key(convention: Convention, fmt: str, report: EvaluationReport | None = None) -> str:
    if report is not None:
        return f"{JOB_KIND}:{convention.pk}:rapport-{report.pk}:{fmt}"
    return f"{JOB_KIND}:{convention.pk}:{fmt}"


def latest_documents(
    convention: Convention, report: EvaluationReport | None = None
) -> dict[str, GeneratedDocument | None]:
    """The most recent document of each format (queued, running, done or failed)."""
    latest: dict[str, GeneratedDocument | None] = {fmt: None for fmt in DocumentFormat.values}
    for document in convention.generated_documents.filter(report=report).select_related("job"):
        if latest.get(document.fmt) is None:
            latest[document.fmt] = document
    return latest


def ready_document(
    convention: Convention, fmt: str, report: EvaluationReport | None = None
) -> GeneratedDocument | None:
    """The most recent finished document of that kind and format that has its file."""
    return (
        convention.generated_documents.filter(report=report, fmt=fmt, job__status="done")
        .exclude(file="")
        .select_related("job", "report")
        .first()
    )


def start_document(
    convention: Convention,
    fmt: str,
    *,
    report: EvaluationReport | None = None,
    actor=None,
    organisation=None,
) -> GeneratedDocument:
    """Starts generating the document, or returns the one already being generated."""
    from maillage.conventions.tasks import build_convention_document

    if fmt not in DocumentFormat.values:
        raise ValueError(f"Format inconnu : {fmt}.")
    what = str(report) if report is not None else convention.title
    with transaction.atomic():
        job = start_job(
            JOB_KIND,
            f"{what} ({fmt.upper()})",
            build_convention_document,
            user=actor,
            key=job_key(convention, fmt, report),
        )
        document, created = GeneratedDocument.objects.get_or_create(
            job=job,
            defaults={
                "convention": convention,
                "report": report,
                "fmt": fmt,
                "requested_by": actor if getattr(actor, "pk", None) else None,
            },
        )
        if created:
            # the request is recorded here; each download of the file is an EXPORT (downloads.py)
            record(
                AuditAction.CREATE,
                actor=actor,
                organisation=organisation,
                obj=report if report is not None else convention,
                message=(
                    f"Génération du document {'du rapport' if report is not None else 'de la '}"
                    f"{'' if report is not None else 'convention'} {fmt.upper()}"
                ),
            )
    # Re-read: with an in-process backend (tests, demo) the task has already run on commit.
    return GeneratedDocument.objects.select_related("job", "report").get(pk=document.pk)


def build_document(job_id: int) -> None:
    """The task's body: renders the document, stores the file, drops the older ones."""
    from maillage.conventions import documents

    with run_job(job_id) as job:
        document = (
            GeneratedDocument.objects.select_related("convention", "report")
            .filter(job_id=job_id)
            .first()
        )
        if document is None:
            raise JobError("La demande de document n'existe plus : relancez la génération.")
        if document.fmt not in DocumentFormat.values:
            raise JobError(f"Format de document inconnu : « {document.fmt} » (PDF ou DOCX).")
        convention, report = document.convention, document.report
        pdf = document.fmt == DocumentFormat.PDF
        if report is not None:
            job.progress(0, 2, "Mise en forme du rapport")
            content = documents.report_pdf(report) if pdf else documents.report_docx(report)
        else:
            job.progress(0, 2, "Mise en forme de la convention et de ses annexes")
            content = (
                documents.convention_pdf(convention)
                if pdf
                else documents.convention_docx(convention)
            )
        job.progress(1, 2, "Enregistrement du fichier")
        document.file.save(
            f"{convention.slug}-{document.pk}.{document.fmt}", ContentFile(content), save=False
        )
        GeneratedDocument.objects.filter(pk=document.pk).update(file=document.file.name)
        older = convention.generated_documents.filter(
            report=report, fmt=document.fmt, created_at__lte=document.created_at
        ).exclude(pk=document.pk)
        for old in older.filter(job__status__in=["done", "failed"]):
            if old.file:
                old.file.delete(save=False)
            old.delete()
        job.result = {"document": document.pk, "size": len(content)}
