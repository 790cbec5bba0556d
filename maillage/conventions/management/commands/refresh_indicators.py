import datetime

from maillage.conventions.feeds import refresh_all
from maillage.core.commands import MaillageCommand


class Command(MaillageCommand):
    help = (
        "Enregistre une mesure pour chaque indicateur alimenté automatiquement (taux de "
        "couverture, demande exprimée, taux de satisfaction, délai d'attribution calculés par "
        "l'observatoire). La même mise à jour est planifiée chaque jour (`indicator-feeds`)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Date de la mesure AAAA-MM-JJ (défaut : aujourd'hui).")

    def handle(self, *args, date=None, **options):
        on = datetime.date.fromisoformat(date) if date else datetime.date.today()

        def write(text, error=False):
            (self.stderr if error else self.stdout).write(text)

        recorded = refresh_all(
            on, write=write, progress=lambda items: self.progress(items, desc="Indicateurs")
        )
        self.stdout.write(self.style.SUCCESS(f"{recorded} mesure(s) enregistrée(s)."))
