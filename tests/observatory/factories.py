import factory

from maillage.observatory.enums import Indicator, Method
from maillage.observatory.models import Figure
from tests.directory.factories import ChildminderFactory, StructureFactory
from tests.territories.factories import CommuneFactory

__all__ = ["ChildminderFactory", "FigureFactory", "StructureFactory"]


class FigureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Figure

    indicator = Indicator.CHILDREN_UNDER_3
    commune = factory.SubFactory(CommuneFactory)
    period = "2021"
    value = 100
    method = Method.MEASURED
    source_label = "INSEE, recensement (test)"
    source_url = "https://www.insee.fr/"


def ensure_reference_parameters():
    """Seed again the dated parameters (idempotent): the one seeding path of the migrations."""
    from maillage.core.parameters import seed_reference_parameters

    seed_reference_parameters()


class _Lines:
    def __init__(self):
        self.lines = []

    def write(self, text):
        self.lines.append(text)


def load_observatory_demo(bassin) -> list[str]:
    """The bassin of tests/conftest.py with the observatory demo (contours, the figures of the
    CTG diagnostic, estimated modes, commentary) and a small directory. Returns the demo output."""
    from maillage.observatory import demo
    from maillage.territories.demo import load_bassin_contours

    ensure_reference_parameters()
    out = _Lines()
    load_bassin_contours()
    demo.load(out)
    for code in ("06033", "06064", "06066", "06065", "06025", "06122"):
        bassin[code].refresh_from_db()
    carros, gaude = bassin["06033"], bassin["06065"]
    StructureFactory(
        name="Maison de l'Enfance",
        commune=carros,
        latitude=carros.latitude,
        longitude=carros.longitude,
    )
    StructureFactory(
        name="Espace Môme", commune=gaude, latitude=gaude.latitude, longitude=gaude.longitude
    )
    StructureFactory(
        name="Centre social Parimixité",
        kind="centre_social",
        commune=carros,
        places_babies=0,
        places_toddlers=0,
        places_older=0,
        latitude=carros.latitude + 0.004,
        longitude=carros.longitude,
    )
    ChildminderFactory.create_batch(5, commune=carros, agreement_places=4)
    return out.lines
