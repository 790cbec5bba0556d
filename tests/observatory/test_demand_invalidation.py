"""The cached expressed demand is recomputed after every write path that changes what it counts.

Each path goes through its domain service, which calls the one hook
(`applications.changes.queue_changed`); the version is bumped when the transaction commits
(`django_capture_on_commit_callbacks(execute=True)` stands for the commit here). A write that
bypasses the services is not seen until the cache expires: the first test shows the cache is
really used, so each following test shows the hook at work.
"""

import datetime
import json

import pytest

from maillage.applications import services
from maillage.applications.enums import State
from maillage.applications.models import Application, Wish
from maillage.commission import offers, runs, sessions
from maillage.commission.enums import DecisionOutcome, OfferStatus, SessionStatus
from maillage.commission.instance import structure_key
from maillage.commission.models import Offer, Run, SessionEntry, SessionPlaces
from maillage.core.models import DataVersion
from maillage.directory.enums import StructureKind
from maillage.directory.models import Structure
from maillage.observatory.demand import demand_summary
from tests.accounts.factories import OrganisationFactory
from tests.applications.factories import (
    ApplicationFactory,
    GuichetSettingsFactory,
    HouseholdFactory,
)
from tests.commission.factories import SessionFactory
from tests.directory.factories import StructureFactory


@pytest.fixture
def queue(bassin, django_capture_on_commit_callbacks):
    group = bassin["group"]
    carros, gattieres = bassin["06033"], bassin["06064"]
    s1 = StructureFactory(name="Crèche A", commune=carros, kind=StructureKind.CRECHE_COLLECTIVE)
    s2 = StructureFactory(name="Crèche B", commune=gattieres, kind=StructureKind.CRECHE_COLLECTIVE)
    GuichetSettingsFactory(territory=group, operator=OrganisationFactory(), structures=[s1, s2])
    with django_capture_on_commit_callbacks(execute=True):  # the set-up is committed
        app = ApplicationFactory(
            household=HouseholdFactory(territory=group, commune=carros),
            state=State.WAITING,
            wishes=[s1, s2],
        )
    return {"group": group, "carros": carros, "gattieres": gattieres, "s1": s1, "s2": s2,
            "app": app, "communes": [carros, gattieres]}  # fmt: skip


def _demand(q):
    return demand_summary(q["communes"]).summary


def _first_wishes(q) -> dict:
    return {t.key: t.first_wish for t in _demand(q).structures}


def _data(application, **changes):
    values = {f: getattr(application, f) for f in services.APPLICATION_FIELDS}
    values.update(changes)
    return services.ApplicationData(**values)


def test_wishes_reordered_removed_added_or_changed_are_seen(
    queue, django_capture_on_commit_callbacks
):
    q, app = queue, queue["app"]
    s1, s2 = str(q["s1"].pk), str(q["s2"].pk)
    assert _first_wishes(q) == {s1: 1, s2: 0}
    # a write behind the services' back: the cached summary does not see it
    Wish.objects.filter(application=app, structure=q["s1"]).update(rank=3)
    Wish.objects.filter(application=app, structure=q["s2"]).update(rank=1)
    assert _first_wishes(q) == {s1: 1, s2: 0}  # still the cached figures
    for structures, expected in (
        ([q["s2"], q["s1"]], {s1: 0, s2: 1}),  # reordered: same number of wishes
        ([q["s2"]], {s1: 0, s2: 1}),  # removed
        ([q["s1"], q["s2"]], {s1: 1, s2: 0}),  # added back first
        ([q["s2"]], {s1: 0, s2: 1}),  # one structure for another
    ):
        app.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            services.update_application(app, _data(app), structures, seen_version=app.version)
        assert _first_wishes(q) == expected
        assert {t.key: t.wished for t in _demand(q).structures} == {
            s1: int(q["s1"] in structures),
            s2: int(q["s2"] in structures),
        }


def test_the_desired_start_days_and_hours_are_seen(queue, django_capture_on_commit_callbacks):
    q, app = queue, queue["app"]
    assert _demand(q).communes["06033"].in_window == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.update_application(
            app,
            _data(
                app,
                desired_start=datetime.date.today() + datetime.timedelta(days=800),
                days_per_week=2,
                atypical_hours=True,
            ),  # fmt: skip
            [q["s1"]],
            seen_version=app.version,
        )
    demand = _demand(q)
    assert demand.communes["06033"].in_window == 0
    assert demand.communes["06033"].waiting == 1


def test_a_change_of_state_through_the_workflow_is_seen(queue, django_capture_on_commit_callbacks):
    q, app = queue, queue["app"]
    assert _demand(q).total.waiting == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw(app, actor=None)
    assert _demand(q).total.waiting == 0


