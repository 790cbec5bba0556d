"""Rights of the data subject for a childminder: export, rectification, erasure by an agent."""

import csv
import io
import json

import pytest
from django.urls import reverse

from maillage.audit.models import AuditAction, AuditEntry
from maillage.audit.services import record
from maillage.directory.models import Childminder
from tests.directory.factories import AvailabilityFactory, ChildminderFactory


@pytest.fixture
def nadia(bassin):
    childminder = ChildminderFactory(
        first_name="Nadia", last_name="Roux", commune=bassin["06033"], email="nadia@exemple.test",
        phone="06 11 22 33 44", agreement_number="AG-2024-17", contact_consent=True,
    )  # fmt: skip
    AvailabilityFactory(childminder=childminder, places=2, note="Mercredis libres")
    return childminder


def _fields(nadia):
    return {
        "first_name": nadia.first_name,
        "last_name": nadia.last_name,
        "address": nadia.address,
        "phone": nadia.phone,
        "email": nadia.email,
        "contact_consent": "on",
        "agreement_number": nadia.agreement_number,
        "agreement_places": nadia.agreement_places,
        "agreement_age_min_months": nadia.agreement_age_min_months,
        "agreement_age_max_months": nadia.agreement_age_max_months,
        "is_active": "on",
        "version": nadia.version,
    }


@pytest.mark.parametrize("name", ["data", "edit", "erase"])
def test_only_agents_covering_her_commune_reach_her_data(client, nadia, bruno, charlie, emma, name):
    url = reverse(f"web:directory_childminder_{name}", args=[nadia.pk])
    assert client.get(url).status_code == 302  # anonymous: login
    client.force_login(charlie)  # Le Broc
    assert client.get(url).status_code == 403
    client.force_login(emma)
    assert client.get(url).status_code == 403
    client.force_login(bruno)  # Carros
    assert client.get(url).status_code == 200


