"""The pure engine, on hand-computed cases (no database)."""

import math
import re
import statistics
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from maillage.observatory import charts
from maillage.observatory.indicators import (
    CommuneInput,
    aggregate,
    catchment_rates,
    commune_coverage,
    mask_count,
    rate,
    round_count,
    supply_demand_gaps,
    trend,
    two_step_fca,
)
from maillage.observatory.indicators.catchment import (
    EARTH_RADIUS_KM,
    haversine_km,
    neighbour_pairs,
)

# 0.05° of longitude on the equator, in km: 2πR × 0.05 / 360
KM_005 = 2 * math.pi * EARTH_RADIUS_KM * 0.05 / 360


def test_rate_of_a_commune_with_eaje_childminders_and_preschool():
    row = commune_coverage(
        CommuneInput(
            code="06999",
            children_under_3=80,
            places={"eaje": 12, "assistants_maternels": 30, "prescolarisation": 4},
        )
    )
    # 12/80 = 15 ; 30/80 = 37.5 ; 4/80 = 5 ; (12+30+4)/80 = 57.5
    assert row.rates["eaje"] == pytest.approx(15.0)
    assert row.rates["assistants_maternels"] == pytest.approx(37.5)
    assert row.rates["prescolarisation"] == pytest.approx(5.0)
    assert row.rates["garde_a_domicile"] is None
    assert row.total_places == 46
    assert row.rate == pytest.approx(57.5)
    assert row.missing_modes == ("garde_a_domicile",)


def test_rate_is_undefined_without_children_and_unknown_modes_are_refused():
    assert rate(10, 0) is None
    assert rate(10, None) is None
    assert rate(None, 10) is None
    with pytest.raises(ValueError, match="modes inconnus"):
        commune_coverage(CommuneInput(code="x", children_under_3=10, places={"creche": 3}))


def test_aggregate_sums_places_and_children_before_dividing():
    a = commune_coverage(CommuneInput("A", 100, {"eaje": 50}, groups={"epci": "1"}))
    b = commune_coverage(CommuneInput("B", 300, {"eaje": 60}, groups={"epci": "1"}))
    c = commune_coverage(CommuneInput("C", None, {"eaje": 5}, groups={"epci": "2"}))
    total = aggregate([a, b])["total"]
    # (50 + 60) / (100 + 300) = 27.5, not the mean of 50 and 20
    assert total.rate == pytest.approx(27.5)
    assert total.children_under_3 == 400
    by_epci = aggregate([a, b, c], key=lambda r: "1" if r.code in "AB" else "2")
    assert by_epci["2"].rate is None
    assert by_epci["2"].incomplete


def test_catchment_shares_places_among_children_within_the_radius():
    # A and B are 5.56 km apart on the equator, C is 111 km away.
    communes = [("A", 0.0, 0.0, 100), ("B", 0.0, 0.05, 50), ("C", 0.0, 1.0, 80)]
    rates = catchment_rates(communes, [(0.0, 0.0, 30)], radius_km=10, decay="none")
    # 30 places shared by 150 children: 20 places per 100 children for A and for B
    assert rates["A"] == pytest.approx(20.0)
    assert rates["B"] == pytest.approx(20.0)
    assert rates["C"] == pytest.approx(0.0)


def test_catchment_with_linear_decay_on_a_small_geometric_case():
    communes = [("A", 0.0, 0.0, 100), ("B", 0.0, 0.05, 50)]
    rates = catchment_rates(communes, [(0.0, 0.0, 30)], radius_km=10, decay="linear")
    w_b = 1 - KM_005 / 10  # weight of B; A is at distance 0 (weight 1)
    ratio = 30 / (100 * 1 + 50 * w_b)
    assert rates["A"] == pytest.approx(ratio * 100, rel=1e-6)
    assert rates["B"] == pytest.approx(ratio * w_b * 100, rel=1e-6)


def test_catchment_conserves_places_whatever_the_decay():
    rng = np.random.default_rng(7)
    lat = 43.5 + rng.random(60) * 0.6
    lon = 7.0 + rng.random(60) * 0.6
    children = rng.integers(10, 500, 60).astype(float)
    places = rng.integers(0, 80, 25).astype(float)
    for decay in ("none", "linear", "gaussian"):
        result = two_step_fca(
            lat[:25], lon[:25], places, lat, lon, children, radius_km=15, decay=decay
        )
        assert (result.accessibility * children).sum() == pytest.approx(
            places.sum() - result.unreached_places
        )