def test_the_household_commune_and_the_child_dates_are_seen(
    queue, django_capture_on_commit_callbacks
):
    q, app = queue, queue["app"]
    assert _demand(q).communes["06033"].in_window == 1
    child = app.child
    with django_capture_on_commit_callbacks(execute=True):
        services.save_draft(
            territory=q["group"],
            household_values={"commune": q["gattieres"]},
            child_values={"first_name": child.first_name, "last_name": child.last_name,
                          "birth_date": child.birth_date - datetime.timedelta(days=400)},
            data=_data(app),
            structures=[q["s1"], q["s2"]],
            application=app,
            seen_version=app.version,
            source="counter",
        )  # fmt: skip
    demand = _demand(q)
    assert (demand.communes["06033"].in_window, demand.communes["06064"].in_window) == (0, 1)
    assert demand.by_age == {"moyen": 1}


def test_places_declared_at_a_session_are_seen(queue, django_capture_on_commit_callbacks):
    q = queue
    session = SessionFactory(territory=q["group"])
    assert _demand(q).communes["06064"].opening == 0
    with django_capture_on_commit_callbacks(execute=True):
        sessions.declare_places(
            session,
            [sessions.PlacesLine(q["s2"], "bebe", 3, None)],
            structures=Structure.objects.filter(pk=q["s2"].pk),
        )
    assert _demand(q).communes["06064"].opening == 3
    with django_capture_on_commit_callbacks(execute=True):
        sessions.declare_places(
            session,
            [sessions.PlacesLine(q["s2"], "bebe", 0, None)],
            structures=Structure.objects.filter(pk=q["s2"].pk),
        )
    assert not SessionPlaces.objects.exists()
    assert _demand(q).communes["06064"].opening == 0


def test_decisions_of_a_run_and_their_override_are_seen(queue, django_capture_on_commit_callbacks):
    q, app = queue, queue["app"]
    session = SessionFactory(territory=q["group"], status=SessionStatus.RUN)
    entry = SessionEntry.objects.create(session=session, application=app, child_key="e1")
    run = Run.objects.create(session=session, method="da", engine_version="test",
                             input_sha256="0", output_sha256="0",
                             output=json.dumps({"assignment": {}, "explanations": {}, "cutoffs": {}}))  # fmt: skip
    assert _demand(q).total.unplaced_after_session == 0
    with django_capture_on_commit_callbacks(execute=True):
        runs.store_decisions(
            session, run, {"run": {}, "assignment": {}, "explanations": {}, "cutoffs": {}}
        )
    assert _demand(q).total.unplaced_after_session == 1
    decision = entry.decision
    assert decision.outcome == DecisionOutcome.UNPLACED
    session.instance = json.dumps({"structures": [{"id": structure_key(q["s1"].pk)}]})
    session.save(update_fields=["instance"])
    with django_capture_on_commit_callbacks(execute=True):
        sessions.override(decision, q["s1"], "La commission retient la crèche A.", actor=None)
    assert _demand(q).total.unplaced_after_session == 0


def test_an_offer_accepted_and_a_purge_are_seen(queue, django_capture_on_commit_callbacks):
    q, app = queue, queue["app"]
    session = SessionFactory(territory=q["group"], status=SessionStatus.PUBLISHED)
    with django_capture_on_commit_callbacks(execute=True):
        services.offer(app, actor=None)
        offer = Offer.objects.create(
            session=session, application=app, structure=q["s2"], age_group="bebe",
            status=OfferStatus.OPEN, deadline=datetime.date.today(),
        )  # fmt: skip
    demand = _demand(q)
    assert (demand.total.offered, demand.total.placed) == (1, 0)
    with django_capture_on_commit_callbacks(execute=True):
        offers.accept(offer, actor=None)
    demand = _demand(q)
    assert (demand.total.offered, demand.total.placed, demand.total.placed_outside) == (0, 1, 1)
    assert demand.total.delays  # the day of the answer to the offer
    # the child leaves, the closed application is purged at the end of its retention period
    app.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        Application.objects.filter(pk=app.pk).update(state=State.LEFT)
        services._delete_application(app, "test")
    assert _demand(q).total.placed == 0


def test_one_commit_bumps_the_version_once(queue, django_capture_on_commit_callbacks):
    q = queue
    version = DataVersion.objects.filter(name="guichet-queue").values_list("version", flat=True)
    before = version.first() or 0
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for _ in range(3):
            ApplicationFactory(
                household=HouseholdFactory(territory=q["group"], commune=q["carros"]),
                state=State.SUBMITTED,
            ).refresh_from_db()
        for application in Application.objects.filter(state=State.SUBMITTED):
            services.request_correction(application, "Pièce manquante", actor=None,
                                        organisation=None)  # fmt: skip
    assert sum(getattr(c, "derived_topic", "") == "guichet-queue" for c in callbacks) == 1
    assert version.first() == before + 1
