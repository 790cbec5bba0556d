"""Benchmark of the directory search (not a test): a national-scale synthetic directory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/maillage_bench .venv/bin/python bench/directory.py
    .venv/bin/python bench/directory.py --queries 1000 --reload      # rebuild the synthetic rows

The database is created if missing (PostgreSQL), migrated, and loaded with the real communes of
the COG (the import function of Maillage). Commune coordinates: real centroids for the
départements whose contours are in ../shared/data/geo (06, 32, 66, 79, 93), elsewhere a
deterministic random point inside the simplified contour of the département (synthetic, but the
national spread and the density by département are realistic). Then ~17,000 EAJE, ~40,000
other services and ~240,000 assistants maternels (a third with a current availability) are
placed around communes drawn in proportion to their population.

1,000 queries with mixed filters (centre commune drawn by population, radius 3-20 km, age,
hours, kind, atypical hours, inclusion) run through `maillage.directory.search.search`, the
code path of the public page and of the API. It prints p50, p95 and p99 latencies.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import json
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.shared import geo_dir  # noqa: E402

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/maillage_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

EAJE_COUNT = 17_000
OTHER_COUNT = 40_000
CHILDMINDER_COUNT = 240_000
BATCH = 5_000


def ensure_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"base {name} créée")


def _rings(geometry):
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    return [polygon[0] for polygon in geometry["coordinates"]]


def _inside(x, y, ring) -> bool:
    inside = False
    for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False):
        if (y0 > y) != (y1 > y) and x < (x1 - x0) * (y - y0) / (y1 - y0) + x0:
            inside = not inside
    return inside


def locate_communes(rng: random.Random) -> int:
    from maillage.territories.geojson import import_contours
    from maillage.territories.models import Commune

    for path in sorted(geo_dir().glob("communes-*.geojson.gz")):
        import_contours(path, source=f"{path.name} (benchmark)")
    with gzip.open(geo_dir() / "departements-simplifies.geojson.gz", "rt", encoding="utf-8") as fh:
        departements = {
            f["properties"]["code"]: _rings(f["geometry"]) for f in json.load(fh)["features"]
        }
    missing = list(
        Commune.objects.filter(latitude__isnull=True).select_related("departement").order_by("pk")
    )
    for commune in missing:
        rings = departements.get(commune.departement.code)
        if not rings:  # overseas départements absent from the simplified file: none to place
            continue
        ring = max(rings, key=len)
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        for _ in range(200):
            x, y = rng.uniform(min(xs), max(xs)), rng.uniform(min(ys), max(ys))
            if _inside(x, y, ring):
                break
        commune.latitude, commune.longitude = round(y, 6), round(x, 6)
    Commune.objects.bulk_update(missing, ["latitude", "longitude"], batch_size=BATCH)
    return Commune.objects.filter(latitude__isnull=False).count()


def jitter(rng, lat, lon, km):
    angle = rng.uniform(0, 2 * math.pi)
    d = km * math.sqrt(rng.random())
    return (
        lat + d * math.cos(angle) / 111.2,
        lon + d * math.sin(angle) / (111.2 * math.cos(math.radians(lat))),
    )


def load_synthetic(rng: random.Random) -> None:
    from tqdm import tqdm

    from maillage.directory.enums import (
        EAJE_KINDS,
        CoordinatesPrecision,
        PricingMode,
        StructureKind,
    )
    from maillage.directory.models import Childminder, ChildminderAvailability, Structure
    from maillage.territories.models import Commune

    ChildminderAvailability.objects.all().delete()
    Childminder.objects.all().delete()
    Structure.objects.all().delete()
    communes = list(
        Commune.objects.filter(latitude__isnull=False, population__gt=0).values_list(
            "pk", "latitude", "longitude", "population"
        )
    )
    weights = [c[3] for c in communes]
    eaje_kinds = sorted(k.value for k in EAJE_KINDS)
    other_kinds = sorted(k.value for k in StructureKind if k not in EAJE_KINDS)
    hours = [(datetime.time(7, 0), datetime.time(19, 0)), (datetime.time(7, 30), datetime.time(18, 30)),
             (datetime.time(8, 0), datetime.time(18, 0)), (datetime.time(6, 30), datetime.time(20, 0))]  # fmt: skip

    def structures(count, kinds, eaje):
        picks = rng.choices(communes, weights=weights, k=count)
        rows = []
        for i, (pk, lat, lon, _pop) in enumerate(picks):
            la, lo = jitter(rng, lat, lon, 2.0)
            opens, closes = rng.choice(hours)
            kind = rng.choice(kinds)
            rows.append(
                Structure(
                    name=f"{'EAJE' if eaje else 'Service'} synthétique {i}",
                    kind=kind,
                    commune_id=pk,
                    latitude=la,
                    longitude=lo,
                    coordinates_precision=CoordinatesPrecision.MANUAL,
                    age_min_months=2 if eaje else rng.choice([None, 36, 72, 132]),
                    age_max_months=48 if eaje else rng.choice([None, 143, 215]),
                    places_babies=rng.randint(0, 12) if eaje else 0,
                    places_toddlers=rng.randint(0, 15) if eaje else 0,
                    places_older=rng.randint(0, 15) if eaje else 0,
                    places_other=0 if eaje else rng.randint(0, 120),
                    opens_at=opens,
                    closes_at=closes,
                    early_hours=opens < datetime.time(7),
                    late_hours=closes > datetime.time(19),
                    weekend=rng.random() < 0.03,
                    holidays=rng.random() < 0.5,
                    inclusion_referent=eaje and rng.random() < 0.6,
                    inclusion_adapted=rng.random() < 0.2,
                    pricing_mode=PricingMode.PSU if eaje else PricingMode.OTHER,
                    source="benchmark",
                )
            )
        return rows

    for label, count, kinds, eaje in (
        ("EAJE", EAJE_COUNT, eaje_kinds, True),
        ("autres services", OTHER_COUNT, other_kinds, False),
    ):
        rows = structures(count, kinds, eaje)
        for start in tqdm(range(0, len(rows), BATCH), desc=label, leave=False):
            Structure.objects.bulk_create(rows[start : start + BATCH])
    today = datetime.date.today()
    picks = rng.choices(communes, weights=weights, k=CHILDMINDER_COUNT)
    for start in tqdm(range(0, CHILDMINDER_COUNT, BATCH), desc="assistants maternels", leave=False):
        rows = []
        for i, (pk, lat, lon, _pop) in enumerate(picks[start : start + BATCH], start=start):
            la, lo = jitter(rng, lat, lon, 1.5)
            rows.append(
                Childminder(
                    first_name=f"Prénom{i}",
                    last_name=f"Nom{i}",
                    commune_id=pk,
                    latitude=la,
                    longitude=lo,
                    coordinates_precision=CoordinatesPrecision.COMMUNE,
                    agreement_places=rng.randint(2, 4),
                    agreement_age_min_months=rng.choice([0, 0, 0, 12]),
                    early_hours=rng.random() < 0.2,
                    late_hours=rng.random() < 0.15,
                    source="benchmark",
                )
            )
        created = Childminder.objects.bulk_create(rows)
        availabilities = [
            ChildminderAvailability(
                childminder=c,
                declared_on=today - datetime.timedelta(days=rng.randint(0, 300)),
                available_from=today + datetime.timedelta(days=rng.randint(0, 120)),
                places=rng.randint(1, 2),
                days=31,
                starts_at=datetime.time(rng.choice([7, 8])),
                ends_at=datetime.time(rng.choice([18, 19])),
            )
            for c in created
            if rng.random() < 0.33
        ]
        ChildminderAvailability.objects.bulk_create(availabilities)


def run_queries(rng: random.Random, count: int) -> list[float]:
    from maillage.directory.enums import AtypicalHours, StructureKind
    from maillage.directory.search import CHILDMINDER, EAJE, SearchCriteria, search
    from maillage.territories.models import Commune

    communes = list(Commune.objects.filter(latitude__isnull=False, population__gt=0))
    weights = [c.population for c in communes]
    kinds = [[], [], [EAJE], [CHILDMINDER], [StructureKind.RPE], [StructureKind.ALSH_PERISCOLAIRE]]
    timings, sizes = [], []
    for _ in range(count):
        criteria = SearchCriteria(
            commune=rng.choices(communes, weights=weights)[0],
            radius_km=rng.choice([3, 5, 10, 10, 20]),
            kinds=list(rng.choice(kinds)),
            age_months=rng.choice([None, 3, 6, 18, 30, 60]),
            needs_until=rng.choice([None, None, datetime.time(18), datetime.time(19)]),
            atypical=[AtypicalHours.LATE] if rng.random() < 0.1 else [],
            inclusion=rng.random() < 0.1,
        )
        started = time.perf_counter()
        result = search(criteria)
        timings.append((time.perf_counter() - started) * 1000)
        sizes.append(len(result.hits))
    print(f"résultats par requête : médiane {statistics.median(sizes):.0f}, max {max(sizes)}")
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--reload", action="store_true", help="recharger l'annuaire synthétique")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    ensure_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from maillage.directory.models import Childminder, Structure
    from maillage.territories.cog import import_cog

    rng = random.Random(args.seed)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    import_cog()
    located = locate_communes(rng)
    print(f"{located} communes localisées ({time.perf_counter() - started:.0f} s)")
    total = Structure.objects.count() + Childminder.objects.count()
    if args.reload or total < EAJE_COUNT + OTHER_COUNT + CHILDMINDER_COUNT:
        started = time.perf_counter()
        with transaction.atomic():
            load_synthetic(rng)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # planner statistics, on PostgreSQL and on SQLite
        print(f"annuaire synthétique chargé en {time.perf_counter() - started:.0f} s")
    print(
        f"{connection.vendor} : {Structure.objects.eaje().count()} EAJE, "
        f"{Structure.objects.count() - Structure.objects.eaje().count()} autres services, "
        f"{Childminder.objects.count()} assistants maternels"
    )
    run_queries(random.Random(1), 50)  # warm-up (connections, caches)
    load_before = os.getloadavg()[0]
    cpu = time.process_time()
    timings = run_queries(random.Random(args.seed), args.queries)
    cpu = (time.process_time() - cpu) * 1000 / args.queries
    timings.sort()

    def pct(p):
        return timings[min(len(timings) - 1, int(round(p / 100 * len(timings))) - 1)]

    print(
        f"{args.queries} recherches : p50 {pct(50):.1f} ms, p95 {pct(95):.1f} ms, "
        f"p99 {pct(99):.1f} ms, max {timings[-1]:.1f} ms (objectif p95 ≤ 100 ms)"
    )
    print(
        f"temps CPU Python moyen par recherche : {cpu:.1f} ms ; charge de la machine "
        f"(load average 1 min) : {load_before:.1f} avant, {os.getloadavg()[0]:.1f} après, "
        f"{os.cpu_count()} cœurs"
    )


if __name__ == "__main__":
    main()
