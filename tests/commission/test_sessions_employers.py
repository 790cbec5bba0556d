"""Employer reserves are filled: a parent works for an employer that reserves places (chosen
among the territory's employer reserves, recorded by the family or an agent, audited); at the
freeze the child gets the tag of that employer's reserves in the structures she wished; the run
fills the reserve; agents and the letter name the employer."""

import datetime

import pytest
from django.template.loader import render_to_string

from maillage.accounts.enums import UserKind
from maillage.audit.models import AuditEntry
from maillage.commission import employers, explanations, letters, runs, sessions
from maillage.commission.enums import EmployerSource, ReserveKind
from maillage.commission.instance import structure_key
from maillage.commission.models import Decision, EmployerReservation, Reserve, SessionEntry
from tests.accounts.factories import UserFactory
from tests.commission.session_world import (
    add_application,
    commission_fixture,  # noqa: F401
)

pytestmark = pytest.mark.django_db
EMPLOYER = "Hôpital de Carros"


@pytest.fixture
def reserve(commission):
    return Reserve.objects.create(
        structure=commission["s1"], age_group="bebe", kind=ReserveKind.EMPLOYER,
        employer=EMPLOYER, places=1, release_if_unused=False,
        valid_from=datetime.date(2020, 1, 1), reason="Convention de réservation",
    )  # fmt: skip


def test_the_choice_is_among_the_territory_employers_and_audited(commission, reserve):
    application = add_application(commission, wishes=[commission["s1"]])
    Reserve.objects.create(
        structure=commission["s2"], age_group="bebe", kind=ReserveKind.EMPLOYER,
        employer="Ancien employeur", places=1, valid_from=datetime.date(2020, 1, 1),
        valid_until=datetime.date(2021, 1, 1),
    )  # fmt: skip
    assert employers.employers_of(commission["territory"]) == [EMPLOYER]
    with pytest.raises(employers.EmployerError, match="Choisissez un employeur de la liste"):
        employers.set_employer(application, "Ancien employeur", source=EmployerSource.FAMILY)
    with pytest.raises(employers.EmployerError, match="Choisissez un employeur de la liste"):
        employers.set_employer(application, "Texte libre", source=EmployerSource.FAMILY)
    found = employers.set_employer(
        application, EMPLOYER, source=EmployerSource.AGENT, actor=commission["agent"]
    )
    assert found.employer == EMPLOYER and found.source == EmployerSource.AGENT
    entry = AuditEntry.objects.filter(object_id=str(application.pk)).latest("id")
    assert entry.message == "Employeur réservataire enregistré par un agent"
    assert "employer_reservation" in entry.changes
    count = AuditEntry.objects.count()
    employers.set_employer(application, EMPLOYER, source=EmployerSource.AGENT)  # no change
    assert AuditEntry.objects.count() == count
    assert employers.set_employer(application, "", source=EmployerSource.FAMILY) is None
    assert not EmployerReservation.objects.exists()


