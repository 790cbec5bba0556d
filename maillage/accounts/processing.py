"""Processings of the accounts app (register of processing activities, see core.processing)."""

from maillage.core.processing import COMMON_SECURITY, PUBLIC_INTEREST, Processing

PROCESSINGS = [
    Processing(
        key="accounts-users",
        name="Comptes des utilisateurs",
        purpose=(
            "Permettre aux professionnels (agents, élus, partenaires) et aux familles de se "
            "connecter, et donner à chacun les droits de son organisation et de son rôle."
        ),
        legal_basis=PUBLIC_INTEREST,
        data_subjects=("Agents et élus des communes, de la Caf et des partenaires", "Familles"),
        data_categories=(
            "Identité (prénom, nom), adresse électronique, mot de passe (empreinte seulement)",
            "Organisations, rôles, date d'inscription",
        ),
        recipients=(
            "Administrateurs de la Caf",
            "Administrateurs de chaque organisation pour ses membres",
        ),
        retention=(
            "Tant que le compte est actif ; un compte supprimé est effacé, le journal d'audit "
            "garde le libellé de son auteur jusqu'à la fin de sa propre durée."
        ),
        security=COMMON_SECURITY,
    ),
]
