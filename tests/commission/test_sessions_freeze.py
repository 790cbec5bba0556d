import datetime
import json

import pytest
from django.utils import timezone

from maillage.applications.enums import State
from maillage.commission import sessions
from maillage.commission.allocation.canonical import sha256_of
from maillage.commission.allocation.validate import parse_instance
from maillage.commission.enums import Criterion, DecisionOutcome, ReserveKind, SessionStatus
from maillage.commission.instance import structure_key
from maillage.commission.models import Decision, Reserve, SessionEntry
from tests.applications.factories import HouseholdFactory
from tests.commission.factories import PointsGridFactory, SessionFactory
from tests.commission.session_world import (
    add_application,
    commission_fixture,  # noqa: F401
)
from tests.directory.factories import StructureFactory

pytestmark = pytest.mark.django_db


def _instance(session):
    session.refresh_from_db()
    return json.loads(session.instance)


def test_freeze_stores_entries_grid_and_canonical_instance(commission):
    world = commission
    s1, s2 = world["s1"], world["s2"]
    application = add_application(world, wishes=[s2, s1])
    summary = sessions.freeze(world["session"], world["agent"])
    session = world["session"]
    session.refresh_from_db()
    assert session.status == SessionStatus.FROZEN
    assert session.grid == world["grid"]
    assert summary["children"] == 1 and summary["entries"] == 1
    data = json.loads(session.instance)
    assert session.instance_sha256 == sha256_of(data)
    assert parse_instance(data).input_sha256 == session.instance_sha256
    [child] = data["children"]
    entry = SessionEntry.objects.get(session=session)
    assert entry.application == application and entry.child_key == "C000001" == child["id"]
    assert child["wishes"] == [structure_key(s2.pk), structure_key(s1.pk)] == entry.wishes
    assert child["age_group"] == "bebe" == entry.age_group
    # two working parents (20), residence in Carros at both structures (bonus 10)
    assert child["points"] == 20
    assert child["bonus"] == {structure_key(s1.pk): 10, structure_key(s2.pk): 10}
    assert child["application_date"] == application.registered_on.isoformat()
    assert [line["criterion"] for line in entry.points_detail] == ["all_parents_working"]
    assert entry.bonus[structure_key(s1.pk)][0]["criterion"] == "residence_commune"
    assert {s["id"]: s["capacity"] for s in data["structures"]}[structure_key(s1.pk)] == {"bebe": 1}
    # a second freeze is refused; a grid adopted later never applies
    with pytest.raises(sessions.SessionError):
        sessions.freeze(session, world["agent"])


def test_each_exclusion_has_its_reason(commission):
    world = commission
    s1, session = world["s1"], world["session"]
    outside = StructureFactory(name="Sans place")
    world["rules"].participating_structures.add(outside)
    cases = {
        "incomplete": add_application(world, wishes=[s1], state=State.SUBMITTED),
        "incomplete_late": add_application(
            world, wishes=[s1], completed_at=timezone.now() + datetime.timedelta(days=2)
        ),
        "not_born": add_application(world, wishes=[s1], age_days=-20, state=State.AWAITING_BIRTH),
        "outside_age_bands": add_application(world, wishes=[s1], age_days=5 * 365),
        "start_outside_window": add_application(
            world, wishes=[s1], desired_start=session.entry_until + datetime.timedelta(days=1)
        ),
        "no_wish_with_places": add_application(world, wishes=[outside]),
        "moyen_only_bebe_places": add_application(world, wishes=[s1], age_days=20 * 30),
        "kept": add_application(world, wishes=[s1]),
    }
    add_application(world, wishes=[s1], state=State.ARCHIVED)  # not on the list at all
    summary = sessions.freeze(session, world["agent"])
    by_app = {e.application_id: e for e in SessionEntry.objects.filter(session=session)}
    expected = {
        "incomplete": "incomplete",
        "incomplete_late": "incomplete",
        "not_born": "not_born",
        "outside_age_bands": "outside_age_bands",
        "start_outside_window": "start_outside_window",
        "no_wish_with_places": "no_wish_with_places",
        "moyen_only_bebe_places": "no_wish_with_places",
        "kept": "",
    }
    assert {name: by_app[a.pk].exclusion for name, a in cases.items()} == expected
    assert len(by_app) == len(cases)
    assert summary["children"] == 1
    assert summary["excluded"]["incomplete"] == 2
    # the age group at the reference date even when excluded for the window
    assert by_app[cases["start_outside_window"].pk].age_group == "bebe"
    data = _instance(session)
    assert [c["id"] for c in data["children"]] == [by_app[cases["kept"].pk].child_key]


