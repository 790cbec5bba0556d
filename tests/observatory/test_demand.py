"""Expressed demand from the guichet's queue: aggregation, gaps, masking, pages, feeds."""

import datetime

import pytest

from maillage.applications.enums import State
from maillage.commission.enums import OfferStatus
from maillage.commission.models import Offer
from maillage.directory.enums import StructureKind
from maillage.observatory.demand import age_group, demand_summary
from maillage.observatory.indicators.demand import (
    PLACED,
    WAITING,
    DemandRequest,
    PlacesOpening,
    StructureCapacity,
    summarise,
)
from maillage.observatory.services import coverage_report
from tests.applications.factories import ApplicationFactory, HouseholdFactory
from tests.commission.factories import SessionFactory, SessionPlacesFactory
from tests.directory.factories import StructureFactory
from tests.observatory.factories import FigureFactory

TODAY = datetime.date(2026, 11, 29)


def test_engine_counts_the_window_the_gap_and_the_tension():
    on = TODAY
    requests = [
        DemandRequest("A", WAITING, on + datetime.timedelta(days=30), "bebe", 4, True,
                      wishes=("s1", "s2")),
        DemandRequest("A", WAITING, on + datetime.timedelta(days=500), "moyen", 5,
                      wishes=("s1",)),  # outside the 12-month window
        DemandRequest("A", WAITING, on - datetime.timedelta(days=10), "bebe", 5,
                      unplaced_sessions=1, wishes=("s2",)),
        DemandRequest("B", PLACED, on, "bebe", registered_on=on - datetime.timedelta(days=100),
                      placed_on=on - datetime.timedelta(days=10), placed_commune="A"),
        DemandRequest("Z", WAITING, on, "bebe"),  # commune outside the territory: ignored
    ]  # fmt: skip
    openings = [
        PlacesOpening("s1", "A", 2, on + datetime.timedelta(days=60)),
        PlacesOpening("s2", "B", 3, on + datetime.timedelta(days=400)),  # after the window
    ]
    summary = summarise(
        requests,
        openings,
        on=on,
        window_months=12,
        communes=["A", "B"],
        structures=[
            StructureCapacity("s1", "Crèche 1", "A", 10),
            StructureCapacity("s2", "Crèche 2", "B", 0),
        ],
    )
    a = summary.communes["A"]
    assert (a.waiting, a.in_window, a.opening, a.demand_gap) == (3, 2, 2, 0)
    assert a.unplaced_after_session == 1
    assert summary.communes["B"].placed_outside == 1
    assert summary.total.median_delay == 90
    assert summary.by_age == {"bebe": 2}
    assert summary.atypical == 1
    tension = {t.key: t for t in summary.structures}
    assert tension["s1"].wished == 2 and tension["s1"].first_wish == 2
    assert tension["s1"].tension == pytest.approx(0.2)
    assert tension["s2"].tension is None  # no authorised place known
    # one placed for one waiting whose start has come
    assert summary.satisfaction_rate == pytest.approx(50.0)


def test_age_group_at_the_desired_start():
    bands = [
        {"code": "bebe", "label": "Bébés", "min_months": 0, "max_months": 17},
        {"code": "moyen", "label": "Moyens", "min_months": 18, "max_months": 29},
    ]
    birth = datetime.date(2025, 1, 15)
    assert age_group(birth, datetime.date(2026, 7, 14), bands) == "bebe"  # 17 months
    assert age_group(birth, datetime.date(2026, 7, 15), bands) == "moyen"
    assert age_group(birth, datetime.date(2030, 1, 1), bands) == "hors"


