"""Bounded file imports shared by the directory and the observatory.

An import is a batch (a concrete subclass of `ImportBatch` in the domain app) that goes through

    uploaded → previewing → previewed → importing → imported
                       ↘ failed            ↘ failed          (or previewed → cancelled)

1. upload: the file is stored (MEDIA) and its size and row count are checked at once, before
   anything is parsed (`check_limits`): a file over MAILLAGE_IMPORT_MAX_BYTES, a CSV with more
   lines than MAILLAGE_IMPORT_MAX_ROWS, an XLSX whose sheet *declares* more rows (its
   `<dimension ref>`, read from the sheet XML without loading a row) is refused with a French
   message;
2. preview (worker task): the file is read as a stream (`iter_table`) and validated; the report
   (counts, line-numbered French errors, a sample) is stored once on the batch and the preview
   page only reads it;
3. confirm: a compare-and-set on the batch status (`ImportBatch.move`) plus the job key make the
   confirmation idempotent — five clicks start one import;
4. import (worker task): rows are written in batches (`IMPORT_CHUNK` rows per transaction), with
   progress reported on the job, so that the site keeps answering.
"""

import codecs
import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from xml.etree import ElementTree

from django.conf import settings
from django.db import models
from django.utils import timezone

from maillage.core.tabular import SAMPLE, NotTabular, check_csv_head, csv_error_message

IMPORT_CHUNK = 500
PREVIEW_SAMPLE = 20
# Errors kept in the stored report (the count of all errors is stored too).
STORED_ERRORS = 1000
READ_CHUNK = 1 << 20


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", "Déposé"
    PREVIEWING = "previewing", "Vérification en cours"
    PREVIEWED = "previewed", "Vérifié"
    IMPORTING = "importing", "Import en cours"
    IMPORTED = "imported", "Importé"
    FAILED = "failed", "Échec"
    CANCELLED = "cancelled", "Abandonné"


IN_PROGRESS = (ImportStatus.UPLOADED, ImportStatus.PREVIEWING, ImportStatus.IMPORTING)


class ImportLimitError(ValueError):
    """The file is over a limit or unreadable: refused before parsing (message in French)."""


def max_bytes() -> int:
    return int(getattr(settings, "MAILLAGE_IMPORT_MAX_BYTES", 20 * 1024 * 1024))


def max_rows() -> int:
    return int(getattr(settings, "MAILLAGE_IMPORT_MAX_ROWS", 100_000))


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} Mo" if size >= 1024 * 1024 else f"{size // 1024} ko"


def file_too_large_message(size: int, limit_bytes: int | None = None) -> str:
    limit_bytes = max_bytes() if limit_bytes is None else limit_bytes
    return (
        f"Le fichier pèse {_megabytes(size)} : {_megabytes(limit_bytes)} au plus sont acceptés. "
        "Découpez-le en plusieurs fichiers."
    )


def file_size(fileobj) -> int:
    size = getattr(fileobj, "size", None)
    if size is not None:
        return int(size)
    position = fileobj.tell()
    fileobj.seek(0, io.SEEK_END)
    size = fileobj.tell()
    fileobj.seek(position)
    return size


def is_xlsx(filename: str) -> bool:
    return filename.lower().endswith(".xlsx")


def check_limits(fileobj, filename: str, *, limit_bytes=None, limit_rows=None) -> int:
    """Refuse at once a file over the limits; returns its (declared or counted) data rows.

    Nothing is parsed: the size is the stored size, an XLSX's row count is the dimension its
    first sheet declares, a CSV's is its number of lines (header excluded).
    """
    limit_bytes = max_bytes() if limit_bytes is None else limit_bytes
    limit_rows = max_rows() if limit_rows is None else limit_rows
    size = file_size(fileobj)
    if size > limit_bytes:
        raise ImportLimitError(file_too_large_message(size, limit_bytes))
    if size == 0:
        raise ImportLimitError("Le fichier est vide.")
    if is_xlsx(filename):
        rows = xlsx_declared_rows(fileobj, limit_bytes=limit_bytes)
        if rows is not None:
            rows = max(rows - 1, 0)
    else:
        rows = count_csv_rows(fileobj)
    if rows is not None and rows > limit_rows:
        raise ImportLimitError(
            f"Le fichier compte {rows:,} lignes de données : {limit_rows:,} au plus sont "
            "acceptées par import. Découpez-le en plusieurs fichiers.".replace(",", "\u202f")
        )
    return rows or 0


_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]+\d+:)?[A-Z]+(\d+)\"")
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _first_sheet_path(book: zipfile.ZipFile) -> str:
    """Path of the first worksheet, from the workbook and its relationships."""
    try:
        workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return "xl/worksheets/sheet1.xml"
    sheet = next((el for el in workbook.iter() if el.tag.endswith("}sheet")), None)
    if sheet is None:
        return "xl/worksheets/sheet1.xml"
    rel_id = sheet.get(_REL_NS)
    for rel in rels:
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return "xl/worksheets/sheet1.xml"


