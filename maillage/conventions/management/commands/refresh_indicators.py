import datetime

from maillage.conventions.feeds import FeedUnavailable, read
from maillage.conventions.models import Indicator
from maillage.core.commands import MaillageCommand


class Command(MaillageCommand):
    help = (
        "Enregistre une mesure pour chaque indicateur alimenté automatiquement (par exemple le "
        "taux de couverture calculé par l'observatoire)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Date de la mesure AAAA-MM-JJ (défaut : aujourd'hui).")

    def handle(self, *args, date=None, **options):
        on = datetime.date.fromisoformat(date) if date else datetime.date.today()
        indicators = list(
            Indicator.objects.exclude(auto_source="").select_related("convention", "commune")
        )
        recorded = 0
        for indicator in self.progress(indicators, desc="Indicateurs"):
            try:
                result = read(indicator, on)
            except FeedUnavailable as exc:
                self.stderr.write(f"{indicator} : {exc}")
                continue
            if result is None:
                self.stdout.write(f"{indicator} : aucune valeur disponible au {on:%d/%m/%Y}.")
                continue
            value, source, vintage = result
            indicator.measurements.filter(on=on, entered_by__isnull=True).delete()
            indicator.record(value=value, on=on, source=source, vintage=vintage)
            recorded += 1
            self.stdout.write(f"{indicator} : {value} ({source}, {vintage})")
        self.stdout.write(self.style.SUCCESS(f"{recorded} mesure(s) enregistrée(s)."))