@pytest.fixture
def queue(bassin):
    """A small queue: 7 waiting at Carros, 2 at Gattières, 1 placed; 3 places opening."""
    group = bassin["group"]
    carros, gattieres = bassin["06033"], bassin["06064"]
    for commune in (carros, gattieres):
        FigureFactory(commune=commune, value=200)
    creche = StructureFactory(commune=carros, kind=StructureKind.CRECHE_COLLECTIVE)
    for _ in range(7):
        ApplicationFactory(
            household=HouseholdFactory(territory=group, commune=carros),
            state=State.WAITING,
            wishes=[creche],
        )
    for _ in range(2):
        ApplicationFactory(
            household=HouseholdFactory(territory=group, commune=gattieres), state=State.WAITING
        )
    placed = ApplicationFactory(
        household=HouseholdFactory(territory=group, commune=gattieres),
        state=State.PLACED,
        registered_on=datetime.date.today() - datetime.timedelta(days=40),
    )
    session = SessionFactory(territory=group)
    SessionPlacesFactory(session=session, structure=creche, places=3)
    Offer.objects.create(
        session=session,
        application=placed,
        structure=creche,
        age_group="bebe",
        status=OfferStatus.ACCEPTED,
        deadline=datetime.date.today(),
    )
    ApplicationFactory(
        household=HouseholdFactory(territory=group, commune=carros), state=State.DRAFT
    )  # a draft is not demand
    return bassin


def test_demand_summary_reads_the_queue_and_the_sessions(queue):
    communes = list(queue["group"].communes.all())
    report = demand_summary(communes)
    carros = report.summary.communes["06033"]
    assert carros.in_window == 7
    assert carros.opening == 3
    assert carros.demand_gap == 4
    gattieres = report.summary.communes["06064"]
    assert gattieres.placed == 1 and gattieres.placed_outside == 1
    assert report.summary.total.median_delay is None or report.summary.total.median_delay >= 0


def test_small_demand_counts_are_masked_with_their_complements(queue):
    communes = list(queue["group"].communes.all())
    demand = demand_summary(communes)
    report = coverage_report(communes, title="Bassin", slug="bassin-de-vie-carros")
    public = report.as_dict(demand=demand)
    by_code = {c["code"]: c for c in public["demand"]["communes"]}
    # Gattières: 2 waiting — masked; Carros's 7 would give it away from the total 9: masked too
    assert by_code["06064"]["in_window"] is None and by_code["06064"]["masked"]
    assert by_code["06033"]["in_window"] is None
    assert public["demand"]["total"]["in_window"] == 9
    gaps = {g["code"]: g for g in public["gaps"]}
    assert gaps["06064"]["demand"] is None and gaps["06064"]["demand_gap"] is None
    assert gaps["06064"]["gap"] is not None  # the coverage gap stays, labelled apart
    # the commune's own organisation sees its counts
    own = report.as_dict(raw_codes={"06064"}, demand=demand)
    by_code = {c["code"]: c for c in own["demand"]["communes"]}
    assert by_code["06064"]["in_window"] == 2


def test_the_coverage_gap_is_kept_beside_the_demand_gap(queue):
    carros = queue["06033"]
    StructureFactory(commune=carros, kind=StructureKind.CRECHE_COLLECTIVE)
    report = coverage_report([carros])
    data = report.as_dict(raw_codes={"06033"}, demand=demand_summary([carros]))
    gap = data["gaps"][0]
    assert gap["need_kind"] == "children_under_3"
    assert gap["need"] == 200
    assert gap["demand"] == 7
    assert gap["opening"] == 3
    assert gap["demand_gap"] == 4


def test_ctg_indicators_are_fed_from_the_same_figures(queue):
    from maillage.conventions import feeds
    from maillage.conventions.enums import AutoSource
    from maillage.core.schedule import SCHEDULE
    from tests.conventions.factories import ConventionFactory, IndicatorFactory

    convention = ConventionFactory(territory=queue["group"])
    unmet = IndicatorFactory(convention=convention, auto_source=AutoSource.UNMET_DEMAND)
    satisfaction = IndicatorFactory(convention=convention, auto_source=AutoSource.SATISFACTION_RATE)
    coverage = IndicatorFactory(convention=convention, auto_source=AutoSource.COVERAGE_RATE)
    today = datetime.date.today()
    assert feeds.refresh_all(today) == 2
    public = coverage_report(list(queue["group"].communes.all())).as_dict(
        demand=demand_summary(list(queue["group"].communes.all()))
    )
    assert float(unmet.measurements.get().value) == public["demand"]["total"]["in_window"] == 9
    # one place accepted only: a small count, so no satisfaction rate is published anywhere
    assert public["demand"]["total"]["satisfaction_rate"] is None
    assert not satisfaction.measurements.exists()
    assert float(coverage.measurements.get().value) == public["total"]["rate"]
    # a second run the same day replaces the automatic measurement (history: one per day)
    feeds.refresh_all(today)
    assert unmet.measurements.count() == 1
    entry = next(p for p in SCHEDULE if p.name == "indicator-feeds")
    assert entry.task == "maillage.conventions.tasks.refresh_indicator_feeds"


