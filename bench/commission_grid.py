"""Benchmark of the simulation of a draft points grid on a territory's queue (not a test).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/maillage_cgrid .venv/bin/python bench/commission_grid.py

Builds (once, kept) the territory « bench-guichet » of `bench/guichet.py` (20,000 applications
in mixed states, 600 structures, up to 5 wishes), adds an adopted grid (the demo grid's
criteria) and a draft that changes two lines, then times `grids.simulate(draft)`, the body of
the background task (whole queue: applications waiting or asked to confirm). Median of
`--repeat` runs.
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import guichet  # noqa: E402  (sets the environment of the PostgreSQL benches)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--applications", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import django

    django.setup()
    from maillage.commission import grids
    from maillage.commission.demo import GRID_V2
    from maillage.commission.enums import GridStatus
    from maillage.commission.models import GridCriterion, PointsGrid

    _user, _org, _communes, _structures, territories = guichet.prepare(args.applications)
    territory = territories[guichet.SLUG]
    PointsGrid.objects.filter(territory=territory).delete()
    adopted = PointsGrid.objects.create(
        territory=territory, version=1, valid_from=datetime.date(2025, 1, 1),
        status=GridStatus.ADOPTED,
    )  # fmt: skip
    draft = PointsGrid.objects.create(
        territory=territory, version=2, valid_from=datetime.date.today(), status=GridStatus.DRAFT
    )
    for grid in (adopted, draft):
        GridCriterion.objects.bulk_create(
            GridCriterion(grid=grid, criterion=c, points=Decimal(p), reason=r, position=i,
                          cap=None if cap is None else Decimal(cap))
            for i, (c, p, cap, r) in enumerate(GRID_V2)
        )  # fmt: skip
    GridCriterion.objects.filter(grid=draft, criterion="all_parents_working").update(points=15)
    GridCriterion.objects.filter(grid=draft, criterion="residence_commune").update(points=50)
    timings = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = grids.simulate(draft)
        timings.append(time.perf_counter() - started)
    moved = sum(g["gain"] + g["lose"] for g in result["groups"])
    print(
        f"simulation d'un projet de grille : {result['count']} demandes dans la file "
        f"({args.applications} demandes au total), {moved} changent de rang — médiane "
        f"{statistics.median(timings):.2f} s, min {min(timings):.2f} s sur {args.repeat}"
    )


if __name__ == "__main__":
    main()
