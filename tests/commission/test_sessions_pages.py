import datetime

import pytest

from maillage.accounts.enums import Role
from maillage.audit.models import AuditAction, AuditEntry
from maillage.commission.enums import DecisionOutcome, SessionStatus
from maillage.commission.instance import structure_key
from maillage.commission.models import Decision, Session, SessionPlaces
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.commission.session_world import (
    add_application,
    commission_fixture,  # noqa: F401
)

pytestmark = pytest.mark.django_db
BASE = "/commission/seances/carros-test/"


@pytest.fixture
def agent_client(client, commission):
    client.force_login(commission["agent"])
    return client


def test_sessions_list_and_create(agent_client, commission):
    page = agent_client.get("/commission/seances/")
    assert page.status_code == 200 and "Commission de test" in page.content.decode()
    data = {
        "territory": commission["territory"].pk, "kind": "intermediate", "name": "",
        "date": "2027-01-20", "freeze_date": "", "reference_date": "2027-02-01",
        "entry_from": "2027-03-01", "entry_until": "2027-02-01",
    }  # fmt: skip
    bad = agent_client.post("/commission/seances/nouvelle/", data)
    assert bad.status_code == 400
    body = bad.content.decode()
    assert "La période d&#x27;entrée doit finir après son début." in body
    assert 'value="2027-01-20"' in body  # nothing typed is lost
    data["entry_until"] = "2027-06-30"
    response = agent_client.post("/commission/seances/nouvelle/", data)
    session = Session.objects.get(slug="bassin-de-vie-carros-2027-01-20")
    assert response.status_code == 302 and response["Location"].endswith(f"/{session.slug}/")
    assert session.kind == "intermediate" and session.freeze_date == datetime.date(2027, 1, 5)
    assert session.name == "Commission intermédiaire du 20/01/2027"


def test_places_freeze_run_proposal_override_validate(
    agent_client, commission, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    world = commission
    s1, s2 = world["s1"], world["s2"]
    with django_assert_max_num_queries(16):
        page = agent_client.get(BASE)
    assert page.status_code == 200 and "Places ouvertes (3)" in page.content.decode()
    with django_assert_max_num_queries(10):
        assert agent_client.get("/commission/seances/").status_code == 200
    bad = agent_client.post(BASE + "places/", {"structure": s1.pk, "age_group": "bebe",
                                               "places": "-1", "start_date": ""})  # fmt: skip
    assert bad.status_code == 400
    agent_client.post(BASE + "places/", {"structure": s2.pk, "age_group": "bebe", "places": "2",
                                         "start_date": ""})  # fmt: skip
    assert SessionPlaces.objects.get(session__slug="carros-test", structure=s2).places == 2
    for _ in range(4):
        add_application(world, wishes=[s1, s2])
    add_application(world, wishes=[s1], age_days=5 * 365)
    agent_client.post(BASE + "arreter/")
    session = Session.objects.get(slug="carros-test")
    assert session.status == SessionStatus.FROZEN and session.entries.count() == 5
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(BASE + "calcul/", {"method": "siblings"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.RUN
    status = agent_client.get(BASE + "calcul/etat/")
    assert status.status_code == 200 and status["HX-Refresh"] == "true"
    # the proposal: statistics and the decisions, each read audited
    before = AuditEntry.objects.filter(action=AuditAction.VIEW).count()
    with django_assert_max_num_queries(18):
        proposal = agent_client.get(BASE + "proposition/")
    body = proposal.content.decode()
    assert proposal.status_code == 200
    assert "Par commune de résidence" in body and "Âge hors des tranches" in body
    assert AuditEntry.objects.filter(action=AuditAction.VIEW).count() == before + 5
    unplaced = Decision.objects.filter(session=session, outcome=DecisionOutcome.UNPLACED).first()
    url = f"{BASE}decisions/{unplaced.pk}/"
    assert agent_client.get(url).status_code == 200
    refused = agent_client.post(url, {"structure": structure_key(s2.pk), "reason": ""})
    assert refused.status_code == 400
    assert "Écrivez le motif de la commission" in refused.content.decode()
    reason = "Place adaptée demandée par la PMI, accord de la commission."
    done = agent_client.post(url, {"structure": structure_key(s2.pk), "reason": reason})
    assert done.status_code == 302
    unplaced.refresh_from_db()
    assert unplaced.overridden and unplaced.structure == s2 and unplaced.override_reason == reason
    agent_client.post(BASE + "valider/")
    session.refresh_from_db()
    assert session.status == SessionStatus.VALIDATED and session.validated_run is not None
    # nothing more to run
    again = agent_client.post(BASE + "calcul/", {"method": "da"}, follow=True)
    assert "ne peut plus être recalculée" in again.content.decode()


def test_other_organisations_are_refused(client, commission, organisations):
    other = UserFactory(email="agent.broc@maillage.example")
    MembershipFactory(user=other, organisation=organisations["06025"], role=Role.AGENT)
    client.force_login(other)
    assert client.get("/commission/seances/").status_code == 403
    assert client.get(BASE).status_code == 403
    reader = UserFactory(email="lecteur@maillage.example")
    MembershipFactory(user=reader, organisation=commission["operator"], role=Role.READER)
    client.force_login(reader)
    assert client.get(BASE).status_code == 403
    client.force_login(commission["agent"])
    assert client.get("/commission/seances/inconnue/").status_code == 404


def test_a_structure_manager_declares_the_places_of_its_structures(client, commission):
    from maillage.accounts.enums import OrganisationKind
    from tests.accounts.factories import OrganisationFactory

    world = commission
    manager = OrganisationFactory(slug="gestionnaire-broc", kind=OrganisationKind.MANAGER)
    world["s3"].manager = manager
    world["s3"].save(update_fields=["manager"])
    user = UserFactory(email="directrice@maillage.example")
    MembershipFactory(user=user, organisation=manager, role=Role.ADMIN)
    client.force_login(user)
    listing = client.get("/commission/seances/")
    assert listing.status_code == 200 and "places-gestionnaire" in listing.content.decode()
    assert client.get(BASE).status_code == 403  # the proposal is for commission agents
    url = BASE + "places-gestionnaire/"
    page = client.get(url)
    assert page.status_code == 200 and "Crèche du Broc" in page.content.decode()
    assert "Maison de l&#x27;Enfance" not in page.content.decode()
    refused = client.post(url, {"structure": world["s1"].pk, "age_group": "bebe", "places": 3})
    assert refused.status_code == 400
    done = client.post(url, {"structure": world["s3"].pk, "age_group": "moyen", "places": 2})
    assert done.status_code == 302
    assert SessionPlaces.objects.get(structure=world["s3"], age_group="moyen").places == 2
