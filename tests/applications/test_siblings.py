"""One sibling rule (`services.link_siblings`) for every path: the family's pages (test_family_reuse),
the API (`famille`), the waiting-list import (`famille`) and the counter (« pour un frère ou une
sœur », from the application of a sibling)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maillage.applications import importer, services
from maillage.applications.enums import Source, State
from maillage.applications.models import Application, Household
from maillage.audit.models import AuditAction, AuditEntry
from tests.applications.factories import ApplicationFactory, ChildFactory, HouseholdFactory
from tests.applications.test_api import URL, body, post, token_for
from tests.applications.test_import import csv_bytes, d, good_rows, run
from tests.applications.test_pages import form_data

COUNTER = "/guichet/bassin-de-vie-carros/au-guichet/"


def siblings_of(reference: str) -> set[str]:
    application = Application.objects.get(external_reference=reference)
    return set(application.siblings.values_list("external_reference", flat=True))


# --- the service -------------------------------------------------------------------------------


def test_link_siblings_links_the_other_children_of_the_household_only(guichet):
    household = HouseholdFactory(territory=guichet["territory"])
    first = ApplicationFactory(household=household, state=State.WAITING)
    second = ApplicationFactory(household=household, state=State.SUBMITTED)
    same_child = ApplicationFactory(household=household, child=first.child, state=State.WITHDRAWN)
    closed = ApplicationFactory(household=household, state=State.PLACED)
    other_family = ApplicationFactory(household=HouseholdFactory(territory=guichet["territory"]))
    linked = services.link_siblings(second)
    assert linked == {second.pk: [first.pk]}
    assert list(second.siblings.all()) == [first] and list(first.siblings.all()) == [second]
    assert not same_child.siblings.exists() and not closed.siblings.exists()
    assert not other_family.siblings.exists()
    services.link_siblings(second)  # idempotent
    assert second.siblings.count() == 1


def test_link_siblings_costs_the_same_queries_for_one_or_many(guichet):
    def families(n):
        made = []
        for _ in range(n):
            household = HouseholdFactory(territory=guichet["territory"])
            made += [
                ApplicationFactory(household=household),
                ApplicationFactory(household=household),
            ]
        return made

    one, many = families(1), families(20)
    with CaptureQueriesContext(connection) as few:
        services.link_siblings(*one)
    with CaptureQueriesContext(connection) as more:
        services.link_siblings(*many)
    assert len(more) == len(few) <= 3
    assert all(a.siblings.count() == 1 for a in many)


def test_prune_removes_the_links_to_another_household(guichet):
    household = HouseholdFactory(territory=guichet["territory"])
    a, b = ApplicationFactory(household=household), ApplicationFactory(household=household)
    services.link_siblings(a)
    moved_to = HouseholdFactory(territory=guichet["territory"])
    c = ApplicationFactory(household=moved_to)
    Application.objects.filter(pk=b.pk).update(household=moved_to)
    b.refresh_from_db()
    services.link_siblings(b, prune=True)
    assert list(b.siblings.all()) == [c] and not a.siblings.exists()


# --- the API: same `famille` ---------------------------------------------------------------


def test_api_links_the_children_of_one_famille_and_shows_fratrie(client, guichet, bruno):
    key = token_for("bruno@maillage.example")
    first = post(client, key, body(guichet, fratrie_ensemble=True)).json()
    assert first["fratrie"] == [] and first["fratrie_ensemble"] is True
    second = post(client, key, body(guichet, reference="PORTAIL-2", enfant_prenom="Tom",
                                    fratrie_ensemble="oui")).json()  # fmt: skip
    assert second["fratrie"] == [first["number"]] and second["fratrie_ensemble"] is True
    other = post(client, key, body(guichet, reference="PORTAIL-3", famille="FAM-2")).json()
    assert other["fratrie"] == []
    assert Household.objects.filter(external_reference="FAM-1").count() == 1
    again = client.get(f"{URL}{first['number']}/", HTTP_AUTHORIZATION=f"Token {key}").json()
    assert again["fratrie"] == [second["number"]]
    assert Application.objects.get(number=second["number"]).siblings_together


def test_api_fratrie_lists_only_the_siblings_the_organisation_sees(client, guichet, bruno, charlie):
    key = token_for("bruno@maillage.example")
    # Léa asks for the crèche of Le Broc, her brother does not
    lea = post(client, key, body(guichet, voeux=[guichet["le_broc"].pk])).json()
    tom = post(client, key, body(guichet, reference="PORTAIL-2", enfant_prenom="Tom")).json()
    assert tom["fratrie"] == [lea["number"]]
    charlie_key = token_for("charlie@maillage.example")  # Le Broc sees Léa only
    seen = client.get(f"{URL}{lea['number']}/", HTTP_AUTHORIZATION=f"Token {charlie_key}")
    assert seen.status_code == 200 and seen.json()["fratrie"] == []


def test_the_schema_documents_fratrie(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    post_doc = schema["paths"]["/api/v1/guichet/applications/"]["post"]
    assert "`fratrie`" in post_doc["description"]
    example = post_doc["responses"]["201"]["content"]["application/json"]["examples"]
    assert any("fratrie" in e["value"] for e in example.values())


# --- the waiting-list import: same `famille` ------------------------------------------------


def test_import_links_the_children_of_one_famille(guichet, tmp_path):
    code, summary = run(tmp_path, csv_bytes(good_rows(guichet)))
    assert code == 0 and summary["created"] == 3
    assert siblings_of("A-1") == {"A-2"} and siblings_of("A-2") == {"A-1"}
    assert siblings_of("A-3") == set()  # another famille
    assert Application.objects.get(external_reference="A-1").siblings_together


def test_import_links_across_batches_and_files_and_follows_a_change_of_famille(guichet, tmp_path):
    rows = good_rows(guichet)
    result = importer.check(csv_bytes(rows), "liste.csv", guichet["territory"])
    importer.write_valid_rows(
        result, guichet["territory"], actor=None, organisation=None, chunk_size=1
    )  # the twins of F-1 are written in two batches
    assert siblings_of("A-1") == {"A-2"}
    # a later file: a third child of F-1, and the expected baby moves from F-2 to F-1
    baby = rows[2][:]
    baby[1], baby[6], baby[13:16], baby[18:21] = "F-1", "06033", ["2", "non", "non"], [
        "850", "durand@exemple.fr", "06 12 34 56 78"]  # fmt: skip
    third = rows[0][:]
    third[0], third[2], third[7] = "A-4", "Zoé", d(-10)
    code, summary = run(tmp_path, csv_bytes([rows[0], rows[1], baby, third]))
    assert code == 0, summary
    assert (summary["created"], summary["updated"]) == (1, 1)
    assert siblings_of("A-4") == {"A-1", "A-2", "A-3"}
    assert siblings_of("A-3") == {"A-1", "A-2", "A-4"}
    # no link is left between two households
    for application in Application.objects.all():
        assert not application.siblings.exclude(household=application.household_id).exists()


def test_a_reimport_links_applications_imported_before_the_rule(guichet, tmp_path):
    run(tmp_path, csv_bytes(good_rows(guichet)))
    Application.siblings.through.objects.all().delete()  # as imported by an older version
    code, summary = run(tmp_path, csv_bytes(good_rows(guichet)))
    assert summary["unchanged"] == 3
    assert siblings_of("A-1") == {"A-2"}


# --- the counter: from the application of a brother or sister --------------------------------


@pytest.fixture
def lea(guichet):
    household = HouseholdFactory(
        territory=guichet["territory"], parent_first_name="Nadia", parent_last_name="Benali",
        email="benali@exemple.fr", phone="0611223344", other_children=1,
    )  # fmt: skip
    child = ChildFactory(household=household, first_name="Léa", last_name="Benali")
    return ApplicationFactory(household=household, child=child, state=State.WAITING,
                              wishes=[guichet["carros"]])  # fmt: skip


def test_counter_for_a_sibling_reuses_the_household_and_links(client, guichet, bruno, password,
                                                              lea):  # fmt: skip
    client.login(email=bruno.email, password=password)
    page = client.get(f"/guichet/file/{lea.number}/").content.decode()
    assert f"au-guichet/?fratrie={lea.number}" in page
    url = f"{COUNTER}?fratrie={lea.number}"
    reads = AuditEntry.objects.filter(action=AuditAction.VIEW).count()
    form = client.get(url)
    text = form.content.decode()
    assert form.status_code == 200
    assert "Demande pour un frère ou une sœur de Léa" in text and lea.number in text
    assert 'value="Nadia"' in text and 'value="benali@exemple.fr"' in text  # prefilled
    assert "Cette demande sera liée" in text
    entry = AuditEntry.objects.filter(action=AuditAction.VIEW).latest("id")
    assert AuditEntry.objects.filter(action=AuditAction.VIEW).count() == reads + 1
    assert "repris au guichet" in entry.message and "Benali" not in str(entry.changes)
    data = form_data(guichet, **{
        "foyer-parent_first_name": "Nadia", "foyer-parent_last_name": "Benali",
        "foyer-other_children": "2", "demande-first_name": "Sami",
        "demande-last_name": "Benali", "demande-siblings_together": "on",
        "contact-email": "benali@exemple.fr",
    })  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    sami = Application.objects.get(child__first_name="Sami")
    assert sami.source == Source.COUNTER and sami.state == State.SUBMITTED
    assert sami.household_id == lea.household_id and Household.objects.count() == 1
    assert Household.objects.get().other_children == 2
    assert sami.siblings_together
    assert list(sami.siblings.all()) == [lea] and list(lea.siblings.all()) == [sami]
    sheet = client.get(f"/guichet/file/{sami.number}/").content.decode()
    assert "Fratrie" in sheet and lea.number in sheet and "accueil ensemble seulement" in sheet


def test_counter_without_a_sibling_makes_a_new_household(client, guichet, bruno, password, lea):
    client.login(email=bruno.email, password=password)
    response = client.post(COUNTER, form_data(guichet, **{"demande-first_name": "Sami"}))
    assert response.status_code == 302
    sami = Application.objects.get(child__first_name="Sami")
    assert sami.household_id != lea.household_id and not sami.siblings.exists()


def test_counter_sibling_must_be_an_application_the_agent_instructs(
    client, guichet, bruno, charlie, password, lea, bassin
):
    client.login(email=bruno.email, password=password)
    assert client.get(f"{COUNTER}?fratrie=CAR-1999-00001").status_code == 404
    elsewhere = ApplicationFactory(household=HouseholdFactory())  # another territory
    assert client.get(f"{COUNTER}?fratrie={elsewhere.number}").status_code == 404
    client.logout()
    client.login(email=charlie.email, password=password)  # sees Léa? no: not the operator
    assert client.get(f"{COUNTER}?fratrie={lea.number}").status_code == 403
