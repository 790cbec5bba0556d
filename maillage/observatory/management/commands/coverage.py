import json

from django.core.management.base import CommandError

from maillage.core.commands import MaillageCommand
from maillage.core.exports import SafeDictWriter
from maillage.core.models import ParameterMissing
from maillage.observatory.demand import demand_summary
from maillage.observatory.indicators import MODES
from maillage.observatory.services import coverage_report
from maillage.territories.models import Commune, Departement, Epci, TerritoryGroup

CSV_COLUMNS = [
    "code",
    "name",
    "children_under_3",
    "children_under_3_estimated",
    "children_under_3_source",
    "children_under_3_vintage",
    *[f"{mode}_{what}" for mode in MODES for what in ("places", "rate", "estimated")],
    "places_total",
    "rate",
    "catchment_rate",
    "estimated",
]


def csv_rows(data: dict):
    for item in [*data["communes"], {"code": "total", "name": "Total", **data["total"]}]:
        child = item["children_under_3"]
        row = {
            "code": item["code"],
            "name": item["name"],
            "children_under_3": child["value"],
            "children_under_3_estimated": child["estimated"],
            "children_under_3_source": child.get("source", ""),
            "children_under_3_vintage": child.get("vintage", ""),
            "places_total": item["places_total"],
            "rate": item["rate"],
            "catchment_rate": item.get("catchment_rate"),
            "estimated": item["estimated"],
        }
        for mode in MODES:
            m = item["modes"][mode]
            row[f"{mode}_places"] = m["places"]
            row[f"{mode}_rate"] = m["rate"]
            row[f"{mode}_estimated"] = m.get("estimated", item["estimated"])
        yield {k: ("" if v is None else v) for k, v in row.items()}


class Command(MaillageCommand):
    help = (
        "Taux de couverture (places pour 100 enfants de moins de 3 ans) par commune et par mode, "
        "taux de bassin (2SFCA), avec source et millésime. Effectifs < seuil masqués par défaut."
    )

    def add_arguments(self, parser):
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--territory", help="identifiant (slug) du groupe de territoires")
        target.add_argument("--commune", help="code INSEE de la commune")
        target.add_argument("--epci", help="SIREN de l'EPCI (toutes ses communes)")
        target.add_argument("--departement", help="code du département (toutes ses communes)")
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument(
            "--no-mask",
            action="store_true",
            help="ne pas masquer les petits effectifs (usage interne uniquement)",
        )

    def handle(self, *args, territory=None, commune=None, epci=None, departement=None, **options):
        output_format = options.get("format", "json")
        no_mask = options.get("no_mask", False)
        slug = ""
        if territory:
            group = TerritoryGroup.objects.filter(slug=territory).first()
            if group is None:
                raise CommandError(f"Territoire « {territory} » inconnu.")
            communes, title, slug = list(group.communes.all()), group.name, group.slug
        elif epci:
            found = Epci.objects.filter(siren=epci).first()
            if found is None:
                raise CommandError(f"EPCI « {epci} » inconnu.")
            communes, title = list(found.communes.all()), found.name
        elif departement:
            found = Departement.objects.filter(code=departement).first()
            if found is None:
                raise CommandError(f"Département « {departement} » inconnu.")
            communes, title = list(found.communes.all()), found.name
        else:
            found = Commune.objects.filter(insee_code=commune).first()
            if found is None:
                raise CommandError(f"Code INSEE « {commune} » inconnu.")
            communes, title = [found], found.name
        if not communes:
            raise CommandError("Ce territoire ne compte aucune commune.")
        try:
            report = coverage_report(communes, title=title, slug=slug)
        except ParameterMissing as exc:
            raise CommandError(f"{exc} Lancez « maillage migrate ».") from exc
        raw = {c.insee_code for c in report.communes} if no_mask else frozenset()
        data = report.as_dict(raw_codes=raw, demand=demand_summary(report.communes))
        if output_format == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        writer = SafeDictWriter(self.stdout, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in csv_rows(data):
            writer.writerow(row)
