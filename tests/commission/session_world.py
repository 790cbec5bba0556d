"""A small commission world for the sessions tests (fixtures imported by the test modules).

The bassin de Carros's guichet, operated by the commune of Carros; three structures (two in
Carros, one in Le Broc, ~8 km away); an adopted grid; a draft session with places; helpers to
add complete applications."""

import datetime

import pytest

from maillage.accounts.enums import Role
from maillage.applications.enums import State
from maillage.commission.models import SessionPlaces
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.applications.factories import (
    ApplicationFactory,
    ChildFactory,
    GuichetSettingsFactory,
    HouseholdFactory,
)
from tests.commission.factories import CommissionSettingsFactory, PointsGridFactory, SessionFactory
from tests.directory.factories import StructureFactory

TODAY = datetime.date.today()


@pytest.fixture(name="commission")
def commission_fixture(bassin, organisations):
    carros, le_broc = bassin["06033"], bassin["06025"]
    for commune, (lat, lon) in ((carros, (43.788, 7.184)), (le_broc, (43.808, 7.170))):
        commune.latitude, commune.longitude = lat, lon
        commune.save(update_fields=["latitude", "longitude"])
    group = bassin["group"]
    operator = organisations["06033"]
    s1 = StructureFactory(
        name="Maison de l'Enfance", commune=carros, latitude=43.789, longitude=7.185
    )
    s2 = StructureFactory(name="Les Lutins", commune=carros, latitude=43.790, longitude=7.180)
    s3 = StructureFactory(name="Crèche du Broc", commune=le_broc, latitude=43.860, longitude=7.170)
    rules = GuichetSettingsFactory(
        territory=group, operator=operator, structures=[s1, s2, s3], freeze_days=15
    )
    CommissionSettingsFactory(territory=group)
    grid = PointsGridFactory(territory=group)
    session = SessionFactory(territory=group, slug="carros-test")
    for structure in (s1, s2, s3):
        SessionPlaces.objects.create(
            session=session, structure=structure, age_group="bebe", places=1,
            start_date=session.entry_from,
        )  # fmt: skip
    agent = UserFactory(email="agent.commission@maillage.example")
    MembershipFactory(user=agent, organisation=operator, role=Role.AGENT)
    return {
        "territory": group, "operator": operator, "rules": rules, "grid": grid,
        "session": session, "s1": s1, "s2": s2, "s3": s3, "agent": agent,
        "carros": carros, "le_broc": le_broc,
    }  # fmt: skip


def add_application(world, *, wishes=(), age_days=200, household=None, state=State.WAITING, **kw):
    """A complete application on the list; the child is `age_days` old at the reference date."""
    session = world["session"]
    household = household or HouseholdFactory(territory=world["territory"], commune=world["carros"])
    born = session.reference_date - datetime.timedelta(days=age_days)
    child = ChildFactory(
        household=household,
        birth_date=born if born <= TODAY else None,
        expected_date=born if born > TODAY else None,
    )
    kw.setdefault("desired_start", session.entry_from)
    return ApplicationFactory(
        household=household, territory=world["territory"], child=child, state=state,
        wishes=list(wishes), **kw,
    )  # fmt: skip
