"""Geocoding through a pluggable adapter (setting MAILLAGE_GEOCODER).

- "ban": the national address API (Base adresse nationale) at MAILLAGE_GEOCODER_URL;
- "recorded": reads recorded responses (JSON files named after a hash of the query) from
  MAILLAGE_GEOCODER_RECORDINGS — used by the tests, never touches the network;
- "none": no geocoding.

When no address point is found, a located object falls back to its commune centroid, flagged
approximate (`CoordinatesPrecision.COMMUNE`).
"""

import hashlib
import json
import logging
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from maillage.directory.enums import CoordinatesPrecision

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GeocodedPoint:
    latitude: float
    longitude: float
    precision: str
    label: str = ""


def recording_name(query: str, citycode: str) -> str:
    digest = hashlib.sha1(f"{query.strip().lower()}|{citycode}".encode()).hexdigest()[:16]
    return f"{digest}.json"


def _parse_ban(payload: dict, min_score: float = 0.5) -> GeocodedPoint | None:
    for feature in payload.get("features", []):
        props = feature.get("properties", {})
        if props.get("score", 0) < min_score:
            continue
        lon, lat = feature["geometry"]["coordinates"]
        kind = props.get("type")
        if kind == "housenumber":
            precision = CoordinatesPrecision.ADDRESS
        elif kind in ("street", "locality"):
            precision = CoordinatesPrecision.STREET
        else:
            return None  # a municipality result is no better than our own centroid
        return GeocodedPoint(float(lat), float(lon), precision, props.get("label", ""))
    return None


class NoGeocoder:
    def geocode(self, address: str, citycode: str = "", ref: str = "") -> GeocodedPoint | None:
        return None


class BanGeocoder:
    def __init__(self, url: str, timeout: float = 5.0):
        self.url = url
        self.timeout = timeout
        self.failures = 0

    def fetch(self, address: str, citycode: str) -> dict:
        params = {"q": address, "limit": 1}
        if citycode:
            params["citycode"] = citycode
        url = f"{self.url}?{urllib.parse.urlencode(params)}"
        with urllib.request.urlopen(url, timeout=self.timeout) as response:  # noqa: S310
            return json.load(response)

    def geocode(self, address: str, citycode: str = "", ref: str = "") -> GeocodedPoint | None:
        """The point of `address`, or None. A failure is logged with the commune code, the
        object's reference and a running count — never the address (it may be a home)."""
        if not address.strip():
            return None
        try:
            return _parse_ban(self.fetch(address, citycode))
        except (OSError, ValueError, KeyError) as exc:
            self.failures += 1
            logger.warning(
                "Géocodage impossible (%s, commune %s, échec n° %d de ce lot) : %s",
                ref or "fiche sans référence",
                citycode or "inconnue",
                self.failures,
                type(exc).__name__,
            )
            return None


class RecordedGeocoder:
    """Replays BAN responses recorded as JSON files; an unknown address is not found."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def geocode(self, address: str, citycode: str = "", ref: str = "") -> GeocodedPoint | None:
        if not address.strip():
            return None
        path = self.directory / recording_name(address, citycode)
        if not path.exists():
            return None
        return _parse_ban(json.loads(path.read_text(encoding="utf-8")))


def get_geocoder():
    name = getattr(settings, "MAILLAGE_GEOCODER", "none")
    if name == "ban":
        return BanGeocoder(settings.MAILLAGE_GEOCODER_URL)
    if name == "recorded":
        default = Path(settings.BASE_DIR) / "tests" / "directory" / "geocoder"
        return RecordedGeocoder(getattr(settings, "MAILLAGE_GEOCODER_RECORDINGS", default))
    return NoGeocoder()


def reference(obj) -> str:
    """How a log line names a located object: its kind and id, never its name or address."""
    kind = obj._meta.verbose_name
    if obj.pk:
        return f"{kind} n° {obj.pk}"
    return f"{kind} (nouvelle fiche)"


def locate(obj, geocoder=None, *, geocode_address: bool = True) -> None:
    """Set obj.latitude/longitude/coordinates_precision (not saved).

    Keeps coordinates given explicitly (precision other than commune/none); else geocodes the
    address; else falls back to the commune centroid, flagged approximate.
    """
    has_own = (
        obj.latitude is not None
        and obj.longitude is not None
        and obj.coordinates_precision
        not in (CoordinatesPrecision.COMMUNE, CoordinatesPrecision.NONE)
    )
    if has_own:
        return
    if geocode_address and getattr(obj, "address", ""):
        point = (geocoder or get_geocoder()).geocode(
            obj.address, obj.commune.insee_code, ref=reference(obj)
        )
        if point is not None:
            obj.latitude, obj.longitude = point.latitude, point.longitude
            obj.coordinates_precision = point.precision
            return
    commune = obj.commune
    if commune.latitude is not None and commune.longitude is not None:
        obj.latitude, obj.longitude = commune.latitude, commune.longitude
        obj.coordinates_precision = CoordinatesPrecision.COMMUNE
    else:
        obj.latitude = obj.longitude = None
        obj.coordinates_precision = CoordinatesPrecision.NONE
