import json

from django.core.management.base import CommandError

from maillage.conventions.models import Convention
from maillage.conventions.services import plan_report
from maillage.core.commands import MaillageCommand


class Command(MaillageCommand):
    help = (
        "Affiche le plan d'actions d'une convention (axes, actions, état, avancement, indicateurs "
        "et leur dernière valeur) et le calendrier des instances calculé à partir des règles."
    )

    def add_arguments(self, parser):
        parser.add_argument("--convention", required=True, help="Identifiant (slug).")
        parser.add_argument("--format", choices=["json", "text"], default="text")

    def handle(self, *args, convention, format, **options):
        found = Convention.objects.filter(slug=convention).first()
        if found is None:
            raise CommandError(f"Convention « {convention} » introuvable.")
        report = plan_report(found)
        if format == "json":
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
            return
        c = report["convention"]
        self.stdout.write(f"{c['title']} ({c['start']} → {c['end']}, {c['status']})")
        for axis in report["axes"]:
            self.stdout.write(f"\nAxe {axis['code']} — {axis['title']}")
            for a in axis["actions"]:
                self.stdout.write(
                    f"  {a['code']:<7} {a['status_label']:<11} {a['progress']:>3} %  {a['title']}"
                )
                for i in a["indicators"]:
                    latest = i["latest"]
                    value = f"{latest['value']} ({latest['date']})" if latest else "—"
                    self.stdout.write(f"           · {i['label']} : {value}")
        self.stdout.write("\nCalendrier des instances :")
        for event in report["calendar"]:
            self.stdout.write(f"  {event['date']}  {event['label']}")
