"""On a phone (390×844) an elected official reads the total coverage rate of every commune
without scrolling sideways: the main table puts the total first and folds the modes; the
demand section fits too; the page is accessible (axe)."""

import pytest
from playwright.sync_api import expect

from maillage.applications.enums import State
from tests.applications.factories import ApplicationFactory, HouseholdFactory
from tests.observatory.factories import load_observatory_demo

pytestmark = pytest.mark.browser


@pytest.fixture
def observatory_demo(bassin):
    load_observatory_demo(bassin)
    for code, n in (("06033", 12), ("06122", 7)):
        for _ in range(n):
            ApplicationFactory(
                household=HouseholdFactory(territory=bassin["group"], commune=bassin[code]),
                state=State.WAITING,
            )
    return bassin


def _inside(box, width) -> bool:
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5


def test_total_rate_readable_without_horizontal_scroll_on_a_phone(
    mobile_page, live_url, assert_accessible, observatory_demo
):
    page = mobile_page
    width = page.viewport_size["width"]
    assert width == 390
    page.goto(live_url("/observatoire/bassin-de-vie-carros/"))
    table = page.get_by_role("table", name="Places d'accueil pour 100 enfants de moins de 3 ans")
    expect(table).to_be_visible()
    wide = page.evaluate(
        """w => Array.from(document.querySelectorAll('body *'))
        .filter(e => e.getBoundingClientRect().right > w + 1)
        .filter(e => !e.closest('.table-responsive') || e.classList.contains('table-responsive'))
        .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""",
        width,
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width, wide
    assert _inside(table.bounding_box(), width)
    for name in ("Carros", "Saint-Jeannet", "Ensemble du territoire"):
        row = table.get_by_role("row", name=name).first
        total = row.locator("td").first
        assert _inside(total.bounding_box(), width), name
        expect(total).not_to_be_empty()
    header = table.get_by_role("columnheader", name="Taux global")
    assert _inside(header.bounding_box(), width)
    # the modes are folded below, one tap away
    modes = page.get_by_role("table", name="Places pour 100 enfants de moins de 3 ans par mode")
    expect(modes).to_be_hidden()
    page.get_by_text("Détail par mode d'accueil (taux et places)").click()
    expect(modes).to_be_visible()
    # the expressed demand fits as well
    demand = page.get_by_role("table", name="Demande exprimée et places ouvertes par commune")
    expect(demand.get_by_role("row", name="Carros")).to_contain_text("12")
    assert _inside(demand.bounding_box(), width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert_accessible(page)
