import pytest

from tests.observatory.factories import (
    ChildminderFactory,
    ensure_reference_parameters,
    load_observatory_demo,
)


@pytest.fixture(autouse=True)
def _reference_parameters(request):
    """Dated parameters present even after a flush by an earlier transactional test."""
    if "db" in request.fixturenames:
        request.getfixturevalue("db")
        ensure_reference_parameters()


@pytest.fixture
def demo_bassin(bassin):
    """The observatory demo on the bassin, plus a small count to mask."""
    lines = load_observatory_demo(bassin)
    # Saint-Jeannet: 3 agreement places only — a small count, masked for outsiders
    ChildminderFactory(commune=bassin["06122"], agreement_places=3)
    bassin["demo_out"] = lines
    return bassin
