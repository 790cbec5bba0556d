"""Who reads which part of the audit trail: one's own organisation's actions only; the DPO the
whole trail they answer for; labels never leak what the reader could not open."""

import pytest
from django.urls import reverse

from maillage.accounts.enums import Role
from maillage.audit.models import AuditAction, AuditEntry
from maillage.audit.services import record
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.directory.factories import ChildminderFactory


@pytest.fixture
def trail(alice, bruno, organisations, bassin):
    """The Caf edits a non-consenting childminder; Carros records an action of its own."""
    secret = ChildminderFactory(
        commune=bassin["06033"], first_name="Odile", last_name="Confidentielle"
    )
    caf_entry = record(
        AuditAction.UPDATE,
        actor=alice,
        organisation=organisations["caf"],
        obj=secret,
        changes={"phone": ["06 00 00 00 00", "06 11 11 11 11"]},
        message="modification par la Caf",
    )
    carros_entry = record(
        AuditAction.UPDATE,
        actor=bruno,
        organisation=organisations["06033"],
        obj=secret,
        changes={"email": ["a@exemple.test", "b@exemple.test"]},
        message="modification par Carros",
    )
    system_entry = record(AuditAction.EXPORT, message="export anonyme")
    return {
        "secret": secret,
        "caf": caf_entry,
        "carros": carros_entry,
        "system": system_entry,
    }


@pytest.fixture
def elected(organisations):
    user = UserFactory(email="elu@carros.example", first_name="Élu")
    MembershipFactory(user=user, organisation=organisations["06033"], role=Role.ELECTED)
    return user


def test_commune_workspace_shows_only_the_own_organisation_trail(client, trail, elected):
    client.force_login(elected)
    page = client.get(reverse("web:commune_workspace", args=["06033"])).content.decode()
    assert "alice@maillage.example" not in page  # the Caf's staff
    assert "Confidentielle" not in page  # the full name of a non-consenting childminder
    assert "Odile C." in page  # her public name only
    entries = list(client.get(reverse("web:commune_workspace", args=["06033"])).context["audit"])
    assert trail["carros"] in entries and trail["caf"] not in entries
    assert trail["system"] not in entries


def test_sensitive_changes_keep_field_names_only(trail):
    assert trail["caf"].changes == {"fields": ["phone"]}
    assert "06 11" not in str(trail["caf"].changes)
    assert trail["caf"].object_label == "Odile C. (Carros)"


def test_visible_to_by_role(trail, alice, bruno, dora, organisations):
    caf_admin = alice.memberships.get()
    carros_agent = bruno.memberships.get(organisation=organisations["06033"])
    dpo = dora.memberships.get()
    assert set(AuditEntry.objects.visible_to(carros_agent)) == {trail["carros"]}
    assert set(AuditEntry.objects.visible_to(caf_admin)) == {trail["caf"]}
    everything = set(AuditEntry.objects.visible_to(dpo))
    assert {trail["caf"], trail["carros"], trail["system"]} <= everything
    assert AuditEntry.objects.visible_to(None).count() == 0


def test_dpo_of_a_commune_reads_its_organisation_and_services(trail, organisations, bassin):
    from tests.accounts.factories import OrganisationFactory

    service = OrganisationFactory(
        slug="ccas-carros", name="CCAS de Carros", parent=organisations["06033"]
    )
    service_entry = record(AuditAction.CREATE, organisation=service, message="CCAS")
    user = UserFactory(email="dpo@carros.example")
    dpo = MembershipFactory(user=user, organisation=organisations["06033"], role=Role.DPO)
    assert set(AuditEntry.objects.visible_to(dpo)) == {trail["carros"], service_entry}


def test_trail_page_is_for_admins_and_dpos(client, trail, bruno, elected, alice, dora):
    url = reverse("web:audit_trail")
    for user in (bruno, elected):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.force_login(alice)
    response = client.get(url)
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [trail["caf"]]
    client.force_login(dora)
    response = client.get(url)
    assert {trail["caf"], trail["carros"], trail["system"]} <= set(response.context["page"])
    assert "délégué·e à la protection des données" in response.content.decode()


def test_trail_page_records_one_read_per_page_not_per_row(client, dora, organisations):
    for i in range(60):
        record(AuditAction.EXPORT, organisation=organisations["06033"], message=f"export {i}")
    client.force_login(dora)
    before = AuditEntry.objects.filter(action=AuditAction.VIEW).count()
    response = client.get(reverse("web:audit_trail"), {"action": "export", "page": 2})
    assert response.status_code == 200
    page = response.context["page"]
    assert page.number == 2 and len(page.object_list) == 10
    reads = AuditEntry.objects.filter(action=AuditAction.VIEW)
    assert reads.count() == before + 1
    read = reads.first()
    assert read.actor_label == "dora@maillage.example"
    assert read.organisation == organisations["caf"]
    assert read.changes["page"] == 2 and read.changes["rows"] == 10
    assert read.changes["filters"] == {"action": "export"}


def test_trail_page_filters_keep_a_french_error(client, alice):
    client.force_login(alice)
    response = client.get(
        reverse("web:audit_trail"), {"date_from": "2026-05-02", "date_until": "2026-05-01"}
    )
    assert "La date de fin précède la date de début." in response.content.decode()
    assert 'value="2026-05-02"' in response.content.decode()


def test_actor_label_outlives_the_account(organisations):
    user = UserFactory(email="parti@maillage.example")
    entry = record(AuditAction.UPDATE, actor=user, organisation=organisations["caf"])
    user.delete()
    entry.refresh_from_db()
    assert entry.actor is None and entry.actor_display == "parti@maillage.example"


def test_anonymous_request_is_labelled(rf, db):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/")
    request.user = AnonymousUser()
    assert record(AuditAction.EXPORT, request=request).actor_label == "visiteur anonyme"