def test_the_demo_dashboard_shows_the_demand_of_the_demo_queue(demo_bassin, client):
    from maillage.accounts import demo as accounts_demo
    from maillage.applications import demo as applications_demo
    from maillage.directory import demo as directory_demo

    class Out:
        def write(self, text):
            pass

    from maillage.commission import demo as commission_demo

    for module in (accounts_demo, directory_demo, applications_demo, commission_demo):
        module.load(Out())
    page = client.get("/observatoire/bassin-de-vie-carros/").content.decode()
    assert "La demande exprimée (guichet unique)" in page
    assert "Aucune demande d'accueil n'est enregistrée" not in page
    communes = list(demo_bassin["group"].communes.all())
    demand = demand_summary(communes).summary
    # the demo queue: 140 waiting, 20 to confirm, 25 awaiting birth, 18 submitted, 8 to correct
    # and the demo family's, less those the past session offered a place to
    past = Offer.objects.filter(session__slug=commission_demo.PAST_SLUG)
    offered_now = past.filter(status=OfferStatus.OPEN).count()
    accepted_now = past.filter(status=OfferStatus.ACCEPTED).count()
    assert demand.total.waiting + offered_now + accepted_now <= 140 + 20 + 25 + 18 + 8 + 1
    assert demand.total.offered == 10 + offered_now
    # 44 children placed through an earlier session (offers accepted through the services)
    assert demand.total.placed == 8 + 30 + 6 + accepted_now
    assert len(demand.structures) > 0
    public = coverage_report(communes).as_dict(demand=demand_summary(communes))["demand"]
    assert public["total"]["median_delay_days"] is not None  # « délai médian » is a figure
    assert public["total"]["placed_outside"]  # children placed outside their commune: a figure
    assert 30 <= public["total"]["median_delay_days"] <= 200
    section = page[page.index('id="demande"') :]
    assert (
        f"délai médian jusqu'à la place : {public['total']['median_delay_days']} jours" in section
    )


def _records_one_by_one(communes, on):
    """The queue read one application at a time, as the observatory did before counting in
    SQL: the reference of `queue_counts` (same rules, Python instead of GROUP BY)."""
    from django.utils import timezone

    from maillage.applications.models import Application
    from maillage.audit.models import TransitionLog
    from maillage.commission.enums import DecisionOutcome
    from maillage.commission.models import Decision, default_age_bands
    from maillage.observatory import demand as reader

    code_of = {c.pk: c.insee_code for c in communes}
    apps = list(
        Application.objects.filter(
            household__commune_id__in=list(code_of), state__in=list(reader.STATUS_OF_STATE)
        ).select_related("child", "household")
    )
    bands, _labels = reader._bands({a.territory_id for a in apps})
    records = []
    for a in apps:
        status = reader.STATUS_OF_STATE[a.state]
        accepted = sorted(
            Offer.objects.filter(application=a, status=OfferStatus.ACCEPTED),
            key=lambda o: (o.answered_at is not None, o.answered_at or 0, o.pk),
        )
        offer = accepted[-1] if accepted else None  # the latest answered, else the latest
        placed_on = timezone.localdate(offer.answered_at) if offer and offer.answered_at else None
        if placed_on is None:
            log = (
                TransitionLog.objects.filter(
                    object_type="applications.application",
                    object_id=str(a.pk),
                    target=State.ACCEPTED,
                )
                .order_by("at")
                .first()
            )
            placed_on = timezone.localdate(log.at) if log else None
        wishes = [str(s) for s in a.wishes.order_by("rank").values_list("structure_id", flat=True)]
        records.append(
            DemandRequest(
                commune=code_of[a.household.commune_id],
                status=status,
                desired_start=a.desired_start,
                age_group=age_group(
                    a.child.birth_date or a.child.expected_date,
                    a.desired_start,
                    bands.get(a.territory_id, default_age_bands()),
                ),
                days_per_week=a.days_per_week,
                atypical_hours=a.atypical_hours,
                registered_on=a.registered_on,
                placed_on=placed_on if status == PLACED else None,
                placed_commune=(
                    offer.structure.commune.insee_code if offer and status == PLACED else None
                ),
                unplaced_sessions=Decision.objects.filter(
                    entry__application=a, outcome=DecisionOutcome.UNPLACED
                ).count(),
                wishes=tuple(wishes),
            )
        )
    return records


