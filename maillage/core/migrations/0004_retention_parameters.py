"""Seeds the retention periods read by `maillage purge_personal_data` (see core.retention).

Only the audit trail's period has an outside source (CNIL); the others are the platform's own
minimisation choices (GDPR art. 5-1-e), stored unverified so that each deployment's DPO confirms
or changes them in the admin.
"""

import datetime

from django.db import migrations

D = datetime.date
CNIL_LOGS = (
    "CNIL, recommandation relative aux mesures de journalisation (délibération n° 2021-122 du "
    "14 octobre 2021) : conserver les journaux entre six mois et un an"
)
CNIL_LOGS_URL = (
    "https://www.cnil.fr/fr/la-cnil-publie-une-recommandation-relative-aux-mesures-de-journalisation"
)
MINIMISATION = "Choix de la plateforme : limitation de la conservation (RGPD, article 5-1-e)"
GDPR_URL = "https://www.cnil.fr/fr/reglement-europeen-protection-donnees/chapitre2#Article5"

ROWS = [
    # key, valid_from, label, value, unit, source_label, source_url, verified, note
    (
        "retention-audit-months", D(2021, 10, 14),
        "Durée de conservation du journal d'audit", 12, "mois", CNIL_LOGS, CNIL_LOGS_URL, True,
        "Borne haute de la recommandation : un an. Au-delà, les entrées sont supprimées.",
    ),
    (
        "retention-import-files-days", D(2025, 1, 1),
        "Durée de conservation des fichiers importés dans l'annuaire", 30, "jours",
        MINIMISATION, GDPR_URL, False,
        "Après l'import, les fiches portent les données et le journal d'audit dit quel fichier "
        "les a créées : le fichier lui-même n'est gardé que le temps de vérifier l'import.",
    ),
    (
        "retention-cancelled-imports-days", D(2025, 1, 1),
        "Durée de conservation des imports abandonnés ou jamais confirmés", 7, "jours",
        MINIMISATION, GDPR_URL, False, "",
    ),
    (
        "retention-task-results-days", D(2025, 1, 1),
        "Durée de conservation des tâches de fond terminées", 30, "jours",
        MINIMISATION, GDPR_URL, False, "Tâches suivies (core.Job) et résultats de django-tasks.",
    ),
    (
        "retention-applications-months", D(2025, 1, 1),
        "Durée de conservation des demandes du guichet unique après leur clôture", 24, "mois",
        MINIMISATION, GDPR_URL, False,
        "Déclarée pour le guichet unique : le déploiement la modifie par une nouvelle ligne "
        "datée. Le purgeur des demandes l'utilisera.",
    ),
]


def seed(apps, schema_editor):
    Parameter = apps.get_model("core", "Parameter")
    for key, start, label, value, unit, src, url, verified, note in ROWS:
        Parameter.objects.update_or_create(
            key=key,
            valid_from=start,
            defaults={
                "label": label,
                "value": value,
                "unit": unit,
                "source_label": src,
                "source_url": url,
                "verified": verified,
                "note": note,
            },
        )


def unseed(apps, schema_editor):
    keys = {row[0] for row in ROWS}
    apps.get_model("core", "Parameter").objects.filter(key__in=keys).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0003_cache_table")]
    operations = [migrations.RunPython(seed, unseed)]
