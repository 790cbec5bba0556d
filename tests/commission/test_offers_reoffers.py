"""Re-offers follow the last published ranking: points plus bonus at the structure, ties by
application date then child id; reserves first to an eligible child; a joint family only with
both places; never to a child placed at a wish she prefers."""

import datetime

import pytest

from maillage.applications.enums import State
from maillage.applications.models import Application
from maillage.commission import offers
from maillage.commission.enums import OfferStatus
from maillage.commission.models import Offer
from tests.commission.offer_world import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(bassin, organisations):
    return World(bassin, organisations)


def publish(world, placed):
    world.freeze()
    for entry, structure in placed:
        world.place(entry, structure)
    offers.publish(world.session, None)


def refuse_first(world, entry):
    offers.refuse(Offer.objects.get(application=entry.application), actor=None)


def reoffered(entry):
    return Offer.objects.filter(application=entry.application, status=OfferStatus.OPEN).first()


def test_points_plus_bonus_decide(world):
    a = world.child(50, [world.s1])
    b = world.child(20, [world.s1], bonus={world.s1: 15})  # 35 at s1
    c = world.child(30, [world.s1])
    publish(world, [(a, world.s1)])
    refuse_first(world, a)
    offer = reoffered(b)
    assert offer is not None and reoffered(c) is None
    assert offer.reoffer_reason["score"] == 35.0 and offer.reoffer_reason["bonus"] == 15.0


def test_tie_break_application_date_then_child_id(world):
    a = world.child(50, [world.s1])
    late = world.child(30, [world.s1], date=datetime.date(2025, 6, 1))
    early = world.child(30, [world.s1], date=datetime.date(2025, 3, 1))
    publish(world, [(a, world.s1)])
    refuse_first(world, a)
    assert reoffered(early) is not None and reoffered(late) is None


def test_tie_on_date_goes_to_the_smaller_child_id(world):
    a = world.child(50, [world.s1])
    first = world.child(30, [world.s1], date=datetime.date(2025, 3, 1))
    second = world.child(30, [world.s1], date=datetime.date(2025, 3, 1))
    publish(world, [(a, world.s1)])
    refuse_first(world, a)
    assert first.child_key < second.child_key
    assert reoffered(first) is not None and reoffered(second) is None


def test_a_child_placed_at_a_wish_she_prefers_is_passed_over(world):
    a = world.child(50, [world.s1])
    placed = world.child(40, [world.s2, world.s1])  # holds s2, her first wish
    next_one = world.child(10, [world.s1])
    publish(world, [(a, world.s1), (placed, world.s2)])
    offers.accept(Offer.objects.get(application=placed.application), actor=None,
                  keep_better_wishes=True)  # fmt: skip
    refuse_first(world, a)
    offer = reoffered(next_one)
    assert offer is not None and reoffered(placed) is None
    assert {"rank": 2, "reason": "wish_cancelled"} in offer.reoffer_reason["passed_over"]


def test_a_child_who_kept_better_wishes_gets_the_better_place_and_frees_hers(world):
    a = world.child(50, [world.s1])
    upgrading = world.child(40, [world.s1, world.s2])  # got s2, her second wish
    waiting_s2 = world.child(10, [world.s2])
    publish(world, [(a, world.s1), (upgrading, world.s2)])
    first = Offer.objects.get(application=upgrading.application)
    offers.accept(first, actor=None, keep_better_wishes=True)
    refuse_first(world, a)
    better = reoffered(upgrading)
    assert better is not None and better.structure == world.s1
    assert Application.objects.get(pk=upgrading.application.pk).state == State.ACCEPTED
    offers.accept(better, actor=None)
    first.refresh_from_db()
    assert first.left_at is not None  # her former place is free...
    assert reoffered(waiting_s2).structure == world.s2  # ...and offered at once
    assert reoffered(waiting_s2).reoffer_reason["cause"] == "upgraded"


def test_a_child_with_an_open_offer_is_passed_over(world):
    a = world.child(50, [world.s1])
    busy = world.child(40, [world.s2, world.s1])
    free = world.child(10, [world.s1])
    publish(world, [(a, world.s1), (busy, world.s2)])
    refuse_first(world, a)
    assert reoffered(free).structure == world.s1
    assert {"rank": 2, "reason": "open_offer"} in reoffered(free).reoffer_reason["passed_over"]


