"""Loading of the Code officiel géographique shipped with Maillage (see data/README.md)."""

import gzip
import json
from dataclasses import dataclass, field
from importlib import resources

from django.db import transaction

from maillage.territories.models import Commune, Departement, Epci, Region

DATA_FILE = "cog-2026.json.gz"
POPULATION_VINTAGE = "COG 2026"


@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values())


def load_data() -> dict:
    with resources.files("maillage.territories.data").joinpath(DATA_FILE).open("rb") as raw:
        with gzip.open(raw, "rt", encoding="utf-8") as fh:
            return json.load(fh)


def _sync(model, key: str, rows: dict[str, dict], report: ImportReport, label: str, progress=None):
    """Create or update `model` rows so that they equal `rows` (keyed by `key`)."""
    existing = {getattr(obj, key): obj for obj in model.objects.all()}
    to_create, to_update, fields = [], [], set()
    items = (
        rows.items() if progress is None else progress(rows.items(), total=len(rows), desc=label)
    )
    for k, values in items:
        obj = existing.get(k)
        if obj is None:
            to_create.append(model(**{key: k}, **values))
            continue
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if changed:
            for name in changed:
                setattr(obj, name, values[name])
            fields.update(changed)
            to_update.append(obj)
    model.objects.bulk_create(to_create, batch_size=2000)
    if to_update:
        model.objects.bulk_update(to_update, sorted(fields), batch_size=2000)
    report.created[label] = len(to_create)
    report.updated[label] = len(to_update)


@transaction.atomic
def import_cog(progress=None) -> ImportReport:
    data = load_data()
    source = data["source"]
    report = ImportReport()
    _sync(
        Region, "code", {code: {"name": name} for code, name in data["regions"]}, report, "régions"
    )
    regions = {r.code: r.pk for r in Region.objects.all()}
    _sync(
        Departement,
        "code",
        {
            code: {"name": name, "region_id": regions[region]}
            for code, name, region in data["departements"]
        },
        report,
        "départements",
    )
    _sync(
        Epci,
        "siren",
        {
            siren: {"name": name, "kind": kind, "population": pop}
            for siren, name, kind, pop, _ in data["epci"]
        },
        report,
        "EPCI",
    )
    epci_of = {}
    epci_ids = {e.siren: e.pk for e in Epci.objects.all()}
    for siren, _name, _kind, _pop, members in data["epci"]:
        for code in members:
            epci_of[code] = epci_ids[siren]
    departements = {d.code: d.pk for d in Departement.objects.all()}
    _sync(
        Commune,
        "insee_code",
        {
            code: {
                "name": name,
                "departement_id": departements[dep],
                "epci_id": epci_of.get(code),
                "postal_codes": sorted(postal_codes),
                "population": population,
                "population_vintage": POPULATION_VINTAGE,
                "population_source": source,
                "siren": siren or "",
            }
            for code, name, dep, _region, postal_codes, population, siren in data["communes"]
        },
        report,
        "communes",
        progress=progress,
    )
    return report