def test_neighbour_search_on_the_grid_equals_brute_force():
    rng = np.random.default_rng(11)
    s_lat, s_lon = 44 + rng.random(200), 5 + rng.random(200) * 1.5
    d_lat, d_lon = 44 + rng.random(300), 5 + rng.random(300) * 1.5
    sup, dem, dist = neighbour_pairs(s_lat, s_lon, d_lat, d_lon, radius_km=12)
    full = haversine_km(s_lat[:, None], s_lon[:, None], d_lat[None, :], d_lon[None, :])
    expected = {(int(i), int(j)) for i, j in zip(*np.nonzero(full <= 12), strict=True)}
    assert set(zip(sup.tolist(), dem.tolist(), strict=True)) == expected
    assert dist == pytest.approx(full[sup, dem])


def test_catchment_refuses_bad_parameters():
    with pytest.raises(ValueError, match="rayon"):
        catchment_rates([("A", 0, 0, 1)], [(0, 0, 1)], radius_km=0)
    with pytest.raises(ValueError, match="décroissance inconnue"):
        catchment_rates([("A", 0, 0, 1)], [(0, 0, 1)], radius_km=5, decay="cubic")


def test_gaps_against_children_and_against_active_applications():
    a = commune_coverage(CommuneInput("A", 100, {"eaje": 20, "assistants_maternels": 30}))
    b = commune_coverage(CommuneInput("B", 50, {"eaje": 40}))
    gaps = {g.code: g for g in supply_demand_gaps([a, b], target_rate=58.8)}
    # A: 58.8 % of 100 = 58.8 places → 9 missing (ceil 8.8); B: 80 % ≥ 58.8 → 0
    assert gaps["A"].places_to_target == 9
    assert gaps["A"].below_target is True
    assert gaps["A"].gap == 50
    assert gaps["B"].places_to_target == 0
    assert gaps["B"].below_target is False
    with_demand = {
        g.code: g
        for g in supply_demand_gaps([a, b], target_rate=58.8, demand={"A": 75}, opening={"A": 10})
    }
    # the coverage gap is kept beside the demand gap, never replaced by it
    assert with_demand["A"].need_kind == "children_under_3"
    assert with_demand["A"].gap == 50
    assert with_demand["A"].demand == 75
    assert with_demand["A"].opening == 10
    assert with_demand["A"].demand_gap == 65
    assert with_demand["A"].pressure == pytest.approx(150.0)
    assert with_demand["B"].demand is None and with_demand["B"].demand_gap is None


def test_masking_and_rounding_of_small_counts():
    assert mask_count(4, 5) is None
    assert mask_count(5, 5) == 5
    assert mask_count(0, 5) == 0  # an absence is not a secret
    assert mask_count(None, 5) is None
    assert mask_count(3, 0) == 3
    assert round_count(7) == 5
    assert round_count(12) == 10
    assert round_count(None) is None


def test_trend_orders_periods_and_measures_changes():
    points = trend([("2020", 58.8, "a", "s"), ("2017", 61.0, "b", "s"), ("2026-11", None, "c")])
    assert [p.period for p in points] == ["2017", "2020", "2026-11"]
    assert points[0].change is None
    assert points[1].change == pytest.approx(-2.2)
    assert points[2].change is None


def test_a_trend_only_joins_points_of_the_same_method_and_source():
    points = trend(
        [
            ("2017", 61.0, "CTG", "Taux publié — CTG"),
            ("2020", 58.0, "CTG", "Taux publié — CTG"),
            ("2026-11", 51.0, "annuaire", "Calcul Maillage sur l'annuaire"),
        ]
    )
    assert points[1].change == pytest.approx(-3.0)
    assert points[2].change is None  # another method: no « −7 points »
    assert points[2].series == "Calcul Maillage sur l'annuaire"