def test_reserved_place_goes_first_to_an_eligible_child(world):
    holder = world.child(50, [world.s1], tags=["integration"])
    best = world.child(40, [world.s1])
    eligible = world.child(10, [world.s1], tags=["integration"])
    world.reserve(world.s1, 1, "integration")
    publish(world, [(holder, world.s1)])
    refuse_first(world, holder)
    offer = reoffered(eligible)
    assert offer is not None and reoffered(best) is None
    assert offer.reoffer_reason["place"]["reserved"] == "integration"
    assert {"rank": 2, "reason": "reserved_place"} in offer.reoffer_reason["passed_over"]


def test_hard_reserve_without_eligible_child_is_not_given_away(world):
    holder = world.child(50, [world.s1], tags=["avip"])
    other = world.child(40, [world.s1])
    world.reserve(world.s1, 1, "avip", release=False)
    publish(world, [(holder, world.s1)])
    refuse_first(world, holder)
    assert reoffered(other) is None


def test_soft_reserve_without_eligible_child_is_released(world):
    holder = world.child(50, [world.s1], tags=["avip"])
    other = world.child(40, [world.s1])
    world.reserve(world.s1, 1, "avip", release=True)
    publish(world, [(holder, world.s1)])
    refuse_first(world, holder)
    offer = reoffered(other)
    assert offer is not None and offer.reoffer_reason["place"]["reserve_released"]


def test_joint_family_skipped_when_the_sibling_place_is_not_free(world):
    a = world.child(50, [world.s1])
    twin1 = world.child(45, [world.s1])
    twin2 = world.child(45, [world.s2], household=twin1.application.household)
    holder_s2 = world.child(60, [world.s2])
    after = world.child(10, [world.s1])
    world.joint(twin1, twin2, [(world.s1, world.s2)])
    publish(world, [(a, world.s1), (holder_s2, world.s2)])
    refuse_first(world, a)
    offer = reoffered(after)
    assert offer is not None and reoffered(twin1) is None
    assert {"rank": 2, "reason": "siblings_joint_place"} in offer.reoffer_reason["passed_over"]


def test_joint_family_offered_both_places_when_both_are_free(world):
    a = world.child(50, [world.s1])
    twin1 = world.child(45, [world.s1])
    twin2 = world.child(45, [world.s2], household=twin1.application.household)
    world.joint(twin1, twin2, [(world.s1, world.s2)])
    publish(world, [(a, world.s1)])  # nobody was placed at s2: its place is free
    refuse_first(world, a)
    assert reoffered(twin1).structure == world.s1
    sibling = reoffered(twin2)
    assert sibling.structure == world.s2 and sibling.reoffer_reason["sibling_of"] == twin1.child_key
    assert reoffered(twin1).reoffer_reason["joint"] == [twin2.child_key]


def test_no_candidate_leaves_the_place_and_says_so(world):
    from maillage.audit.models import AuditEntry

    a = world.child(50, [world.s1])
    publish(world, [(a, world.s1)])
    refuse_first(world, a)
    assert not Offer.objects.filter(status=OfferStatus.OPEN).exists()
    assert AuditEntry.objects.filter(message__contains="aucune nouvelle proposition").exists()


def test_reoffers_follow_the_last_published_session(bassin, organisations):
    """A place of an older session is re-offered by the ranking of the last published one."""
    world = World(bassin, organisations)
    a = world.child(50, [world.s1])
    b = world.child(40, [world.s1])
    publish(world, [(a, world.s1)])
    world.session.refresh_from_db()
    from maillage.commission.models import SessionEntry
    from tests.commission.factories import SessionFactory

    later = SessionFactory(territory=world.group, status="published", slug="commission-automne",
                           published_at=world.session.published_at + datetime.timedelta(days=1))  # fmt: skip
    # in the later ranking, b has fewer points than a newcomer c
    c = world.child(10, [world.s1])
    SessionEntry.objects.create(session=later, application=b.application, child_key="C000001",
                                age_group="bebe", points=5, wishes=[f"S{world.s1.pk:06d}"])  # fmt: skip
    SessionEntry.objects.create(session=later, application=c.application, child_key="C000002",
                                age_group="bebe", points=60, wishes=[f"S{world.s1.pk:06d}"])  # fmt: skip
    refuse_first(world, a)
    offer = reoffered(c)
    assert offer is not None and offer.reoffer_reason["ranking_session"] == "commission-automne"
    assert reoffered(b) is None
