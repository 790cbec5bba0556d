import datetime

from django.core.management.base import CommandError

from maillage.conventions.enums import ConventionStatus
from maillage.conventions.models import Convention
from maillage.conventions.schedule import upcoming
from maillage.core.commands import MaillageCommand


class Command(MaillageCommand):
    help = (
        "Affiche les rappels dus : réunions d'instances et dates d'envoi des documents dans les "
        "N prochains jours, pour les conventions signées ou en vigueur."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Date de référence AAAA-MM-JJ (défaut : aujourd'hui).")
        parser.add_argument("--jours", type=int, default=30, dest="days")
        parser.add_argument("--convention", help="Limiter à une convention (slug).")

    def handle(self, *args, date=None, days=30, convention=None, **options):
        try:
            on = datetime.date.fromisoformat(date) if date else datetime.date.today()
        except ValueError as exc:
            raise CommandError(f"Date attendue au format AAAA-MM-JJ, reçu « {date} ».") from exc
        conventions = Convention.objects.filter(
            status__in=[ConventionStatus.SIGNED, ConventionStatus.ACTIVE]
        ).select_related("territory")
        if convention:
            conventions = conventions.filter(slug=convention)
        count = 0
        last = on + datetime.timedelta(days=days)
        for item in self.progress(list(conventions), desc="Conventions"):
            for when_date, label in [
                (
                    item.notice_deadline,
                    f"dernier jour pour dénoncer la convention (préavis de "
                    f"{item.notice_months} mois) ou préparer sa reconduction ({item.get_renewal_display().lower()})",
                ),
                (item.end_date, "fin de la convention"),
            ]:
                if on <= when_date <= last:
                    self.stdout.write(f"{when_date:%d/%m/%Y} — {item.title} — {label}")
                    count += 1
            for event in upcoming(item.calendar(), on, days):
                delay = (event.date - on).days
                when = (
                    "aujourd'hui" if delay == 0 else f"dans {delay} jour{'s' if delay > 1 else ''}"
                )
                self.stdout.write(f"{event.date:%d/%m/%Y} ({when}) — {item.title} — {event.label}")
                count += 1
        if not count:
            self.stdout.write(f"Aucun rappel dans les {days} jours à partir du {on:%d/%m/%Y}.")
