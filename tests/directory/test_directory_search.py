"""Search filters: distance (bounding box + haversine), age, hours, days, atypical hours,
inclusion, childminders' availability; and « qui peut m'aider ? »."""

import datetime

import pytest

from maillage.directory.enums import CoordinatesPrecision, StructureKind, days_mask, theme_of
from maillage.directory.geo import bounding_box, haversine_km
from maillage.directory.models import Structure
from maillage.directory.search import (
    CHILDMINDER,
    EAJE,
    SearchCriteria,
    age_in_months,
    helpers_for,
    search,
)
from tests.directory.factories import AvailabilityFactory, ChildminderFactory, StructureFactory

T = datetime.time


def at(commune, **kwargs):
    """A structure placed exactly at the centroid of `commune`."""
    return StructureFactory(
        commune=commune, latitude=commune.latitude, longitude=commune.longitude, **kwargs
    )


def names(result):
    return [str(h.obj) if h.is_childminder else h.obj.name for h in result.hits]


def test_haversine_and_bounding_box():
    # Nice → Marseille: about 159 km
    assert 157 < haversine_km(43.7031, 7.2661, 43.2965, 5.3698) < 161
    south, west, north, east = bounding_box(43.8, 7.16, 10)
    assert haversine_km(43.8, 7.16, north, 7.16) == pytest.approx(10, rel=1e-3)
    assert haversine_km(43.8, 7.16, 43.8, east) >= 10
    # the widest point of the circle (slightly north of the parallel) is inside the box too
    for bearing in range(0, 360, 5):
        lat, lon = _destination(43.8, 7.16, 10, bearing)
        assert south <= lat <= north and west <= lon <= east


def _destination(lat, lon, km, bearing):
    import math

    d, b = km / 6371.0088, math.radians(bearing)
    p1, l1 = math.radians(lat), math.radians(lon)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(
        math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2)
    )
    return math.degrees(p2), math.degrees(l2)


def test_distance_filter_uses_exact_distance(located_bassin):
    b = located_bassin
    at(b["06025"], name="Au Broc")
    at(b["06033"], name="À Carros")  # 3.9 km
    at(b["06065"], name="À La Gaude")  # 10.4 km
    near = search(SearchCriteria(commune=b["06025"], radius_km=10))
    assert names(near) == ["Au Broc", "À Carros"]
    assert near.hits[0].distance_km == pytest.approx(0, abs=1e-6)
    assert near.hits[1].distance_km == pytest.approx(
        haversine_km(
            b["06025"].latitude, b["06025"].longitude, b["06033"].latitude, b["06033"].longitude
        )
    )
    wider = search(SearchCriteria(commune=b["06025"], radius_km=11))
    assert names(wider) == ["Au Broc", "À Carros", "À La Gaude"]


def test_age_filter(located_bassin):
    b = located_bassin
    at(b["06025"], name="Crèche")  # 2 to 48 months
    at(b["06025"], name="Loisirs", alsh=True)  # 36 to 143 months
    at(b["06025"], name="Relais", rpe=True)  # no limit
    assert names(search(SearchCriteria(commune=b["06025"], age_months=6))) == [
        "Crèche",
        "Relais",
    ]
    assert sorted(names(search(SearchCriteria(commune=b["06025"], age_months=40)))) == [
        "Crèche",
        "Loisirs",
        "Relais",
    ]
    assert names(search(SearchCriteria(commune=b["06025"], age_months=1))) == ["Relais"]


def test_age_from_birth_date():
    assert age_in_months(datetime.date(2026, 5, 22), datetime.date(2026, 11, 22)) == 6
    assert age_in_months(datetime.date(2026, 5, 23), datetime.date(2026, 11, 22)) == 5
    assert age_in_months(datetime.date(2027, 3, 1), datetime.date(2026, 11, 22)) == 0


