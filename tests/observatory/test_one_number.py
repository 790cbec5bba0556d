"""One number, one meaning: every figure of the dashboard's table, its chart and map, the map's
GeoJSON, the API and the diagnostic (HTML and PDF) comes from one computation and agrees, masked
cells included (the chart counts masked modes as the table does)."""

import io
import re

import lxml.html
import pypdfium2 as pdfium
from django.core.management import call_command

from maillage.applications.enums import State
from maillage.observatory.models import DiagnosticEdition
from tests.applications.factories import ApplicationFactory, HouseholdFactory

API = "/api/v1/observatory/coverage/"
DASHBOARD = "/observatoire/bassin-de-vie-carros/"


def fmt(value, masked=True) -> str:
    if value is None:
        return "masqué" if masked else "n.d."
    return f"{value:.1f}".replace(".", ",")


def fmt_area(area) -> str:
    return fmt(area["rate"], area["rate_masked"])


def by_class(root, tag: str, cls: str, within: str = "") -> list:
    return root.xpath(f".{within}//{tag}[contains(concat(' ', @class, ' '), ' {cls} ')]")


def by_id(root, ident: str):
    return root.xpath(f"//*[@id='{ident}']")[0]


def _text(element) -> str:
    return " ".join(element.text_content().split())


def _first_number_or_masked(text: str) -> str:
    match = re.search(r"masqué|n\.d\.|-?\d[\d\u202f ]*(?:,\d)?", text)
    return match.group(0).replace("\u202f", "").replace(" ", "") if match else ""


def _queue(bassin):
    group = bassin["group"]
    for code, n in (("06033", 12), ("06064", 3), ("06065", 6)):
        for _ in range(n):
            ApplicationFactory(
                household=HouseholdFactory(territory=group, commune=bassin[code]),
                state=State.WAITING,
            )


def test_table_chart_map_api_and_pdf_agree(demo_bassin, client):
    _queue(demo_bassin)
    api = client.get(API, {"territory": "bassin-de-vie-carros"}).json()
    rates = {c["name"]: fmt_area(c) for c in api["communes"]}
    masked_modes = [c["name"] for c in api["communes"] if any(
        m["masked"] for m in c["modes"].values()) and c["rate"] is not None]  # fmt: skip
    assert masked_modes, "the demo must hold a commune with a masked mode and a visible total"

    page = lxml.html.fromstring(client.get(DASHBOARD).content.decode())
    # 1. the main table, total first
    table = by_class(page, "table", "coverage-main")[0]
    shown = {
        _text(row.xpath("./th")[0]).split(" sous le taux")[0]: _first_number_or_masked(
            _text(row.xpath("./td")[0])
        )
        for row in table.xpath("./tbody/tr")
    }
    assert shown == rates
    # 2. the bar chart prints the same total, masked modes included (grey segment)
    desc = _text(by_id(page, "barres-couverture-d"))
    for name, rate in rates.items():
        assert f"{name} : {rate} places pour 100 enfants" in desc, (name, rate, desc)
    assert "Modes masqués (secret statistique)" in _text(by_id(page, "graphique").getparent())
    # 3. the map: each commune's label
    titles = page.xpath("//svg[.//title[@id='carte-couverture-t']]//path/title")
    assert len(titles) == len(rates)
    for title in titles:
        name, label = _text(title).split(" — ")
        assert label == rates[name]
    # 4. the GeoJSON of the interactive map
    geo = client.get("/observatoire/bassin-de-vie-carros/carte.geojson").json()
    for feature in geo["features"]:
        p = feature["properties"]
        if p["layer"] == "commune":
            assert fmt(p["rate"], rates[p["name"]] == "masqué") == rates[p["name"]]
            assert p["no_data"] is (p["rate"] is None)

    # the expressed demand: table, chart, API
    demand = {c["name"]: c["in_window"] for c in api["demand"]["communes"]}
    assert demand["Carros"] == 12
    assert demand["Gattières"] is None  # 3 applications: masked
    assert demand["La Gaude"] is None  # 6, its complement: 21 − 12 would reveal 3 otherwise
    assert api["demand"]["total"]["in_window"] == 21
    section = by_class(by_class(page, "section", "demand-section")[0], "table", "coverage-main")[0]
    for row in section.xpath("./tbody/tr"):
        name = _text(row.xpath("./th")[0])
        value = demand[name]
        assert _first_number_or_masked(_text(row.xpath("./td")[0])) == (
            "masqué" if value is None else str(value)
        )
    bars = _text(by_id(page, "barres-demande-d"))
    assert "Carros : 12,0 demandes" in bars and "Gattières : masqué demandes" in bars
    # no derivable sum: the masked Gattières plus its complement reach the threshold
    hidden = [c for c in api["demand"]["communes"] if c["in_window"] is None]
    total = api["demand"]["total"]["in_window"]
    assert total is None or len(hidden) != 1

    # 5. the diagnostic: same JSON, same figures in its HTML and its PDF
    call_command(
        "generate_diagnostic", "--territory", "bassin-de-vie-carros",
        stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip
    edition = DiagnosticEdition.objects.get()
    snap = edition.snapshot["coverage"]
    assert {c["name"]: fmt_area(c) for c in snap["communes"]} == rates
    assert {c["name"]: c["in_window"] for c in snap["demand"]["communes"]} == demand
    report = lxml.html.fromstring(edition.html)
    table = by_class(report, "table", "coverage-main")[0]
    assert {
        _text(row.xpath("./th")[0]).split(" sous le taux")[0]: _first_number_or_masked(
            _text(row.xpath("./td")[0])
        )
        for row in table.xpath("./tbody/tr")
    } == rates
    pdf = pdfium.PdfDocument(io.BytesIO(bytes(edition.pdf)))
    try:
        text = "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()
    assert "La demande exprimée" in text
    for rate in rates.values():
        assert rate in text
