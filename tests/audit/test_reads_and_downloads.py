"""Reads of personal records and every download are recorded by the domain, once each."""

import pytest
from django.urls import reverse

from maillage.audit.models import AuditAction, AuditEntry
from maillage.observatory.enums import EditionStatus
from maillage.observatory.models import DiagnosticEdition
from tests.directory.factories import ChildminderFactory


@pytest.fixture
def secret(bassin):
    return ChildminderFactory(
        commune=bassin["06033"],
        first_name="Odile",
        last_name="Confidentielle",
        phone="06 12 34 56 78",
        email="odile@exemple.test",
    )


def reads_of(obj):
    return AuditEntry.objects.for_object(obj).filter(action=AuditAction.VIEW)


def test_agent_covering_the_commune_reads_the_contacts_and_the_read_is_recorded(
    client, secret, bruno, organisations
):
    client.force_login(bruno)  # acts for Carros
    page = client.get(reverse("web:directory_childminder", args=[secret.pk])).content.decode()
    assert "06 12 34 56 78" in page and "Confidentielle" in page
    [read] = reads_of(secret)
    assert read.actor_label == "bruno@maillage.example"
    assert read.organisation == organisations["06033"]
    assert read.changes == {"fields": ["address", "email", "last_name", "phone"]}
    assert "06 12" not in str(read.changes) and "Confidentielle" not in read.object_label


def test_public_and_outsiders_see_no_contacts_and_nothing_is_recorded(
    client, secret, charlie, emma
):
    url = reverse("web:directory_childminder", args=[secret.pk])
    assert "06 12 34 56 78" not in client.get(url).content.decode()
    for user in (charlie, emma):  # Le Broc does not cover Carros; a family
        client.force_login(user)
        assert "06 12 34 56 78" not in client.get(url).content.decode()
    assert not reads_of(secret).exists()


def test_open_data_download_is_recorded_once_without_actor(client, db):
    response = client.get(reverse("web:directory_export", args=["structures", "csv"]))
    assert response.status_code == 200
    [entry] = AuditEntry.objects.filter(action=AuditAction.EXPORT)
    assert entry.actor is None and entry.actor_label == "visiteur anonyme"
    assert entry.changes["dataset"] == "structures" and entry.changes["format"] == "csv"


def test_professional_download_is_recorded_with_actor(client, bruno, organisations):
    client.force_login(bruno)
    client.get(reverse("web:directory_export", args=["assistants-maternels", "xlsx"]))
    [entry] = AuditEntry.objects.filter(action=AuditAction.EXPORT)
    assert entry.actor == bruno and entry.organisation == organisations["06033"]
    assert client.get("/annuaire/export/autre.csv").status_code == 404
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT).count() == 1


def test_diagnostic_pdf_download_is_recorded(client, bruno, bassin, organisations):
    edition = DiagnosticEdition.objects.create(
        territory=bassin["group"], number=1, status=EditionStatus.DONE, pdf=b"%PDF-1.7 test"
    )
    client.force_login(bruno)
    response = client.get(
        reverse("web:observatory_edition_pdf", args=[bassin["group"].slug, edition.number])
    )
    assert response.content == b"%PDF-1.7 test"
    [entry] = AuditEntry.objects.for_object(edition).filter(action=AuditAction.EXPORT)
    assert entry.actor == bruno and entry.changes["format"] == "pdf"
