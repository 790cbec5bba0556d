"""Simulating a draft grid on the current queue: who would gain or lose, per age group, before
adopting it — computed by the worker, shown without names."""

import datetime

import pytest

from maillage.applications.enums import State
from maillage.audit.models import AuditAction, AuditEntry
from maillage.commission import grids
from maillage.commission.models import GridCriterion
from tests.commission import grid_fixtures
from tests.commission.factories import SessionFactory
from tests.commission.grid_fixtures import TODAY, waiting

commission = grid_fixtures.commission

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(commission):
    """Three babies and one older child waiting; one application outside the queue."""
    return {
        # 20 (all parents working: single parent) + 15 (single) + seniority
        "single": waiting(commission, single_parent=True, parents_working=1),
        # 15 (integration pathway) + seniority
        "insertion": waiting(commission, integration_pathway=True, parents_working=0),
        # 20 (both parents working) + seniority
        "working": waiting(commission, parents_working=2),
        "older": waiting(commission, parents_working=2, age_days=800),
        "submitted": waiting(commission, state=State.SUBMITTED, integration_pathway=True),
    }


def _draft_with_integration_at(commission, bruno, points):
    draft = grids.create_draft(commission["territory"], actor=bruno)
    GridCriterion.objects.filter(grid=draft, criterion="integration_pathway").update(points=points)
    return draft


def test_simulation_ranks_per_age_group_before_and_after(commission, queue, bruno):
    draft = _draft_with_integration_at(commission, bruno, 40)
    result = grids.simulate(draft)
    assert result["base"] == 1 and result["grid"] == draft.version
    assert result["count"] == 4  # the submitted application is not in the queue
    groups = {g["code"]: g for g in result["groups"]}
    assert groups["bebe"]["count"] == 3 and groups["moyen"]["count"] == 1
    assert groups["bebe"]["gain"] == 1 and groups["bebe"]["lose"] == 2
    assert groups["bebe"]["max_gain"] == 2
    rows = {r["number"]: r for r in result["rows"]}
    insertion = rows[queue["insertion"].number]
    assert (insertion["rank_before"], insertion["rank_after"], insertion["move"]) == (3, 1, 2)
    assert insertion["after"] - insertion["before"] == 25
    assert rows[queue["single"].number]["move"] == -1
    assert queue["older"].number not in rows  # nothing changes for her
    assert result["signature"] == grids.lines_signature(draft)
    # no names in the result, only numbers
    text = repr(result)
    for application in queue.values():
        assert application.child.first_name not in text
        assert application.household.parent_last_name not in text


def test_ages_are_taken_at_the_next_session_reference_date(commission, queue, bruno):
    SessionFactory(
        territory=commission["territory"],
        reference_date=TODAY + datetime.timedelta(days=400),
        date=TODAY + datetime.timedelta(days=30),
    )
    result = grids.simulate(_draft_with_integration_at(commission, bruno, 40))
    groups = {g["code"]: g["count"] for g in result["groups"]}
    # 200 days old today: about 20 months at the reference date (« moyen »); 800 days: « grand »
    assert groups == {"moyen": 3, "grand": 1}


def test_simulation_reads_the_queue_in_a_bounded_number_of_queries(
    commission, bruno, django_assert_max_num_queries
):
    for index in range(30):
        waiting(commission, parents_working=index % 3, single_parent=index % 4 == 0,
                wishes=[commission["carros"], commission["le_broc"]])  # fmt: skip
    draft = _draft_with_integration_at(commission, bruno, 40)
    with django_assert_max_num_queries(14):
        result = grids.simulate(draft)
    assert result["count"] == 30


def test_simulation_runs_as_a_job_from_the_page(
    client, commission, queue, bruno, password, django_capture_on_commit_callbacks
):
    draft = _draft_with_integration_at(commission, bruno, 40)
    client.login(email=bruno.email, password=password)
    url = f"/commission/bassin-de-vie-carros/grilles/{draft.version}/simulation/"
    assert "Lancer la simulation" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302 and response["Location"] == url
    job = grids.latest_simulation(draft)
    assert job.status == "done"
    page = client.get(url).content.decode()
    assert queue["insertion"].number in page
    assert "+2 ↑" in page
    assert queue["insertion"].child.first_name not in page
    status = client.get(url + "etat/")
    assert status["HX-Refresh"] == "true"
    assert AuditEntry.objects.filter(
        action=AuditAction.VIEW, object_type="commission.pointsgrid", object_id=str(draft.pk)
    ).exists()
    # once the draft changes, the page says the simulation is stale
    GridCriterion.objects.filter(grid=draft, criterion="single_parent").update(points=1)
    assert "a changé depuis cette simulation" in client.get(url).content.decode()


def test_an_adopted_grid_is_not_simulated(client, commission, bruno, password):
    client.login(email=bruno.email, password=password)
    url = "/commission/bassin-de-vie-carros/grilles/1/simulation/"
    assert "seul un projet se simule" in client.get(url).content.decode()
    response = client.post(url, follow=True)
    assert "ne change plus" in response.content.decode()
    assert grids.latest_simulation(commission["grid"]) is None
