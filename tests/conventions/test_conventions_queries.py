"""The action plan page asks the database a fixed number of times, however many actions the
convention has (it used to ask about three times more per action: the convention of each action
and the acting organisation's party were fetched again for every row)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from maillage.conventions.models import Action, attach_cross_references
from tests.conventions.factories import ActionFactory, IndicatorFactory, PerspectiveFactory

# Session, user, membership; the convention and the acting organisation's party (once); the
# axes with their perspectives and the parties, loaded once for the filters, the footer and the
# « ajouter » forms (the Caf's choice of leads); the communes; the actions with their leads,
# perspectives and axes; the codes of the fiches they cite and that cite them (one query on the
# references table); whether the plan is closed (adopted final evaluation, once per request).
PLAN_QUERIES = 13  # incl. one for the second-factor check of a logged-in person


def grow_plan(convention, organisations, total: int) -> None:
    """Actions in a perspective 1.3 until the convention has `total` (it has 2), led in turn by
    the Caf and the communes, each with an indicator and citing the previous one."""
    axis = convention.axes.get()
    axis.perspectives.filter(code="1.3").delete()
    perspective = PerspectiveFactory(axis=axis, code="1.3", title="Actions ajoutées")
    leads = [organisations[k] for k in ["caf", "06033", "06064", "06025"]]
    previous = None
    for n in range(total - 2):
        action = ActionFactory(
            perspective=perspective, code=f"1.3.{n + 1}", lead=leads[n % len(leads)], order=n
        )
        IndicatorFactory(convention=convention, action=action)
        if previous is not None:
            action.references.add(previous)
        previous = action


def plan_queries(client, convention) -> tuple[int, str]:
    # The first page after login saves the organisation acted for in the session: not counted.
    client.get(reverse("web:convention_plan", kwargs={"slug": convention.slug}))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("web:convention_plan", kwargs={"slug": convention.slug}))
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["alice", "bruno", "charlie"])
def test_the_plan_page_does_not_ask_more_for_more_actions(
    client, convention, organisations, persona, request
):
    client.force_login(request.getfixturevalue(persona))
    grow_plan(convention, organisations, 11)
    count_11, page = plan_queries(client, convention)
    assert "11 actions." in page
    grow_plan(convention, organisations, 31)
    count_31, page = plan_queries(client, convention)
    assert "31 actions." in page and "cf 1.3.28" in page
    assert count_11 == count_31 == PLAN_QUERIES


@pytest.mark.django_db
def test_cross_references_are_those_of_the_relation_in_its_order(convention, organisations):
    grow_plan(convention, organisations, 11)
    actions = list(Action.objects.of(convention))
    first, last = actions[2], actions[-1]
    last.references.add(first)  # a second citation of `first`, and a second citing `last`
    first.references.add(actions[5], last)
    attach_cross_references(actions)
    for action in actions:
        assert action.reference_codes == [a.code for a in action.references.all()]
        assert action.cited_by_codes == [a.code for a in action.referenced_by.all()]
    assert len(first.cited_by_codes) == 2 and len(first.reference_codes) == 2


@pytest.mark.django_db
def test_the_plan_page_query_budget(
    client, convention, organisations, bruno, django_assert_max_num_queries
):
    grow_plan(convention, organisations, 31)
    client.force_login(bruno)
    client.get(reverse("web:convention_plan", kwargs={"slug": convention.slug}))
    with django_assert_max_num_queries(PLAN_QUERIES):
        page = client.get(reverse("web:convention_plan", kwargs={"slug": convention.slug}))
    # Bruno (Carros) may update the actions Carros leads, and only those.
    content = page.content.decode()
    assert "Ajouter une fiche action" in content  # the « ajouter » forms are counted too
    carros_actions = 1 + len([n for n in range(29) if n % 4 == 1])  # 1.2.1 and every 4th
    assert content.count('#avancement">Mettre à jour</a>') == carros_actions


# Session, user, membership, second factor (2); the convention and the party; the calendar
# (meetings, bodies) and the bodies; the communes; the competence grid (items and what each
# commune exercises); the actions count; the documents; the clauses, the data-exchange clause
# (once for its three uses), parties, transitions, objectives, zones and their communes; the
# next convention (prepared or to prepare) and whether the plan is closed.
DETAIL_QUERIES = 22


@pytest.mark.django_db
def test_the_convention_page_query_budget(
    client, convention, organisations, bruno, django_assert_max_num_queries
):
    """The overview no longer builds the whole document (actions, indicators, equipment of the
    directory) to show the competence grid."""
    grow_plan(convention, organisations, 31)
    client.force_login(bruno)
    url = reverse("web:convention_detail", kwargs={"slug": convention.slug})
    client.get(url)
    with django_assert_max_num_queries(DETAIL_QUERIES):
        page = client.get(url)
    assert page.status_code == 200
    assert "31 fiches action" in page.content.decode()