def xlsx_declared_rows(fileobj, *, limit_bytes: int | None = None) -> int | None:
    """The last row the first sheet declares (`<dimension ref="A1:Z3000000">`), read from the
    first kilobytes of the sheet XML; None when the sheet declares nothing.

    Also refuses a file whose uncompressed content is out of proportion (zip bomb)."""
    limit_bytes = max_bytes() if limit_bytes is None else limit_bytes
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as book:
            uncompressed = sum(info.file_size for info in book.infolist())
            if uncompressed > 10 * limit_bytes:
                raise ImportLimitError(
                    f"Le classeur XLSX occupe {_megabytes(uncompressed)} une fois décompressé : "
                    f"{_megabytes(10 * limit_bytes)} au plus sont acceptés. Enregistrez-le en "
                    "CSV ou découpez-le."
                )
            with book.open(_first_sheet_path(book)) as sheet:
                head = sheet.read(4096)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ImportLimitError(
            "Le fichier XLSX est illisible : enregistrez-le de nouveau depuis votre tableur "
            "(format Classeur Excel .xlsx) ou en CSV."
        ) from exc
    finally:
        fileobj.seek(0)
    match = _DIMENSION.search(head)
    return int(match.group(2)) if match else None


def count_csv_rows(fileobj) -> int:
    """Lines of a CSV file, header excluded, counted by chunks (never the whole file in memory)."""
    fileobj.seek(0)
    lines, last = 0, b"\n"
    while chunk := fileobj.read(READ_CHUNK):
        lines += chunk.count(b"\n")
        last = chunk[-1:]
    fileobj.seek(0)
    if last != b"\n":
        lines += 1
    return max(lines - 1, 0)


