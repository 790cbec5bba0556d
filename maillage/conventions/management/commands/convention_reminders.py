import datetime

from django.core.management.base import CommandError

from maillage.conventions.reminders import due_reminders
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
        count = 0
        for reminder in due_reminders(on, days, convention):
            if reminder.is_deadline:
                self.stdout.write(
                    f"{reminder.date:%d/%m/%Y} — {reminder.convention.title} — {reminder.label}"
                )
                count += 1
                continue
            delay = (reminder.date - on).days
            when = "aujourd'hui" if delay == 0 else f"dans {delay} jour{'s' if delay > 1 else ''}"
            self.stdout.write(
                f"{reminder.date:%d/%m/%Y} ({when}) — {reminder.convention.title} — {reminder.label}"
            )
            count += 1
        if not count:
            self.stdout.write(f"Aucun rappel dans les {days} jours à partir du {on:%d/%m/%Y}.")
