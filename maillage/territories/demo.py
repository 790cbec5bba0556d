"""Demo content of the territories domain: the COG and the bassin de vie of Carros."""

from importlib import resources
from pathlib import Path

from maillage.territories.cog import import_cog
from maillage.territories.enums import TerritoryGroupKind
from maillage.territories.geojson import import_contours
from maillage.territories.models import Commune, TerritoryGroup

BASSIN_CARROS_SLUG = "bassin-de-vie-carros"
# The six communes of the CTG of the bassin de vie de Carros (seed convention 004).
BASSIN_CARROS_COMMUNES = ["06033", "06064", "06066", "06065", "06025", "06122"]
BASSIN_CARROS_CONTOURS = "demo-bassin-carros-contours.geojson"
CONTOURS_SOURCE = "IGN ADMIN EXPRESS 2018 (via gregoiredavid/france-geojson), Licence Ouverte"


def load_bassin_contours(progress=None):
    """Contours and centroids of the six communes, vendored (see data/README.md)."""
    contours = resources.files("maillage.territories.data").joinpath(BASSIN_CARROS_CONTOURS)
    with resources.as_file(contours) as path:
        return import_contours(Path(path), source=CONTOURS_SOURCE, progress=progress)


def load(out, progress=None) -> TerritoryGroup:
    report = import_cog(progress=progress)
    out.write("Référentiel géographique : " + ("importé." if report.changed else "déjà à jour."))
    group, _ = TerritoryGroup.objects.update_or_create(
        slug=BASSIN_CARROS_SLUG,
        defaults={
            "name": "Bassin de vie de Carros",
            "kind": TerritoryGroupKind.LIVING_AREA,
            "description": (
                "Territoire de la convention territoriale globale signée entre la Caf des "
                "Alpes-Maritimes et les communes de Carros, Gattières, Gilette, La Gaude, Le Broc "
                "et Saint-Jeannet."
            ),
        },
    )
    group.communes.set(Commune.objects.filter(insee_code__in=BASSIN_CARROS_COMMUNES))
    out.write(f"Territoire « {group.name} » : {group.communes.count()} communes.")
    contours = load_bassin_contours(progress)
    out.write(
        f"Contours et centroïdes : {contours.matched} mis à jour, {contours.unchanged} inchangés."
    )
    return group
