"""Fixtures of the conventions tests: a CTG of the bassin de Carros built with the personas'
organisations, and the demo convention imported from its YAML file."""

from importlib import resources

import pytest

from maillage.accounts.enums import OrganisationKind, Role
from maillage.conventions.enums import ActionStatus
from maillage.conventions.importer import import_text
from tests.accounts.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.conventions.factories import (
    ActionFactory,
    AxisFactory,
    BodyFactory,
    ClauseFactory,
    ConventionFactory,
    IndicatorFactory,
    PartyFactory,
    PerspectiveFactory,
)


@pytest.fixture
def convention(bassin, organisations):
    """CTG 2021-2024 between the Caf and the six communes; 1.2.1 led by Carros, 1.1.1 by
    Gattières; a COPIL, a COTECH and a comité de suivi one month before each COPIL."""
    convention = ConventionFactory(
        slug="ctg-test", territory=bassin["group"], active=True, title="CTG du bassin de Carros"
    )
    for order, key in enumerate(["caf", "06033", "06064", "06066", "06065", "06025", "06122"]):
        PartyFactory(convention=convention, organisation=organisations[key], order=order)
    ClauseFactory(
        convention=convention,
        number="ARTICLE 10",
        title="Durée de la convention",
        text="La présente convention est conclue à compter du 1er janvier 2021 jusqu'au 31 "
        "décembre 2024.",
    )
    axis = AxisFactory(convention=convention, code="1", title="Développer l'offre d'accueil")
    p11 = PerspectiveFactory(axis=axis, code="1.1", title="Améliorer le taux de couverture")
    p12 = PerspectiveFactory(axis=axis, code="1.2", title="Améliorer la qualité de l'accueil")
    ActionFactory(
        perspective=p11,
        code="1.1.1",
        title="Étudier la faisabilité d'une crèche inter-entreprise",
        lead=organisations["06064"],
        status=ActionStatus.ONGOING,
    )
    carros = ActionFactory(
        perspective=p12,
        code="1.2.1",
        title="Étudier la faisabilité d'un RAM itinérant intercommunal",
        lead=organisations["06033"],
    )
    IndicatorFactory(convention=convention, action=carros, label="Nombre de communes adhérentes")
    copil = BodyFactory(convention=convention)
    BodyFactory(convention=convention, cotech=True)
    BodyFactory(convention=convention, follow_up=True, relative_to=copil, documents_days_before=0)
    copil.documents_days_before = 15
    copil.save()
    return convention


@pytest.fixture
def elected(organisations):
    user = UserFactory(email="elu@maillage.example", first_name="Élise")
    MembershipFactory(user=user, organisation=organisations["06033"], role=Role.ELECTED)
    return user


@pytest.fixture
def outsider(db):
    """An agent of an organisation that is no party to the convention."""
    user = UserFactory(email="oscar@maillage.example", first_name="Oscar")
    organisation = OrganisationFactory(
        slug="autre-caf", name="Caf du Var", kind=OrganisationKind.CAF
    )
    MembershipFactory(user=user, organisation=organisation, role=Role.ADMIN)
    return user


DEMO_SLUGS = {
    "caf-alpes-maritimes": ("Caf des Alpes-Maritimes", OrganisationKind.CAF, None),
    "commune-carros": ("Commune de Carros", OrganisationKind.COMMUNE, "06033"),
    "commune-gattieres": ("Commune de Gattières", OrganisationKind.COMMUNE, "06064"),
    "commune-gilette": ("Commune de Gilette", OrganisationKind.COMMUNE, "06066"),
    "commune-la-gaude": ("Commune de La Gaude", OrganisationKind.COMMUNE, "06065"),
    "commune-le-broc": ("Commune de Le Broc", OrganisationKind.COMMUNE, "06025"),
    "commune-saint-jeannet": ("Commune de Saint-Jeannet", OrganisationKind.COMMUNE, "06122"),
    "departement-alpes-maritimes": ("Département", OrganisationKind.DEPARTEMENT, None),
    "departement-alpes-maritimes-pmi": ("PMI", OrganisationKind.DEPARTEMENT, None),
}


@pytest.fixture
def demo_organisations(bassin):
    return {
        slug: OrganisationFactory(
            slug=slug,
            name=name,
            kind=kind,
            communes=[bassin[code]] if code else [bassin[c] for c in bassin if c.isdigit()],
        )
        for slug, (name, kind, code) in DEMO_SLUGS.items()
    }


def demo_text() -> str:
    return (
        resources.files("maillage.conventions.data")
        .joinpath("ctg-bassin-de-vie-carros-2021-2024.yaml")
        .read_text("utf-8")
    )


@pytest.fixture
def demo_convention(demo_organisations):
    return import_text(demo_text(), filename="ctg-bassin-de-vie-carros-2021-2024.yaml")
