"""Distances and bounding boxes on the sphere (plain Python, shared by search and benchmarks)."""

import math

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE_LAT = math.pi * EARTH_RADIUS_KM / 180


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(south, west, north, east) of a box that contains the circle of `radius_km`."""
    angle = radius_km / EARTH_RADIUS_KM  # angular radius, in radians
    dlat = math.degrees(angle)
    ratio = math.sin(angle) / max(math.cos(math.radians(lat)), 1e-9)
    # widest longitude of a spherical cap: asin(sin(r) / cos(lat)); a pole inside → all
    dlon = 180.0 if ratio >= 1 else math.degrees(math.asin(ratio))
    margin = 1e-7  # degrees (about 1 cm): float rounding never drops a point on the circle
    return lat - dlat - margin, lon - dlon - margin, lat + dlat + margin, lon + dlon + margin


def offset(lat: float, lon: float, seed: int, max_km: float = 0.8) -> tuple[float, float]:
    """A small deterministic offset around a point (demo data placed near a centroid)."""
    angle = (seed * 137.50776) % 360
    distance = max_km * (0.25 + 0.75 * ((seed * 7919) % 100) / 100)
    dlat = distance * math.cos(math.radians(angle)) / KM_PER_DEGREE_LAT
    dlon = (
        distance * math.sin(math.radians(angle)) / (KM_PER_DEGREE_LAT * math.cos(math.radians(lat)))
    )
    return round(lat + dlat, 6), round(lon + dlon, 6)
