"""Seeds the dated parameter of the integration quota (CASF L. 214-7 and D. 214-7): at least one
place per tranche of twenty for children of families in an integration pathway, per manager."""

import datetime

from django.db import migrations

SOURCE_URL = (
    "https://www.doctrine.fr/l/texts/codes/LEGITEXT000006074069/articles/LEGIARTI000006905389"
    "?version=LEGIARTI000020529472&source=legislation-text"
)
PARAMETERS = [
    {
        "key": "commission-integration-quota",
        "valid_from": datetime.date(2007, 1, 1),
        "label": "Places garanties aux familles en parcours d'insertion, par gestionnaire",
        "value": {"places": 1, "per": 20},
        "unit": "places par tranche de places",
        "source_label": "CASF art. L. 214-7 et D. 214-7 (décret n° 2006-1753 du 23 décembre 2006)",
        "source_url": SOURCE_URL,
        "verified": True,
        "note": "Au moins une place par tranche de vingt places d'accueil (établissements des "
        "seuls employeurs exceptés) ; l'obligation peut être remplie globalement sur l'ensemble "
        "des structures du gestionnaire. Maillage la contrôle sur les places attribuées à chaque "
        "commission, par tranche complète de vingt places (lecture de Maillage).",
    },
]


def seed(apps, schema_editor):
    Parameter = apps.get_model("core", "Parameter")
    for row in PARAMETERS:
        row = dict(row)
        Parameter.objects.update_or_create(
            key=row.pop("key"), valid_from=row.pop("valid_from"), defaults=row
        )


def unseed(apps, schema_editor):
    Parameter = apps.get_model("core", "Parameter")
    Parameter.objects.filter(key__in={row["key"] for row in PARAMETERS}).delete()


class Migration(migrations.Migration):
    dependencies = [("commission", "0001_initial"), ("core", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