def test_the_database_counts_equal_the_queue_read_one_application_at_a_time(bassin):
    """`queue_counts` (GROUP BY) against the records read one by one and counted by the engine:
    states, window edges, ages on the day of the month, unplaced decisions, wishes whose first
    rank is not 1, offers and the transition log, a structure in another commune."""
    from maillage.applications.models import Wish
    from maillage.audit.models import TransitionLog
    from maillage.commission.enums import DecisionOutcome
    from maillage.commission.models import Decision, SessionEntry
    from maillage.observatory.demand import queue_counts
    from maillage.observatory.indicators.demand import add_months, count_requests

    group = bassin["group"]
    carros, gattieres = bassin["06033"], bassin["06064"]
    on = datetime.date.today()
    end = add_months(on, 12)
    s1 = StructureFactory(commune=carros, kind=StructureKind.CRECHE_COLLECTIVE)
    s2 = StructureFactory(commune=gattieres, kind=StructureKind.CRECHE_COLLECTIVE)
    session = SessionFactory(territory=group)
    states = [State.WAITING, State.SUBMITTED, State.TO_CONFIRM, State.AWAITING_BIRTH,
              State.OFFERED, State.ACCEPTED, State.PLACED, State.LEFT, State.DRAFT,
              State.WITHDRAWN]  # fmt: skip
    starts = [on - datetime.timedelta(days=40), on, end - datetime.timedelta(days=1), end,
              add_months(on, 3)]  # fmt: skip
    n = 0
    for i, state in enumerate(states * 4):
        n += 1
        commune = (carros, gattieres)[i % 2]
        start = starts[i % len(starts)]
        birth = datetime.date(start.year - 1, start.month, 1 + i % 28)
        app = ApplicationFactory(
            household=HouseholdFactory(territory=group, commune=commune),
            child__birth_date=None if state == State.AWAITING_BIRTH else birth,
            child__expected_date=start + datetime.timedelta(days=30)
            if state == State.AWAITING_BIRTH
            else None,
            state=state,
            desired_start=start,
            days_per_week=1 + i % 5,
            atypical_hours=i % 3 == 0,
            registered_on=on - datetime.timedelta(days=10 * i),
            wishes=[s1, s2] if i % 2 else [s2],
        )
        if i % 4 == 1:  # the first wish deleted: the first rank left is 2
            Wish.objects.filter(application=app, rank=1).delete()
        if i % 3 == 0:
            entry = SessionEntry.objects.create(session=session, application=app, child_key=f"c{i}")
            Decision.objects.create(session=session, entry=entry, outcome=DecisionOutcome.UNPLACED)
        if state in (State.ACCEPTED, State.PLACED, State.LEFT):
            if i % 3:
                Offer.objects.create(
                    session=session, application=app, structure=(s1, s2)[i % 3 == 1],
                    age_group="bebe", status=OfferStatus.ACCEPTED, deadline=on,
                    answered_at=None if i % 5 == 0 else
                    datetime.datetime(2026, 6, 1 + i % 20, 22, 30, tzinfo=datetime.UTC),
                )  # fmt: skip
            if i % 2:
                TransitionLog.objects.create(
                    object_type="applications.application", object_id=str(app.pk),
                    transition="accept_offer", source=State.OFFERED, target=State.ACCEPTED,
                )  # fmt: skip
    communes = [carros, gattieres]
    counts, _labels, has_queue = queue_counts(communes, on, end)
    expected = count_requests(_records_one_by_one(communes, on), on=on, window_months=12)
    assert has_queue
    assert sorted(counts.communes, key=lambda c: c.commune) == sorted(
        expected.communes, key=lambda c: c.commune
    )
    for name in ("by_age", "by_month", "by_days", "atypical", "wished", "first_wish"):
        assert getattr(counts, name) == getattr(expected, name), name
    assert sum(c.placed for c in counts.communes) == 12
    assert any(c.delays for c in counts.communes)
