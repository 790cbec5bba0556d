"""Processings of the directory (register of processing activities, see core.processing)."""

from maillage.core.processing import COMMON_SECURITY, CONSENT, PUBLIC_INTEREST, Processing

PROCESSINGS = [
    Processing(
        key="directory-childminders",
        name="Annuaire des assistants maternels et de leurs disponibilités",
        purpose=(
            "Informer les familles de l'offre d'accueil individuel de leur territoire et des places "
            "disponibles ; permettre aux relais petite enfance et aux communes de tenir ces "
            "informations à jour."
        ),
        legal_basis=(
            PUBLIC_INTEREST
            + ". Publication des coordonnées complètes : "
            + CONSENT.lower()
            + ", retirable à tout moment."
        ),
        data_subjects=("Assistants maternels agréés du territoire",),
        data_categories=(
            "Identité (prénom, nom), commune, adresse, téléphone, adresse électronique",
            "Agrément (numéro, nombre de places, âges), exercice en MAM",
            "Disponibilités déclarées (dates, jours, horaires, places), accueils atypiques",
        ),
        recipients=(
            "Public : prénom, initiale du nom, commune et disponibilités ; coordonnées complètes "
            "seulement avec l'accord de la personne",
            "Agents des communes et de la Caf couvrant la commune de la personne",
        ),
        retention=(
            "Tant que l'agrément est en cours ; la fiche est effacée (ou anonymisée) à la fin de "
            "l'activité ou à la demande de la personne lorsque la loi le permet."
        ),
        security=COMMON_SECURITY,
    ),
    Processing(
        key="directory-imports",
        name="Imports de fichiers dans l'annuaire",
        purpose="Mettre à jour l'annuaire à partir des fichiers des partenaires (PMI, Caf, RPE).",
        legal_basis=PUBLIC_INTEREST,
        data_subjects=("Assistants maternels", "Agents qui importent"),
        data_categories=("Contenu du fichier importé (identité, coordonnées, agrément)",),
        recipients=("Agents de l'organisation qui a importé le fichier",),
        retention=(
            "Fichier confirmé : durée du paramètre retention-import-files-days ; fichier abandonné "
            "ou jamais confirmé : retention-cancelled-imports-days. Purge quotidienne."
        ),
        security=COMMON_SECURITY,
        retention_parameters=("retention-import-files-days", "retention-cancelled-imports-days"),
    ),
]
