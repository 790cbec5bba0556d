"""Processings of the admission commission (register of processing activities, core.processing)."""

from maillage.core.processing import COMMON_SECURITY, PUBLIC_INTEREST, Processing

PROCESSINGS = [
    Processing(
        key="commission-attribution",
        name="Commission d'attribution des places d'accueil (traitement algorithmique)",
        purpose=(
            "Arrêter la liste des demandes complètes à la date prévue, calculer les points de "
            "chaque demande selon la grille publiée, proposer une attribution des places "
            "ouvertes par un algorithme (acceptation différée, fratries), permettre à la "
            "commission de la modifier avec un motif écrit, de la valider, puis informer chaque "
            "famille de la décision et de son explication (CRPA L. 311-3-1 et R. 311-3-1-2)."
        ),
        legal_basis=PUBLIC_INTEREST,
        data_subjects=("Parents et responsables légaux", "Enfants (accueil demandé)"),
        data_categories=(
            "Numéro de la demande, commune de résidence, date de la demande",
            "Âge de l'enfant à la date de référence, date d'entrée souhaitée, jours par semaine",
            "Critères de la grille appliqués (activité des parents, famille monoparentale, "
            "parcours d'insertion, fratrie, ancienneté, refus) et points ligne par ligne",
            "Vœux classés, structures à distance acceptée, résultat et explication",
            "Employeur réservataire d'un parent (facultatif) : le nom de l'employeur, choisi "
            "parmi ceux qui réservent des places dans le territoire, qui l'a indiqué (la "
            "famille ou un agent) et quand — aucune pièce n'est conservée",
            "Motif écrit d'une décision modifiée par la commission",
            "Propositions de place, réponses (acceptation, refus, expiration), places "
            "reproposées et leur motif",
            "Demandes d'explication détaillée (R. 311-3-1-2) : date et compte qui la demande",
        ),
        sensitive_data=(
            "Situation de handicap de l'enfant, seulement sous forme d'un critère oui/non de la "
            "grille ou d'une réserve de places (jamais sa nature)."
        ),
        recipients=(
            "Agents et administrateurs de l'organisation qui tient le guichet unique",
            "Membres de la commission d'attribution",
            "La famille concernée (courrier de décision et explication)",
        ),
        retention=(
            "Liste arrêtée, calculs et décisions conservés avec la demande (paramètre "
            "retention-applications-months après sa clôture) ; les calculs restent rejouables "
            "pendant cette durée."
        ),
        security=COMMON_SECURITY
        + (
            "Instance figée et résultat de chaque calcul conservés avec leur empreinte SHA-256 ; "
            "rejeu à l'identique vérifiable, toute différence est une alerte",
        ),
        retention_parameters=("retention-applications-months",),
        status="en construction",
    ),
    Processing(
        key="commission-urgences",
        name="Admissions en urgence entre deux commissions (à la demande de la PMI)",
        purpose=(
            "Enregistrer l'admission d'un enfant dont la situation ne peut attendre la "
            "commission, à la demande de la protection maternelle et infantile, avec son motif, "
            "et en rendre compte avec les statistiques de la commission suivante."
        ),
        legal_basis=PUBLIC_INTEREST,
        data_subjects=("Parents et responsables légaux", "Enfants (accueil demandé)"),
        data_categories=(
            "Numéro de la demande, structure, tranche d'âge, date d'admission",
            "Motif de l'admission en urgence (rédigé sans détail médical ni social superflu)",
        ),
        sensitive_data=(
            "Le motif peut révéler une situation de protection de l'enfance ou de santé : il "
            "est lu par les seuls agents de l'organisation qui tient le guichet, chaque "
            "consultation est tracée, et il ne figure dans aucune statistique publique "
            "(seuls les effectifs y figurent)."
        ),
        recipients=(
            "Agents et administrateurs de l'organisation qui tient le guichet unique",
            "Membres de la commission d'attribution (effectifs seulement)",
        ),
        retention=(
            "Supprimée avec la demande (paramètre retention-applications-months après sa "
            "clôture, ou la durée propre au territoire)."
        ),
        security=COMMON_SECURITY,
        retention_parameters=("retention-applications-months",),
        status="en construction",
    ),
]