def test_child_keys_follow_application_numbers(commission):
    world = commission
    late = add_application(world, wishes=[world["s1"]], number="CAR-2026-09999")
    early = add_application(world, wishes=[world["s1"]], number="CAR-2026-00001")
    sessions.freeze(world["session"])
    keys = dict(SessionEntry.objects.values_list("application_id", "child_key"))
    assert keys == {early.pk: "C000001", late.pk: "C000002"}


def test_siblings_together_become_a_joint_family(commission):
    world = commission
    s1, s2, s3 = world["s1"], world["s2"], world["s3"]
    household = HouseholdFactory(territory=world["territory"], commune=world["carros"])
    first = add_application(
        world, household=household, wishes=[s2, s3, s1], siblings_together=True,
        number="CAR-2026-00010",
    )  # fmt: skip
    second = add_application(
        world, household=household, wishes=[s1, s2], siblings_together=True,
        number="CAR-2026-00011",
    )  # fmt: skip
    alone = add_application(world, household=household, wishes=[s3], number="CAR-2026-00012")
    sessions.freeze(world["session"])
    data = _instance(world["session"])
    entries = {e.application_id: e for e in SessionEntry.objects.all()}
    [family] = data["families"]
    k1, k2 = entries[first.pk].child_key, entries[second.pk].child_key
    assert family["children"] == [k1, k2]
    # both children in the same structure, in the order of the first child's wishes
    key = structure_key
    assert family["joint_wishes"] == [[key(s2.pk)] * 2, [key(s1.pk)] * 2]
    assert entries[first.pk].family_key == entries[second.pk].family_key == family["id"]
    assert entries[first.pk].wishes == [key(s2.pk), key(s1.pk)]
    assert entries[alone.pk].family_key == ""


def test_siblings_without_a_common_wish_are_examined_separately(commission):
    world = commission
    household = HouseholdFactory(territory=world["territory"], commune=world["carros"])
    add_application(world, household=household, wishes=[world["s1"]], siblings_together=True)
    add_application(world, household=household, wishes=[world["s3"]], siblings_together=True)
    summary = sessions.freeze(world["session"])
    assert _instance(world["session"])["families"] == []
    assert "sans vœu commun" in summary["warnings"][0]


def test_radius_expands_into_wishes_by_distance(commission):
    world = commission
    s1, s2, s3 = world["s1"], world["s2"], world["s3"]
    application = add_application(world, wishes=[s3], radius_km=3)
    far = add_application(world, wishes=[s3], radius_km=20)
    sessions.freeze(world["session"])
    entries = {e.application_id: e for e in SessionEntry.objects.all()}
    key = structure_key
    # Le Broc first (ranked wish), then the Carros structures within 3 km, nearest first
    assert entries[application.pk].wishes == [key(s3.pk), key(s1.pk), key(s2.pk)]
    assert entries[far.pk].wishes == [key(s3.pk), key(s1.pk), key(s2.pk)]
    # the residence bonus applies to the structures added by distance too
    child = next(c for c in _instance(world["session"])["children"] if c["id"] == entries[
        application.pk].child_key)  # fmt: skip
    assert child["bonus"] == {key(s1.pk): 10, key(s2.pk): 10}


def test_reserves_in_force_and_child_tags_reach_the_instance(commission):
    world = commission
    s1, session = world["s1"], world["session"]
    Reserve.objects.create(
        structure=s1, age_group="bebe", kind=ReserveKind.INTEGRATION, places=3,
        valid_from=datetime.date(2025, 1, 1), reason="CASF L. 214-7",
    )  # fmt: skip
    Reserve.objects.create(
        structure=world["s2"], age_group="bebe", kind=ReserveKind.AVIP, places=1,
        valid_from=datetime.date(2020, 1, 1), valid_until=datetime.date(2021, 1, 1),
    )  # fmt: skip
    household = HouseholdFactory(
        territory=world["territory"], commune=world["carros"], integration_pathway=True
    )
    add_application(world, household=household, wishes=[s1])
    sessions.freeze(session)
    data = _instance(session)
    structures = {s["id"]: s for s in data["structures"]}
    [reserve] = structures[structure_key(s1.pk)]["reserved"]
    # never more reserved places than places open
    assert reserve["places"] == 1 and reserve["tag"] == "integration"
    assert reserve["release_if_unused"] is False
    assert "reserved" not in structures[structure_key(world["s2"].pk)]
    assert data["children"][0]["tags"] == ["integration", "avip"]


