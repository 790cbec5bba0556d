"""`maillage purge_personal_data`: what is past its retention period, purged with --apply."""

import datetime
import json

from django.core.management.base import CommandError

from maillage.audit.retention import run_purge
from maillage.core.commands import MaillageCommand
from maillage.core.retention import UNITS


class Command(MaillageCommand):
    help = (
        "Supprime ou anonymise les données personnelles conservées au-delà de leur durée "
        "(paramètres datés retention-*). Sans --apply, affiche seulement ce qui serait purgé."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--apply", action="store_true", help="Purger réellement (sinon : simulation)."
        )
        parser.add_argument("--date", help="Date de référence AAAA-MM-JJ (défaut : aujourd'hui).")
        parser.add_argument("--format", choices=["text", "json"], default="text", dest="fmt")

    def handle(self, *args, apply=False, date=None, fmt="text", **options):
        try:
            on = datetime.date.fromisoformat(date) if date else datetime.date.today()
        except ValueError as exc:
            raise CommandError(f"Date attendue au format AAAA-MM-JJ, reçu « {date} ».") from exc
        lines = run_purge(on, apply=apply)
        if fmt == "json":
            payload = {
                "date": on.isoformat(),
                "applied": apply,
                "kinds": [line.as_dict() for line in lines],
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        verb = "purgé(s)" if apply else "à purger"
        self.stdout.write(
            f"Durées de conservation au {on:%d/%m/%Y}"
            + ("" if apply else " — simulation, rien n'est modifié (--apply pour purger)")
        )
        for line in lines:
            if line.error:
                self.stdout.write(f"- {line.label} : ignoré. {line.error}")
                continue
            if line.limit is None:  # each record has its own period (e.g. per territory)
                self.stdout.write(
                    f"- {line.label} ({line.note or 'durée propre à chaque donnée'} ; par "
                    f"défaut {line.period} {UNITS[line.unit]}) : {line.count} {verb} "
                    f"({line.action})"
                )
                continue
            self.stdout.write(
                f"- {line.label} (au-delà de {line.period} {UNITS[line.unit]}, avant le "
                f"{line.limit:%d/%m/%Y}) : {line.count} {verb} ({line.action})"
            )
