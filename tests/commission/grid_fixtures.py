"""Fixtures of the grid area's tests (imported by tests/commission/test_grid_*.py): the bassin's
guichet operated by Carros with three participating EAJE, the commission's settings, an adopted
grid in force and helpers."""

import datetime

import pytest

from maillage.accounts.enums import OrganisationKind
from maillage.applications.enums import State
from tests.accounts.factories import OrganisationFactory
from tests.applications.factories import (
    ApplicationFactory,
    GuichetSettingsFactory,
    HouseholdFactory,
)
from tests.commission.factories import CommissionSettingsFactory, PointsGridFactory
from tests.directory.factories import StructureFactory

TODAY = datetime.date.today()


@pytest.fixture
def commission(bassin, organisations):
    association = OrganisationFactory(
        slug="association-canailous", name="Les Canailous", kind=OrganisationKind.ASSOCIATION
    )
    carros = StructureFactory(
        name="Maison de l'Enfance", commune=bassin["06033"], manager=organisations["06033"]
    )
    le_broc = StructureFactory(
        name="Crèche du Broc", commune=bassin["06025"], manager=organisations["06025"]
    )
    gattieres = StructureFactory(name="Les Canailous", commune=bassin["06064"], manager=association)
    outside = StructureFactory(name="Crèche hors guichet", commune=bassin["06065"])
    territory = bassin["group"]
    rules = GuichetSettingsFactory(
        territory=territory,
        operator=organisations["06033"],
        structures=[carros, le_broc, gattieres],
    )
    settings = CommissionSettingsFactory(territory=territory)
    grid = PointsGridFactory(territory=territory, version=1, valid_from=datetime.date(2025, 1, 1))
    return {
        "territory": territory,
        "rules": rules,
        "settings": settings,
        "grid": grid,
        "carros": carros,
        "le_broc": le_broc,
        "gattieres": gattieres,
        "outside": outside,
        "association": association,
    }


def waiting(
    commission, *, commune=None, wishes=None, state=State.WAITING, age_days=200, **household
):
    """An application of the queue (a child born `age_days` ago)."""
    territory = commission["territory"]
    home = HouseholdFactory(
        territory=territory,
        commune=commune or territory.communes.get(insee_code="06033"),
        **household,
    )
    application = ApplicationFactory(
        household=home,
        state=state,
        wishes=wishes if wishes is not None else [commission["carros"]],
        registered_on=TODAY - datetime.timedelta(days=90),
    )
    child = application.child
    child.birth_date = TODAY - datetime.timedelta(days=age_days)
    child.save(update_fields=["birth_date"])
    return application
