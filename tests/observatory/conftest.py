import pytest

from maillage.observatory import demo
from maillage.territories.demo import load_bassin_contours
from tests.observatory.factories import ensure_reference_parameters


@pytest.fixture(autouse=True)
def _reference_parameters(request):
    """Dated parameters present even after a flush by an earlier transactional test."""
    if "db" in request.fixturenames:
        request.getfixturevalue("db")
        ensure_reference_parameters()


@pytest.fixture
def demo_bassin(bassin):
    """The bassin of tests/conftest.py with the observatory demo: contours, the figures of the
    CTG diagnostic, estimated modes and commentary; plus a small directory."""
    from tests.observatory.factories import ChildminderFactory, StructureFactory

    class Out:
        def __init__(self):
            self.lines = []

        def write(self, text):
            self.lines.append(text)

    out = Out()
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
        name="Centre social",
        kind="centre_social",
        commune=carros,
        places_babies=0,
        places_toddlers=0,
        places_older=0,
        latitude=carros.latitude + 0.004,
        longitude=carros.longitude,
    )
    # Saint-Jeannet: 3 agreement places only — a small count, masked for outsiders
    ChildminderFactory(commune=bassin["06122"], agreement_places=3)
    ChildminderFactory.create_batch(5, commune=carros, agreement_places=4)
    bassin["demo_out"] = out.lines
    return bassin
