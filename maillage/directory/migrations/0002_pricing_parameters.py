"""Seeds the dated parameters of the PSU barème and of the CMG estimate (domain reference §6).

Values marked unverified in the reference are stored with verified=False: they stay editable in
the admin and every simulation that uses them says so.
"""

import datetime

from django.db import migrations

D = datetime.date
RATES = [[1, "0.0619"], [2, "0.0516"], [3, "0.0413"], [4, "0.0310"], [8, "0.0206"]]

ROWS = [
    # key, valid_from, valid_until, label, value, unit, source_label, source_url, verified, note
    (
        "psu-effort-rates", D(2022, 1, 1), None,
        "Taux d'effort horaires PSU (accueil collectif et micro-crèches PSU)", RATES,
        "% des ressources mensuelles par heure",
        "Barème national des participations familiales (circulaire Cnaf C 2019-005), niveau 2022 "
        "confirmé en 2023 et en septembre 2025",
        "https://www.lespetitescanailles.fr/faq/calculer-tarif-place-en-creche", True,
        "Colonnes : à partir de N enfants à charge, taux en %. Tout changement en 2026 est à "
        "vérifier.",
    ),
    (
        "psu-resources-ceiling", D(2022, 1, 1), D(2024, 8, 31),
        "Plafond mensuel de ressources PSU", 6000, "€ par mois",
        "Caf du Loiret, évolution du plafond au 1er septembre 2024",
        "https://caf45-partenaires.fr/eaje-psu-evolution-du-montant-plafond-des-participations-au-1er-septembre-2024",
        True, "",
    ),
    (
        "psu-resources-ceiling", D(2024, 9, 1), D(2025, 8, 31),
        "Plafond mensuel de ressources PSU", 7000, "€ par mois",
        "Caf du Loiret, évolution du plafond au 1er septembre 2024",
        "https://caf45-partenaires.fr/eaje-psu-evolution-du-montant-plafond-des-participations-au-1er-septembre-2024",
        True, "",
    ),
    (
        "psu-resources-ceiling", D(2025, 9, 1), None,
        "Plafond mensuel de ressources PSU", 8500, "€ par mois",
        "caf.fr, le plafond de ressources mensuelles en hausse pour les EAJE au 1er septembre 2025",
        "https://caf.fr/professionnels/actualites/le-plafond-de-ressources-mensuelles-en-hausse-pour-les-eaje-au-1er-septembre-2025",
        True, "S'applique à tous les contrats, y compris en cours.",
    ),
    (
        "psu-resources-floor", D(2023, 1, 1), D(2023, 12, 31),
        "Plancher mensuel de ressources PSU", "754.16", "€ par mois",
        "Montant publié pour 2023",
        "https://mesclesdubonheur.com/garderie-combien-coute-une-place-dans-une-creche-denfants/",
        True, "",
    ),
    (
        "psu-resources-floor", D(2024, 1, 1), D(2024, 12, 31),
        "Plancher mensuel de ressources PSU", "765.77", "€ par mois",
        "Ville de Suresnes, tarifs petite enfance (version 2024)",
        "https://www.suresnes.fr/mon-enfant/petite-enfance/tarifs-et-aides-petite-enfance/",
        True, "",
    ),
    (
        "psu-resources-floor", D(2025, 1, 1), D(2025, 12, 31),
        "Plancher mensuel de ressources PSU", "801.00", "€ par mois",
        "Valeur dérivée (RSA parent isolé un enfant moins le forfait logement), non publiée",
        "", False,
        "Dérivée par l'équipe Maillage, à confirmer sur caf.fr.",
    ),
    (
        "psu-resources-floor", D(2026, 1, 1), None,
        "Plancher mensuel de ressources PSU", "814.62", "€ par mois",
        "Ville de Suresnes, tarifs petite enfance (septembre 2025), année non précisée",
        "https://www.suresnes.fr/mon-enfant/petite-enfance/tarifs-et-aides-petite-enfance/",
        False, "Probablement la valeur 2026, à confirmer sur caf.fr.",
    ),
    (
        "cmg-effort-rates", D(2025, 9, 1), None,
        "Taux d'effort du CMG (accueil par un assistant maternel)", RATES,
        "% des ressources mensuelles par heure",
        "Art. D. 531-18 CSS ; taux supposés égaux à ceux de l'accueil collectif",
        "https://legal.tricoteuses.fr/articles/JORFARTI000051714540", False,
        "Taux non vérifiés : à remplacer par le barème publié.",
    ),
    (
        "cmg-reference-hourly-cost", D(2025, 9, 1), None,
        "Coût horaire de référence du CMG (assistant maternel)", "8.00", "€ par heure",
        "Chiffre de presse (réforme du CMG au 1er septembre 2025), non vérifié",
        "https://social.linked.fr/2025/09/24/reforme-cmg-2025-impact-familles-assistante-maternelle/",
        False, "Les chiffres de presse divergent : à confirmer sur pajemploi.urssaf.fr.",
    ),
]


def seed(apps, schema_editor):
    Parameter = apps.get_model("core", "Parameter")
    for key, start, end, label, value, unit, src, url, verified, note in ROWS:
        Parameter.objects.update_or_create(
            key=key,
            valid_from=start,
            defaults={
                "valid_until": end,
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
    dependencies = [("directory", "0001_initial"), ("core", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
