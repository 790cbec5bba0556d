"""Web import of an existing waiting list by an agent of the guichet's operator: upload (limits
checked before parsing), preview in the worker (line-numbered French report stored once on the
batch), idempotent confirmation, write in the worker by chunks with progress. The rows go through
the same checks and writes as `maillage import_applications` (`importer`); audit entries are
written there, never by views."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from maillage.applications import importer, perms
from maillage.applications.models import ApplicationImport
from maillage.core.imports import STORED_ERRORS, ImportStatus, start_batch_job, store_upload
from maillage.core.jobs import JobError, run_job

ERRORS_REMAIN = (
    "Le fichier contient des erreurs : rien n'est importé. Corrigez-le et déposez-le de nouveau, "
    "ou demandez explicitement l'import des lignes valides seulement."
)
NOTHING_VALID = "Aucune ligne valide : rien à importer."
NOT_OPERATOR = (
    "Seuls les agents de l'organisation qui tient le guichet unique importent une liste d'attente."
)


class ImportRefused(ValueError):
    """The confirmation cannot be accepted (French message)."""


def require_import(membership, territory) -> None:
    if not perms.can_register_at_counter(membership, territory):
        raise PermissionDenied(NOT_OPERATOR)


def get_import_for(membership, pk: int) -> ApplicationImport:
    """A batch of the acting organisation, for one of its agents still operating the territory
    (404 otherwise: another organisation's batches are not disclosed)."""
    batch = (
        ApplicationImport.objects.select_related("territory", "job", "organisation")
        .filter(pk=pk)
        .first()
    )
    if (
        batch is None
        or membership is None
        or batch.organisation_id != membership.organisation_id
        or not perms.can_register_at_counter(membership, batch.territory)
    ):
        raise Http404("Cet import n'existe pas ou ne vous est pas accessible.")
    return batch


def recent_imports(membership, territory):
    return ApplicationImport.objects.filter(
        organisation=membership.organisation, territory=territory
    ).only("pk", "filename", "status", "created_at")[:10]


def upload_waiting_list(membership, territory, upload) -> ApplicationImport:
    """Store the file after checking its size and line count, then start its preview.
    Raises ImportLimitError (French) for a file over the limits."""
    require_import(membership, territory)
    from maillage.applications.tasks import preview_application_import

    batch = ApplicationImport(
        territory=territory, organisation=membership.organisation, user=membership.user
    )
    return store_upload(
        batch, upload, kind="application-import", preview_task=preview_application_import
    )


def _check(batch: ApplicationImport) -> importer.ImportResult:
    with batch.open_file() as handle:
        content = handle.read()
    return importer.check(content, batch.filename, batch.territory)


def _report(result: importer.ImportResult) -> dict:
    error_lines = importer.error_lines(result)
    return {
        "rows": len(result.rows),
        "valid": len(result.rows) - error_lines,
        "error_lines": error_lines,
        "error_count": len(result.errors),
        "errors": [
            f"Ligne {e['line']}" + (f", colonne « {e['column']} »" if e["column"] else "")
            + f" : {e['message']}"
            for e in result.errors[:STORED_ERRORS]
        ],
        "warnings": [w["message"] for w in result.warnings],
    }  # fmt: skip


def run_preview(job_id: int, batch_id: int) -> None:
    with run_job(job_id) as job:
        batch = ApplicationImport.objects.select_related("territory").get(pk=batch_id)
        if not batch.move([ImportStatus.UPLOADED], ImportStatus.PREVIEWING):
            return
        job.progress(0, None, "Vérification des lignes")
        try:
            result = _check(batch)
        except importer.ImportFileError as exc:
            batch.move([ImportStatus.PREVIEWING], ImportStatus.FAILED)
            raise JobError(str(exc)) from exc
        except Exception:
            batch.move([ImportStatus.PREVIEWING], ImportStatus.FAILED)
            raise
        report = dict(batch.report, **_report(result))
        batch.move([ImportStatus.PREVIEWING], ImportStatus.PREVIEWED, report=report)
        job.result = {"valid": report["valid"], "error_count": report["error_count"]}


def confirm_import(membership, batch: ApplicationImport, *, valid_only: bool = False) -> bool:
    """Start the write of a previewed batch. With errors, only when the agent asked for the
    valid rows only. Idempotent (compare-and-set on the status, job key)."""
    require_import(membership, batch.territory)
    if batch.status != ImportStatus.PREVIEWED:
        return False
    if not batch.report.get("valid"):
        raise ImportRefused(NOTHING_VALID)
    if batch.report.get("error_count") and not valid_only:
        raise ImportRefused(ERRORS_REMAIN)
    if not batch.move(
        [ImportStatus.PREVIEWED], ImportStatus.IMPORTING, valid_only=bool(valid_only)
    ):
        return False
    from maillage.applications.tasks import run_application_import

    start_batch_job(
        batch,
        "application-import",
        f"Import de {batch.filename}",
        run_application_import,
        user=membership.user,
    )
    return True


def cancel_import(membership, batch: ApplicationImport) -> bool:
    require_import(membership, batch.territory)
    return batch.move([ImportStatus.PREVIEWED], ImportStatus.CANCELLED)


def run_import(job_id: int, batch_id: int) -> None:
    with run_job(job_id) as job:
        batch = ApplicationImport.objects.select_related("territory", "organisation", "user").get(
            pk=batch_id
        )
        if batch.status != ImportStatus.IMPORTING:
            return
        try:
            job.progress(0, batch.report.get("valid") or 0, "Nouvelle vérification du fichier")
            result = _check(batch)
            if result.errors and not batch.valid_only:
                raise JobError(
                    "Le fichier ne passe plus la vérification (les règles du guichet ont changé "
                    "depuis) : rien n'est importé. Déposez-le de nouveau."
                )
            importer.write_valid_rows(
                result,
                batch.territory,
                actor=batch.user,
                organisation=batch.organisation,
                filename=batch.filename,
                progress=lambda done, total: job.progress(done, total, "Enregistrement"),
            )
        except importer.ImportFileError as exc:
            batch.move([ImportStatus.IMPORTING], ImportStatus.FAILED)
            raise JobError(str(exc)) from exc
        except Exception:
            batch.move([ImportStatus.IMPORTING], ImportStatus.FAILED)
            raise
        report = dict(
            batch.report,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            skipped=importer.error_lines(result),
        )
        batch.move([ImportStatus.IMPORTING], ImportStatus.IMPORTED, report=report)
        job.result = {"created": result.created, "updated": result.updated}
