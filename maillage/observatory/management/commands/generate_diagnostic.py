from pathlib import Path

from django.core.management.base import CommandError

from maillage.audit.models import AuditAction
from maillage.audit.services import record
from maillage.core.commands import MaillageCommand
from maillage.observatory import diagnostic
from maillage.observatory.enums import EditionStatus
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
        edition = diagnostic.new_edition(group)
        ticks = self.progress(range(100), total=100, desc=f"diagnostic n° {edition.number}")
        done = 0

        def report(progress: int, step: str) -> None:
            nonlocal done
            while done < progress:  # consuming the iterator advances the progress bar
                next(ticks, None)
                done += 1

        diagnostic.generate(edition, report=report)
        for _ in ticks:  # close the bar
            pass
        edition.refresh_from_db()
        if edition.status != EditionStatus.DONE:
            raise CommandError(f"Échec de l'édition n° {edition.number} : {edition.error}")
        record(AuditAction.CREATE, obj=edition, message="Génération du diagnostic (commande)")
        if output:
            output.write_bytes(bytes(edition.pdf))
        size = f"{len(edition.pdf):,}".replace(",", "\u202f")
        saved = f", enregistrée dans {output}" if output else ""
        self.stdout.write(
            f"Édition n° {edition.number} du diagnostic « {group.name} » : {size} octets de PDF, "
            f"empreinte {edition.snapshot_hash}{saved}."
        )
