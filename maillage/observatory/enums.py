from django.db import models


class Indicator(models.TextChoices):
    """Statistical figures per commune or territory (the `indicator` column of the CSV)."""

    CHILDREN_UNDER_3 = "children_under_3", "Enfants de moins de 3 ans"
    BIRTHS = "births", "Naissances"
    POPULATION = "population", "Population municipale"
    POPULATION_0_2 = "population_0_2", "Population de 0 à 2 ans"
    POPULATION_3_5 = "population_3_5", "Population de 3 à 5 ans"
    POPULATION_6_11 = "population_6_11", "Population de 6 à 11 ans"
    POPULATION_12_17 = "population_12_17", "Population de 12 à 17 ans"
    POPULATION_18_24 = "population_18_24", "Population de 18 à 24 ans"
    ALLOCATAIRES = "allocataires", "Allocataires de la Caf"
    COVERED_PERSONS = "covered_persons", "Personnes couvertes par les prestations de la Caf"
    PAJE_RECIPIENTS = "paje_recipients", "Allocataires de la PAJE"
    SINGLE_PARENT_FAMILIES = "single_parent_families", "Familles monoparentales"
    LOW_INCOME_HOUSEHOLDS = "low_income_households", "Ménages à bas revenus"
    QPV_POPULATION = "qpv_population", "Population des quartiers prioritaires (QPV)"
    CHILDMINDERS = "childminders", "Assistants maternels en activité"
    PLACES_EAJE = "places_eaje", "Places en EAJE"
    PLACES_ASSISTANTS_MATERNELS = (
        "places_assistants_maternels",
        "Places chez les assistants maternels",
    )
    PLACES_GARDE_A_DOMICILE = "places_garde_a_domicile", "Places en garde à domicile"
    PLACES_PRESCOLARISATION = "places_prescolarisation", "Places en préscolarisation (2 ans)"
    COVERAGE_RATE = "coverage_rate", "Taux de couverture publié (places pour 100 enfants)"


# Counts subject to statistical secrecy (a published rate is not a count).
COUNT_INDICATORS = frozenset(set(Indicator) - {Indicator.COVERAGE_RATE})

# The place indicators of each coverage mode (the CSV gives past vintages of every mode).
MODE_INDICATORS = {
    "eaje": Indicator.PLACES_EAJE,
    "assistants_maternels": Indicator.PLACES_ASSISTANTS_MATERNELS,
    "garde_a_domicile": Indicator.PLACES_GARDE_A_DOMICILE,
    "prescolarisation": Indicator.PLACES_PRESCOLARISATION,
}


class Method(models.TextChoices):
    MEASURED = "measured", "Mesuré"
    ESTIMATED = "estimated", "Estimé"
    COMPUTED = "computed", "Calculé"


class CoverageMode(models.TextChoices):
    EAJE = "eaje", "Accueil collectif (EAJE)"
    CHILDMINDERS = "assistants_maternels", "Assistants maternels"
    HOME_CARE = "garde_a_domicile", "Garde à domicile"
    PRESCHOOL = "prescolarisation", "Préscolarisation (2 ans)"


class DiagnosticSection(models.TextChoices):
    PORTRAIT = "portrait", "Portrait social et démographique"
    OFFER = "offer", "État des lieux de l'offre"
    GAP = "gap", "Écart entre le besoin et l'offre"
    AXES = "axes", "Axes de développement prioritaires"


class EditionStatus(models.TextChoices):
    PENDING = "pending", "En attente"
    RUNNING = "running", "En cours"
    DONE = "done", "Terminée"
    FAILED = "failed", "Échec"
