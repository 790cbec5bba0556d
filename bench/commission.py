"""Benchmark of a commission session on PostgreSQL (not a test).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/maillage_csess .venv/bin/python bench/commission.py
    .venv/bin/python bench/commission.py --applications 2000 --structures 60   # smaller

Production settings (bench/imports_settings.py). The script migrates the database, then builds
(once, seeded; kept between runs) a territory « bench-commission » of 60 communes with their
centroids, `--structures` participating structures, an adopted grid, reserves on one structure
in ten, and `--applications` complete applications on the list (households, children of 2 to 40
months at the reference date, 1 to 5 ranked wishes, one in ten with a radius, one family in
twenty asking for siblings together), written with bulk inserts. Each run creates a new draft
session with places declared (1 to 3 per structure and age group), then times:

1. freeze: `sessions.freeze` (read the queue, points, exclusions, joint families, radius,
   reserves, instance, entries stored);
2. run: `runs.run_session` with the default method (engine, run stored, one decision per entry).

Target: freeze + run ≤ 20 s for 20,000 applications over 600 structures.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/maillage_csess")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imports_settings")  # production settings
os.environ.setdefault("MAILLAGE_SECRET_KEY", "bench-only-secret-key-not-for-production")
os.environ.setdefault("MAILLAGE_SECURE_COOKIES", "false")
os.environ.setdefault("MAILLAGE_HTTPS", "false")
os.environ.setdefault("MAILLAGE_ALLOWED_HOSTS", "testserver,localhost")
os.environ.setdefault("MAILLAGE_GEOCODER", "none")
os.environ.setdefault("MAILLAGE_LOG_LEVEL", "WARNING")
SLUG = "bench-commission"


def prepare(applications: int, structures_count: int):
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import connection, transaction

    from maillage.accounts.enums import OrganisationKind
    from maillage.accounts.models import Organisation
    from maillage.applications.models import (
        Application,
        Child,
        GuichetSettings,
        Household,
        Wish,
    )
    from maillage.commission.enums import Criterion, GridStatus, ReserveKind
    from maillage.commission.models import GridCriterion, PointsGrid, Reserve
    from maillage.directory.models import Structure
    from maillage.territories.models import Commune, Departement, Region, TerritoryGroup

    call_command("migrate", verbosity=0)
    rng = random.Random(20261129)
    today = datetime.date.today()
    reference = today + datetime.timedelta(days=200)
    with transaction.atomic():
        region, _ = Region.objects.get_or_create(code="93", defaults={"name": "PACA"})
        dep, _ = Departement.objects.get_or_create(
            code="06", defaults={"name": "Alpes-Maritimes", "region": region}
        )
        communes = []
        for n in range(60):
            commune, _ = Commune.objects.get_or_create(
                insee_code=f"06{800 + n:03d}",
                defaults={"name": f"Commune commission {n}", "departement": dep,
                          "population": 5000, "latitude": 43.6 + (n % 8) * 0.03,
                          "longitude": 7.0 + (n // 8) * 0.04},
            )  # fmt: skip
            communes.append(commune)
        territory, _ = TerritoryGroup.objects.get_or_create(
            slug=SLUG, defaults={"name": "Banc de la commission"}
        )
        territory.communes.set(communes)
        organisation, _ = Organisation.objects.get_or_create(
            slug="bench-commission-operateur",
            defaults={"name": "Opérateur du banc commission", "kind": OrganisationKind.COMMUNE},
        )
        prefix = "Banc commission EAJE "
        structures = list(Structure.objects.filter(name__startswith=prefix).order_by("pk"))
        if len(structures) < structures_count:
            Structure.objects.bulk_create(
                Structure(
                    name=f"{prefix}{n}", kind="multi_accueil", commune=communes[n % 60],
                    address=f"{n} rue du Banc", external_id=f"BANC-COM-{n}",
                    latitude=communes[n % 60].latitude + rng.uniform(-0.01, 0.01),
                    longitude=communes[n % 60].longitude + rng.uniform(-0.01, 0.01),
                    coordinates_precision="manual", age_min_months=2, age_max_months=48,
                    places_babies=10,
                )
                for n in range(len(structures), structures_count)
            )  # fmt: skip
            structures = list(Structure.objects.filter(name__startswith=prefix).order_by("pk"))
        structures = structures[:structures_count]
        rules = GuichetSettings.objects.filter(territory=territory).first()
        if rules is None:
            rules = GuichetSettings.objects.create(
                territory=territory, operator=organisation, number_prefix="COM",
                valid_from=datetime.date(2025, 1, 1), max_wishes=5, freeze_days=0,
            )  # fmt: skip
        rules.participating_structures.set(structures)
        if not PointsGrid.objects.filter(territory=territory).exists():
            grid = PointsGrid.objects.create(
                territory=territory, version=1, valid_from=datetime.date(2025, 1, 1),
                status=GridStatus.ADOPTED, title="Grille du banc",
            )  # fmt: skip
            values = {
                Criterion.PARENTS_WORKING: (10, None), Criterion.SINGLE_PARENT: (15, None),
                Criterion.INTEGRATION_PATHWAY: (15, None), Criterion.DISABILITY: (20, None),
                Criterion.SIBLINGS_TOGETHER: (5, None), Criterion.RESIDENCE_COMMUNE: (10, None),
                Criterion.SIBLING_IN_STRUCTURE: (10, None),
                Criterion.SENIORITY_MONTH: (1, 12), Criterion.REFUSAL_PENALTY: (-5, None),
            }  # fmt: skip
            for position, (criterion, (points, cap)) in enumerate(values.items()):
                GridCriterion.objects.create(
                    grid=grid, criterion=criterion, points=Decimal(points),
                    cap=Decimal(cap) if cap else None, reason="Banc", position=position,
                )  # fmt: skip
            Reserve.objects.bulk_create(
                Reserve(
                    structure=s, age_group="bebe", kind=ReserveKind.INTEGRATION, places=1,
                    valid_from=datetime.date(2025, 1, 1), release_if_unused=bool(n % 2),
                )
                for n, s in enumerate(structures[::10])
            )  # fmt: skip
        existing = Application.objects.filter(territory=territory).count()
        if existing < applications:
            households = Household.objects.bulk_create(
                Household(
                    territory=territory, commune=rng.choice(communes),
                    parent_first_name="Parent", parent_last_name=f"Famille{n}",
                    email=f"famille{n}@bench.invalid", parents_working=rng.randint(0, 2),
                    single_parent=rng.random() < 0.15, integration_pathway=rng.random() < 0.08,
                )
                for n in range(existing, applications)
            )  # fmt: skip
            children = []
            for h in households:
                twins = rng.random() < 0.05
                born = reference - datetime.timedelta(days=rng.randint(60, 1200))
                children.append(Child(household=h, first_name="Enfant", last_name="B",
                                      birth_date=min(born, today)))  # fmt: skip
                if twins:
                    children.append(Child(household=h, first_name="Jumeau", last_name="B",
                                          birth_date=min(born, today)))  # fmt: skip
            children = Child.objects.bulk_create(children)
            children = children[: applications - existing]
            counts: dict[int, int] = {}
            for c in children:
                counts[c.household_id] = counts.get(c.household_id, 0) + 1
            apps = Application.objects.bulk_create(
                Application(
                    number=f"COM-2026-{existing + i + 1:06d}", territory=territory,
                    household_id=c.household_id, child=c, state="waiting",
                    desired_start=reference + datetime.timedelta(days=rng.randint(-20, 60)),
                    days_per_week=rng.randint(1, 5),
                    registered_on=today - datetime.timedelta(days=rng.randint(0, 700)),
                    radius_km=5 if rng.random() < 0.1 else None,
                    siblings_together=counts[c.household_id] > 1,
                )
                for i, c in enumerate(children)
            )  # fmt: skip
            wishes = []
            by_household: dict[int, list] = {}
            for application in apps:
                chosen = by_household.get(application.household_id)
                if chosen is None:
                    chosen = rng.sample(structures, rng.randint(1, 5))
                    by_household[application.household_id] = chosen
                for rank, structure in enumerate(chosen, 1):
                    wishes.append(Wish(application=application, structure=structure, rank=rank))
            Wish.objects.bulk_create(wishes, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return territory, structures, reference


def new_session(territory, structures, reference):
    from maillage.commission.models import Session, SessionPlaces

    rng = random.Random(7)
    today = datetime.date.today()
    n = Session.objects.filter(territory=territory).count() + 1
    session = Session.objects.create(
        territory=territory, slug=f"{SLUG}-{n}", name=f"Banc {n}", date=today,
        freeze_date=today, reference_date=reference,
        entry_from=reference - datetime.timedelta(days=30),
        entry_until=reference + datetime.timedelta(days=90),
    )  # fmt: skip
    SessionPlaces.objects.bulk_create(
        SessionPlaces(
            session=session, structure=s, age_group=group, places=rng.randint(1, 3),
            start_date=reference,
        )
        for s in structures
        for group in ("bebe", "moyen", "grand")
    )  # fmt: skip
    return session


class Server:
    """CPU time of this connection's PostgreSQL backend (read from /proc when the server runs
    on this machine), and wall time spent in SQL statements sent through Django."""

    def __init__(self):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.pid = cursor.fetchone()[0]
        self.tick = os.sysconf("SC_CLK_TCK")
        self.sql = 0.0
        connection.execute_wrappers.append(self._wrap)

    def _wrap(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.sql += time.perf_counter() - started

    def cpu(self) -> float | None:
        try:
            with open(f"/proc/{self.pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / self.tick


ENGINE_CPU = {"validation": 0.0, "calcul": 0.0}


def watch_engine() -> None:
    """Count the Python CPU time spent in the engine package (validation of the instance,
    solve + check + explanations), to tell it apart from the session pipeline's own."""
    from maillage.commission import instance, runs

    def wrap(module, name, label):
        original = getattr(module, name)

        def counted(*args, **kwargs):
            cpu = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                ENGINE_CPU[label] += time.process_time() - cpu

        setattr(module, name, counted)

    wrap(instance, "parse_instance", "validation")
    wrap(runs, "parse_instance", "validation")
    wrap(runs.solver, "run", "calcul")


