"""Bounded imports: limits checked before parsing (declared XLSX dimension, CSV line count,
bytes), a report computed once and stored, an idempotent confirmation, batched writes with
progress, and a version check on structures edited in the admin."""

import io
import re
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from maillage.audit.models import AuditAction, AuditEntry
from maillage.core.concurrency import save_if_unchanged
from maillage.core.imports import ImportLimitError, ImportStatus, check_limits
from maillage.core.models import Job, JobStatus
from maillage.directory import importers
from maillage.directory.models import DirectoryImport, Structure
from tests.directory.test_directory_imports import BAD, GOOD

ROW = "{n};Structure {n};multi_accueil;06033\n"


def rows_csv(count: int) -> str:
    return "identifiant;nom;type;code_insee\n" + "".join(ROW.format(n=n) for n in range(count))


def declared_xlsx(ref: str) -> bytes:
    """A tiny real workbook (two rows) whose sheet declares the dimension `ref`."""
    book = openpyxl.Workbook()
    book.active.append(["nom", "type", "code_insee"])
    book.active.append(["Crèche", "multi_accueil", "06033"])
    source = io.BytesIO()
    book.save(source)
    source.seek(0)
    out = io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, count = re.subn(
                    rb'<dimension ref="[^"]+"', f'<dimension ref="{ref}"'.encode(), data
                )
                assert count == 1
            zout.writestr(item, data)
    return out.getvalue()


def post(client, url, data):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data)


def upload(client, content: bytes, name="offre.csv", kind="structures"):
    return post(
        client,
        reverse("web:directory_import"),
        {"kind": kind, "file": SimpleUploadedFile(name, content, "text/csv")},
    )


@pytest.fixture
def agent(client, located_bassin, bruno, password):
    client.login(username=bruno.email, password=password)
    return bruno


def test_a_declared_3_million_row_xlsx_is_refused_at_once_without_reading_rows(
    client, agent, monkeypatch
):
    content = declared_xlsx("A1:Z3000000")
    assert len(content) < 10_000

    def no_parsing(*args, **kwargs):
        raise AssertionError("the workbook must not be loaded")

    monkeypatch.setattr(openpyxl, "load_workbook", no_parsing)
    with pytest.raises(ImportLimitError, match="2\u202f999\u202f999 lignes de données"):
        check_limits(io.BytesIO(content), "offre.xlsx")
    response = upload(client, content, name="offre.xlsx")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Le fichier compte 2\u202f999\u202f999 lignes" in page
    assert "100\u202f000 au plus sont acceptées" in page
    assert DirectoryImport.objects.count() == 0


def test_an_xlsx_within_the_limits_is_previewed(client, agent):
    response = upload(client, declared_xlsx("A1:C2"), name="offre.xlsx")
    batch = DirectoryImport.objects.get()
    assert response["Location"] == reverse("web:directory_import_preview", args=[batch.pk])
    assert batch.status == ImportStatus.PREVIEWED
    assert (batch.report["total"], batch.report["valid"]) == (1, 1)


