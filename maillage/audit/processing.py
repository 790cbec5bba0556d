"""Processings of the audit app (register of processing activities, see core.processing)."""

from maillage.core.processing import COMMON_SECURITY, LEGAL_OBLIGATION, Processing

PROCESSINGS = [
    Processing(
        key="audit-trail",
        name="Journal d'audit et journaux de sécurité",
        purpose=(
            "Assurer la traçabilité des accès et des actions sur les données personnelles "
            "(sécurité du traitement, RGPD article 32), répondre aux demandes des personnes et "
            "détecter les abus."
        ),
        legal_basis=(
            LEGAL_OBLIGATION
            + " : obligation de sécurité des traitements (RGPD, articles 5-1-f et 32)"
        ),
        data_subjects=("Utilisateurs de la plateforme", "Personnes dont la fiche est consultée"),
        data_categories=(
            "Auteur (compte, adresse électronique), organisation, date et heure, action",
            "Objet concerné et noms des champs consultés ou modifiés (jamais les valeurs lues)",
        ),
        recipients=("Administrateurs de la Caf", "Délégué à la protection des données"),
        retention=(
            "Durée du paramètre retention-audit-months (douze mois, recommandation CNIL de "
            "2021 sur la journalisation) ; purge quotidienne."
        ),
        security=COMMON_SECURITY + ("Tables en ajout seul dans la base de données (déclencheurs)",),
        retention_parameters=("retention-audit-months",),
    ),
]