def detect_encoding(fileobj) -> str:
    """utf-8-sig when the whole file decodes as UTF-8 (checked by chunks), else cp1252."""
    fileobj.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := fileobj.read(READ_CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        encoding = "cp1252"
    fileobj.seek(0)
    return encoding


def iter_csv(fileobj) -> Iterator[list[str]]:
    """Rows of a CSV file (UTF-8 or Windows-1252, `;` or `,`), read as a stream. A file that is
    not CSV text (UTF-16, binary, a renamed workbook) and the `csv` module's errors become
    French messages (ImportLimitError) before any column check."""
    fileobj.seek(0)
    try:
        check_csv_head(fileobj.read(SAMPLE))
    except NotTabular as exc:
        raise ImportLimitError(str(exc)) from exc
    encoding = detect_encoding(fileobj)
    head = fileobj.read(64 * 1024).decode(encoding, errors="replace")
    fileobj.seek(0)
    first = head.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(codecs.getreader(encoding)(fileobj), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as exc:
        raise ImportLimitError(csv_error_message(exc, reader.line_num)) from exc


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def iter_xlsx(fileobj) -> Iterator[list[str]]:
    """Rows of the first sheet of an XLSX file, read with openpyxl's read-only (streaming) mode."""
    import openpyxl

    fileobj.seek(0)
    if not zipfile.is_zipfile(fileobj):
        raise ImportLimitError(
            "Le fichier XLSX est illisible : ce n'est pas un classeur Office Open XML. "
            "Enregistrez-le au format XLSX, ou exportez-le en CSV."
        )
    fileobj.seek(0)
    try:
        book = openpyxl.load_workbook(fileobj, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of errors (KeyError, ValueError…)
        raise ImportLimitError(UNREADABLE_XLSX) from exc
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        while True:
            try:
                row = next(rows)
            except StopIteration:
                break
            except Exception as exc:  # openpyxl reads lazily: a damaged sheet fails here
                raise ImportLimitError(UNREADABLE_XLSX) from exc
            yield [_cell_text(value) for value in row]
    finally:
        book.close()


UNREADABLE_XLSX = (
    "Le classeur XLSX est illisible ou abîmé : ouvrez-le dans un tableur, enregistrez-le de "
    "nouveau au format XLSX, ou exportez-le en CSV."
)


def iter_table(fileobj, filename: str, *, limit_rows: int | None = None) -> Iterator[list[str]]:
    """Rows of cells (strings) of a CSV or XLSX file, as a stream; stops with ImportLimitError
    past the row limit (header + `limit_rows` rows), whatever the file declared."""
    limit_rows = max_rows() if limit_rows is None else limit_rows
    rows = iter_xlsx(fileobj) if is_xlsx(filename) else iter_csv(fileobj)
    for number, row in enumerate(rows, start=1):
        if number > limit_rows + 1:
            raise ImportLimitError(
                f"Le fichier dépasse {limit_rows:,} lignes de données : découpez-le en plusieurs "
                "fichiers.".replace(",", "\u202f")
            )
        yield row


def chunked(items: Iterable, size: int = IMPORT_CHUNK) -> Iterator[list]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def upload_path(instance, filename: str) -> str:
    today = timezone.now()
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", filename)[-80:] or "fichier"
    return f"imports/{instance._meta.model_name}/{today:%Y/%m}/{safe}"


class ImportBatch(models.Model):
    """An uploaded file between its upload, its preview and its import (abstract).

    Concrete batches (directory, observatory) add their organisation and their `kind`."""

    file = models.FileField("fichier", upload_to=upload_path, max_length=255)
    filename = models.CharField("nom du fichier", max_length=255)
    status = models.CharField(
        "état",
        max_length=20,
        choices=ImportStatus.choices,
        default=ImportStatus.UPLOADED,
        db_index=True,
    )
    report = models.JSONField("rapport", default=dict, blank=True)
    valid_only = models.BooleanField("lignes valides seulement", default=False)
    job = models.ForeignKey(
        "core.Job",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="tâche de fond",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="déposé par",
    )
    created_at = models.DateTimeField("déposé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.filename

    @property
    def in_progress(self) -> bool:
        return self.status in IN_PROGRESS

    def move(self, sources: Iterable[str], target: str, **fields) -> bool:
        """Compare-and-set: change the status only if it is still one of `sources`.

        Returns False (and changes nothing) when another request or task moved it first."""
        fields = {"status": target, "updated_at": timezone.now(), **fields}
        if target in (ImportStatus.IMPORTED, ImportStatus.FAILED, ImportStatus.CANCELLED):
            fields.setdefault("finished_at", timezone.now())
        moved = (
            type(self)
            ._default_manager.filter(pk=self.pk, status__in=list(sources))
            .update(**fields)
        )
        if moved:
            for name, value in fields.items():
                setattr(self, name, value)
        return bool(moved)

    def open_file(self):
        """The stored file, opened for binary reading (the caller closes it)."""
        self.file.open("rb")
        return self.file


# -- retention ---------------------------------------------------------------------------------
# An uploaded file is kept between its preview and its confirmation, with a report naming the rows
# in error (names, addresses). Once imported, the records carry the data and the audit trail says
# which file did it: the file goes after `retention-import-files-days`. A file abandoned, refused
# or never confirmed goes after `retention-cancelled-imports-days`. Files leave the storage too.

NOT_IMPORTED = [
    ImportStatus.UPLOADED,
    ImportStatus.PREVIEWED,
    ImportStatus.CANCELLED,
    ImportStatus.FAILED,
]


def _purge_batches(queryset) -> int:
    count = 0
    for batch in queryset.only("pk", "file"):
        if batch.file:
            batch.file.delete(save=False)
        batch.delete()
        count += 1
    return count


def import_batch_purgers(model, *, kind: str, label: str) -> list:
    """The two retention purgers of an import-batch model (see maillage.core.retention)."""
    from maillage.core.retention import Purger

    def imported(limit):
        return model.objects.filter(status=ImportStatus.IMPORTED, updated_at__lt=limit)

    def not_imported(limit):
        return model.objects.filter(status__in=NOT_IMPORTED, updated_at__lt=limit)

    return [
        Purger(
            kind=f"{kind}-files",
            label=f"Fichiers importés ({label})",
            parameter="retention-import-files-days",
            unit="days",
            count=lambda limit: imported(limit).count(),
            purge=lambda limit: _purge_batches(imported(limit)),
        ),
        Purger(
            kind=f"{kind}-cancelled",
            label=f"Imports abandonnés, refusés ou jamais confirmés ({label})",
            parameter="retention-cancelled-imports-days",
            unit="days",
            count=lambda limit: not_imported(limit).count(),
            purge=lambda limit: _purge_batches(not_imported(limit)),
        ),
    ]


# -- the common steps of every import page -------------------------------------------------------


def start_batch_job(batch, kind: str, label: str, task, *, user=None):
    """Start `task(job_id, batch.pk)` for the batch, once (the job key), and link the job.
    `user`: who waits for it (the person who confirms), by default the one who uploaded."""
    from maillage.core.jobs import start_job

    job = start_job(kind, label, task, batch.pk, user=user or batch.user, key=f"{kind}:{batch.pk}")
    type(batch).objects.filter(pk=batch.pk).update(job=job)
    batch.job = job
    return job


def store_upload(batch, upload, *, kind: str, preview_task):
    """Check the upload's size and row count (before any parsing, ImportLimitError in French),
    store it on the unsaved `batch` (MEDIA), then start its preview in the worker."""
    from django.core.files.base import File

    declared = check_limits(upload, upload.name)
    upload.seek(0)
    batch.filename = upload.name[:255]
    batch.report = {"declared_rows": declared}
    batch.file.save(upload.name, File(upload), save=False)
    batch.save()
    start_batch_job(batch, f"{kind}-preview", f"Vérification de {batch.filename}", preview_task)
    return batch
