"""Catchment coverage: the two-step floating catchment area method (2SFCA).

Families cross commune borders, so a communal rate misleads (CNAF, dossier d'étude n° 203).
Step 1: each supply point j shares its places S_j among the children living within the radius r:
    R_j = S_j / Σ_{k : d_kj ≤ r} w(d_kj) · P_k
Step 2: each demand point i (a commune centroid) sums the ratios of the supply points it reaches:
    A_i = Σ_{j : d_ij ≤ r} w(d_ij) · R_j
A_i × 100 is a number of places per 100 children. Places whose catchment holds no child are
reported as `unreached_places`.

Neighbours are found on a 3-D grid of unit-sphere coordinates whose cell is the chord of the
radius, so each point only meets the 27 cells around it (no all-pairs matrix), then distances are
exact great-circle distances (computed from the chord, equal to the haversine formula).
"""

from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_KM = 6371.0088
DECAYS = ("none", "linear", "gaussian")


@dataclass(frozen=True)
class CatchmentResult:
    accessibility: np.ndarray  # places per child, per demand point (× 100 for a rate)
    supply_ratio: np.ndarray  # R_j, places per weighted child, per supply point
    unreached_places: float
    pairs: int  # number of (supply, demand) pairs within the radius


def _unit_vectors(lat_deg, lon_deg) -> np.ndarray:
    lat = np.radians(np.asarray(lat_deg, dtype=float))
    lon = np.radians(np.asarray(lon_deg, dtype=float))
    cos_lat = np.cos(lat)
    return np.column_stack((cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)))


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    lat1, lon1, lat2, lon2 = (
        np.radians(np.asarray(v, dtype=float)) for v in (lat1, lon1, lat2, lon2)
    )
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def weights(distance_km: np.ndarray, radius_km: float, decay: str) -> np.ndarray:
    """Distance decay inside the radius: 1 (none), 1 − d/r (linear), or the Gaussian of
    Dai (2010) normalised to 1 at d = 0 and 0 at d = r."""
    if decay == "none":
        return np.ones_like(distance_km)
    if decay == "linear":
        return np.clip(1.0 - distance_km / radius_km, 0.0, 1.0)
    if decay == "gaussian":
        edge = np.exp(-0.5)
        return np.clip((np.exp(-0.5 * (distance_km / radius_km) ** 2) - edge) / (1 - edge), 0, 1)
    raise ValueError(f"décroissance inconnue : {decay!r} (attendu : {', '.join(DECAYS)})")


def neighbour_pairs(
    supply_lat, supply_lon, demand_lat, demand_lon, radius_km: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices (supply, demand) and distances of every pair closer than `radius_km`."""
    if radius_km <= 0:
        raise ValueError("le rayon doit être positif")
    s_xyz = _unit_vectors(supply_lat, supply_lon)
    d_xyz = _unit_vectors(demand_lat, demand_lon)
    if len(s_xyz) == 0 or len(d_xyz) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    chord = 2 * np.sin(min(radius_km / EARTH_RADIUS_KM, np.pi) / 2)
    cell = max(chord, 1e-9)
    half = int(np.ceil(1.0 / cell)) + 2
    size = 2 * half + 1

    def cells(xyz):
        return np.floor(xyz / cell).astype(np.int64) + half

    def encode(c):
        return (c[:, 0] * size + c[:, 1]) * size + c[:, 2]

    d_cells = cells(d_xyz)
    d_keys = encode(d_cells)
    order = np.argsort(d_keys, kind="stable")
    sorted_keys = d_keys[order]
    s_cells = cells(s_xyz)
    # sorted queries make the binary searches cache-friendly
    s_order = np.argsort(encode(s_cells), kind="stable")
    s_cells = s_cells[s_order]
    sup_parts, dem_parts = [], []
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            for dz in (-1, 0, 1):
                keys = encode(s_cells + np.array([dx, dy, dz]))
                start = np.searchsorted(sorted_keys, keys, side="left")
                stop = np.searchsorted(sorted_keys, keys, side="right")
                counts = stop - start
                total = int(counts.sum())
                if total == 0:
                    continue
                sup = np.repeat(s_order, counts)
                offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
                dem = order[np.repeat(start, counts) + offsets]
                sup_parts.append(sup)
                dem_parts.append(dem)
    if not sup_parts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    sup = np.concatenate(sup_parts)
    dem = np.concatenate(dem_parts)
    # exact great-circle distance from the chord between unit vectors (same as haversine)
    chord2 = np.zeros(len(sup))
    for axis in range(3):
        delta = s_xyz[sup, axis] - d_xyz[dem, axis]
        chord2 += delta * delta
    keep = chord2 <= chord * chord * (1 + 1e-12)
    sup, dem = sup[keep], dem[keep]
    dist = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(np.sqrt(chord2[keep]) / 2, 1.0))
    inside = dist <= radius_km
    return sup[inside], dem[inside], dist[inside]


def two_step_fca(
    supply_lat,
    supply_lon,
    supply_places,
    demand_lat,
    demand_lon,
    demand_population,
    *,
    radius_km: float,
    decay: str = "none",
) -> CatchmentResult:
    """2SFCA accessibility (places per child) of each demand point."""
    places = np.asarray(supply_places, dtype=float)
    population = np.asarray(demand_population, dtype=float)
    if np.any(places < 0) or np.any(population < 0):
        raise ValueError("places et populations doivent être positives ou nulles")
    sup, dem, dist = neighbour_pairs(supply_lat, supply_lon, demand_lat, demand_lon, radius_km)
    w = weights(dist, radius_km, decay)
    weighted_demand = np.bincount(sup, weights=w * population[dem], minlength=len(places))
    ratio = np.divide(places, weighted_demand, out=np.zeros_like(places), where=weighted_demand > 0)
    accessibility = np.bincount(dem, weights=w * ratio[sup], minlength=len(population))
    unreached = float(places[weighted_demand <= 0].sum())
    return CatchmentResult(accessibility, ratio, unreached, int(len(sup)))


def catchment_rates(
    communes: list[tuple[str, float, float, float]],
    supply: list[tuple[float, float, float]],
    *,
    radius_km: float,
    decay: str = "none",
) -> dict[str, float | None]:
    """Catchment rate (places per 100 children) per commune code.

    `communes`: (code, latitude, longitude, children under 3) — the demand points;
    `supply`: (latitude, longitude, places) — structures, or places grouped at a location.
    A commune without children gets None.
    """
    if not communes:
        return {}
    codes = [c[0] for c in communes]
    arr = np.array([c[1:] for c in communes], dtype=float).reshape(-1, 3)
    sup = np.array(supply, dtype=float).reshape(-1, 3)
    result = two_step_fca(
        sup[:, 0],
        sup[:, 1],
        sup[:, 2],
        arr[:, 0],
        arr[:, 1],
        arr[:, 2],
        radius_km=radius_km,
        decay=decay,
    )
    return {
        code: (float(result.accessibility[i]) * 100.0 if arr[i, 2] > 0 else None)
        for i, code in enumerate(codes)
    }
