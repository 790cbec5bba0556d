"""Directory services called by the pages and the API: file imports (upload, preview,
confirmation, cancellation), declared availabilities, a childminder's file (read recorded) and
open-data downloads. Audit entries are written here, never by views."""

import datetime
from dataclasses import dataclass

from django.shortcuts import get_object_or_404

from maillage.audit.models import AuditAction
from maillage.audit.services import diff, record, record_read
from maillage.core.imports import ImportLimitError, ImportStatus, start_batch_job, store_upload
from maillage.core.jobs import JobError, run_job
from maillage.directory import importers
from maillage.directory.enums import days_mask
from maillage.directory.models import Childminder, ChildminderAvailability, DirectoryImport
from maillage.directory.perms import can_see_childminder_contacts

NOTHING_VALID = "Aucune ligne valide à importer."
ERRORS_REMAIN = (
    "Le fichier contient des erreurs : rien n'a été importé. Corrigez le fichier ou choisissez "
    "explicitement d'importer seulement les lignes valides."
)


class ImportRefused(ValueError):
    """The confirmation cannot be accepted (French message)."""


def upload_import(membership, upload, kind: str) -> DirectoryImport:
    """Store the file after checking its size and row count (before any parsing), then start
    its preview in the worker. Raises ImportLimitError (French) for a file over the limits."""
    from maillage.directory.tasks import preview_directory_import

    batch = DirectoryImport(kind=kind, organisation=membership.organisation, user=membership.user)
    return store_upload(
        batch, upload, kind="directory-import", preview_task=preview_directory_import
    )


def run_preview(job_id: int, batch_id: int) -> None:
    """Worker: read the file as a stream, store the report once."""
    with run_job(job_id) as job:
        batch = DirectoryImport.objects.select_related("organisation").get(pk=batch_id)
        if not batch.move([ImportStatus.UPLOADED], ImportStatus.PREVIEWING):
            return
        expected = (batch.report or {}).get("declared_rows") or 0
        job.progress(0, expected or None, "Vérification des lignes")
        try:
            with batch.open_file() as handle:
                report = importers.summarise(
                    handle,
                    batch.filename,
                    batch.kind,
                    organisation=batch.organisation,
                    expected=expected,
                    progress=lambda done, total: job.progress(done, total, "Vérification"),
                )
        except Exception:
            batch.move([ImportStatus.PREVIEWING], ImportStatus.FAILED)
            raise
        batch.move([ImportStatus.PREVIEWING], ImportStatus.PREVIEWED, report=report)
        job.progress(report["total"], report["total"], "Vérification terminée")
        job.result = {"total": report["total"], "valid": report["valid"]}


def confirm_import(membership, batch: DirectoryImport, *, valid_only: bool) -> bool:
    """Start the import of a previewed batch. Idempotent: only the first confirmation moves the
    batch to `importing` (compare-and-set) and starts the job; later ones return False."""
    report = batch.report or {}
    if batch.status != ImportStatus.PREVIEWED:
        return False
    if report.get("file_errors") or not report.get("valid"):
        raise ImportRefused(NOTHING_VALID)
    if report.get("error_count") and not valid_only:
        raise ImportRefused(ERRORS_REMAIN)
    if not batch.move([ImportStatus.PREVIEWED], ImportStatus.IMPORTING, valid_only=valid_only):
        return False
    from maillage.directory.tasks import run_directory_import

    start_batch_job(
        batch,
        "directory-import",
        f"Import de {batch.filename}",
        run_directory_import,
        user=membership.user,
    )
    return True


def cancel_import(membership, batch: DirectoryImport) -> bool:
    return batch.move([ImportStatus.PREVIEWED], ImportStatus.CANCELLED)


def run_import(job_id: int, batch_id: int) -> None:
    """Worker: validate again (the directory may have changed since the preview), then write the
    valid rows in batches, with progress, and audit the import."""
    with run_job(job_id) as job:
        batch = DirectoryImport.objects.select_related("organisation", "user").get(pk=batch_id)
        if batch.status != ImportStatus.IMPORTING:
            return
        total = (batch.report or {}).get("valid") or 0
        try:
            created, updated, skipped = _import_batch(batch, job, total)
        except Exception:
            batch.move([ImportStatus.IMPORTING], ImportStatus.FAILED)
            raise
        report = dict(
            batch.report, created=created, updated=updated, skipped=skipped, imported=True
        )
        batch.move([ImportStatus.IMPORTING], ImportStatus.IMPORTED, report=report)
        record(
            AuditAction.IMPORT,
            actor=batch.user,
            organisation=batch.organisation,
            obj=batch,
            message=(f"{created} créé(s), {updated} mis à jour, {skipped} ligne(s) écartée(s)"),
        )
        job.result = {"created": created, "updated": updated, "skipped": skipped}


