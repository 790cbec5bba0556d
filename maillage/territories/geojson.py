"""Import of commune contours (GeoJSON FeatureCollection with properties `code` and `nom`)."""

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from maillage.territories.models import Commune


class GeoJSONError(ValueError):
    """The file is not a usable GeoJSON FeatureCollection (message in French)."""


@dataclass
class GeoImportReport:
    matched: int = 0
    unchanged: int = 0
    unmatched: list[tuple[str, str]] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)


def _rings(geometry: dict):
    if geometry["type"] == "Polygon":
        yield from geometry["coordinates"][:1]
    elif geometry["type"] == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            yield polygon[0]
    else:
        raise GeoJSONError(
            f"géométrie de type {geometry['type']} non prise en charge (Polygon ou MultiPolygon attendu)"
        )


def centroid(geometry: dict) -> tuple[float, float]:
    """Area-weighted centroid (longitude, latitude) of the outer rings, planar approximation.

    Good enough at commune scale for map markers and distance fallbacks.
    """
    area_sum = cx = cy = 0.0
    xs = ys = 0.0
    count = 0
    for ring in _rings(geometry):
        for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False):
            cross = x0 * y1 - x1 * y0
            area_sum += cross
            cx += (x0 + x1) * cross
            cy += (y0 + y1) * cross
            xs += x0
            ys += y0
            count += 1
    if abs(area_sum) < 1e-12:
        if not count:
            raise GeoJSONError("contour vide")
        return xs / count, ys / count
    return cx / (3 * area_sum), cy / (3 * area_sum)


def read_features(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError as exc:
        raise GeoJSONError(f"fichier introuvable : {path}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError, OSError) as exc:
        raise GeoJSONError(f"{path} n'est pas un fichier GeoJSON lisible ({exc})") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise GeoJSONError("le fichier doit contenir une FeatureCollection GeoJSON")
    return data.get("features") or []


@transaction.atomic
def import_contours(path: Path, *, source: str = "", progress=None) -> GeoImportReport:
    features = read_features(path)
    report = GeoImportReport()
    communes = {c.insee_code: c for c in Commune.objects.all()}
    to_update = []
    items = (
        features if progress is None else progress(features, total=len(features), desc="contours")
    )
    for index, feature in enumerate(items, start=1):
        props = feature.get("properties") or {}
        code = str(props.get("code", "")).strip()
        if not code or not feature.get("geometry"):
            report.invalid.append(f"objet n° {index} : propriété « code » ou géométrie manquante")
            continue
        commune = communes.get(code)
        if commune is None:
            report.unmatched.append((code, props.get("nom", "")))
            continue
        try:
            lon, lat = centroid(feature["geometry"])
        except (GeoJSONError, KeyError, TypeError, ValueError) as exc:
            report.invalid.append(f"commune {code} : contour illisible ({exc})")
            continue
        values = {
            "geometry": feature["geometry"],
            "longitude": round(lon, 6),
            "latitude": round(lat, 6),
            "geometry_source": source or path.name,
        }
        if all(getattr(commune, k) == v for k, v in values.items()):
            report.unchanged += 1
            continue
        for k, v in values.items():
            setattr(commune, k, v)
        to_update.append(commune)
    Commune.objects.bulk_update(
        to_update, ["geometry", "longitude", "latitude", "geometry_source"], batch_size=500
    )
    report.matched = len(to_update)
    return report
