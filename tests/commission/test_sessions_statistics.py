"""The proposal's statistics are computed once per run (and after each decision changed by the
commission) and kept on the run: a view of the proposal page reads only the page's rows.
Siblings asked together with no common wish are examined separately, and agents and the family
are told so."""

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from maillage.commission import explanations, letters, runs, sessions
from maillage.commission.models import Decision, Run, SessionEntry
from tests.applications.factories import HouseholdFactory
from tests.commission.session_world import (
    add_application,
    commission_fixture,  # noqa: F401
)

pytestmark = pytest.mark.django_db
BASE = "/commission/seances/carros-test/"
APART = "fratrie sans vœu commun : étudiée séparément"
# login session, user, memberships, second factor, operated territories, the commission
# session, the page's count and rows, the audit of the reads (one insert), the latest run (its
# stored statistics), the names of the page's structures: never the session's other entries
PROPOSAL_QUERIES = 11


@pytest.fixture
def world(commission):
    world = commission
    s1, s2 = world["s1"], world["s2"]
    for _ in range(3):
        add_application(world, wishes=[s1, s2])
    family = HouseholdFactory(territory=world["territory"], commune=world["carros"])
    world["elder"] = add_application(world, household=family, wishes=[s1], siblings_together=True)
    world["younger"] = add_application(world, household=family, wishes=[s2], siblings_together=True)
    summary = sessions.freeze(world["session"], world["agent"])
    world["warnings"] = summary["warnings"]
    world["session"].refresh_from_db()
    return world


def test_statistics_are_stored_with_the_run_and_after_an_override(world):
    session = world["session"]
    run, _output = runs.run_session(session, actor=world["agent"])
    run = Run.objects.get(pk=run.pk)
    stats = run.statistics
    assert stats["outcomes"]["placed"] + stats["outcomes"]["unplaced"] == 5
    assert stats["overridden"] == 0 and stats["siblings_apart"] == 2
    assert {row["name"] for row in stats["per_commune"]} == {"Carros"}
    assert stats == sessions.compute_statistics(session, run)
    unplaced = Decision.objects.filter(session=session, outcome="unplaced").first()
    sessions.override(
        unplaced, world["s3"], "Place adaptée demandée par la PMI.", actor=world["agent"]
    )
    after = Run.objects.get(pk=run.pk).statistics
    assert after["overridden"] == 1
    assert after["outcomes"]["placed"] == stats["outcomes"]["placed"] + 1
    assert after["per_structure"] == stats["per_structure"]


def test_the_proposal_page_reads_only_its_rows(world, client):
    session = world["session"]
    runs.run_session(session, actor=world["agent"])
    client.force_login(world["agent"])
    client.get(BASE + "proposition/")  # warm the per-process caches (site settings, menus)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(BASE + "proposition/")
    assert page.status_code == 200
    assert len(queries) == PROPOSAL_QUERIES, "\n".join(q["sql"] for q in queries)
    for query in queries:
        sql = query["sql"]
        if '"commission_sessionentry"' in sql and not sql.startswith(("INSERT", "UPDATE")):
            assert "LIMIT" in sql or "COUNT(" in sql, sql


def test_siblings_without_a_common_wish_are_said_to_be_examined_separately(world, client):
    session = world["session"]
    assert any("sans vœu commun" in warning for warning in world["warnings"])
    entries = SessionEntry.objects.filter(
        session=session, application__in=[world["elder"], world["younger"]]
    )
    assert [e.siblings_apart for e in entries] == [True, True]
    assert all(e.family_key == "" for e in entries)
    runs.run_session(session, actor=world["agent"])
    client.force_login(world["agent"])
    body = client.get(BASE + "proposition/").content.decode()
    assert body.count(APART) == 2
    assert "2 enfants de fratries demandées ensemble sans vœu commun, étudiés séparément" in body
    decision = Decision.objects.get(session=session, entry__application=world["elder"])
    detail = client.get(f"{BASE}decisions/{decision.pk}/").content.decode()
    assert APART in detail
    letter = letters.render_letter_html(decision)
    assert "mais ils n'avaient aucun vœu en commun" in letter
    assert "Leurs demandes ont donc été étudiées séparément" in letter
    detailed = render_to_string(
        "commission/letter_explanation_body.html", explanations.explanation_context(decision)
    )
    assert "leurs demandes ont été étudiées séparément" in detailed
    # an only child's letter says nothing of it
    other = (
        Decision.objects.filter(session=session)
        .exclude(entry__application__in=[world["elder"], world["younger"]])
        .exclude(outcome="excluded")
        .first()
    )
    assert "aucun vœu en commun" not in letters.render_letter_html(other)