def timed(server, label, fn, profile=False):
    """Run fn, print wall, Python CPU, backend CPU and SQL wall; return (result, wall, cpu)."""
    server_cpu, sql = server.cpu(), server.sql
    engine = sum(ENGINE_CPU.values())
    started, cpu = time.perf_counter(), time.process_time()
    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        result = profiler.runcall(fn)
        pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(
            35
        )
    else:
        result = fn()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    after = server.cpu()
    backend = f"{after - server_cpu:.1f} s" if after is not None and server_cpu is not None else "?"
    print(
        f"  [{label}] mur {wall:.1f} s, CPU Python {cpu:.1f} s (dont moteur "
        f"{sum(ENGINE_CPU.values()) - engine:.1f} s), CPU du serveur PostgreSQL {backend}, "
        f"requêtes Django (mur) {server.sql - sql:.1f} s"
    )
    return result, wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--applications", type=int, default=20_000)
    parser.add_argument("--structures", type=int, default=600)
    parser.add_argument("--profile", action="store_true", help="cProfile de chaque étape")
    parser.add_argument(
        "--log-ms",
        type=int,
        default=None,
        help="journal du serveur : requêtes de plus de N ms (superutilisateur ; voir le pid)",
    )
    args = parser.parse_args()
    if not os.environ["DATABASE_URL"].startswith("postgres"):
        sys.exit("Ce banc d'essai mesure PostgreSQL : DATABASE_URL=postgres://…")
    import django

    django.setup()
    from maillage.commission import runs, sessions

    started = time.perf_counter()
    territory, structures, reference = prepare(args.applications, args.structures)
    print(f"préparation : {time.perf_counter() - started:.1f} s")
    session = new_session(territory, structures, reference)
    server = Server()
    watch_engine()
    if args.log_ms is not None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(f"SET log_min_duration_statement = {int(args.log_ms)}")
        print(
            f"  requêtes de plus de {args.log_ms} ms : journal du serveur, processus {server.pid}"
        )
    summary, freeze, freeze_cpu = timed(
        server, "arrêt", lambda: sessions.freeze(session, run_next=True), args.profile
    )
    session.refresh_from_db()
    (run, _output), run_seconds, run_cpu = timed(
        server, "calcul", lambda: runs.run_session(session), args.profile
    )
    # the proposal's statistics, computed once when the run is stored (already inside the run's
    # figure above): timed again apart to show their share
    started, cpu = time.perf_counter(), time.process_time()
    sessions.compute_statistics(session, run)
    stats_seconds, stats_cpu = time.perf_counter() - started, time.process_time() - cpu
    total = freeze + run_seconds
    verdict = "atteint" if total <= 20 else "MANQUÉ"
    print(
        f"arrêt de la liste : {freeze:.1f} s, CPU Python {freeze_cpu:.1f} s ({summary['entries']} demandes, "
        f"{summary['children']} enfants, {summary['structures']} structures, "
        f"{summary['families']} fratries, exclues {sum(summary['excluded'].values())}, "
        f"instance {len(session.instance) / 1e6:.1f} Mo)"
    )
    print(
        f"calcul et enregistrement : {run_seconds:.1f} s, CPU Python {run_cpu:.1f} s (moteur et décisions ; {run.placed} "
        f"placés, {run.unplaced} sans place, {run.blocking_pairs} paires bloquantes)"
    )
    print(
        f"dont statistiques de la proposition : {stats_seconds:.1f} s, CPU Python "
        f"{stats_cpu:.1f} s (calculées une fois par calcul, gardées dans Run.statistics)"
    )
    print(
        f"total {total:.1f} s (CPU Python {freeze_cpu + run_cpu:.1f} s, charge "
        f"{os.getloadavg()[0]:.1f}) — objectif ≤ 20 s {verdict}"
    )


if __name__ == "__main__":
    main()
