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
    Processing(
        key="observatory-expressed-demand",
        name="Observatoire : demande exprimée au guichet unique",
        purpose=(
            "Mesurer la demande d'accueil réelle (demandes en attente, places obtenues, délais) "
            "par commune, tranche d'âge et besoin, pour le diagnostic partagé et les indicateurs "
            "des conventions ; usage statistique des demandes du guichet unique."
        ),
        legal_basis=PUBLIC_INTEREST,
        data_subjects=("Familles ayant déposé une demande au guichet unique",),
        data_categories=(
            "Lus sans être copiés : commune de résidence, état de la demande, date d'entrée "
            "souhaitée, date de naissance de l'enfant (tranche d'âge), jours par semaine, "
            "horaires atypiques, date de la demande, vœux, suites données en commission",
            "Produits : effectifs agrégés par commune et par structure, masqués sous le seuil "
            "de secret statistique (et leurs compléments) pour toute autre organisation",
        ),
        recipients=(
            "Public et partenaires : effectifs agrégés masqués ; organisation qui couvre la "
            "commune : ses effectifs non masqués",
        ),
        retention=(
            "Aucune conservation propre : les chiffres sont recalculés à partir des demandes, "
            "qui suivent leur propre durée de conservation ; les éditions du diagnostic et les "
            "mesures des indicateurs ne gardent que des effectifs agrégés et masqués."
        ),
        security=COMMON_SECURITY,
    ),
]
