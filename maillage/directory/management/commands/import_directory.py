from pathlib import Path

from django.core.management.base import CommandError

from maillage.audit.models import AuditAction
from maillage.audit.services import record
from maillage.core.commands import MaillageCommand
from maillage.core.imports import ImportLimitError, check_limits
from maillage.directory import importers
from maillage.directory.enums import ImportKind


class Command(MaillageCommand):
    help = (
        "Importe des structures ou des assistants maternels depuis un fichier CSV ou XLSX "
        "(colonnes : « Format du fichier » sur la page d'import de l'annuaire). Rien n'est importé si le fichier contient des erreurs, "
        "sauf avec --valid-only. Mêmes limites que l'import en ligne (taille, nombre de lignes)."
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

    def _rows(self, file: Path, kind: str, desc: str, total=None):
        with file.open("rb") as handle:
            yield from self.progress(
                importers.iter_rows(handle, file.name, kind), total=total, desc=desc
            )

    def handle(self, *args, file: Path, kind: str, valid_only: bool, dry_run: bool, **options):
        if not file.exists():
            raise CommandError(f"Fichier introuvable : {file}")
        with file.open("rb") as handle:
            try:
                declared = check_limits(handle, file.name)
            except ImportLimitError as exc:
                raise CommandError(f"{exc} Rien n'a été importé.") from exc
        total = valid = 0
        try:
            for row in self._rows(file, kind, "vérification", declared or None):
                total += 1
                if row.errors:
                    self.stderr.write(f"ligne {row.line} : " + " ; ".join(row.errors))
                else:
                    valid += 1
        except importers.ImportFileError as exc:
            self.stderr.write(self.style.ERROR(str(exc)))
            raise CommandError("Fichier illisible : rien n'a été importé.") from exc
        self.stdout.write(f"{total} ligne(s), {valid} valide(s), {total - valid} en erreur.")
        if not total:
            self.stderr.write(self.style.ERROR("Le fichier ne contient aucune ligne de données."))
            raise CommandError("Fichier illisible : rien n'a été importé.")
        if dry_run:
            return
        if valid < total and not valid_only:
            raise CommandError(
                "Le fichier contient des erreurs : rien n'a été importé (corrigez-le, ou relancez "
                "avec --valid-only pour importer seulement les lignes valides)."
            )
        created, updated = importers.write_rows(
            kind,
            self._rows(file, kind, "enregistrement", total),
            message=f"import_directory {file.name}",
        )
        record(
            AuditAction.IMPORT,
            message=f"import_directory {file.name} : {created} créé(s), {updated} mis à jour",
        )
        self.stdout.write(
            self.style.SUCCESS(f"{created} fiche(s) créée(s), {updated} mise(s) à jour.")
        )
