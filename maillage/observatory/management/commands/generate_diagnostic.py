from pathlib import Path

from django.core.management.base import CommandError

from maillage.core.commands import MaillageCommand
from maillage.observatory import diagnostic
from maillage.observatory.models import DiagnosticEdition
from maillage.territories.models import TerritoryGroup


class Command(MaillageCommand):
    help = (
        "Génère une nouvelle édition du diagnostic partagé d'un territoire (HTML, PDF, données "
        "d'entrée et empreinte), avec une barre de progression."
    )

    def add_arguments(self, parser):
        parser.add_argument("--territory", required=True, help="identifiant (slug) du territoire")
        parser.add_argument("--output", type=Path, help="enregistrer aussi le PDF dans ce fichier")

    def handle(self, *args, territory: str, output: Path | None = None, **options):
        group = TerritoryGroup.objects.filter(slug=territory).first()
        if group is None:
            raise CommandError(f"Territoire « {territory} » inconnu.")
        total = len(diagnostic.STEPS)
        ticks = self.progress(range(total), total=total, desc=f"diagnostic « {group.name} »")
        done = 0

        def report(progress: int, steps: int, step: str) -> None:
            nonlocal done
            while done < progress:  # consuming the iterator advances the progress bar
                next(ticks, None)
                done += 1

        edition = diagnostic.open_edition(group)
        try:
            diagnostic.generate(edition, report=report)
        except Exception as exc:
            self.stderr.write(f"{type(exc).__name__} : {exc}")
            raise CommandError(f"Échec de l'édition n° {edition.number} : {edition.error}") from exc
        finally:
            for _ in ticks:  # close the bar
                pass
        pdf = bytes(DiagnosticEdition.objects.values_list("pdf", flat=True).get(pk=edition.pk))
        if output:
            output.write_bytes(pdf)
        size = f"{len(pdf):,}".replace(",", "\u202f")
        saved = f", enregistrée dans {output}" if output else ""
        self.stdout.write(
            f"Édition n° {edition.number} du diagnostic « {group.name} » : {size} octets de PDF, "
            f"empreinte {edition.snapshot_hash}{saved}."
        )
