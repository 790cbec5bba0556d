import pytest

from maillage.accounts.enums import OrganisationKind
from tests.accounts.factories import OrganisationFactory
from tests.applications.factories import GuichetSettingsFactory
from tests.directory.factories import StructureFactory


@pytest.fixture
def guichet(bassin, organisations):
    """The bassin's guichet, operated by the commune of Carros, with three participating EAJE:
    one managed by Carros, one by Le Broc, one by an association; a fourth EAJE does not take
    part."""
    association = OrganisationFactory(
        slug="association-canailous", name="Les Canailous", kind=OrganisationKind.ASSOCIATION
    )
    carros = StructureFactory(
        name="Maison de l'Enfance", commune=bassin["06033"], manager=organisations["06033"],
        external_id="EAJE-CARROS",
    )  # fmt: skip
    le_broc = StructureFactory(
        name="Crèche du Broc", commune=bassin["06025"], manager=organisations["06025"]
    )
    gattieres = StructureFactory(
        name="Les Canailous", commune=bassin["06064"], manager=association,
        external_id="EAJE-GATT",
    )  # fmt: skip
    outside = StructureFactory(name="Crèche hors guichet", commune=bassin["06065"])
    rules = GuichetSettingsFactory(
        territory=bassin["group"],
        operator=organisations["06033"],
        structures=[carros, le_broc, gattieres],
    )
    return {
        "rules": rules,
        "territory": bassin["group"],
        "carros": carros,
        "le_broc": le_broc,
        "gattieres": gattieres,
        "outside": outside,
        "association": association,
    }
