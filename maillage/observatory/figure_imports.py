"""Service of the web import of statistical figures: upload (limits checked before parsing),
preview in the worker (report stored once), idempotent confirmation, import in batches in the
worker. Audit entries are written here, never by views."""

from maillage.audit.models import AuditAction
from maillage.audit.services import record
from maillage.core.imports import STORED_ERRORS, ImportStatus, start_batch_job, store_upload
from maillage.core.jobs import JobError, run_job
from maillage.observatory import importers
from maillage.observatory.models import FigureImport
from maillage.observatory.perms import figure_import_scope

ERRORS_REMAIN = (
    "Le fichier contient des erreurs : aucune donnée n'est importée. Corrigez-le puis déposez-le "
    "de nouveau."
)


class FigureImportRefused(ValueError):
    """The confirmation cannot be accepted (French message)."""


def upload_figures(membership, upload) -> FigureImport:
    """Store the file after checking its size and line count, then start its preview.
    Raises ImportLimitError (French) for a file over the limits."""
    from maillage.observatory.tasks import preview_figure_import

    batch = FigureImport(organisation=membership.organisation, user=membership.user)
    return store_upload(batch, upload, kind="figure-import", preview_task=preview_figure_import)


def _check(batch: FigureImport):
    communes, territories = figure_import_scope(batch.organisation)
    with batch.open_file() as handle:
        return importers.check_figures(
            handle,
            allowed_communes=communes,
            allowed_territories=territories,
            limit=STORED_ERRORS,
        )


def run_preview(job_id: int, batch_id: int) -> None:
    with run_job(job_id) as job:
        batch = FigureImport.objects.select_related("organisation").get(pk=batch_id)
        if not batch.move([ImportStatus.UPLOADED], ImportStatus.PREVIEWING):
            return
        job.progress(0, None, "Vérification des lignes")
        try:
            valid, errors, error_count = _check(batch)
        except Exception:
            batch.move([ImportStatus.PREVIEWING], ImportStatus.FAILED)
            raise
        report = dict(batch.report, valid=valid, errors=errors, error_count=error_count)
        batch.move([ImportStatus.PREVIEWING], ImportStatus.PREVIEWED, report=report)
        job.result = {"valid": valid, "error_count": error_count}


def confirm_figures(membership, batch: FigureImport) -> bool:
    """Start the import of a previewed batch without errors. Idempotent (compare-and-set on
    the status, job key): a second click does nothing."""
    if batch.status != ImportStatus.PREVIEWED:
        return False
    if batch.report.get("error_count") or not batch.report.get("valid"):
        raise FigureImportRefused(ERRORS_REMAIN)
    if not batch.move([ImportStatus.PREVIEWED], ImportStatus.IMPORTING):
        return False
    from maillage.observatory.tasks import run_figure_import

    start_batch_job(
        batch,
        "figure-import",
        f"Import de {batch.filename}",
        run_figure_import,
        user=membership.user,
    )
    return True


def cancel_figures(membership, batch: FigureImport) -> bool:
    return batch.move([ImportStatus.PREVIEWED], ImportStatus.CANCELLED)


def run_import(job_id: int, batch_id: int) -> None:
    with run_job(job_id) as job:
        batch = FigureImport.objects.select_related("organisation", "user").get(pk=batch_id)
        if batch.status != ImportStatus.IMPORTING:
            return
        total = batch.report.get("valid") or 0
        try:
            job.progress(0, total, "Nouvelle vérification du fichier")
            valid, _errors, error_count = _check(batch)
            if error_count or not valid:
                raise JobError(
                    "Le fichier ne passe plus la vérification (les territoires ont changé depuis) "
                    ": aucune donnée importée. Déposez-le de nouveau."
                )
            communes, territories = figure_import_scope(batch.organisation)
            with batch.open_file() as handle:
                rows = (
                    row
                    for _number, row, _problems in importers.iter_figures(
                        handle, allowed_communes=communes, allowed_territories=territories
                    )
                    if row is not None
                )
                result = importers.write_figures(
                    rows,
                    importers.FigureImportReport(),
                    progress=lambda done: job.progress(done, max(done, total), "Enregistrement"),
                )
        except Exception:
            batch.move([ImportStatus.IMPORTING], ImportStatus.FAILED)
            raise
        report = dict(
            batch.report,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            lines=result.lines,
        )
        batch.move([ImportStatus.IMPORTING], ImportStatus.IMPORTED, report=report)
        record(
            AuditAction.IMPORT,
            actor=batch.user,
            organisation=batch.organisation,
            obj=batch,
            message=f"Données de l'observatoire : {batch.filename} ({result.created} "
            f"créées, {result.updated} modifiées, {result.unchanged} inchangées)",
        )
        job.result = {"created": result.created, "updated": result.updated}
