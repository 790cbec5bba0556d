from pathlib import Path

from django.core.management.base import CommandError

from maillage.core.commands import MaillageCommand
from maillage.territories.geojson import GeoJSONError, import_contours


class Command(MaillageCommand):
    help = (
        "Importe des contours de communes (GeoJSON, propriétés « code » et « nom », .geojson ou "
        ".geojson.gz) : géométrie et centroïde. Les codes sans commune correspondante sont signalés."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", type=Path, help="fichier GeoJSON (éventuellement compressé en .gz)"
        )
        parser.add_argument(
            "--source", default="", help="libellé de la source (par défaut : nom du fichier)"
        )

    def handle(self, *args, file: Path, source: str, **options):
        try:
            report = import_contours(file, source=source, progress=self.progress)
        except GeoJSONError as exc:
            raise CommandError(f"Import impossible : {exc}") from exc
        self.stdout.write(
            f"{report.matched} contour(s) importé(s), {report.unchanged} déjà à jour."
        )
        if report.unmatched:
            codes = ", ".join(f"{code} {name}".strip() for code, name in report.unmatched)
            self.stdout.write(
                self.style.WARNING(
                    f"{len(report.unmatched)} code(s) sans commune correspondante : {codes}"
                )
            )
        for problem in report.invalid:
            self.stdout.write(self.style.WARNING(problem))
