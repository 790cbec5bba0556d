import datetime
from decimal import Decimal

from maillage.applications.models import Application
from maillage.commission.points import compute_points, load_for_points, months_between
from tests.applications.factories import ApplicationFactory, HouseholdFactory
from tests.commission.factories import PointsGridFactory
from tests.directory.factories import StructureFactory


def test_months_between_counts_completed_months():
    assert months_between(datetime.date(2026, 1, 31), datetime.date(2026, 2, 28)) == 0
    assert months_between(datetime.date(2026, 1, 15), datetime.date(2026, 3, 15)) == 2
    assert months_between(datetime.date(2026, 3, 1), datetime.date(2026, 1, 1)) == 0


def test_points_line_by_line_with_bonus_and_cap():
    household = HouseholdFactory(single_parent=True, parents_working=1)
    home = StructureFactory(commune=household.commune)
    other = StructureFactory()
    application = ApplicationFactory(
        household=household,
        territory=household.territory,
        registered_on=datetime.date(2024, 1, 10),
        wishes=[home, other],
    )
    grid = PointsGridFactory(territory=household.territory)
    loaded = load_for_points(Application.objects.filter(pk=application.pk)).get()
    points = compute_points(loaded, grid.criteria.all(), datetime.date(2026, 1, 10))
    by_code = {line.criterion: line for line in points.lines}
    # one working parent is all the parents of a single-parent family
    assert by_code["all_parents_working"].points == 20
    assert by_code["single_parent"].points == 15
    # 24 months of seniority, capped at 12 points
    assert by_code["seniority_month"].units == 24
    assert by_code["seniority_month"].points == 12
    assert "integration_pathway" not in by_code
    assert points.total == Decimal(47)
    assert points.at(home.pk) == Decimal(57)
    assert points.at(other.pk) == Decimal(47)
