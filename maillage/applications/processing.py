"""Processings of the guichet unique (register of processing activities, see core.processing).

Retention is enforced by the purgers of `applications/retention.py` (shared registry, run by
`maillage purge_personal_data`): each territory's own period, the parameters as defaults.
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
            "Lien entre les demandes des frères et sœurs d'un même foyer",
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
            "Demande close : la durée de conservation fixée par les règles datées du territoire "
            "(retention_months), après la clôture ; à défaut le paramètre "
            "retention-applications-months. Brouillon jamais déposé : la durée du territoire ou "
            "le paramètre retention-application-drafts-days depuis sa dernière modification, la "
            "famille étant prévenue par courriel avant. Pièces supprimées dès leur vérification. "
            "La commune de travail saisie pour chercher des structures près du travail n'est "
            "pas enregistrée. Purge quotidienne."
        ),
        security=COMMON_SECURITY,
        retention_parameters=(
            "retention-applications-months",
            "retention-application-drafts-days",
        ),
        status="en construction",
    ),
]
