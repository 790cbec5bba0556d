import pytest

from tests.observatory.factories import (
    ChildminderFactory,
    load_observatory_demo,
)


@pytest.fixture
def demo_bassin(bassin):
    """The observatory demo on the bassin, plus a small count to mask."""
    lines = load_observatory_demo(bassin)
    # Saint-Jeannet: 3 agreement places only — a small count, masked for outsiders
    ChildminderFactory(commune=bassin["06122"], agreement_places=3)
    bassin["demo_out"] = lines
    return bassin
