"""Seeds the dated parameters and reference coverage rates of the observatory.

Reference rates: domain reference §3.2 and the CTG of the bassin de vie de Carros (seed 004).
Unverified values (masking threshold, share of under-3s, conversion of agreement places,
catchment rule) are seeded with verified=False and flagged wherever they are used.
"""

import datetime

from django.db import migrations

SECU = "https://evaluation.securite-sociale.fr/home/famille/1-3-3-masses-de-prestations-ve-2.html"
SECU_141 = "https://evaluation.securite-sociale.fr/home/famille/1-4-1-evolution-de-la-capacite-d.html"
CTG_CARROS = (
    "Convention territoriale globale du bassin de vie de Carros 2021-2024, diagnostic "
    "(taux de couverture 2017)"
)

PARAMETERS = [
    {
        "key": "observatory-secrecy-threshold",
        "valid_from": datetime.date(2017, 1, 1),
        "label": "Seuil de secret statistique : effectifs masqués en dessous de",
        "value": 5,
        "unit": "effectif",
        "source_label": "Pratique des anciens fichiers data.caf.fr (masquage < 5), non confirmée",
        "source_url": "https://www.data.gouv.fr/datasets/toutes-prestations-repartition-des-allocataires-selon-les-groupes-de-prestations-et-lage-epci/",
        "verified": False,
        "note": "Référence du domaine §3.4 : la règle de masquage sous un seuil n'est pas confirmée "
        "(Cafdata arrondit à un multiple de 5).",
    },
    {
        "key": "observatory-under3-share",
        "valid_from": datetime.date(2020, 1, 1),
        "label": "Part des enfants de moins de 3 ans dans la population (estimation)",
        "value": 0.0336,
        "unit": "part de la population",
        "source_label": "Calcul Maillage : 2,2 à 2,3 millions d'enfants de moins de 3 ans (France "
        "hors Mayotte) rapportés à 67 millions d'habitants",
        "source_url": SECU_141,
        "verified": False,
        "note": "Sert uniquement à estimer le nombre d'enfants de moins de 3 ans d'une commune "
        "quand aucune donnée mesurée n'est importée ; le résultat est marqué « estimé ».",
    },
    {
        "key": "observatory-childminder-place-factor",
        "valid_from": datetime.date(2017, 1, 1),
        "label": "Places pour enfants de moins de 3 ans par place agréée d'assistant maternel actif",
        "value": 1.0,
        "unit": "place / place agréée",
        "source_label": "Hypothèse Maillage (conversion non documentée, référence du domaine §3.1)",
        "source_url": SECU_141,
        "verified": False,
        "note": "Seuls les assistants maternels en activité comptent ; la conversion exacte des "
        "agréments en places pour les moins de 3 ans n'est pas vérifiée.",
    },
    {
        "key": "observatory-catchment",
        "valid_from": datetime.date(2017, 1, 1),
        "label": "Taux de couverture de bassin (2SFCA) : rayon et décroissance",
        "value": {"radius_km": 10, "decay": "gaussian"},
        "unit": "km",
        "source_label": "Hypothèse Maillage d'après le dossier d'étude Cnaf n° 203 (règle exacte "
        "non retrouvée)",
        "source_url": "https://fdocuments.fr/document/de-203-de-caffr.html",
        "verified": False,
        "note": "decay : none, linear ou gaussian.",
    },
]


def reference(key, year, rate, label, source_label, source_url, modes=None, verified=True):
    return {
        "key": key,
        "valid_from": datetime.date(year, 12, 31),
        "label": label,
        "value": {"rate": rate, "year": year, **({"modes": modes} if modes else {})},
        "unit": "places pour 100 enfants < 3 ans",
        "source_label": source_label,
        "source_url": source_url,
        "verified": verified,
        "note": "",
    }


FR = "Taux de couverture — France"
REFERENCES = [
    reference(
        "coverage-reference-fr",
        2006,
        47.6,
        FR,
        "ASH n° 2946 (Observatoire national de la petite enfance)",
        "https://ash.tm.fr/hebdo/2946/cote-cour/lobservatoire-national-de-la-petite-enfance-fait-le-point-sur-laccueil-des-tout-petits-371314.php",
    ),
    reference(
        "coverage-reference-fr",
        2009,
        48.7,
        FR,
        "Sénat, rapport législatif 11-074",
        "https://senat.fr/rap/l11-074-4/l11-074-47.html",
        modes={
            "assistants_maternels": 27.0,
            "eaje": 14.7,
            "prescolarisation": 5.1,
            "garde_a_domicile": 1.9,
        },
    ),
    reference(
        "coverage-reference-fr",
        2013,
        55.1,
        FR,
        "ASH n° 2946 (Observatoire national de la petite enfance)",
        "https://ash.tm.fr/hebdo/2946/cote-cour/lobservatoire-national-de-la-petite-enfance-fait-le-point-sur-laccueil-des-tout-petits-371314.php",
    ),
    reference(
        "coverage-reference-fr",
        2015,
        56.6,
        FR,
        "ASH n° 3045",
        "https://ash.tm.fr/hebdo/3045/actualites/les-inegalites-territoriales-persistent-454941.php",
        modes={
            "assistants_maternels": 33.1,
            "eaje": 17.8,
            "prescolarisation": 3.9,
            "garde_a_domicile": 1.7,
        },
    ),
    reference("coverage-reference-fr", 2017, 58.9, FR, CTG_CARROS, ""),
    reference(
        "coverage-reference-fr",
        2020,
        58.8,
        "Taux de couverture — France hors Mayotte",
        "PLFSS, programme de qualité et d'efficience Famille, indicateur 1-3-3",
        SECU,
    ),
    reference(
        "coverage-reference-fr-metro",
        2020,
        59.6,
        "Taux de couverture — France métropolitaine",
        "PLFSS, programme de qualité et d'efficience Famille, indicateur 1-3-3",
        SECU,
    ),
    reference(
        "coverage-reference-reg-93",
        2021,
        51.0,
        "Taux de couverture — Provence-Alpes-Côte d'Azur",
        "INSEE",
        "https://www.insee.fr/fr/statistiques/8633481",
    ),
    reference(
        "coverage-reference-dep-06",
        2017,
        49.2,
        "Taux de couverture — Alpes-Maritimes",
        CTG_CARROS,
        "",
    ),
    reference(
        "coverage-reference-dep-93",
        2020,
        32.2,
        "Taux de couverture — Seine-Saint-Denis",
        "PLFSS, programme de qualité et d'efficience Famille, indicateur 1-3-3",
        SECU,
    ),
    reference(
        "coverage-reference-dep-75",
        2020,
        72.2,
        "Taux de couverture — Paris",
        "PLFSS, programme de qualité et d'efficience Famille, indicateur 1-3-3",
        SECU,
    ),
    reference(
        "coverage-reference-dep-53",
        2020,
        83.1,
        "Taux de couverture — Mayenne",
        "PLFSS, programme de qualité et d'efficience Famille, indicateur 1-3-3",
        SECU,
    ),
]


def seed(apps, schema_editor):
    Parameter = apps.get_model("core", "Parameter")
    for row in PARAMETERS + REFERENCES:
        row = dict(row)
        Parameter.objects.update_or_create(
            key=row.pop("key"), valid_from=row.pop("valid_from"), defaults=row
        )


def unseed(apps, schema_editor):
    Parameter = apps.get_model("core", "Parameter")
    keys = {row["key"] for row in PARAMETERS + REFERENCES}
    Parameter.objects.filter(key__in=keys).delete()


class Migration(migrations.Migration):
    dependencies = [("observatory", "0001_initial"), ("core", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