def test_sessions_passed_unplaced_count_for_seniority(commission):
    world = commission
    grid = PointsGridFactory(
        territory=world["territory"], valid_from=datetime.date(2025, 6, 1),
        lines={Criterion.SENIORITY_SESSION: 5},
    )  # fmt: skip
    application = add_application(world, wishes=[world["s1"]])
    earlier = SessionFactory(
        territory=world["territory"], slug="carros-avant", status=SessionStatus.PUBLISHED,
        date=world["session"].date - datetime.timedelta(days=100),
        freeze_date=world["session"].date - datetime.timedelta(days=120),
    )  # fmt: skip
    entry = SessionEntry.objects.create(session=earlier, application=application, child_key="C1")
    Decision.objects.create(session=earlier, entry=entry, outcome=DecisionOutcome.UNPLACED)
    sessions.freeze(world["session"])
    frozen = SessionEntry.objects.get(session=world["session"])
    world["session"].refresh_from_db()
    assert world["session"].grid == grid
    assert frozen.points_detail[0]["criterion"] == "seniority_session"
    assert frozen.points_detail[0]["units"] == 1 and float(frozen.points) == 5


def test_freeze_needs_a_grid_and_places(commission):
    world = commission
    world["grid"].delete()
    with pytest.raises(sessions.SessionError, match="grille"):
        sessions.freeze(world["session"])
    assert world["session"].status == SessionStatus.DRAFT


def test_declare_places_before_the_freeze_only(commission):
    world = commission
    session = world["session"]
    line = sessions.PlacesLine(world["s2"], "moyen", 4, None)
    sessions.declare_places(session, [line], actor=world["agent"])
    assert sessions.places_total(session) == 7
    with pytest.raises(sessions.SessionError, match="Tranche"):
        sessions.declare_places(session, [sessions.PlacesLine(world["s2"], "x", 1, None)])
    stranger = StructureFactory()
    with pytest.raises(sessions.SessionError, match="ne participe pas"):
        sessions.declare_places(session, [sessions.PlacesLine(stranger, "bebe", 1, None)])
    sessions.declare_places(session, [sessions.PlacesLine(world["s2"], "moyen", 0, None)])
    assert sessions.places_total(session) == 3
    add_application(world, wishes=[world["s1"]])
    sessions.freeze(session)
    with pytest.raises(sessions.SessionError, match="arrêtée"):
        sessions.declare_places(session, [line])


def test_create_session_derives_the_freeze_date_from_the_guichet(commission):
    world = commission
    date = datetime.date(2027, 4, 15)
    session = sessions.create_session(
        world["territory"], date=date, reference_date=datetime.date(2027, 9, 1),
        entry_from=datetime.date(2027, 8, 25), entry_until=datetime.date(2027, 12, 31),
        actor=world["agent"],
    )  # fmt: skip
    assert session.freeze_date == date - datetime.timedelta(days=15)
    assert session.slug == "bassin-de-vie-carros-2027-04-15"
    assert session.status == SessionStatus.DRAFT
    with pytest.raises(sessions.SessionError):
        sessions.create_session(
            world["territory"], date=date, reference_date=date,
            entry_from=datetime.date(2027, 9, 1), entry_until=datetime.date(2027, 8, 1),
        )  # fmt: skip


def test_a_second_freeze_on_a_stale_copy_is_refused_cleanly(commission):
    from maillage.commission.models import Session

    world = commission
    add_application(world, wishes=[world["s1"]])
    stale = Session.objects.get(pk=world["session"].pk)
    sessions.freeze(world["session"])
    with pytest.raises(sessions.SessionError, match="juste avant vous"):
        sessions.freeze(stale)
    assert SessionEntry.objects.filter(session=stale).count() == 1
