"""Seeds the dated thresholds of the service public de la petite enfance (L. 214-1-3 CASF)."""

import datetime

from django.db import migrations

SOURCE_URL = "https://solidarites.gouv.fr/tout-savoir-sur-la-notion-dautorite-organisatrice-ao-de-laccueil-du-jeune-enfant"


def seed(apps, schema_editor):
    Parameter = apps.get_model("core", "Parameter")
    Parameter.objects.update_or_create(
        key="sppe-thresholds",
        valid_from=datetime.date(2025, 1, 1),
        defaults={
            "label": "Seuils de population du service public de la petite enfance",
            "value": {"planning_above": 3500, "schema_rpe_above": 10000, "rpe_from": "2026-01-01"},
            "unit": "habitants",
            "source_label": "Article L. 214-1-3 du CASF (loi n° 2023-1196 du 18 décembre 2023), FAQ DGCS/DGCL",
            "source_url": SOURCE_URL,
            "verified": True,
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("core", "Parameter").objects.filter(key="sppe-thresholds").delete()


class Migration(migrations.Migration):
    dependencies = [("territories", "0001_initial"), ("core", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
