from pathlib import Path

from django.core.management.base import CommandError

from maillage.audit.models import AuditAction
from maillage.audit.services import record
from maillage.core.commands import MaillageCommand
from maillage.directory import importers
from maillage.directory.enums import ImportKind


class Command(MaillageCommand):
    help = (
        "Importe des structures ou des assistants maternels depuis un fichier CSV ou XLSX "
        "(colonnes : docs/directory.md). Rien n'est importé si le fichier contient des erreurs, "
        "sauf avec --valid-only."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--kind", choices=ImportKind.values, default=ImportKind.STRUCTURES)
        parser.add_argument(
            "--valid-only",
            action="store_true",
            help="importer les lignes valides même si d'autres lignes sont en erreur",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="vérifier seulement, sans rien enregistrer"
        )

    def handle(self, *args, file: Path, kind: str, valid_only: bool, dry_run: bool, **options):
        if not file.exists():
            raise CommandError(f"Fichier introuvable : {file}")
        report = importers.check(file.read_bytes(), file.name, kind)
        for problem in report.file_errors:
            self.stderr.write(self.style.ERROR(problem))
        for row in report.error_rows:
            self.stderr.write(f"ligne {row.line} : " + " ; ".join(row.errors))
        self.stdout.write(
            f"{len(report.rows)} ligne(s), {len(report.valid_rows)} valide(s), "
            f"{len(report.error_rows)} en erreur."
        )
        if report.file_errors:
            raise CommandError("Fichier illisible : rien n'a été importé.")
        if dry_run:
            return
        if report.error_rows and not valid_only:
            raise CommandError(
                "Le fichier contient des erreurs : rien n'a été importé (corrigez-le, ou relancez "
                "avec --valid-only pour importer seulement les lignes valides)."
            )
        importers.apply(report, valid_only=valid_only)
        record(
            AuditAction.IMPORT,
            message=f"import_directory {file.name} : {report.created} créé(s), "
            f"{report.updated} mis à jour",
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.created} fiche(s) créée(s), {report.updated} mise(s) à jour."
            )
        )
