import gzip
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from maillage.territories.geojson import centroid
from maillage.territories.models import Commune

SHARED_GEO = Path(__file__).resolve().parents[3] / "shared" / "data" / "geo"


def square(x, y, size=1.0):
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]],
    }


def write_geojson(path, features):
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    return path


def test_centroid_of_a_square_and_of_a_multipolygon():
    assert centroid(square(2, 4, 2)) == pytest.approx((3, 5))
    multi = {
        "type": "MultiPolygon",
        "coordinates": [square(0, 0)["coordinates"], square(10, 0)["coordinates"]],
    }
    assert centroid(multi) == pytest.approx((5.5, 0.5))


def test_import_stores_geometry_and_centroid_and_reports_unmatched_codes(bassin, tmp_path, capsys):
    path = write_geojson(
        tmp_path / "contours.geojson",
        [
            {
                "type": "Feature",
                "properties": {"code": "06033", "nom": "Carros"},
                "geometry": square(7.18, 43.77, 0.02),
            },
            {
                "type": "Feature",
                "properties": {"code": "06999", "nom": "Commune fusionnée"},
                "geometry": square(0, 0),
            },
            {"type": "Feature", "properties": {"nom": "sans code"}, "geometry": square(0, 0)},
        ],
    )
    call_command("import_geojson", str(path))
    out = capsys.readouterr().out
    assert "1 contour(s) importé(s)" in out
    assert "1 code(s) sans commune correspondante : 06999 Commune fusionnée" in out
    assert "objet n° 3" in out
    carros = Commune.objects.get(insee_code="06033")
    assert carros.latitude == pytest.approx(43.78)
    assert carros.longitude == pytest.approx(7.19)
    assert carros.geometry["type"] == "Polygon"

    call_command("import_geojson", str(path))
    assert "0 contour(s) importé(s), 1 déjà à jour" in capsys.readouterr().out


@pytest.mark.skipif(not SHARED_GEO.exists(), reason="données de référence partagées absentes")
def test_import_real_2018_contours_reports_communes_merged_since(bassin, capsys):
    call_command("import_geojson", str(SHARED_GEO / "communes-06-alpes-maritimes.geojson.gz"))
    out = capsys.readouterr().out
    assert "6 contour(s) importé(s)" in out
    with gzip.open(SHARED_GEO / "communes-06-alpes-maritimes.geojson.gz", "rt") as fh:
        total = len(json.load(fh)["features"])
    assert f"{total - 6} code(s) sans commune correspondante" in out
    le_broc = Commune.objects.get(insee_code="06025")
    assert 43.7 < le_broc.latitude < 43.9 and 7.1 < le_broc.longitude < 7.2


def test_unreadable_file_gives_a_french_error(db, tmp_path):
    bad = tmp_path / "pas-du-json.geojson"
    bad.write_text("ceci n'est pas du GeoJSON", encoding="utf-8")
    with pytest.raises(CommandError, match="n'est pas un fichier GeoJSON lisible"):
        call_command("import_geojson", str(bad))
    with pytest.raises(CommandError, match="fichier introuvable"):
        call_command("import_geojson", str(tmp_path / "absent.geojson"))
    not_collection = write_geojson(tmp_path / "x.geojson", [])
    not_collection.write_text(json.dumps({"type": "Feature"}), encoding="utf-8")
    with pytest.raises(CommandError, match="FeatureCollection"):
        call_command("import_geojson", str(not_collection))


def test_demo_contours_of_the_bassin_are_vendored_and_idempotent(bassin):
    from maillage.territories.demo import load_bassin_contours

    first = load_bassin_contours()
    assert (first.matched, first.unmatched, first.invalid) == (6, [], [])
    assert load_bassin_contours().unchanged == 6
    le_broc = Commune.objects.get(insee_code="06025")
    assert 43.7 < le_broc.latitude < 43.9 and 7.1 < le_broc.longitude < 7.2
    assert "IGN ADMIN EXPRESS 2018" in le_broc.geometry_source