def test_hours_and_days_filters(located_bassin):
    b = located_bassin
    at(b["06025"], name="Ferme à 18 h 30")
    at(b["06025"], name="Ferme à 19 h 30", late=True)
    at(b["06025"], name="Ouvre à 8 h", opens_at=T(8, 0), closes_at=T(19, 0))
    at(b["06025"], name="Samedi aussi", opening_days=days_mask(range(6)), weekend=True)
    until_19 = SearchCriteria(commune=b["06025"], needs_until=T(19, 0))
    assert names(search(until_19)) == ["Ferme à 19 h 30", "Ouvre à 8 h"]
    early = SearchCriteria(commune=b["06025"], needs_from=T(7, 30), needs_until=T(19, 0))
    assert names(search(early)) == ["Ferme à 19 h 30"]
    saturday = SearchCriteria(commune=b["06025"], days_mask=days_mask([0, 5]))
    assert names(search(saturday)) == ["Samedi aussi"]
    weekdays = SearchCriteria(commune=b["06025"], days_mask=days_mask(range(5)))
    assert len(search(weekdays).hits) == 4


def test_atypical_hours_inclusion_kind_and_active(located_bassin):
    b = located_bassin
    at(b["06025"], name="Tardive", late=True)
    at(b["06025"], name="Inclusive", inclusive=True)
    at(b["06025"], name="Fermée", inactive=True)
    at(b["06025"], name="Relais", rpe=True)
    assert names(search(SearchCriteria(commune=b["06025"], atypical=["late"]))) == ["Tardive"]
    assert names(search(SearchCriteria(commune=b["06025"], inclusion=True))) == ["Inclusive"]
    assert names(search(SearchCriteria(commune=b["06025"], kinds=[StructureKind.RPE]))) == [
        "Relais"
    ]
    assert "Relais" not in names(search(SearchCriteria(commune=b["06025"], kinds=[EAJE])))
    assert "Fermée" not in names(search(SearchCriteria(commune=b["06025"])))


def test_childminders_with_their_availability(located_bassin):
    b = located_bassin
    carros = b["06033"]

    def cm(name, **kwargs):
        return ChildminderFactory(
            first_name=name,
            last_name="Test",
            commune=carros,
            latitude=carros.latitude,
            longitude=carros.longitude,
            **kwargs,
        )

    AvailabilityFactory(childminder=cm("Disponible19h"))
    AvailabilityFactory(childminder=cm("Disponible18h"), until_18=True)
    AvailabilityFactory(childminder=cm("Ancienne"), stale=True)
    AvailabilityFactory(childminder=cm("PasDeBébés", babies_excluded=True))
    AvailabilityFactory(childminder=cm("Complet"), places=0)
    cm("SansDéclaration")
    criteria = SearchCriteria(
        commune=b["06025"], radius_km=10, kinds=[CHILDMINDER], age_months=6, needs_until=T(19)
    )
    result = search(criteria)
    assert names(result) == ["Disponible19h Test"]
    assert result.hits[0].availability.places == 1
    available = search(SearchCriteria(commune=b["06025"], kinds=[CHILDMINDER]))
    assert sorted(names(available)) == [
        "Disponible18h Test",
        "Disponible19h Test",
        "PasDeBébés Test",
    ]
    everyone = search(SearchCriteria(commune=b["06025"], kinds=[CHILDMINDER], only_available=False))
    assert len(everyone.hits) == 6


def test_family_journey_query_mixes_crèches_and_childminders(located_bassin):
    b = located_bassin
    at(b["06033"], name="Crèche tardive", late=True)
    at(b["06025"], name="Crèche 18 h 30")
    AvailabilityFactory(
        childminder=ChildminderFactory(
            commune=b["06064"], latitude=b["06064"].latitude, longitude=b["06064"].longitude
        )
    )
    result = search(
        SearchCriteria(
            commune=b["06025"],
            radius_km=10,
            kinds=[],
            age_months=6,
            needs_until=T(19),
        )
    )
    assert [h.kind for h in result.hits] == [StructureKind.MULTI_ACCUEIL, CHILDMINDER]
    assert [h.distance_km for h in result.hits] == sorted(h.distance_km for h in result.hits)


