"""Processings of the observatory (register of processing activities, see core.processing)."""

from maillage.core.processing import COMMON_SECURITY, PUBLIC_INTEREST, Processing

PROCESSINGS = [
    Processing(
        key="observatory-statistics",
        name="Observatoire et diagnostics territoriaux",
        purpose=(
            "Mesurer l'offre d'accueil et les besoins des familles par commune et par territoire "
            "pour préparer les conventions et les schémas."
        ),
        legal_basis=PUBLIC_INTEREST,
        data_subjects=("Aucune personne identifiable : chiffres agrégés par commune",),
        data_categories=(
            "Données statistiques agrégées (INSEE, Caf, offre d'accueil) ; aucun fichier nominatif",
            "Commentaires des diagnostics : auteur (compte) de la dernière modification",
        ),
        recipients=("Public pour les chiffres ; agents des organisations pour les diagnostics",),
        retention="Chiffres : sans limite (statistiques publiques). Commentaires : durée du diagnostic.",
        security=COMMON_SECURITY,
        personal_data=False,
    ),
]
