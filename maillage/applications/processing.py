"""Processings of the guichet unique (register of processing activities, see core.processing).

Declared before the guichet is finished, so that the register and the public page say what it
will collect; the guichet's own purger will use `retention-applications-months`.
"""

from maillage.core.processing import COMMON_SECURITY, PUBLIC_INTEREST, Processing

PROCESSINGS = [
    Processing(
        key="applications-guichet",
        name="Guichet unique des demandes d'accueil du jeune enfant",
        purpose=(
            "Recevoir en un seul endroit les demandes d'accueil des familles, les instruire, les "
            "présenter à la commission d'attribution et informer les familles de la décision."
        ),
        legal_basis=(
            PUBLIC_INTEREST
            + ". Ce n'est pas un consentement : la famille peut s'opposer ou demander "
            "l'effacement dans les limites de l'article 17-3-b du RGPD."
        ),
        data_subjects=("Parents et responsables légaux", "Enfants (accueil demandé)"),
        data_categories=(
            "Identité et coordonnées des parents, situation familiale et professionnelle",
            "Données de l'enfant : prénom, nom, date de naissance (ou date prévue)",
            "Besoins d'accueil : dates, jours, horaires, structures souhaitées",
            "Quotient familial (facultatif, pour la tarification)",
        ),
        sensitive_data=(
            "Données de santé : situation de handicap de l'enfant ou d'un parent (AEEH, "
            "accueil adapté), recueillies seulement si la famille le souhaite pour une "
            "priorité (RGPD article 9-2-g, motif d'intérêt public important)."
        ),
        recipients=(
            "Agents de la commune où l'accueil est demandé",
            "Membres de la commission d'attribution",
            "Gestionnaires des structures proposées (après décision)",
        ),
        retention=(
            "Durée du paramètre retention-applications-months après la clôture de la demande "
            "(paramètre daté, fixé par chaque déploiement) ; purge quotidienne."
        ),
        security=COMMON_SECURITY,
        retention_parameters=("retention-applications-months",),
        status="en construction",
    ),
]
