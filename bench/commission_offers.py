"""Benchmark of the commission's publication and re-offers on PostgreSQL (not a test).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/maillage_bench .venv/bin/python \
        bench/commission_offers.py --applications 20000
    .venv/bin/python bench/commission_offers.py --applications 2000      # smaller

Production settings (bench/imports_settings.py). Builds (seeded; rebuilt at every run) a
territory « bench-offres » with 600 structures, an operator, `--applications` waiting
applications (1 to 5 wishes), a session already run: one entry per application (points, bonus,
frozen wishes), places declared (2 per structure) and one placed decision per place (the best
points first). Then:
1. publish: `offers.publish(session)` (run validated, offers created, applications → offered,
   letters queued when the letters module exists). Target: ≤ 30 s for 20,000 applications.
2. re-offers: `--refusals` offers refused one after the other, each re-offered at once by the
   frozen ranking; the median and the worst time of one refusal are printed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/maillage_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imports_settings")
os.environ.setdefault("MAILLAGE_SECRET_KEY", "bench-only-secret-key-not-for-production")
os.environ.setdefault("MAILLAGE_SECURE_COOKIES", "false")
os.environ.setdefault("MAILLAGE_HTTPS", "false")
os.environ.setdefault("MAILLAGE_ALLOWED_HOSTS", "testserver,localhost")
os.environ.setdefault("MAILLAGE_GEOCODER", "none")
os.environ.setdefault("MAILLAGE_LOG_LEVEL", "WARNING")
os.environ.setdefault("MAILLAGE_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
SLUG = "bench-offres"


def prepare(applications: int):
    from django.core.management import call_command
    from django.db import transaction

    from maillage.accounts.enums import OrganisationKind
    from maillage.accounts.models import Organisation
    from maillage.applications.models import Application, Child, GuichetSettings, Household, Wish
    from maillage.commission.enums import DecisionOutcome, Method, SessionStatus
    from maillage.commission.models import (
        Decision,
        Offer,
        Run,
        Session,
        SessionEntry,
        SessionPlaces,
    )
    from maillage.directory.models import Structure
    from maillage.territories.models import Commune, Departement, Region, TerritoryGroup

    call_command("migrate", verbosity=0)
    rng = random.Random(20261129)
    today = datetime.date.today()
    with transaction.atomic():
        region, _ = Region.objects.get_or_create(code="93", defaults={"name": "PACA"})
        dep, _ = Departement.objects.get_or_create(
            code="06", defaults={"name": "Alpes-Maritimes", "region": region}
        )
        commune, _ = Commune.objects.get_or_create(
            insee_code="06990",
            defaults={"name": "Commune banc offres", "departement": dep, "population": 5000,
                      "population_vintage": "banc", "population_source": "banc",
                      "postal_codes": ["06000"]},
        )  # fmt: skip
        territory, _ = TerritoryGroup.objects.get_or_create(
            slug=SLUG, defaults={"name": "Banc des offres"}
        )
        territory.communes.set([commune])
        organisation, _ = Organisation.objects.get_or_create(
            slug="bench-offres-operateur",
            defaults={"name": "Opérateur banc offres", "kind": OrganisationKind.COMMUNE},
        )
        # a clean slate for the territory
        Offer.objects.filter(session__territory=territory).delete()
        Decision.objects.filter(session__territory=territory).delete()
        Session.objects.filter(territory=territory).update(validated_run=None)
        Run.objects.filter(session__territory=territory).delete()
        Session.objects.filter(territory=territory).delete()
        Application.objects.filter(territory=territory).delete()
        Child.objects.filter(household__territory=territory).delete()
        Household.objects.filter(territory=territory).delete()
        structures = list(Structure.objects.filter(name__startswith="Banc offres ").order_by("pk"))
        if len(structures) < 600:
            Structure.objects.bulk_create(
                Structure(
                    name=f"Banc offres {n}", kind="multi_accueil", commune=commune,
                    address=f"{n} rue du Banc", latitude=43.7, longitude=7.2,
                    coordinates_precision="manual", age_min_months=2, age_max_months=48,
                    places_babies=10,
                )
                for n in range(len(structures), 600)
            )  # fmt: skip
            structures = list(
                Structure.objects.filter(name__startswith="Banc offres ").order_by("pk")
            )
        rules = GuichetSettings.objects.filter(territory=territory).first() or (
            GuichetSettings.objects.create(
                territory=territory, operator=organisation, number_prefix="OFF",
                valid_from=datetime.date(2025, 1, 1), max_wishes=5,
            )
        )  # fmt: skip
        rules.participating_structures.set(structures)
        households = Household.objects.bulk_create(
            Household(territory=territory, commune=commune, parent_first_name="Parent",
                      parent_last_name=f"Famille{n}", email=f"offres{n}@bench.invalid")
            for n in range(applications)
        )  # fmt: skip
        children = Child.objects.bulk_create(
            Child(household=h, first_name="Léa", last_name=h.parent_last_name,
                  birth_date=today - datetime.timedelta(days=rng.randint(10, 400)))
            for h in households
        )  # fmt: skip
        apps = Application.objects.bulk_create(
            Application(
                number=f"OFF-2026-{i + 1:05d}", territory=territory, household=c.household,
                child=c, state="waiting", desired_start=today + datetime.timedelta(days=90),
                registered_on=today - datetime.timedelta(days=rng.randint(0, 700)),
            )
            for i, c in enumerate(children)
        )  # fmt: skip
        wishes, chosen = [], {}
        for application in apps:
            sample = rng.sample(structures, rng.randint(1, 5))
            chosen[application.pk] = sample
            wishes += [Wish(application=application, structure=s, rank=r)
                       for r, s in enumerate(sample, 1)]  # fmt: skip
        Wish.objects.bulk_create(wishes, batch_size=5000)
        session = Session.objects.create(
            territory=territory, slug="bench-offres-seance", name="Séance du banc",
            date=today + datetime.timedelta(days=10), freeze_date=today,
            reference_date=today + datetime.timedelta(days=90),
            entry_from=today + datetime.timedelta(days=60),
            entry_until=today + datetime.timedelta(days=240), status=SessionStatus.RUN,
        )  # fmt: skip
        SessionPlaces.objects.bulk_create(
            SessionPlaces(session=session, structure=s, age_group="bebe", places=2,
                          start_date=session.entry_from)
            for s in structures
        )  # fmt: skip
        entries = SessionEntry.objects.bulk_create(
            SessionEntry(
                session=session, application=a, child_key=f"C{i + 1:06d}",
                family_key=f"F{i + 1:06d}", age_group="bebe",
                points=Decimal(rng.randint(0, 80)),
                bonus={f"S{chosen[a.pk][0].pk:06d}": [{"criterion": "residence_commune",
                                                       "points": 10}]},
                wishes=[f"S{s.pk:06d}" for s in chosen[a.pk]],
            )
            for i, a in enumerate(apps)
        )  # fmt: skip
        session.instance = json.dumps(
            {"children": [{"id": e.child_key, "application_date":
                           e.application.registered_on.isoformat()} for e in entries],
             "structures": [], "families": []}
        )  # fmt: skip
        session.save(update_fields=["instance"])
        run = Run.objects.create(session=session, method=Method.SIBLINGS, engine_version="banc",
                                 input_sha256="0" * 64, output="{}", output_sha256="0" * 64)  # fmt: skip
        left = {s.pk: 2 for s in structures}
        decisions = []
        for entry in sorted(entries, key=lambda e: -e.points):
            first = chosen[entry.application_id][0]
            if left[first.pk] > 0:
                left[first.pk] -= 1
                decisions.append(Decision(session=session, entry=entry, run=run,
                                          outcome=DecisionOutcome.PLACED, structure=first,
                                          proposed_structure=first, wish_rank=1))  # fmt: skip
            else:
                decisions.append(Decision(session=session, entry=entry, run=run,
                                          outcome=DecisionOutcome.UNPLACED))  # fmt: skip
        Decision.objects.bulk_create(decisions, batch_size=5000)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return session


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--applications", type=int, default=20000)
    parser.add_argument("--refusals", type=int, default=20)
    args = parser.parse_args()
    import django

    django.setup()
    from maillage.commission import offers
    from maillage.commission.models import Offer

    started = time.perf_counter()
    session = prepare(args.applications)
    print(f"préparation : {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    report = offers.publish(session, None)
    publish_s = time.perf_counter() - started
    print(f"publication : {report.offers} propositions, lettres {report.letters}, "
          f"{publish_s:.2f} s (cible ≤ 30 s)", flush=True)  # fmt: skip
    times, made = [], 0
    for offer in Offer.objects.open().filter(session=session).order_by("id")[: args.refusals]:
        before = Offer.objects.filter(session=session).count()
        started = time.perf_counter()
        offers.refuse(offer, actor=None)
        times.append(time.perf_counter() - started)
        made += Offer.objects.filter(session=session).count() - before
    if times:
        print(f"refus + nouvelle proposition : médiane {statistics.median(times) * 1000:.0f} ms, "
              f"pire {max(times) * 1000:.0f} ms ({len(times)} refus, {made} reproposées)")  # fmt: skip


if __name__ == "__main__":
    main()
