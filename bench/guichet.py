"""Benchmark of the guichet unique on PostgreSQL (not a test).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/maillage_g2 .venv/bin/python bench/guichet.py
    .venv/bin/python bench/guichet.py --applications 2000 --rows 2000 --requests 50   # smaller

Production settings (bench/imports_settings.py). The script migrates the database, then builds
(once, seeded; kept between runs) a territory « bench-guichet » of 60 communes, 600 participating
structures, an operator organisation and one of its agents, and 20,000 applications (households,
children, up to 5 ranked wishes, mixed states) written with bulk inserts.

1. Queue: `--requests` GET of the agents' queue page (the real view, middleware and template,
   through Django's test client logged in as the agent), each with a filter (state, commune,
   structure, month, search, missing documents) and a sort drawn at random, on pages 1 to 5.
   Target: p95 ≤ 150 ms.
2. Import: a waiting list of `--rows` valid rows (CSV, format v1) for a second territory
   « bench-guichet-import » (same structures) is uploaded through the service of the import
   page, `maillage worker --batch` runs the preview task, the import is confirmed (the service of
   the « Importer » button) and `maillage worker --batch` runs the write task. Target: preview +
   write ≤ 60 s. The second territory's applications are deleted first, so every run creates
   `--rows` applications.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/maillage_g2")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imports_settings")  # production settings
os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT / "bench"), str(ROOT)])
os.environ.setdefault("MAILLAGE_SECRET_KEY", "bench-only-secret-key-not-for-production")
os.environ.setdefault("MAILLAGE_SECURE_COOKIES", "false")
os.environ.setdefault("MAILLAGE_HTTPS", "false")
os.environ.setdefault("MAILLAGE_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("MAILLAGE_GEOCODER", "none")
os.environ.setdefault("MAILLAGE_LOG_LEVEL", "WARNING")
os.environ.setdefault("MAILLAGE_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
BIN = ROOT / ".venv" / "bin"
SLUG, IMPORT_SLUG = "bench-guichet", "bench-guichet-import"
STATES = ["submitted", "to_correct", "awaiting_birth", "waiting", "waiting", "waiting",
          "to_confirm", "offered", "accepted", "placed", "withdrawn"]  # fmt: skip
FIRST = ["Léa", "Tom", "Inès", "Noah", "Jade", "Liam", "Emma", "Adam", "Lina", "Hugo"]


def prepare(applications: int):
    from django.core.management import call_command
    from django.db import transaction

    from maillage.accounts.enums import OrganisationKind, Role
    from maillage.accounts.models import Membership, Organisation, User
    from maillage.applications.models import (
        Application,
        Child,
        Document,
        GuichetSettings,
        Household,
        Wish,
    )
    from maillage.directory.models import Structure
    from maillage.territories.models import Commune, Departement, Region, TerritoryGroup

    call_command("migrate", verbosity=0)
    rng = random.Random(20261129)
    with transaction.atomic():
        region, _ = Region.objects.get_or_create(code="93", defaults={"name": "PACA"})
        dep, _ = Departement.objects.get_or_create(
            code="06", defaults={"name": "Alpes-Maritimes", "region": region}
        )
        communes = []
        for n in range(60):
            commune, _ = Commune.objects.get_or_create(
                insee_code=f"06{900 + n:03d}",
                defaults={"name": f"Commune banc {n}", "departement": dep, "population": 5000,
                          "population_vintage": "banc", "population_source": "banc",
                          "postal_codes": ["06000"]},
            )  # fmt: skip
            communes.append(commune)
        territories = {}
        organisation, _ = Organisation.objects.get_or_create(
            slug="bench-guichet-operateur",
            defaults={"name": "Opérateur du banc", "kind": OrganisationKind.COMMUNE},
        )
        organisation.communes.set(communes)
        for slug in (SLUG, IMPORT_SLUG):
            territory, _ = TerritoryGroup.objects.get_or_create(
                slug=slug, defaults={"name": f"Banc {slug}"}
            )
            territory.communes.set(communes)
            territories[slug] = territory
        user = User.objects.filter(email="agent@bench.invalid").first()
        if user is None:
            user = User.objects.create_user("agent@bench.invalid", "mot de passe du banc")
        Membership.objects.get_or_create(
            user=user, organisation=organisation, defaults={"role": Role.AGENT}
        )
        structures = list(Structure.objects.filter(name__startswith="Banc EAJE ").order_by("pk"))
        if len(structures) < 600:
            Structure.objects.bulk_create(
                Structure(
                    name=f"Banc EAJE {n}", kind="multi_accueil", commune=communes[n % 60],
                    address=f"{n} rue du Banc", external_id=f"BANC-{n}", latitude=43.7,
                    longitude=7.2, coordinates_precision="manual", age_min_months=2,
                    age_max_months=48, places_babies=10,
                )
                for n in range(len(structures), 600)
            )  # fmt: skip
            structures = list(
                Structure.objects.filter(name__startswith="Banc EAJE ").order_by("pk")
            )
        for slug, prefix in ((SLUG, "BEN"), (IMPORT_SLUG, "IMP")):
            rules = GuichetSettings.objects.filter(territory=territories[slug]).first()
            if rules is None:
                rules = GuichetSettings.objects.create(
                    territory=territories[slug], operator=organisation, number_prefix=prefix,
                    valid_from=datetime.date(2025, 1, 1), max_wishes=5,
                )  # fmt: skip
            rules.participating_structures.set(structures)
        territory = territories[SLUG]
        existing = Application.objects.filter(territory=territory).count()
        if existing < applications:
            today = datetime.date.today()
            households = Household.objects.bulk_create(
                Household(
                    territory=territory, commune=rng.choice(communes),
                    parent_first_name="Parent", parent_last_name=f"Famille{n}",
                    email=f"famille{n}@bench.invalid", parents_working=rng.randint(0, 2),
                )
                for n in range(existing, applications)
            )  # fmt: skip
            children = Child.objects.bulk_create(
                Child(
                    household=h, first_name=rng.choice(FIRST), last_name=h.parent_last_name,
                    birth_date=today - datetime.timedelta(days=rng.randint(10, 700)),
                )
                for h in households
            )  # fmt: skip
            apps = Application.objects.bulk_create(
                Application(
                    number=f"BEN-2026-{existing + i + 1:05d}", territory=territory,
                    household=c.household, child=c, state=rng.choice(STATES),
                    desired_start=today + datetime.timedelta(days=rng.randint(30, 400)),
                    days_per_week=rng.randint(1, 5),
                    registered_on=today - datetime.timedelta(days=rng.randint(0, 700)),
                    submitted_at=None,
                )
                for i, c in enumerate(children)
            )  # fmt: skip
            wishes = []
            for application in apps:
                for rank, structure in enumerate(rng.sample(structures, rng.randint(1, 5)), 1):
                    wishes.append(Wish(application=application, structure=structure, rank=rank))
            Wish.objects.bulk_create(wishes, batch_size=5000)
        # documents sent for most applications (the missing-documents filter has rows to skip):
        # proof of address for 70 %, birth certificate for 60 % of the born children
        if not Document.objects.filter(application__territory=territory).exists():
            docs_rng = random.Random(11)
            documents = []
            for pk, born in Application.objects.filter(territory=territory).values_list(
                "pk", "child__birth_date"
            ):
                for kind, share in (("address", 0.7), ("birth", 0.6 if born else 0)):
                    if docs_rng.random() < share:
                        documents.append(Document(application_id=pk, kind=kind, size=1000,
                                                  content_type="application/pdf"))  # fmt: skip
            Document.objects.bulk_create(documents, batch_size=5000)
        # the queue is measured at `applications`: the previous run's import is removed first
        Application.objects.filter(territory=territories[IMPORT_SLUG]).delete()
        Household.objects.filter(territory=territories[IMPORT_SLUG]).delete()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return user, organisation, communes, structures, territories


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def bench_queue(user, organisation, communes, structures, requests: int) -> dict:
    from django.test import Client

    from maillage.accounts.middleware import SESSION_KEY

    rng = random.Random(7)
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = organisation.pk
    session.save()
    sorts = ["registered_on", "-submitted_at", "desired_start", "number"]
    month = (datetime.date.today() + datetime.timedelta(days=120)).strftime("%Y-%m")
    filters = [
        lambda: {"state": "waiting"},
        lambda: {"commune": rng.choice(communes).insee_code},
        lambda: {"structure": str(rng.choice(structures).pk)},
        lambda: {"state": "waiting", "commune": rng.choice(communes).insee_code},
        lambda: {"start_month": month},
        lambda: {"q": f"Famille{rng.randint(0, 19999)}"},
        lambda: {"missing": "on"},
        lambda: {"missing": "on", "state": "waiting"},
    ]
    assert client.get("/guichet/file/").status_code == 200  # warm-up
    times, cpu = [], []
    for _ in range(requests):
        params = rng.choice(filters)() | {"sort": rng.choice(sorts), "page": rng.randint(1, 5)}
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get("/guichet/file/", params)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, response.status_code
    return {
        "requests": requests,
        "median": statistics.median(times),
        "p95": percentile(times, 0.95),
        "max": max(times),
        # CPU time of this process (view, ORM, template: PostgreSQL's own work not included),
        # less sensitive than wall time to the other work of a shared machine
        "cpu_median": statistics.median(cpu),
        "cpu_p95": percentile(cpu, 0.95),
    }


def waiting_list(path: Path, rows: int, communes, structures) -> None:
    rng = random.Random(11)
    today = datetime.date.today()
    header = ("reference;famille;enfant_prenom;enfant_nom;date_naissance;commune_residence;"
              "date_demande;date_entree_souhaitee;jours_par_semaine;voeux;parents_en_activite;"
              "famille_monoparentale;parcours_insertion;courriel\n")  # fmt: skip
    with path.open("w", encoding="utf-8") as out:
        out.write(header)
        for n in range(rows):
            family = n // 2 if n % 3 else n  # some families with two children
            commune = communes[family % len(communes)].insee_code
            born = today - datetime.timedelta(days=rng.randint(10, 700))
            wishes = "|".join(s.external_id for s in rng.sample(structures, rng.randint(1, 5)))
            out.write(
                f"ANC-{n};FAM-{family};{rng.choice(FIRST)};Nom{family};{born:%d/%m/%Y};"
                f"{commune};{today - datetime.timedelta(days=rng.randint(0, 700)):%d/%m/%Y};"
                f"{born + datetime.timedelta(days=rng.randint(90, 400)):%d/%m/%Y};"
                f"{rng.randint(1, 5)};{wishes};{family % 3};non;non;fam{family}@bench.invalid\n"
            )


WORKER_CPU = []  # CPU seconds (user + system) of each worker run, PostgreSQL's work excluded


def run_worker(timeout: int) -> float:
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [str(BIN / "maillage"), "worker", "--batch", "--queue-name", "*", "--no-reload"],
        check=True, timeout=timeout, env=os.environ,
    )  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    WORKER_CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return time.perf_counter() - started


def bench_import(
    user, organisation, communes, structures, territories, rows, timeout, port=0
) -> dict:

    from maillage.accounts.models import Membership
    from maillage.applications import batch_imports
    from maillage.applications.models import Application, Household

    territory = territories[IMPORT_SLUG]
    Application.objects.filter(territory=territory).delete()
    Household.objects.filter(territory=territory).delete()
    path = ROOT / "var" / "bench" / f"liste-attente-{rows}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    waiting_list(path, rows, communes, structures)
    membership = Membership.objects.select_related("organisation", "user").get(
        user=user, organisation=organisation
    )
    server = pinger = None
    if port:  # the site's public pages, requested over HTTP while the worker imports
        from probe import Pinger, serve

        server = serve(port)
        pinger = Pinger(f"http://127.0.0.1:{port}")
        pinger.start()
    try:
        return _import_steps(batch_imports, path, territory, membership, rows, timeout, pinger)
    finally:
        if pinger is not None:
            pinger.stop.set()
            pinger.join()
        if server is not None:
            server.terminate()
            server.wait(timeout=30)


def _import_steps(batch_imports, path, territory, membership, rows, timeout, pinger) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from maillage.applications.models import Application, ApplicationImport

    marks = [len(pinger.samples) if pinger else 0]
    started = time.perf_counter()
    batch = batch_imports.upload_waiting_list(
        membership, territory, SimpleUploadedFile(path.name, path.read_bytes())
    )
    upload = time.perf_counter() - started
    preview = run_worker(timeout)
    batch = ApplicationImport.objects.get(pk=batch.pk)
    assert batch.status == "previewed", (batch.status, batch.job and batch.job.error)
    assert batch.report["error_count"] == 0, batch.report["errors"][:5]
    started = time.perf_counter()
    for _ in range(5):
        batch_imports.confirm_import(membership, ApplicationImport.objects.get(pk=batch.pk))
    confirm = time.perf_counter() - started
    marks.append(len(pinger.samples) if pinger else 0)
    write = run_worker(timeout)
    marks.append(len(pinger.samples) if pinger else 0)
    batch = ApplicationImport.objects.get(pk=batch.pk)
    assert batch.status == "imported", (batch.status, batch.job and batch.job.error)
    return {
        "rows": rows,
        "size_mb": path.stat().st_size / 1e6,
        "upload": upload,
        "preview": preview,
        "confirm": confirm,
        "write": write,
        "created": batch.report["created"],
        "applications": Application.objects.filter(territory=territory).count(),
        "probe": [pinger.samples[marks[0] : marks[1]], pinger.samples[marks[1] : marks[2]]]
        if pinger
        else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--applications", type=int, default=20_000)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--timeout", type=int, default=900, help="secondes par passage du worker")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument(
        "--port", type=int, default=8792,
        help="port de gunicorn pour sonder la page d'accueil et la connexion pendant l'import "
        "(0 : pas de sonde)",
    )  # fmt: skip
    args = parser.parse_args()
    if not os.environ["DATABASE_URL"].startswith("postgres"):
        sys.exit("Ce banc d'essai mesure PostgreSQL : DATABASE_URL=postgres://…")
    import django

    django.setup()
    started = time.perf_counter()
    user, organisation, communes, structures, territories = prepare(args.applications)
    print(f"préparation : {time.perf_counter() - started:.1f} s")
    queue = bench_queue(user, organisation, communes, structures, args.requests)
    verdict = "atteint" if queue["p95"] <= 150 else "MANQUÉ"
    print(
        f"file des agents ({args.applications} demandes, {queue['requests']} requêtes filtrées "
        f"et triées) : médiane {queue['median']:.0f} ms, p95 {queue['p95']:.0f} ms, max "
        f"{queue['max']:.0f} ms — objectif p95 ≤ 150 ms {verdict} (temps CPU du processus : "
        f"médiane {queue['cpu_median']:.0f} ms, p95 {queue['cpu_p95']:.0f} ms)"
    )
    if args.skip_import:
        return
    result = bench_import(
        user, organisation, communes, structures, territories, args.rows, args.timeout, args.port
    )
    total = result["preview"] + result["write"]
    verdict = "atteint" if total <= 60 else "MANQUÉ"
    print(
        f"import de {result['rows']} lignes ({result['size_mb']:.1f} Mo) : dépôt "
        f"{result['upload']:.2f} s, vérification par le worker {result['preview']:.1f} s, "
        f"5 confirmations {result['confirm'] * 1000:.0f} ms, écriture par le worker "
        f"{result['write']:.1f} s ({result['created']} créées) — total {total:.1f} s, objectif "
        f"≤ 60 s {verdict} (temps CPU du worker : vérification {WORKER_CPU[0]:.1f} s, "
        f"écriture {WORKER_CPU[1]:.1f} s, démarrage compris)"
    )
    if result["probe"] is not None:
        from probe import summary

        during_preview, during_write = result["probe"]
        print(f"accueil et connexion pendant la vérification : {summary(during_preview)}")
        print(f"accueil et connexion pendant l'écriture : {summary(during_write)}")


if __name__ == "__main__":
    main()