def test_svg_charts_are_valid_accessible_and_escape_text():
    bars = charts.stacked_bars(
        [("Saint-Jeannet <&>", {"eaje": 10, "assistants_maternels": 13.4})],
        [("eaje", "EAJE"), ("assistants_maternels", "Assistants maternels")],
        references=[("France", 58.8)],
        title="Taux",
    )
    root = ET.fromstring(bars)
    assert root.get("role") == "img"
    assert "Saint-Jeannet <&>" in "".join(root.itertext())
    assert len(root.findall("{http://www.w3.org/2000/svg}rect")) >= 3
    square = {"type": "Polygon", "coordinates": [[[7, 43], [7.1, 43], [7.1, 43.1], [7, 43]]]}
    svg = charts.map_svg(
        [
            {
                "name": "A",
                "geometry": square,
                "fill": "#123456",
                "label": "50",
                "latitude": 43.05,
                "longitude": 7.05,
            }
        ],
        [{"latitude": 43.02, "longitude": 7.02, "color": "#b3541e", "shape": "star", "label": "X"}],
        title="Carte",
        legend=charts.rate_legend(),
    )
    root = ET.fromstring(svg)
    paths = root.findall("{http://www.w3.org/2000/svg}path")
    assert paths and paths[0].get("fill") == "#123456"
    line = charts.line_chart([("T", [("2017", 61.0), ("2026", 50.0)])], title="Évolution")
    assert ET.fromstring(line).find("{http://www.w3.org/2000/svg}polyline") is not None


def test_array_coverage_matches_the_per_commune_formula():
    from maillage.observatory.indicators.coverage import coverage_arrays

    children = np.array([100.0, 300.0, 0.0, 80.0])
    eaje = np.array([50.0, 60.0, 5.0, 12.0])
    am = np.array([0.0, 30.0, 0.0, np.nan])
    result = coverage_arrays(
        children, {"eaje": eaje, "assistants_maternels": am}, {"epci": np.array([0, 0, 1, 1])}
    )
    assert result["rate"][0] == pytest.approx(50.0)
    assert result["rate"][1] == pytest.approx(30.0)  # (60 + 30) / 300
    assert np.isnan(result["rate"][2])  # no children: undefined
    assert result["rates"]["eaje"][3] == pytest.approx(15.0)
    epci = result["groups"]["epci"]
    # EPCI 0: (50 + 90) / 400; EPCI 1: (5 + 12) / 80
    assert epci["rate"][0] == pytest.approx(35.0)
    assert epci["rate"][1] == pytest.approx(21.25)
    rows = [
        commune_coverage(CommuneInput("A", 100, {"eaje": 50, "assistants_maternels": 0})),
        commune_coverage(CommuneInput("B", 300, {"eaje": 60, "assistants_maternels": 30})),
    ]
    assert aggregate(rows)["total"].rate == pytest.approx(epci["rate"][0])


def test_complementary_suppression_keeps_a_masked_count_from_being_subtracted():
    from maillage.observatory.indicators.secrecy import suppress

    # Two communes × two modes, with row totals, column totals and the grand total.
    values = {
        ("A", "eaje"): 3,
        ("A", "am"): 20,
        ("A", "total"): 23,
        ("B", "eaje"): 40,
        ("B", "am"): 12,
        ("B", "total"): 52,
        ("T", "eaje"): 43,
        ("T", "am"): 32,
        ("T", "total"): 75,
    }
    lines = [
        [("A", "eaje"), ("A", "am"), ("A", "total")],
        [("B", "eaje"), ("B", "am"), ("B", "total")],
        [("T", "eaje"), ("T", "am"), ("T", "total")],
        [("A", "eaje"), ("B", "eaje"), ("T", "eaje")],
        [("A", "am"), ("B", "am"), ("T", "am")],
        [("A", "total"), ("B", "total"), ("T", "total")],
    ]
    hidden = suppress(values, lines, threshold=5)
    assert ("A", "eaje") in hidden
    # no line may hold exactly one masked entry: it would be its total minus the others
    for line in lines:
        assert sum(k in hidden for k in line) != 1, line
    # the complements are the smallest: A's childminders (20) and B's crèche column (40)…
    assert ("A", "am") in hidden and ("B", "eaje") in hidden and ("B", "am") in hidden
    # …and the totals stay visible
    assert not {("A", "total"), ("B", "total"), ("T", "total")} & hidden
    # what the reader may see anyway is never masked nor used as a complement
    exempt = {("A", "eaje"), ("A", "am"), ("A", "total")}
    assert suppress(values, lines, threshold=5, exempt=exempt) == set()
    assert suppress({("x",): 0, ("y",): None}, [[("x",), ("y",)]], threshold=5) == set()


