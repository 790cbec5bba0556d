"""Demo content of the territories domain: the COG and the bassin de vie of Carros."""

from maillage.territories.cog import import_cog
from maillage.territories.enums import TerritoryGroupKind
from maillage.territories.models import Commune, TerritoryGroup

BASSIN_CARROS_SLUG = "bassin-de-vie-carros"
# The six communes of the CTG of the bassin de vie de Carros (seed convention 004).
BASSIN_CARROS_COMMUNES = ["06033", "06064", "06066", "06065", "06025", "06122"]


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
    return group
