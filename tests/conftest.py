"""Shared fixtures: a small real territory and the personas of access tests.

Personas (after healthchecks' Alice/Bob/Charlie):
- alice: admin of the Caf, which covers the whole département;
- bruno: agent of the commune of Carros and of the commune of Gattières (switches between them);
- charlie: agent of the commune of Le Broc only (the outsider for Carros);
- dora: data-protection officer (DPO) of the Caf, who reads the whole trail of the territory;
- emma: a family account, no organisation.
"""

from pathlib import Path

import pytest

from maillage.accounts.enums import OrganisationKind, Role
from tests.accounts.factories import PASSWORD, MembershipFactory, OrganisationFactory, UserFactory
from tests.territories.factories import CommuneFactory, EpciFactory, TerritoryGroupFactory

# Tests of the pure engines need no database; every other test may use it (after les-emplois:
# marking by hand is forgotten, and a forgotten marker is a confusing failure).
PURE = ("tests/commission/allocation/", "test_pricing_engine.py", "test_indicators_engine.py")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        path = Path(str(item.fspath)).as_posix()
        if "tests/browser/" in path or any(part in path for part in PURE):
            continue
        if item.get_closest_marker("django_db") is None:
            item.add_marker(pytest.mark.django_db)


@pytest.fixture(autouse=True)
def _reference_parameters(request):
    """Dated parameters are seeded by data migrations; a transactional test (browser, threads)
    flushes the tables when it ends, so the next test gets them back from the same seeds."""
    if request.node.get_closest_marker("django_db") is None:
        return
    from maillage.core.parameters import reference_parameters_missing, seed_reference_parameters

    if reference_parameters_missing():
        seed_reference_parameters()


@pytest.fixture(autouse=True)
def _derived_cache():
    """Each test starts with an empty cache of derived figures: ids and timestamps rolled back
    by one test may come back identical in the next one."""
    from django.core.cache import caches

    caches["derived"].clear()
    yield
    caches["derived"].clear()


BASSIN = [
    ("06033", "Carros", 13803, ["06510"]),
    ("06064", "Gattières", 4226, ["06510"]),
    ("06066", "Gilette", 1580, ["06830"]),
    ("06065", "La Gaude", 6905, ["06610"]),
    ("06025", "Le Broc", 1428, ["06510"]),
    ("06122", "Saint-Jeannet", 4231, ["06640"]),
]


@pytest.fixture
def bassin(db):
    """The six communes of the bassin de vie de Carros, in the Métropole Nice Côte d'Azur."""
    epci = EpciFactory(siren="200030195", name="Métropole Nice Côte d'Azur", kind="METRO")
    communes = {
        code: CommuneFactory(
            insee_code=code, name=name, population=pop, postal_codes=cps, epci=epci
        )
        for code, name, pop, cps in BASSIN
    }
    group = TerritoryGroupFactory(
        slug="bassin-de-vie-carros",
        name="Bassin de vie de Carros",
        communes=list(communes.values()),
    )
    return {"group": group, "epci": epci, **communes}


@pytest.fixture
def organisations(bassin):
    caf = OrganisationFactory(
        slug="caf-06",
        name="Caf des Alpes-Maritimes",
        kind=OrganisationKind.CAF,
        communes=[bassin[c] for c, *_ in BASSIN],
    )
    communes = {
        code: OrganisationFactory(
            slug=f"commune-{code}", name=f"Commune de {name}", communes=[bassin[code]]
        )
        for code, name, *_ in BASSIN
    }
    return {"caf": caf, **communes}


@pytest.fixture
def alice(organisations):
    user = UserFactory(
        email="alice@maillage.example", first_name="Alice", is_staff=True, is_superuser=True
    )
    MembershipFactory(user=user, organisation=organisations["caf"], role=Role.ADMIN)
    return user


@pytest.fixture
def bruno(organisations):
    user = UserFactory(email="bruno@maillage.example", first_name="Bruno")
    MembershipFactory(user=user, organisation=organisations["06033"], role=Role.AGENT)
    MembershipFactory(user=user, organisation=organisations["06064"], role=Role.AGENT)
    return user


@pytest.fixture
def charlie(organisations):
    user = UserFactory(email="charlie@maillage.example", first_name="Charlie")
    MembershipFactory(user=user, organisation=organisations["06025"], role=Role.AGENT)
    return user


@pytest.fixture
def dora(organisations):
    user = UserFactory(email="dora@maillage.example", first_name="Dora")
    MembershipFactory(user=user, organisation=organisations["caf"], role=Role.DPO)
    return user


@pytest.fixture
def emma(db):
    return UserFactory(email="emma@maillage.example", first_name="Emma", family=True)


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """At the end of the session, close what a finished thread or subprocess of a test may have
    left connected to the PostgreSQL test database, so that it can be dropped."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
