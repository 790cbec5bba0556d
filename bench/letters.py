"""Benchmark of the commission's decision letters on demand (not a test).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/maillage_cletter .venv/bin/python bench/letters.py

Production settings (bench/imports_settings.py). The script migrates the database, then, inside
a transaction rolled back at the end, builds the letters' test session (tests/commission/
letter_world.py: a published session with real engine explanations — placed at the first wish,
at a lower wish, reserved places, siblings' joint option, unplaced, excluded) and `--minders`
assistants maternels with a declared availability around the families' commune (the unplaced
letters search them). Then, `--repeat` times, it renders every decision's letter as PDF the way
the page does on demand (`letter_context` from the database, templates, WeasyPrint): one letter
= every query and the PDF. The first letter of the process (WeasyPrint's import and fonts) is
reported apart. Target: one letter PDF on demand ≤ 1 s.

A letter's queries do not depend on the size of the session (each reads one decision, its
entry, its structures and siblings through indexed keys); the childminders' search is the
directory's, measured on 240,000 childminders by bench/directory.py.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/maillage_cletter")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imports_settings")  # production settings
os.environ.setdefault("MAILLAGE_SECRET_KEY", "bench-only-secret-key-not-for-production")
os.environ.setdefault("MAILLAGE_SECURE_COOKIES", "false")
os.environ.setdefault("MAILLAGE_HTTPS", "false")
os.environ.setdefault("MAILLAGE_ALLOWED_HOSTS", "testserver,localhost")
os.environ.setdefault("MAILLAGE_GEOCODER", "none")
os.environ.setdefault("MAILLAGE_LOG_LEVEL", "WARNING")


class Rollback(Exception):
    pass


def bench_queue(world, count: int) -> float:
    """A session of `count` decisions (bulk inserts), then `letters.queue_letters` timed."""
    import datetime

    from maillage.applications.models import Application, Child, Household
    from maillage.commission.letters import queue_letters
    from maillage.commission.models import Decision, SessionEntry
    from tests.commission.factories import SessionFactory

    session = SessionFactory(territory=world["territory"], status="published", slug="bench-q")
    commune, territory = world["commune"], world["territory"]
    households = Household.objects.bulk_create(
        [
            Household(territory=territory, commune=commune, email=f"f{n}@exemple.fr")
            for n in range(count)
        ],
        batch_size=2000,
    )
    start = datetime.date.today() + datetime.timedelta(days=90)
    children = Child.objects.bulk_create(
        [
            Child(household=h, first_name="Léa", last_name="Bench", birth_date=start)
            for h in households
        ],
        batch_size=2000,
    )
    applications = Application.objects.bulk_create(
        [
            Application(
                number=f"BQ-{n:06d}",
                territory=territory,
                household=h,
                child=c,
                state="waiting",
                desired_start=start,
            )  # fmt: skip
            for n, (h, c) in enumerate(zip(households, children, strict=True))
        ],
        batch_size=2000,
    )
    entries = SessionEntry.objects.bulk_create(
        [
            SessionEntry(session=session, application=a, child_key=f"C{n:06d}")
            for n, a in enumerate(applications)
        ],
        batch_size=2000,
    )
    Decision.objects.bulk_create(
        [
            Decision(session=session, entry=e, outcome="placed" if n % 2 else "unplaced")
            for n, e in enumerate(entries)
        ],
        batch_size=2000,
    )
    started, started_cpu = time.perf_counter(), time.process_time()
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profile = cProfile.Profile()
        queued = profile.runcall(queue_letters, session)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    else:
        queued = queue_letters(session)
    seconds = time.perf_counter() - started
    assert queued == count, queued
    return seconds, time.process_time() - started_cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--minders", type=int, default=300)
    parser.add_argument(
        "--queue", type=int, default=20000, help="decisions of the session whose e-mails are queued"
    )
    args = parser.parse_args()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from maillage.commission.letters import letter_context, render_letter_pdf
    from maillage.commission.models import Decision
    from tests.commission import letter_world
    from tests.directory.factories import AvailabilityFactory, ChildminderFactory

    call_command("migrate", verbosity=0)
    try:
        with transaction.atomic():
            world = letter_world.build()
            commune = world["commune"]
            start = world["applications"]["chloe"].desired_start
            for n in range(args.minders):
                minder = ChildminderFactory(
                    commune=commune,
                    contact_consent=n % 2 == 0,
                    latitude=43.79 + (n % 17) * 0.002,
                    longitude=7.18 + (n % 13) * 0.002,
                )
                AvailabilityFactory(childminder=minder, available_from=start)
            pks = list(
                Decision.objects.filter(session=world["session"]).values_list("pk", flat=True)
            )
            started = time.perf_counter()
            first = render_letter_pdf(Decision.objects.get(pk=pks[0]))
            cold = time.perf_counter() - started
            assert first.startswith(b"%PDF")
            timings, cpu, contexts = [], [], []
            for _ in range(args.repeat):
                for pk in pks:
                    started, started_cpu = time.perf_counter(), time.process_time()
                    decision = Decision.objects.get(pk=pk)
                    context = letter_context(decision)
                    contexts.append(time.perf_counter() - started)
                    pdf = render_letter_pdf(decision, context)
                    timings.append(time.perf_counter() - started)
                    cpu.append(time.process_time() - started_cpu)
                    assert pdf.startswith(b"%PDF")
            queue_seconds = bench_queue(world, args.queue)
            raise Rollback
    except Rollback:
        pass
    timings.sort()
    p95 = timings[int(0.95 * (len(timings) - 1))]
    print(
        f"letters on demand: {len(timings)} PDF, first of the process {cold:.3f} s, "
        f"median {statistics.median(timings):.3f} s, p95 {p95:.3f} s, max {timings[-1]:.3f} s "
        f"(wall); CPU median {statistics.median(cpu):.3f} s, max {max(cpu):.3f} s; "
        f"queries and context median {statistics.median(contexts):.3f} s"
    )
    print(
        f"queue_letters: {args.queue} e-mails queued in {queue_seconds[0]:.2f} s"
        f" (CPU of the Python process {queue_seconds[1]:.2f} s)"
    )


if __name__ == "__main__":
    main()