def test_map_labels_do_not_overlap_and_no_data_is_hatched():
    square = {
        "type": "Polygon",
        "coordinates": [[[7.0, 43.0], [7.2, 43.0], [7.2, 43.2], [7.0, 43.2], [7.0, 43.0]]],
    }
    areas = [
        {"name": "Gattières", "geometry": square, "latitude": 43.1, "longitude": 7.1,
         "fill": charts.rate_color(64.4), "label": "64,4"},
        {"name": "Le Broc", "geometry": square, "latitude": 43.101, "longitude": 7.101,
         "fill": charts.rate_color(None), "label": "n.d."},
    ]  # fmt: skip
    svg = charts.map_svg(areas, title="Carte", legend=charts.rate_legend(), ident="t")
    names = [
        (float(x), float(y))
        for x, y in re.findall(r"<text x='([\d.]+)' y='([\d.]+)' font-size='12' "
                               r"text-anchor='middle' font-weight='bold' fill='#111111'", svg)
    ]  # fmt: skip
    (x1, y1), (x2, y2) = names
    assert abs(x1 - x2) >= 60 or abs(y1 - y2) >= 30  # the second label was moved aside
    assert "<line " in svg  # with a leader line to its commune
    assert "fill='url(#t-nd)'" in svg and "<pattern id='t-nd'" in svg
    assert charts.rate_color(None) == charts.NO_DATA
    assert charts.rate_color(10) not in ("#f1f5fa", "#e9ecef", "#ffffff")


@given(st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=60))
def test_the_weighted_median_of_counts_is_the_median_of_the_values(values):
    from collections import Counter

    from maillage.observatory.indicators.demand import weighted_median

    assert weighted_median(Counter(values)) == statistics.median(values)
    assert weighted_median({}) is None


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["A", "B", "Z"]),
            st.sampled_from(["waiting", "offered", "placed"]),
            st.integers(min_value=-60, max_value=500),
            st.integers(min_value=1, max_value=5),
            st.lists(st.sampled_from(["s1", "s2", "s3"]), unique=True, max_size=3),
            st.integers(min_value=0, max_value=2),
        ),
        max_size=40,
    ),
    st.integers(min_value=0, max_value=40),
)
def test_counting_the_queue_in_two_parts_gives_the_same_summary(rows, cut):
    """The engine's input is counts: two halves of a queue counted apart and added (what the
    database's groups are) summarise like the whole queue, record by record."""
    import datetime

    from maillage.observatory.indicators.demand import (
        CommuneCounts,
        DemandRequest,
        QueueCounts,
        count_requests,
        summarise,
        summarise_counts,
    )

    on = datetime.date(2026, 11, 29)
    records = [
        DemandRequest(commune, status, on + datetime.timedelta(days=days), "bebe", n_days,
                      n_days == 5, registered_on=on - datetime.timedelta(days=90),
                      placed_on=on - datetime.timedelta(days=10 * unplaced),
                      placed_commune="A" if status == "placed" else None,
                      unplaced_sessions=unplaced, wishes=tuple(wishes))
        for commune, status, days, n_days, wishes, unplaced in rows
    ]  # fmt: skip
    kept = [r for r in records if r.commune in ("A", "B")]  # the queries filter on communes
    parts = [count_requests(part, on=on, window_months=12) for part in (kept[:cut], kept[cut:])]

    def add(a, b):
        merged = {}
        for c in (*a, *b):
            if c.commune in merged:
                old = merged[c.commune]
                delays = dict(old.delays)
                for k, v in c.delays.items():
                    delays[k] = delays.get(k, 0) + v
                c = CommuneCounts(
                    c.commune, *(getattr(old, f) + getattr(c, f) for f in (
                        "waiting", "in_window", "started", "unplaced_after_session", "offered",
                        "placed", "placed_outside")), delays=delays,
                )  # fmt: skip
            merged[c.commune] = c
        return tuple(merged.values())

    def plus(x, y):
        return {k: x.get(k, 0) + y.get(k, 0) for k in {*x, *y}}

    a, b = parts
    counts = QueueCounts(
        communes=add(a.communes, b.communes),
        by_age=plus(a.by_age, b.by_age),
        by_month=plus(a.by_month, b.by_month),
        by_days=plus(a.by_days, b.by_days),
        atypical=a.atypical + b.atypical,
        wished=plus(a.wished, b.wished),
        first_wish=plus(a.first_wish, b.first_wish),
    )
    kwargs = {"on": on, "window_months": 12, "communes": ["A", "B"]}
    whole = summarise(records, [], **kwargs)
    summed = summarise_counts(counts, [], **kwargs)
    assert whole.communes == summed.communes and whole.total == summed.total
    assert (whole.by_age, whole.by_month, whole.by_days, whole.atypical) == (
        summed.by_age,
        summed.by_month,
        summed.by_days,
        summed.atypical,
    )
