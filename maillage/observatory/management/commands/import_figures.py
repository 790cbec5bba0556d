from pathlib import Path

from django.core.management.base import CommandError

from maillage.audit.models import AuditAction
from maillage.audit.services import record
from maillage.core.commands import MaillageCommand
from maillage.core.imports import ImportLimitError, check_limits
from maillage.observatory.importers import FigureImportError, import_figures


class Command(MaillageCommand):
    help = (
        "Importe des données statistiques (CSV : indicator, commune|territory, period, value, "
        "method, source, source_url, note). Rien n'est importé si une ligne est en erreur. "
        "Mêmes limites que l'import en ligne (taille, nombre de lignes)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="fichier CSV (UTF-8, séparateur , ou ;)")

    def handle(self, *args, file: Path, **options):
        if file.exists():
            with file.open("rb") as handle:
                try:
                    check_limits(handle, file.name)
                except ImportLimitError as exc:
                    raise CommandError(f"Aucune donnée importée :\n  {exc}") from exc
        try:
            report = import_figures(file, progress=self.progress)
        except FigureImportError as exc:
            raise CommandError(
                "Aucune donnée importée :\n" + "\n".join(f"  {e}" for e in exc.errors)
            ) from exc
        record(
            AuditAction.IMPORT,
            message=f"Données statistiques de l'observatoire : {file.name} "
            f"({report.created} créées, {report.updated} modifiées)",
        )
        self.stdout.write(
            f"{report.lines} ligne(s) : {report.created} créée(s), {report.updated} modifiée(s), "
            f"{report.unchanged} inchangée(s)."
        )
