"""Seeds the window of the expressed demand (months ahead of the date of the figures)."""

import datetime

from django.db import migrations

ROW = {
    "key": "observatory-demand-window",
    "valid_from": datetime.date(2020, 1, 1),
    "label": "Demande exprimée : fenêtre des dates d'entrée souhaitées prises en compte",
    "value": 12,
    "unit": "mois",
    "source_label": "Choix Maillage (issue 13) : la demande des douze prochains mois, comparée "
    "aux places ouvertes en commission pour la même période",
    "source_url": "",
    "verified": False,
    "note": "Écart de la demande = demandes en attente dont l'entrée souhaitée tombe dans la "
    "fenêtre − places déclarées ouvertes aux commissions pour une entrée dans la même fenêtre.",
}


def seed(apps, schema_editor):
    Parameter = apps.get_model("core", "Parameter")
    row = dict(ROW)
    Parameter.objects.update_or_create(
        key=row.pop("key"), valid_from=row.pop("valid_from"), defaults=row
    )


def unseed(apps, schema_editor):
    apps.get_model("core", "Parameter").objects.filter(key=ROW["key"]).delete()


class Migration(migrations.Migration):
    dependencies = [("observatory", "0004_diagnostic_job_and_comment_version")]
    operations = [migrations.RunPython(seed, unseed)]