def _import_batch(batch: DirectoryImport, job, total: int) -> tuple[int, int, int]:
    def rows():
        with batch.open_file() as handle:
            yield from importers.iter_rows(
                handle, batch.filename, batch.kind, organisation=batch.organisation
            )

    try:
        if not batch.valid_only:
            job.progress(0, total, "Nouvelle vérification du fichier")
            first_pass = rows()
            try:
                has_errors = any(row.errors for row in first_pass)
            finally:
                first_pass.close()  # closes the file before the second pass opens it
            if has_errors:
                raise JobError(
                    "Le fichier contient désormais des erreurs (l'annuaire a changé depuis la "
                    "vérification) : rien n'a été importé. Déposez-le de nouveau."
                )
        skipped = 0

        def counted():
            nonlocal skipped
            for row in rows():
                if row.errors:
                    skipped += 1
                else:
                    yield row

        job.progress(0, total, "Enregistrement des fiches")
        created, updated = importers.write_rows(
            batch.kind,
            counted(),
            organisation=batch.organisation,
            actor=batch.user,
            message=f"Import du fichier {batch.filename}",
            progress=lambda done: job.progress(done, max(total, done), "Enregistrement"),
        )
    except importers.ImportFileError as exc:
        raise JobError(str(exc)) from exc
    return created, updated, skipped


def declare_availability(membership, childminder, data: dict) -> ChildminderAvailability:
    availability = ChildminderAvailability.objects.create(
        childminder=childminder,
        declared_on=datetime.date.today(),
        available_from=data["available_from"],
        places=data["places"],
        days=days_mask(data["days"]),
        starts_at=data["starts_at"],
        ends_at=data["ends_at"],
        note=data["note"],
    )
    record(
        AuditAction.CREATE,
        actor=membership.user,
        organisation=membership.organisation,
        obj=availability,
        changes=diff({}, {k: str(v) for k, v in data.items()}),
    )
    return availability


__all__ = [
    "ImportLimitError",
    "ImportRefused",
    "cancel_import",
    "confirm_import",
    "declare_availability",
    "run_import",
    "run_preview",
    "upload_import",
]


@dataclass
class ChildminderFile:
    childminder: Childminder
    shows_private: bool  # the page shows her personal contact details


def get_childminder_for(membership, pk: int, *, actor=None) -> ChildminderFile:
    """An active assistant maternel's file as `membership` may see it (None: the public).

    When the reader is a professional who sees her private fields, the read is recorded
    (field names, never values) — the one place this read is recorded. Http404 if unknown.
    """
    childminder = get_object_or_404(
        Childminder.objects.select_related("commune", "mam").prefetch_related("availabilities"),
        pk=pk,
        is_active=True,
    )
    shows_private = can_see_childminder_contacts(membership, childminder)
    if shows_private:
        record_read(
            childminder,
            actor=actor,
            organisation=membership.organisation,
            fields=list(Childminder.PRIVATE_FIELDS),
            message="Fiche d'un assistant maternel (coordonnées)",
        )
    return ChildminderFile(childminder, shows_private)


OPEN_DATA_DATASETS = ("structures", "assistants-maternels")
OPEN_DATA_FORMATS = ("csv", "xlsx", "json")


def open_data_download(dataset: str, fmt: str, *, actor=None, organisation=None):
    """(content, content type) of an open-data export; records one EXPORT entry per download.

    Anonymous downloads are recorded too, without actor ("visiteur anonyme") and without any
    network detail: the trail says what left the platform and when, not who downloaded public
    data. Raises ValueError for an unknown dataset or format.
    """
    from maillage.audit.models import AuditAction
    from maillage.audit.services import ANONYMOUS_LABEL, record
    from maillage.directory import exports

    if dataset not in OPEN_DATA_DATASETS or fmt not in OPEN_DATA_FORMATS:
        raise ValueError(f"{dataset}.{fmt}")
    content, content_type = exports.export(dataset, fmt)
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    record(
        AuditAction.EXPORT,
        actor=actor if authenticated else None,
        actor_label="" if authenticated else ANONYMOUS_LABEL,
        organisation=organisation if authenticated else None,
        changes={"dataset": dataset, "format": fmt, "bytes": len(content)},
        message=f"Export open data {dataset}.{fmt}",
    )
    return content, content_type