def test_commune_without_coordinates_falls_back_to_the_commune(bassin):
    StructureFactory(commune=bassin["06025"], latitude=None, longitude=None, name="Sans position")
    StructureFactory(commune=bassin["06033"], name="Ailleurs")
    result = search(SearchCriteria(commune=bassin["06025"]))
    assert result.centre is None
    assert names(result) == ["Sans position"]


def test_helpers_are_the_relais_of_the_family_commune(located_bassin):
    b = located_bassin
    own = at(b["06033"], name="RPE de Carros", rpe=True, admitted=[b["06025"]])
    at(b["06065"], name="RPE de La Gaude", rpe=True)
    assert helpers_for(b["06025"]) == [own]
    # Gilette: no relais of its own: the nearest ones within 30 km
    assert [s.name for s in helpers_for(b["06066"])] == ["RPE de Carros", "RPE de La Gaude"]


def test_interface_for_teammates(located_bassin):
    b = located_bassin
    crèche = at(b["06025"], kind=StructureKind.MICRO_CRECHE_PAJE)
    at(b["06033"], rpe=True)
    assert list(Structure.objects.active().eaje()) == [crèche]
    assert crèche.places_total == 30
    assert Structure.objects.in_communes([b["06025"]]).with_places_total()[0].total_places == 30
    assert theme_of(StructureKind.MICRO_CRECHE_PAJE) == "petite_enfance"
    assert theme_of(StructureKind.FRANCE_SERVICES) == "acces_aux_droits"
    assert {theme_of(k) for k in StructureKind} == {
        "petite_enfance",
        "enfance",
        "jeunesse",
        "parentalite",
        "animation_vie_sociale",
        "acces_aux_droits",
    }
    assert crèche.coordinates_precision == CoordinatesPrecision.MANUAL


def test_structures_reserved_to_other_communes_are_flagged(located_bassin):
    b = located_bassin
    at(b["06065"], name="Pour La Gaude", admitted=[b["06065"], b["06122"]])
    at(b["06065"], name="Pour tous")
    hits = {h.obj.name: h for h in search(SearchCriteria(commune=b["06122"], radius_km=20)).hits}
    assert hits["Pour La Gaude"].admits_family and hits["Pour tous"].admits_family
    hits = {h.obj.name: h for h in search(SearchCriteria(commune=b["06025"], radius_km=20)).hits}
    assert not hits["Pour La Gaude"].admits_family and hits["Pour tous"].admits_family


def test_hour_filters_and_badges_mean_the_same_thing(located_bassin):
    """« Jusqu'à 19:30 » finds every service marked « Tard le soir », whatever daytime hours it
    declared; « à partir de 6:00 » those marked « Tôt le matin »; the night covers both."""
    b = located_bassin
    late = ChildminderFactory(commune=b["06025"], late_hours=True)
    AvailabilityFactory(childminder=late, until_18=True)
    plain = ChildminderFactory(commune=b["06025"])
    AvailabilityFactory(childminder=plain, until_18=True)
    at(b["06025"], name="Crèche du soir", closes_at=T(18, 30), late_hours=True)
    at(b["06025"], name="Crèche de jour", closes_at=T(18, 30))
    at(b["06025"], name="Crèche de nuit", opens_at=T(8, 0), closes_at=T(18, 0), night=True)
    evening = search(SearchCriteria(commune=b["06025"], needs_until=T(19, 30)))
    assert set(names(evening)) == {str(late), "Crèche du soir", "Crèche de nuit"}
    # every hit of the filter carries the badge or declared the hours
    for hit in evening.hits:
        assert hit.obj.late_hours or hit.obj.night
    # beyond the late evening (22:00), only the night or declared hours
    assert set(names(search(SearchCriteria(commune=b["06025"], needs_until=T(23, 0))))) == {
        "Crèche de nuit"
    }
    early = ChildminderFactory(commune=b["06025"], early_hours=True)
    AvailabilityFactory(childminder=early)  # declared from 8:00
    morning = search(SearchCriteria(commune=b["06025"], needs_from=T(6, 0), kinds=[CHILDMINDER]))
    assert names(morning) == [str(early)]
