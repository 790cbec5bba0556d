"""Pages every public service owes, the register of processings and the user's own export."""

import io
import json
import os
import subprocess
import sys

import pytest
from django.urls import reverse

from maillage.accounts.enums import Role
from maillage.audit.models import AuditAction, AuditEntry
from maillage.core.processing import all_processings
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.audit.conftest import ensure_retention_parameters

OPERATOR = {
    "MAILLAGE_OPERATOR_NAME": "Caf des Alpes-Maritimes",
    "MAILLAGE_OPERATOR_ADDRESS": "62 route de Grenoble, 06200 Nice",
    "MAILLAGE_PUBLICATION_DIRECTOR": "Directrice de la Caf",
    "MAILLAGE_HOST_NAME": "Hébergeur Exemple SAS",
    "MAILLAGE_HOST_ADDRESS": "1 rue du Serveur, 75000 Paris",
    "MAILLAGE_DPO_CONTACT": "dpo@caf06.example",
    "MAILLAGE_ACCESSIBILITY_CONTACT": "accessibilite@caf06.example",
}


def test_every_page_footer_links_the_three_pages_with_these_texts(client, db):
    html = client.get(reverse("web:home")).content.decode()
    for name, text in [
        ("web:personal_data", "Données personnelles"),
        ("web:legal_notice", "Mentions légales"),
        ("web:accessibility", "Accessibilité"),
    ]:
        assert f'<a href="{reverse(name)}">{text}</a>' in html
    assert "Accessibilité</a> : non conforme" in html


@pytest.mark.parametrize("name", ["web:personal_data", "web:legal_notice", "web:accessibility"])
def test_pages_are_public_and_say_when_a_setting_is_missing(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert "non renseigné par l'exploitant" in response.content.decode()


def test_pages_show_the_operator_of_the_deployment(client, db, settings):
    ensure_retention_parameters()
    for key, value in OPERATOR.items():
        setattr(settings, key, value)
    notice = client.get(reverse("web:legal_notice")).content.decode()
    for key in ("NAME", "ADDRESS"):
        assert OPERATOR[f"MAILLAGE_OPERATOR_{key}"] in notice
    assert "Directrice de la Caf" in notice and "Hébergeur Exemple SAS" in notice
    assert "non renseigné" not in notice
    data = client.get(reverse("web:personal_data")).content.decode()
    assert "dpo@caf06.example" in data and "6-1-e" in data and "pas sur un consentement" in data
    # every declared processing is described, with the retention in force
    for processing in all_processings():
        assert processing.name.replace("'", "&#x27;") in data
    assert "Durée de conservation du journal d&#x27;audit : 12 mois" in data
    accessibility = client.get(reverse("web:accessibility")).content.decode()
    assert "accessibilite@caf06.example" in accessibility
    assert (
        "<strong>non conforme</strong>" in accessibility and "Défenseur des droits" in accessibility
    )


def test_accessibility_status_is_a_setting(client, db, settings):
    settings.MAILLAGE_ACCESSIBILITY_STATUS = "partiellement conforme"
    html = client.get(reverse("web:accessibility")).content.decode()
    assert "<strong>partiellement conforme</strong>" in html
    assert "Accessibilité</a> : partiellement conforme" in html


def test_an_unknown_accessibility_status_stops_the_start():
    env = {**os.environ, "MAILLAGE_ACCESSIBILITY_STATUS": "conforme à 80 %"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "MAILLAGE_ACCESSIBILITY_STATUS" in result.stderr and "non conforme" in result.stderr


def test_every_domain_declares_its_processings():
    keys = {p.key for p in all_processings()}
    assert {
        "directory-childminders",
        "accounts-users",
        "audit-trail",
        "observatory-statistics",
        "conventions-partners",
        "applications-guichet",
    } <= keys
    guichet = next(p for p in all_processings() if p.key == "applications-guichet")
    assert "6-1-e" in guichet.legal_basis and "handicap" in guichet.sensitive_data
    assert any("Quotient familial (facultatif" in c for c in guichet.data_categories)


def test_register_is_for_caf_administrators(client, alice, bruno, organisations):
    url = reverse("web:processing_register")
    assert client.get(url).status_code == 302
    client.force_login(bruno)
    assert client.get(url).status_code == 403
    assert client.get(reverse("web:processing_register_download")).status_code == 403
    # an administrator of the Caf without access to Django's admin reads it too
    caf_admin = UserFactory(email="admin-caf@maillage.example")
    MembershipFactory(user=caf_admin, organisation=organisations["caf"], role=Role.ADMIN)
    client.force_login(caf_admin)
    html = client.get(url).content.decode()
    assert "Guichet unique des demandes d&#x27;accueil du jeune enfant" in html
    # an administrator of a commune does not
    commune_admin = UserFactory(email="admin-carros@maillage.example")
    MembershipFactory(user=commune_admin, organisation=organisations["06033"], role=Role.ADMIN)
    client.force_login(commune_admin)
    assert client.get(url).status_code == 403


def test_register_download_is_a_word_document_and_is_audited(client, alice):
    from docx import Document

    client.force_login(alice)
    response = client.get(reverse("web:processing_register_download"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "Registre des activités de traitement" in text
    assert "Journal d'audit et journaux de sécurité" in text
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert entry.actor == alice and "registre" in entry.message


def test_a_user_downloads_their_own_data(client, bruno, organisations):
    from maillage.audit.services import record

    record(AuditAction.SWITCH, actor=bruno, obj=organisations["06064"])
    client.force_login(bruno)
    assert "Télécharger mes données" in client.get(reverse("web:my_space")).content.decode()
    assert client.get(reverse("web:my_data")).status_code == 405
    response = client.post(reverse("web:my_data"))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["compte"]["email"] == "bruno@maillage.example"
    assert {m["organisation"] for m in data["organisations"]} == {
        "Commune de Carros",
        "Commune de Gattières",
    }
    assert any(e["objet"] == "Commune de Gattières" for e in data["journal d'audit"])
    export = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert export.actor == bruno and export.object_id == str(bruno.pk)


def test_a_family_downloads_their_own_data(client, emma):
    client.force_login(emma)
    data = json.loads(client.post(reverse("web:my_data")).content)
    assert data["compte"]["kind"] == "family" and data["organisations"] == []
