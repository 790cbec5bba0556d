"""Observatory pages: public and masked dashboard, commune sheet, maps, diagnostic access."""

import hashlib
import json

import pytest
from django.urls import reverse

from maillage.accounts.enums import Role
from maillage.audit.models import AuditAction, AuditEntry
from maillage.core.models import JobStatus
from maillage.observatory.enums import DiagnosticSection, EditionStatus
from maillage.observatory.models import DiagnosticComment, DiagnosticEdition
from tests.accounts.factories import MembershipFactory, UserFactory

INVALID = "INVALID_TEMPLATE_VARIABLE"


def login(client, user, password, organisation=None):
    assert client.login(email=user.email, password=password)
    if organisation is not None:
        client.post(reverse("web:switch_organisation"), {"organisation": organisation.pk})


def test_dashboard_is_public_with_sources_estimates_and_masking(client, demo_bassin):
    response = client.get(reverse("web:observatory_dashboard", args=["bassin-de-vie-carros"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert INVALID not in html
    for name in ("Carros", "Gattières", "Saint-Jeannet", "Le Broc"):
        assert name in html
    assert "Taux de bassin" in html
    assert "badge-estimated" in html
    assert "Source : " in html and "Estimation Maillage" in html
    assert "France hors Mayotte" in html and "Alpes-Maritimes" in html
    assert "<svg" in html and "role='img'" in html
    assert "leaflet.js" not in html  # Leaflet only on the map page
    # Saint-Jeannet's 3 childminder places are masked for the public
    assert "masqué" in html
    assert "2017" in html  # published rate of the convention in the trend


def test_acting_organisation_sees_its_small_counts(client, demo_bassin, organisations, password):
    user = UserFactory(email="agent.sj@maillage.example")
    MembershipFactory(user=user, organisation=organisations["06122"], role=Role.AGENT)
    login(client, user, password, organisations["06122"])
    response = client.get(reverse("web:observatory_commune", args=["06122"]))
    assert response.status_code == 200
    rows = [r for r in response.content.decode().split("<tr>") if "Assistants maternels</th>" in r]
    assert rows and ">3<" in rows[0].replace(" ", "")
    client.logout()
    public = client.get(reverse("web:observatory_commune", args=["06122"])).content.decode()
    rows = [r for r in public.split("<tr>") if "Assistants maternels</th>" in r]
    assert "masqué" in rows[0]


def test_commune_sheet_lists_figures_with_provenance(client, demo_bassin):
    response = client.get(reverse("web:observatory_commune", args=["06033"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert INVALID not in html
    assert "Population des quartiers prioritaires (QPV)" in html
    assert "CGET 2017" in html
    assert "Taux de couverture publié" in html
    assert client.get(reverse("web:observatory_commune", args=["00000"])).status_code == 404


def test_map_page_and_its_geojson(client, demo_bassin):
    page = client.get(reverse("web:observatory_maps", args=["bassin-de-vie-carros"]))
    html = page.content.decode()
    assert page.status_code == 200 and INVALID not in html
    assert "vendor/leaflet/leaflet.js" in html and "js/observatory.js" in html
    for theme in (
        "Petite enfance",
        "Enfance 3-11 ans",
        "Jeunesse",
        "Parentalité",
        "Animation de la vie sociale",
        "Accès aux droits",
    ):
        assert theme in html
    data = client.get(reverse("web:observatory_map_data", args=["bassin-de-vie-carros"])).json()
    communes = [f for f in data["features"] if f["properties"]["layer"] == "commune"]
    structures = [f for f in data["features"] if f["properties"]["layer"] == "structure"]
    assert len(communes) == 6 and communes[0]["geometry"]["type"] == "Polygon"
    assert {s["properties"]["theme"] for s in structures} == {
        "petite_enfance",
        "animation_vie_sociale",
    }


def test_diagnostic_needs_a_professional(client, demo_bassin, emma, password):
    url = reverse("web:observatory_diagnostic", args=["bassin-de-vie-carros"])
    response = client.get(url)
    assert response.status_code == 302 and "/connexion/" in response["Location"]
    login(client, emma, password)
    assert client.get(url).status_code == 403


def test_reader_sees_but_cannot_edit_commentary(client, demo_bassin, organisations, password):
    reader = UserFactory(email="lecteur@maillage.example")
    MembershipFactory(user=reader, organisation=organisations["caf"], role=Role.READER)
    login(client, reader, password)
    url = reverse("web:observatory_diagnostic", args=["bassin-de-vie-carros"])
    html = client.get(url).content.decode()
    assert "accueillent que les enfants" in html and "<textarea" not in html
    post = reverse("web:observatory_comment", args=["bassin-de-vie-carros", "offer"])
    assert client.post(post, {"offer-text": "Tentative"}).status_code == 403
    assert (
        client.post(reverse("web:observatory_generate", args=["bassin-de-vie-carros"])).status_code
        == 403
    )


def test_partner_edits_commentary_with_audit_and_keeps_text_on_error(
    client, demo_bassin, bruno, organisations, password
):
    organisations["06033"].territory_groups.add(demo_bassin["group"])  # Carros, named party
    login(client, bruno, password)
    url = reverse("web:observatory_comment", args=["bassin-de-vie-carros", "axes"])
    response = client.post(url, {"axes-text": "Créer un RPE intercommunal."})
    assert response.status_code == 302
    comment = DiagnosticComment.objects.get(section=DiagnosticSection.AXES)
    assert comment.text == "Créer un RPE intercommunal." and comment.updated_by == bruno
    entry = AuditEntry.objects.filter(action=AuditAction.UPDATE).latest("at")
    assert entry.changes["text"][1] == "Créer un RPE intercommunal."
    too_long = "x" * 10001
    response = client.post(url, {"axes-text": too_long})
    assert response.status_code == 400
    html = response.content.decode()
    assert "10 000 au plus" in html and too_long in html
    assert DiagnosticComment.objects.get(section=DiagnosticSection.AXES).text.startswith("Créer")


@pytest.mark.django_db
def test_generation_is_versioned_with_snapshot_hash(
    client, demo_bassin, bruno, organisations, password, django_capture_on_commit_callbacks
):
    organisations["06033"].territory_groups.add(demo_bassin["group"])  # Carros, named party
    login(client, bruno, password)
    generate = reverse("web:observatory_generate", args=["bassin-de-vie-carros"])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(generate).status_code == 302
    first = DiagnosticEdition.objects.get(number=1)
    assert first.status == EditionStatus.DONE, first.error
    assert first.job.status == JobStatus.DONE and first.job.percent == 100
    canonical = json.dumps(
        first.snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    assert first.snapshot_hash == hashlib.sha256(canonical.encode()).hexdigest()
    assert first.snapshot["comments"]["offer"]["text"].startswith("Sur l'ensemble")
    assert {c["code"] for c in first.snapshot["communes"]} == {
        "06033",
        "06064",
        "06066",
        "06065",
        "06025",
        "06122",
    }
    # a comment edited afterwards goes into the next edition only
    client.post(
        reverse("web:observatory_comment", args=["bassin-de-vie-carros", "offer"]),
        {"offer-text": "Nouvelle analyse de l'offre."},
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(generate)
    second = DiagnosticEdition.objects.get(number=2)
    assert second.snapshot_hash != first.snapshot_hash
    assert "Nouvelle analyse" in second.html and "Nouvelle analyse" not in first.html
    page = client.get(reverse("web:observatory_edition", args=["bassin-de-vie-carros", 1]))
    html = page.content.decode()
    assert INVALID not in html and first.snapshot_hash in html
    assert "Axes de développement prioritaires" in html and "Cartographie Parentalité" in html
    pdf = client.get(reverse("web:observatory_edition_pdf", args=["bassin-de-vie-carros", 2]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    status = client.get(reverse("web:observatory_edition_status", args=["bassin-de-vie-carros", 2]))
    assert (
        "hx-get" not in status.content.decode() and "Télécharger le PDF" in status.content.decode()
    )


def test_a_pending_edition_is_polled(client, demo_bassin, bruno, password):
    from maillage.observatory.diagnostic import new_edition

    edition = new_edition(demo_bassin["group"], bruno)
    login(client, bruno, password)
    html = client.get(
        reverse("web:observatory_edition_status", args=["bassin-de-vie-carros", edition.number])
    ).content.decode()
    assert 'hx-trigger="every 2s"' in html and 'role="status"' in html
    pdf = client.get(
        reverse("web:observatory_edition_pdf", args=["bassin-de-vie-carros", edition.number])
    )
    assert pdf.status_code == 302


def test_an_empty_territory_still_renders(client, db):
    from tests.territories.factories import TerritoryGroupFactory

    TerritoryGroupFactory(slug="vide", name="Territoire vide")
    page = client.get(reverse("web:observatory_dashboard", args=["vide"]))
    assert page.status_code == 200 and INVALID not in page.content.decode()
    assert client.get(reverse("web:observatory_maps", args=["vide"])).status_code == 200
    data = client.get("/api/v1/observatory/coverage/", {"territory": "vide"}).json()
    assert data["communes"] == [] and data["total"]["rate"] is None
