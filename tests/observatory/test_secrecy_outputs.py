"""Every output of the observatory masks the same cells: the dashboard table and chart, the
map data, the API, the commune sheet and the diagnostic's snapshot (the PDF's input)."""

from django.urls import reverse

from maillage.observatory.diagnostic import build_snapshot
from maillage.observatory.services import coverage_report
from maillage.territories.models import TerritoryGroup
from tests.observatory.factories import ChildminderFactory, StructureFactory

SLUG = "bassin-de-vie-carros"
GILETTE = "06066"


def _masked_modes(row: dict) -> dict:
    return {mode: (m["masked"], m["places"]) for mode, m in row["modes"].items()}


def _gilette(coverage: dict) -> dict:
    return next(c for c in coverage["communes"] if c["code"] == GILETTE)


def test_gilette_is_masked_alike_everywhere_and_nothing_small_is_derivable(client, demo_bassin):
    gilette = demo_bassin[GILETTE]
    # the demo directory of Gilette: a crèche of 12 places, childminders with 21 places
    StructureFactory(commune=gilette, places_babies=4, places_toddlers=4, places_older=4)
    for agreement in (4, 4, 4, 3, 3, 3):
        ChildminderFactory(commune=gilette, agreement_places=agreement)
    group = TerritoryGroup.objects.get(slug=SLUG)
    communes = list(group.communes.all())
    raw = _gilette(coverage_report(communes).as_dict(raw_codes={c.insee_code for c in communes}))
    places = {mode: m["places"] for mode, m in raw["modes"].items()}
    # the demo's Gilette: 12 + 21 + 1 + 2 = 36, home care and pre-school below the threshold
    assert places == {
        "eaje": 12,
        "assistants_maternels": 21,
        "garde_a_domicile": 1,
        "prescolarisation": 2,
    }
    assert raw["places_total"] == 36

    dashboard = client.get(reverse("web:observatory_dashboard", args=[SLUG]))
    table = _gilette(dashboard.context["coverage"])  # the table, the bars and the map
    api = _gilette(client.get("/api/v1/observatory/coverage/", {"territory": SLUG}).json())
    pdf = _gilette(build_snapshot(group)["coverage"])
    sheet = client.get(reverse("web:observatory_commune", args=[GILETTE])).context["row"]
    geojson = client.get(reverse("web:observatory_map_data", args=[SLUG])).json()
    feature = next(
        f["properties"] for f in geojson["features"] if f["properties"].get("code") == GILETTE
    )

    assert _masked_modes(table) == _masked_modes(api) == _masked_modes(pdf)
    assert table["places_total"] == api["places_total"] == pdf["places_total"]
    assert table["rate"] == api["rate"] == pdf["rate"] == feature["rate"]
    assert _masked_modes(sheet) == _masked_modes(table)
    masked = [mode for mode, m in table["modes"].items() if m["masked"]]
    assert {"garde_a_domicile", "prescolarisation"} <= set(masked)
    # the total is published, so the masked places it reveals must not be a small count
    assert table["places_total"] == 36
    assert sum(places[mode] for mode in masked) >= 5
    # the bar chart draws no bar for a masked mode of Gilette
    assert all(table["modes"][mode]["rate"] is None for mode in masked)


def test_area_totals_hide_a_small_mode_with_a_complement(bassin):
    """An EPCI or département line (modes and their total) gets the same secondary masking."""
    from maillage.observatory.indicators import AreaCoverage

    report = coverage_report([bassin["06066"]])
    area = AreaCoverage(
        key="epci",
        communes=("06066", "06033"),
        children_under_3=400,
        places={"eaje": 100, "assistants_maternels": 200, "garde_a_domicile": 3,
                "prescolarisation": 0},
        rates={"eaje": 25.0, "assistants_maternels": 50.0, "garde_a_domicile": 0.75,
               "prescolarisation": 0.0},
        total_places=303,
        rate=75.75,
        incomplete=False,
    )  # fmt: skip
    data = report._area_dict(area, raw=False, estimated=False)
    masked = {mode for mode, m in data["modes"].items() if m["masked"]}
    assert masked == {"garde_a_domicile", "eaje"}  # 303 − 200 − 0 = 103, not 3
    assert data["places_total"] == 303
    raw = report._area_dict(area, raw=True, estimated=False)
    assert not any(m["masked"] for m in raw["modes"].values())
