"""Benchmark of a 50,000-row directory import run by the real worker (not a test).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/maillage_dir .venv/bin/python bench/imports.py
    .venv/bin/python bench/imports.py --rows 10000 --port 8791     # smaller, other port

On PostgreSQL (production settings): the database is migrated and loaded with the real communes
of the COG (the import function of Maillage) if needed; an organisation covering the communes of
the Alpes-Maritimes and one of its agents are created; a CSV of `--rows` valid structures spread
over those communes is written to var/bench/. Then, with gunicorn serving the site:

1. the file is uploaded through the domain service of the upload page (limits checked, stored);
2. `maillage worker --batch` runs the preview task (streaming parse, stored report): timed;
3. the import is confirmed (the service of the "Importer" button) and `maillage worker --batch`
   runs the import task (writes by batches of 500 rows): timed;

while another thread requests the home page and the login page over HTTP in a loop and records
their response times (target: every one under 1 s, none in error). Bounded: each worker run
stops after `--timeout` seconds.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/maillage_dir")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imports_settings")  # production settings
os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT / "bench"), str(ROOT)])
sys.path.insert(0, str(ROOT / "bench"))
from probe import Pinger, serve, summary  # noqa: E402

os.environ.setdefault("MAILLAGE_SECRET_KEY", "bench-only-secret-key-not-for-production")
os.environ.setdefault("MAILLAGE_SECURE_COOKIES", "false")
os.environ.setdefault("MAILLAGE_HTTPS", "false")
os.environ.setdefault("MAILLAGE_GEOCODER", "none")
os.environ.setdefault("MAILLAGE_LOG_LEVEL", "WARNING")
BIN = ROOT / ".venv" / "bin"
KINDS = ["multi_accueil", "creche_collective", "micro_creche_paje", "rpe", "alsh_extrascolaire"]
HEADER = (
    "identifiant;nom;type;adresse;code_postal;code_insee;age_min_mois;age_max_mois;places_bebes;"
    "places_moyens;places_grands;jours;ouverture;fermeture;tarification;telephone;courriel\n"
)


def ensure_database(url: str) -> None:
    if not url.startswith("postgres"):
        sys.exit("Ce banc d'essai mesure PostgreSQL : DATABASE_URL=postgres://…")
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"base {name} créée")


def prepare(rows: int, path: Path):
    from django.core.management import call_command

    from maillage.accounts.enums import OrganisationKind, Role
    from maillage.accounts.models import Membership, Organisation, User
    from maillage.directory.models import Structure
    from maillage.territories.cog import import_cog
    from maillage.territories.models import Commune

    call_command("migrate", verbosity=0)
    if Commune.objects.count() < 30_000:
        started = time.perf_counter()
        import_cog()
        print(f"COG chargé en {time.perf_counter() - started:.1f} s")
    communes = list(Commune.objects.filter(insee_code__startswith="06").order_by("insee_code"))
    organisation, _ = Organisation.objects.get_or_create(
        slug="banc-imports",
        defaults={"name": "Banc d'essai des imports", "kind": OrganisationKind.CAF},
    )
    organisation.communes.set(communes)
    user, created = User.objects.get_or_create(
        email="banc-imports@maillage.example", defaults={"first_name": "Banc"}
    )
    if created:
        user.set_password("banc-imports-mot-de-passe")
        user.save()
    membership, _ = Membership.objects.get_or_create(
        user=user, organisation=organisation, defaults={"role": Role.AGENT}
    )
    removed = Structure.objects.filter(external_id__startswith="BANC-").delete()[0]
    if removed:
        print(f"{removed} fiche(s) d'une exécution précédente supprimée(s)")
    rng = random.Random(42)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for n in range(rows):
            commune = communes[rng.randrange(len(communes))]
            out.write(
                f"BANC-{n:06d};Structure {n} de {commune.name};{KINDS[n % len(KINDS)]};"
                f"{rng.randint(1, 200)} avenue du Banc;06000;{commune.insee_code};"
                f"{rng.choice([0, 2, 3])};{rng.choice([36, 48, 72])};{rng.randint(0, 12)};"
                f"{rng.randint(0, 15)};{rng.randint(0, 15)};lun-ven;07:30;18:30;psu;"
                f"04 93 00 {n % 100:02d} {n // 100 % 100:02d};contact{n}@exemple.test\n"
            )
    return membership


def run_worker(timeout: int) -> float:
    started = time.perf_counter()
    subprocess.run(
        [str(BIN / "maillage"), "worker", "--batch", "--queue-name", "*", "--no-reload"],
        cwd=ROOT,
        check=True,
        timeout=timeout,
        env=os.environ,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--timeout", type=int, default=900, help="secondes par passage du worker")
    args = parser.parse_args()
    ensure_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.core.files import File

    from maillage.core.imports import ImportStatus
    from maillage.directory import services
    from maillage.directory.models import DirectoryImport, Structure

    path = ROOT / "var" / "bench" / f"annuaire-{args.rows}.csv"
    membership = prepare(args.rows, path)
    print(f"fichier : {path.name}, {path.stat().st_size / 1e6:.1f} Mo, {args.rows} lignes")
    server = serve(args.port)
    pinger = Pinger(f"http://127.0.0.1:{args.port}")
    try:
        pinger.start()
        time.sleep(3)
        idle = len(pinger.samples)
        print(f"site au repos : {summary(pinger.samples)}")

        started = time.perf_counter()
        with path.open("rb") as handle:
            batch = services.upload_import(membership, File(handle, name=path.name), "structures")
        upload = time.perf_counter() - started
        print(f"dépôt (limites vérifiées, fichier stocké) : {upload:.2f} s")

        preview = run_worker(args.timeout)
        batch = DirectoryImport.objects.get(pk=batch.pk)
        assert batch.status == ImportStatus.PREVIEWED, batch.status
        print(
            f"prévisualisation par le worker : {preview:.1f} s — {batch.report['total']} lignes, "
            f"{batch.report['valid']} valides, {batch.report['error_count']} en erreur"
        )
        during_preview = len(pinger.samples)

        started = time.perf_counter()
        for _ in range(5):  # five clicks
            services.confirm_import(membership, batch, valid_only=False)
            batch = DirectoryImport.objects.get(pk=batch.pk)
        confirm = time.perf_counter() - started
        imported = run_worker(args.timeout)
        batch = DirectoryImport.objects.get(pk=batch.pk)
        assert batch.status == ImportStatus.IMPORTED, batch.status
        count = Structure.objects.filter(external_id__startswith="BANC-").count()
        print(
            f"confirmation (5 clics) : {confirm * 1000:.0f} ms ; import par le worker : "
            f"{imported:.1f} s — {batch.report['created']} créées, {batch.report['updated']} "
            f"mises à jour, {count} fiches en base"
        )
        pinger.stop.set()
        pinger.join()
        print(f"pendant la prévisualisation : {summary(pinger.samples[idle:during_preview])}")
        print(f"pendant l'import : {summary(pinger.samples[during_preview:])}")
        print(f"sur toute la durée : {summary(pinger.samples)}")
    finally:
        pinger.stop.set()
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
