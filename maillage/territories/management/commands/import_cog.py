from maillage.core.commands import MaillageCommand
from maillage.territories.cog import import_cog


class Command(MaillageCommand):
    help = (
        "Importe le Code officiel géographique 2026 livré avec Maillage : régions, départements, "
        "EPCI avec leurs membres, communes avec leur population. Idempotent."
    )

    def handle(self, *args, **options):
        report = import_cog(progress=self.progress)
        if not report.changed:
            self.stdout.write("Référentiel géographique déjà à jour : aucun changement.")
            return
        for label in report.created:
            self.stdout.write(
                f"{label} : {report.created[label]} créé(s), {report.updated[label]} mis à jour"
            )
        self.stdout.write(self.style.SUCCESS("Import du Code officiel géographique terminé."))