@pytest.mark.parametrize("size", [2_000, 300_000])
def test_an_oversize_file_is_refused_with_a_french_message(client, agent, settings, size):
    """Over the limit: refused by the form, or before the body is even read (never a 500)."""
    settings.MAILLAGE_IMPORT_MAX_BYTES = 1_000
    response = upload(client, rows_csv(size // 30).encode()[:size])
    page = response.content.decode()
    assert response.status_code in (200, 413)
    assert "au plus sont acceptés. Découpez-le en plusieurs fichiers." in page
    assert DirectoryImport.objects.count() == 0


def test_a_csv_over_the_row_limit_is_refused_at_upload(client, agent, settings):
    settings.MAILLAGE_IMPORT_MAX_ROWS = 5
    response = upload(client, rows_csv(6).encode())
    assert "Le fichier compte 6 lignes de données : 5 au plus sont acceptées" in (
        response.content.decode()
    )
    assert DirectoryImport.objects.count() == 0
    assert upload(client, rows_csv(5).encode()).status_code == 302


def test_the_report_is_stored_once_and_the_preview_page_only_reads_it(
    client, agent, django_assert_max_num_queries
):
    response = upload(client, BAD.replace("06025", "06033").encode())
    batch = DirectoryImport.objects.get()
    assert batch.status == ImportStatus.PREVIEWED
    assert batch.report["total"] == 4 and batch.report["error_count"] == 2
    assert [e["line"] for e in batch.report["errors"]] == [3, 4]
    assert [s["label"] for s in batch.report["sample"]] == ["Crèche correcte", "Ludothèque"]
    preview_job = batch.job
    assert preview_job.status == JobStatus.DONE and preview_job.done == preview_job.total == 4
    # the stored file is gone: a page that parsed it again would fail
    batch.file.delete(save=False)
    with django_assert_max_num_queries(12):
        page = client.get(response["Location"]).content.decode()
    assert "type « garderie de nuit » inconnu" in page
    assert "Importer seulement les lignes valides (2)" in page
    assert "INVALID_TEMPLATE_VARIABLE" not in page


def test_the_page_polls_while_in_progress_and_reloads_when_done(client, agent):
    from maillage.accounts.models import Membership

    membership = Membership.objects.get(user=agent, organisation__slug="commune-06033")
    batch = DirectoryImport.objects.create(
        kind="structures",
        filename="offre.csv",
        organisation=membership.organisation,
        user=agent,
        file=SimpleUploadedFile("offre.csv", GOOD.encode()),
    )
    page = client.get(reverse("web:directory_import_preview", args=[batch.pk])).content.decode()
    status_url = reverse("web:directory_import_status", args=[batch.pk])
    assert f'hx-get="{status_url}"' in page and "rechargez cette page" in page
    fragment = client.get(status_url)
    assert "HX-Refresh" not in fragment and "Déposé" in fragment.content.decode()
    DirectoryImport.objects.filter(pk=batch.pk).update(status=ImportStatus.PREVIEWED)
    assert client.get(status_url)["HX-Refresh"] == "true"


def test_five_confirmations_import_once(client, agent):
    url = upload(client, GOOD.replace("06025", "06033").encode())["Location"]
    with TestCase.captureOnCommitCallbacks(execute=True):
        # five clicks before the worker picks the job up
        for _ in range(5):
            assert client.post(url, {"action": "import_all"}).status_code == 302
    for _ in range(5):  # and five more once it is done
        post(client, url, {"action": "import_all"})
    assert Structure.objects.count() == 3
    assert Job.objects.filter(kind="directory-import").count() == 1
    assert AuditEntry.objects.filter(action=AuditAction.IMPORT).count() == 1
    assert AuditEntry.objects.filter(action=AuditAction.CREATE).count() == 3
    batch = DirectoryImport.objects.get()
    assert batch.status == ImportStatus.IMPORTED and batch.finished_at is not None
    job = batch.job
    assert (job.kind, job.status, job.done, job.total) == ("directory-import", "done", 3, 3)
    page = client.get(url).content.decode()
    assert "Import terminé : 3 fiche(s) créée(s), 0 mise(s) à jour" in page


def test_a_cancelled_batch_cannot_be_imported(client, agent):
    url = upload(client, GOOD.replace("06025", "06033").encode())["Location"]
    post(client, url, {"action": "cancel"})
    post(client, url, {"action": "import_all"})
    assert Structure.objects.count() == 0
    assert DirectoryImport.objects.get().status == ImportStatus.CANCELLED


def test_rows_are_written_in_batches_with_progress(located_bassin):
    report = importers.check(rows_csv(5).encode(), "f.csv", "structures")
    seen = []
    with CaptureQueriesContext(connection) as queries:
        created, updated = importers.write_rows(
            "structures", report.valid_rows, progress=seen.append, chunk_size=2
        )
    assert (created, updated) == (5, 0)
    assert seen == [2, 4, 5]
    inserts = [q for q in queries if q["sql"].startswith('INSERT INTO "directory_structure"')]
    assert len(inserts) == 3  # one bulk insert per batch of two
    # a second pass updates by identifier, in batches too, and bumps the versions
    report = importers.check(
        rows_csv(5).replace("Structure", "Lieu").encode(), "f.csv", "structures"
    )
    assert importers.write_rows("structures", report.valid_rows, chunk_size=2) == (0, 5)
    assert set(Structure.objects.values_list("version", flat=True)) == {2}
    assert Structure.objects.filter(name__startswith="Lieu").count() == 5
    assert AuditEntry.objects.filter(action=AuditAction.UPDATE).count() == 5


# measured: 14 queries whatever the number of hits (no query per result)
QUERY_BUDGET = 14
N = 10


def test_directory_search_query_count_is_pinned(
    client, located_bassin, django_assert_max_num_queries
):
    from tests.directory.factories import ChildminderFactory, StructureFactory

    for code in ("06033", "06064", "06025"):
        StructureFactory.create_batch(N, commune=located_bassin[code])
        ChildminderFactory.create_batch(N, commune=located_bassin[code])
    with django_assert_max_num_queries(QUERY_BUDGET):
        response = client.get(
            reverse("web:directory_search"), {"commune": "Carros", "radius_km": 10}
        )
    assert response.status_code == 200 and response.context["searched"]


def test_a_stale_admin_save_is_refused(client, alice, located_bassin):
    from tests.directory.factories import StructureFactory

    structure = StructureFactory(name="Crèche d'origine", commune=located_bassin["06033"])
    client.force_login(alice)
    url = reverse("admin:directory_structure_change", args=[structure.pk])
    form = client.get(url).context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif value is not None and value is not False:
            data[name] = str(value) if not isinstance(value, bool) else "on"
    assert data["seen_version"] == "1"
    # someone else saves first (a second admin tab, an import)
    structure.name = "Crèche renommée ailleurs"
    save_if_unchanged(structure, 1, ["name"])
    data["name"] = "Ma saisie"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Quelqu&#x27;un d&#x27;autre a modifié cette fiche" in response.content.decode()
    assert "Ma saisie" in response.content.decode()  # what was typed is kept
    structure.refresh_from_db()
    assert structure.name == "Crèche renommée ailleurs"
    # with the current version the save goes through and bumps the version
    data["seen_version"] = "2"
    assert client.post(url, data).status_code == 302
    structure.refresh_from_db()
    assert (structure.name, structure.version) == ("Ma saisie", 3)


def test_errors_that_appear_after_the_preview_stop_the_import(client, agent):
    """The directory changed between the preview and the confirmation: nothing is written."""
    from maillage.accounts.models import Organisation
    from maillage.territories.models import Commune

    url = upload(client, GOOD.replace("06025", "06033").encode())["Location"]
    organisation = Organisation.objects.get(slug="commune-06033")
    organisation.communes.remove(Commune.objects.get(insee_code="06033"))
    post(client, url, {"action": "import_all"})
    assert Structure.objects.count() == 0
    batch = DirectoryImport.objects.get()
    assert batch.status == ImportStatus.FAILED and batch.job.status == JobStatus.FAILED
    page = client.get(url).content.decode()
    assert "Le fichier contient désormais des erreurs" in page