def test_export_includes_record_availability_history_and_audit_entries(client, nadia, bruno):
    record(AuditAction.VIEW, actor=bruno, obj=nadia, changes={"fields": ["phone"]})
    client.force_login(bruno)
    url = reverse("web:directory_childminder_export", args=[nadia.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, {"format": "json"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["fiche"]["prénom"] == "Nadia" and data["fiche"]["téléphone"] == "06 11 22 33 44"
    assert data["disponibilités"][0]["places disponibles"] == 2
    assert data["journal d'audit"][0]["champs"] == ["fields"]
    export = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert export.object_id == str(nadia.pk) and "06 11 22 33 44" not in json.dumps(export.changes)
    rows = list(
        csv.reader(
            io.StringIO(client.post(url, {"format": "csv"}).content.decode("utf-8-sig")),
            delimiter=";",
        )
    )
    assert ["fiche", "", "nom", "Roux"] in rows
    assert ["disponibilité", "1", "précisions", "Mercredis libres"] in rows
    assert client.post(url, {"format": "pdf"}).status_code == 404


def test_rectification_records_field_names_only(client, nadia, bruno):
    client.force_login(bruno)
    url = reverse("web:directory_childminder_edit", args=[nadia.pk])
    response = client.post(url, {**_fields(nadia), "phone": "04 93 00 00 00"})
    assert response.status_code == 302
    nadia.refresh_from_db()
    assert nadia.phone == "04 93 00 00 00" and nadia.version == 2
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE)
    assert entry.changes == {"fields": ["phone"]}
    assert entry.organisation.name == "Commune de Carros"


def test_rectification_after_someone_else_saved_keeps_what_was_typed(client, nadia, bruno):
    client.force_login(bruno)
    url = reverse("web:directory_childminder_edit", args=[nadia.pk])
    stale = _fields(nadia)
    assert client.post(url, {**stale, "email": "autre@exemple.test"}).status_code == 302
    response = client.post(url, {**stale, "phone": "04 93 11 11 11"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Quelqu&#x27;un d&#x27;autre a modifié cette fiche" in html and "04 93 11 11 11" in html
    nadia.refresh_from_db()
    assert nadia.email == "autre@exemple.test" and nadia.phone == "06 11 22 33 44"


def test_rectification_refuses_bad_input_in_french(client, nadia, bruno):
    client.force_login(bruno)
    url = reverse("web:directory_childminder_edit", args=[nadia.pk])
    response = client.post(
        url, {**_fields(nadia), "email": "pas-une-adresse", "agreement_age_min_months": 60,
              "agreement_age_max_months": 12},
    )  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200
    assert "Saisissez une adresse électronique valide." in html
    assert "L&#x27;âge maximal doit être supérieur à l&#x27;âge minimal." in html


def test_erasure_anonymises_and_keeps_what_counts(client, nadia, bruno):
    client.force_login(bruno)
    url = reverse("web:directory_childminder_erase", args=[nadia.pk])
    response = client.post(url, {"version": nadia.version, "reason": "opposition"})
    assert response.status_code == 200 and "Cochez la case" in response.content.decode()
    response = client.post(url, {"version": nadia.version, "reason": "opposition", "confirm": "on"})
    assert response.status_code == 302
    nadia.refresh_from_db()
    assert "Nadia" not in str(nadia) and "Roux" not in str(nadia)
    assert (nadia.phone, nadia.email, nadia.address, nadia.agreement_number) == ("", "", "", "")
    assert not nadia.is_active and not nadia.contact_consent and nadia.latitude is None
    # aggregated counts still see her agreement and her declaration, without its note
    assert nadia.commune.name == "Carros" and nadia.agreement_places == 4
    assert list(nadia.availabilities.values_list("places", "note")) == [(2, "")]
    entry = AuditEntry.objects.get(action=AuditAction.ERASE)
    assert "phone" in entry.changes["fields"] and "availability.note" in entry.changes["fields"]
    assert "opposition" in entry.message and "Roux" not in entry.message
    # she is gone from the public directory
    client.logout()
    assert client.get(reverse("web:directory_childminder", args=[nadia.pk])).status_code == 404
    assert Childminder.objects.active().filter(pk=nadia.pk).count() == 0


def test_public_page_links_agents_to_her_data(client, nadia, bruno, charlie):
    url = reverse("web:directory_childminder", args=[nadia.pk])
    data_url = reverse("web:directory_childminder_data", args=[nadia.pk])
    client.force_login(charlie)
    assert data_url not in client.get(url).content.decode()
    client.force_login(bruno)
    assert data_url in client.get(url).content.decode()


def test_opening_her_record_is_recorded_as_a_read(client, nadia, bruno):
    client.force_login(bruno)
    client.get(reverse("web:directory_childminder_data", args=[nadia.pk]))
    client.get(reverse("web:directory_childminder_edit", args=[nadia.pk]))
    reads = AuditEntry.objects.filter(action=AuditAction.VIEW, object_id=str(nadia.pk))
    assert reads.count() == 2
    assert all("phone" in e.changes["fields"] for e in reads)
    assert all("06 11 22 33 44" not in json.dumps(e.changes) for e in reads)


def test_withdrawing_consent_moves_her_public_location_to_the_commune(client, nadia, bruno):
    nadia.commune.latitude, nadia.commune.longitude = 43.78, 7.18
    nadia.commune.save()
    nadia.latitude, nadia.longitude, nadia.coordinates_precision = 43.7801, 7.1802, "address"
    nadia.save()
    client.force_login(bruno)
    fields = _fields(nadia)
    del fields["contact_consent"]
    client.post(reverse("web:directory_childminder_edit", args=[nadia.pk]), fields)
    nadia.refresh_from_db()
    assert not nadia.contact_consent
    assert (nadia.latitude, nadia.longitude, nadia.coordinates_precision) == (
        43.78,
        7.18,
        "commune",
    )
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE)
    assert entry.changes == {
        "fields": ["contact_consent", "coordinates_precision", "latitude", "longitude"]
    }


def test_commune_workspace_lists_her_record_for_agents_only(client, nadia, bruno, organisations):
    from maillage.accounts.enums import Role
    from tests.accounts.factories import MembershipFactory, UserFactory

    url = reverse("web:commune_workspace", args=["06033"])
    data_url = reverse("web:directory_childminder_data", args=[nadia.pk])
    client.force_login(bruno)
    assert data_url in client.get(url).content.decode()
    elected = UserFactory(email="elu-carros@maillage.example")
    MembershipFactory(user=elected, organisation=organisations["06033"], role=Role.ELECTED)
    client.force_login(elected)
    html = client.get(url).content.decode()
    assert "Espace de travail" in html and data_url not in html
