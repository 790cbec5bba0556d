"""The web import of an existing waiting list: agents of the guichet's operator only, limits
before parsing, stored line-numbered report, nothing written while errors remain unless the agent
asks for the valid rows only, idempotent confirmation, progress, re-import without duplicates."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase, override_settings

from maillage.applications.models import Application, ApplicationImport
from maillage.audit.models import AuditAction, AuditEntry
from maillage.core.imports import ImportStatus
from maillage.core.models import Job
from maillage.core.retention import purgers
from tests.applications.test_import import HEADER, csv_bytes, good_rows

URL = "/guichet/bassin-de-vie-carros/import/"


def upload(client, content, name="liste.csv"):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(URL, {"file": SimpleUploadedFile(name, content)})


def post(client, url, data):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data)


@pytest.fixture
def agent(client, bruno, password):
    client.login(email=bruno.email, password=password)
    return bruno


def test_page_explains_the_format_itself(client, guichet, agent):
    response = client.get(URL)
    text = response.content.decode()
    assert response.status_code == 200
    for column in HEADER:
        assert f"<code>{column}</code>" in text
    assert "EAJE-CARROS|12" in text and "reference;famille;enfant_prenom" in text
    assert "github" not in text.lower()


def test_only_the_operators_agents_import(client, guichet, charlie, organisations, password):
    from tests.accounts.factories import MembershipFactory, UserFactory

    client.login(email=charlie.email, password=password)
    assert client.get(URL).status_code == 403
    reader = UserFactory(password=password)
    MembershipFactory(user=reader, organisation=organisations["06033"], role="elected")
    client.login(email=reader.email, password=password)
    assert client.get(URL).status_code == 403


def test_good_file_previewed_then_imported_once_with_progress(client, guichet, agent):
    response = upload(client, csv_bytes(good_rows(guichet)))
    assert response.status_code == 302
    url = response["Location"]
    batch = ApplicationImport.objects.get()
    assert batch.status == ImportStatus.PREVIEWED
    assert (batch.report["rows"], batch.report["valid"], batch.report["error_count"]) == (3, 3, 0)
    assert Application.objects.count() == 0  # nothing written by the preview
    page = client.get(url).content.decode()  # the page reads the stored report (reload-safe)
    assert "Importer les 3 lignes" in page
    with TestCase.captureOnCommitCallbacks(execute=True):
        for _ in range(5):  # five clicks, one import
            client.post(url, {"action": "import"})
    assert Application.objects.count() == 3
    assert Job.objects.filter(kind="application-import").count() == 1
    batch.refresh_from_db()
    assert batch.status == ImportStatus.IMPORTED
    assert (batch.job.done, batch.job.total) == (3, 3)
    entry = AuditEntry.objects.get(action=AuditAction.IMPORT)
    assert entry.actor == agent and entry.organisation.slug == "commune-06033"
    assert "Import terminé : 3 demande(s) créée(s)" in client.get(url).content.decode()
    # re-import: updates, never duplicates
    rows = good_rows(guichet)
    rows[0][9] = "3"
    url = upload(client, csv_bytes(rows))["Location"]
    post(client, url, {"action": "import"})
    assert Application.objects.count() == 3
    assert Application.objects.get(external_reference="A-1").days_per_week == 3
    assert ApplicationImport.objects.latest("pk").report["updated"] == 1


def test_errors_block_the_import_unless_valid_rows_only_is_asked(client, guichet, agent):
    rows = good_rows(guichet)
    rows[1][4] = "31/02/2020"
    url = upload(client, csv_bytes(rows))["Location"]
    batch = ApplicationImport.objects.get()
    assert batch.report["valid"] == 2 and batch.report["error_lines"] == 1
    assert batch.report["errors"][0].startswith("Ligne 3, colonne « date_naissance » :")
    page = client.get(url).content.decode()
    assert "Ligne 3, colonne « date_naissance »" in page
    assert "Importer seulement les 2 lignes valides" in page
    response = post(client, url, {"action": "import"})
    assert Application.objects.count() == 0
    assert "rien n&#x27;est importé" in client.get(response["Location"]).content.decode()
    assert ApplicationImport.objects.get().status == ImportStatus.PREVIEWED
    post(client, url, {"action": "import_valid"})
    assert set(Application.objects.values_list("external_reference", flat=True)) == {"A-1", "A-3"}
    batch.refresh_from_db()
    assert batch.status == ImportStatus.IMPORTED and batch.valid_only
    assert batch.report["skipped"] == 1


@override_settings(MAILLAGE_IMPORT_MAX_ROWS=2)
def test_limits_are_checked_before_parsing(client, guichet, agent):
    response = upload(client, csv_bytes(good_rows(guichet)))
    assert response.status_code == 400
    assert "3 lignes de données" in response.content.decode()
    assert not ApplicationImport.objects.exists()


def test_xlsx_and_unreadable_files(client, guichet, agent):
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    for row in good_rows(guichet):
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    url = upload(client, out.getvalue(), name="liste.xlsx")["Location"]
    assert ApplicationImport.objects.get().report["valid"] == 3
    post(client, url, {"action": "import"})
    assert Application.objects.count() == 3
    response = upload(client, b"PK\x03\x04 pas un classeur", name="abime.xlsx")
    assert response.status_code == 400 and "illisible" in response.content.decode()
    assert ApplicationImport.objects.count() == 1


def test_another_organisations_batch_is_not_found(client, guichet, agent, charlie, password):
    url = upload(client, csv_bytes(good_rows(guichet)))["Location"]
    client.logout()
    client.login(email=charlie.email, password=password)
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "import"}).status_code == 404


def test_cancel_and_retention_purgers(client, guichet, agent):
    url = upload(client, csv_bytes(good_rows(guichet)))["Location"]
    post(client, url, {"action": "cancel"})
    post(client, url, {"action": "import"})
    assert Application.objects.count() == 0
    assert ApplicationImport.objects.get().status == ImportStatus.CANCELLED
    kinds = {p.kind for p in purgers()}
    assert {"application-import-files", "application-import-cancelled"} <= kinds
