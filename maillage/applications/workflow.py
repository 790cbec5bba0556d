"""The lifecycle of an application: the one declared table of allowed moves.

draft → submitted → to_correct ⇄ submitted → waiting | awaiting_birth (→ on_hold when late)
→ waiting ⇄ to_confirm (→ archived when silent, reactivable during the grace period);
waiting → offered → accepted → placed → left (accepted → left when the child leaves before
her arrival is recorded); offered → waiting | archived (refusal rule);
withdrawn, cancelled, merged from any open state.
"""

import datetime

from maillage.applications.changes import queue_changed
from maillage.applications.enums import OPEN_STATES, State
from maillage.audit.workflow import Transition, Workflow

S = State


def _child_born(application) -> str:
    if not application.child.is_born:
        return "L'enfant n'est pas encore né : la demande attend la confirmation de la naissance."
    return ""


def _child_expected(application) -> str:
    if application.child.is_born:
        return "L'enfant est déjà né : la demande passe directement en liste d'attente."
    return ""


def _within_grace(application) -> str:
    from maillage.applications.services import rules_for

    rules = rules_for(application.territory)
    archived = application.archived_on
    if archived is None or application.deadline_kind != "interest":
        return "Seule une demande archivée faute de confirmation peut être réactivée."
    if datetime.date.today() > archived + datetime.timedelta(days=rules.grace_days):
        return (
            f"Le délai de grâce de {rules.grace_days} jours est dépassé : déposez une nouvelle "
            "demande."
        )
    return ""


class QueueWorkflow(Workflow):
    """A workflow whose moves change the guichet's queue: each move calls the queue's hook
    (`changes.queue_changed`), so the expressed demand is recomputed."""

    def apply(self, obj, name, **kwargs):
        log = super().apply(obj, name, **kwargs)
        queue_changed()
        return log


class ApplicationWorkflow(QueueWorkflow):
    field = "state"
    transitions = [
        Transition("submit", [S.DRAFT], S.SUBMITTED, "Déposer la demande"),
        Transition("request_correction", [S.SUBMITTED], S.TO_CORRECT, "Demander une correction"),
        Transition("resubmit", [S.TO_CORRECT], S.SUBMITTED, "Renvoyer la demande corrigée"),
        Transition(
            "complete", [S.SUBMITTED], S.WAITING, "Déclarer la demande complète", _child_born
        ),
        Transition(
            "complete_expected",
            [S.SUBMITTED],
            S.AWAITING_BIRTH,
            "Déclarer la demande complète",
            _child_expected,
        ),
        Transition("hold", [S.AWAITING_BIRTH], S.ON_HOLD, "Suspendre faute de naissance confirmée"),
        Transition(
            "confirm_birth", [S.AWAITING_BIRTH, S.ON_HOLD], S.WAITING, "Confirmer la naissance"
        ),
        Transition(
            "request_interest", [S.WAITING], S.TO_CONFIRM, "Demander de confirmer l'intérêt"
        ),
        Transition("confirm_interest", [S.TO_CONFIRM], S.WAITING, "Confirmer l'intérêt"),
        Transition("archive", [S.TO_CONFIRM], S.ARCHIVED, "Archiver faute de confirmation"),
        Transition("reactivate", [S.ARCHIVED], S.WAITING, "Réactiver la demande", _within_grace),
        Transition("offer", [S.WAITING], S.OFFERED, "Proposer une place"),
        Transition("accept_offer", [S.OFFERED], S.ACCEPTED, "Accepter la place"),
        Transition("refuse_offer", [S.OFFERED], S.WAITING, "Refuser la place"),
        Transition("refuse_offer_archive", [S.OFFERED], S.ARCHIVED, "Refuser la place (archivage)"),
        Transition("place", [S.ACCEPTED], S.PLACED, "Enregistrer l'arrivée de l'enfant"),
        Transition("leave", [S.PLACED], S.LEFT, "Enregistrer le départ de l'enfant"),
        Transition(
            "give_up_place",
            [S.ACCEPTED],
            S.LEFT,
            "Enregistrer le départ de l'enfant (place libérée)",
        ),
        Transition("withdraw", OPEN_STATES, S.WITHDRAWN, "Retirer la demande"),
        Transition("cancel", OPEN_STATES, S.CANCELLED, "Annuler la demande"),
        Transition("merge", OPEN_STATES, S.MERGED, "Fusionner avec une autre demande"),
    ]


application_workflow = ApplicationWorkflow()
