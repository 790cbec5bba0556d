"""`maillage import_applications --territory SLUG FILE [--dry-run] [--skip-invalid] [--format json]`"""

import json
from pathlib import Path

from django.core.management.base import CommandError

from maillage.applications.importer import ImportFileError, run_import
from maillage.applications.services import GuichetError
from maillage.core.commands import MaillageCommand
from maillage.territories.models import TerritoryGroup


class Command(MaillageCommand):
    help = (
        "Importe une liste d'attente existante (CSV ou XLSX, format v1) dans le guichet unique "
        "d'un territoire. Réimporter une même référence met la demande à jour."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="fichier CSV ou XLSX")
        parser.add_argument("--territory", required=True, help="identifiant (slug) du territoire")
        parser.add_argument("--dry-run", action="store_true", help="vérifier sans rien écrire")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="importer les lignes valides seulement"
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        territory = TerritoryGroup.objects.filter(slug=options["territory"]).first()
        if territory is None:
            raise CommandError(f"Territoire « {options['territory']} » inconnu.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        try:
            result = run_import(
                path.read_bytes(),
                path.name,
                territory,
                dry_run=options["dry_run"],
                skip_invalid=options["skip_invalid"],
            )
        except (ImportFileError, GuichetError) as exc:
            raise CommandError(str(exc)) from exc
        blocked = bool(result.errors) and not options["skip_invalid"]
        if options["format"] == "json":
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
        else:
            for error in result.errors:
                self.stdout.write(
                    f"Ligne {error['line']}, colonne « {error['column']} » : {error['message']}"
                )
            for warning in result.warnings:
                self.stdout.write(f"Avertissement : {warning['message']}")
            if blocked:
                self.stdout.write(
                    "Rien n'a été importé : corrigez les erreurs ou utilisez --skip-invalid."
                )
            elif options["dry_run"]:
                self.stdout.write(
                    f"Vérification terminée : {len(result.rows) - len({e['line'] for e in result.errors})} ligne(s) valide(s), rien n'a été écrit."
                )
            else:
                self.stdout.write(
                    f"Créées : {result.created} ; mises à jour : {result.updated} ; "
                    f"inchangées : {result.unchanged} ; lignes en erreur : "
                    f"{len({e['line'] for e in result.errors})}."
                )
        if blocked:
            raise SystemExit(2)
