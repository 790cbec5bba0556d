import pytest

from maillage.territories.demo import load_bassin_contours


@pytest.fixture
def located_bassin(bassin):
    """The bassin of tests/conftest.py with the real centroids of its six communes."""
    load_bassin_contours()
    for code in ("06033", "06064", "06066", "06065", "06025", "06122"):
        bassin[code].refresh_from_db()
    return bassin