def test_freeze_tags_the_child_and_the_run_fills_the_reserve(commission, reserve):
    world = commission
    s1, s2 = world["s1"], world["s2"]
    # better ranked children who wish s1 (one place, reserved for the employer)
    for _ in range(2):
        add_application(world, wishes=[s1], registered_on=datetime.date(2020, 1, 1))
    worker = add_application(world, wishes=[s1], registered_on=datetime.date(2024, 1, 1))
    elsewhere = add_application(world, wishes=[s2], registered_on=datetime.date(2024, 1, 1))
    for application in (worker, elsewhere):
        employers.set_employer(application, EMPLOYER, source=EmployerSource.FAMILY)
    session = world["session"]
    sessions.freeze(session, world["agent"])
    session.refresh_from_db()
    tags = dict(SessionEntry.objects.filter(session=session).values_list("application", "tags"))
    assert tags[worker.pk] == [f"employer:{reserve.pk}"]
    assert tags[elsewhere.pk] == []  # no reserve of the employer in her wishes
    run, _output = runs.run_session(session, actor=world["agent"])
    decision = Decision.objects.get(session=session, entry__application=worker)
    assert decision.structure_id == s1.pk  # the employer's place, before better-ranked children
    run.refresh_from_db()
    (row,) = [r for r in run.statistics["reserves"] if r["tag"] == reserve.tag]
    assert row["filled"] == 1 and EMPLOYER in row["label"]
    # the letters name the employer: the child's detailed explanation, and the letter of a
    # better-ranked child who did not get the reserved place
    detailed = render_to_string(
        "commission/letter_explanation_body.html", explanations.explanation_context(decision)
    )
    assert (
        "places réservées suivantes : enfants des salariés de Hôpital de Carros, employeur qui a "
        "réservé ces places."
    ) in detailed
    assert (
        "L'employeur d'un parent, qui réserve des places dans le territoire : "
        "Hôpital de Carros" in detailed
    )
    other = Decision.objects.filter(session=session, outcome="unplaced").first()
    text = " ".join(letters.render_letter_html(other).split())
    assert (
        "la seule place des bébés était réservée aux enfants des salariés de Hôpital de Carros, "
        "employeur qui a réservé ces places (réserve stricte"
    ) in text
    assert EMPLOYER in letters.reserve_label(reserve.tag)
    assert letters.reserve_label("employer:999999") == (
        "enfants des salariés d'un employeur qui a réservé des places"
    )


def test_family_and_agent_record_it_on_the_application_pages(client, commission, reserve):
    world = commission
    family = UserFactory(email="parent@example.org", kind=UserKind.FAMILY)
    application = add_application(world, wishes=[world["s1"]])
    application.household.account = family
    application.household.save(update_fields=["account"])
    client.force_login(family)
    page = client.get(f"/guichet/mes-demandes/{application.number}/").content.decode()
    assert "Employeur réservataire" in page and EMPLOYER in page
    url = f"/guichet/mes-demandes/{application.number}/employeur/"
    bad = client.post(url, {"employer": "Autre"}, follow=True)
    assert "Choisissez un employeur de la liste" in bad.content.decode()
    done = client.post(url, {"employer": EMPLOYER})
    assert done.status_code == 302
    assert EmployerReservation.objects.get(application=application).source == "family"
    # another family cannot
    client.force_login(UserFactory(email="autre@example.org", kind=UserKind.FAMILY))
    assert client.post(url, {"employer": ""}).status_code == 404
    # the agent sees it, and can change it
    client.force_login(world["agent"])
    page = client.get(f"/guichet/file/{application.number}/").content.decode()
    assert f"Enregistré : <strong>{EMPLOYER}</strong> (la famille" in page
    response = client.post(f"/guichet/file/{application.number}/employeur/", {"employer": ""})
    assert response.status_code == 302 and not EmployerReservation.objects.exists()


def test_agents_see_the_employer_on_the_proposal(client, commission, reserve):
    world = commission
    application = add_application(world, wishes=[world["s1"]])
    employers.set_employer(application, EMPLOYER, source=EmployerSource.AGENT)
    sessions.freeze(world["session"], world["agent"])
    world["session"].refresh_from_db()
    runs.run_session(world["session"], actor=world["agent"])
    client.force_login(world["agent"])
    body = client.get("/commission/seances/carros-test/proposition/").content.decode()
    assert f"employeur réservataire : {EMPLOYER}" in body
    assert f"Places réservées par un employeur ({EMPLOYER})" in body
    decision = Decision.objects.get(session=world["session"], entry__application=application)
    detail = client.get(f"/commission/seances/carros-test/decisions/{decision.pk}/")
    assert f"un parent travaille pour {EMPLOYER}" in detail.content.decode()
    assert structure_key(world["s1"].pk) in decision.entry.wishes
