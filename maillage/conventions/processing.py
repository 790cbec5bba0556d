"""Processings of the conventions (register of processing activities, see core.processing)."""

from maillage.core.processing import COMMON_SECURITY, PUBLIC_INTEREST, Processing

PROCESSINGS = [
    Processing(
        key="conventions-partners",
        name="Conventions territoriales : contacts des partenaires",
        purpose=(
            "Préparer, signer et suivre les conventions territoriales globales : signataires, "
            "membres des instances, calendrier des réunions et rappels."
        ),
        legal_basis=PUBLIC_INTEREST,
        data_subjects=("Élus et agents signataires ou membres des instances",),
        data_categories=(
            "Nom, fonction, organisation des signataires et des membres des instances",
            "Adresse électronique de contact des organisations (rappels)",
        ),
        recipients=(
            "Organisations parties à la convention",
            "Public : texte de la convention signée (noms et fonctions des signataires)",
        ),
        retention="Durée de la convention puis archivage selon les règles des archives publiques.",
        security=COMMON_SECURITY,
    ),
]
