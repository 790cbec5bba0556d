import pytest

from maillage.directory.demo import apply_vendored_communes


@pytest.fixture
def located_bassin(bassin):
    """The bassin of tests/conftest.py with the real centroids of its six communes."""
    apply_vendored_communes()
    for code in ("06033", "06064", "06066", "06065", "06025", "06122"):
        bassin[code].refresh_from_db()
    return bassin
