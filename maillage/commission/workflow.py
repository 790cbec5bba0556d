"""The lifecycle of a commission session: the one declared table of allowed moves.

draft → frozen (the queue, the grid and the engine instance are fixed) → run (a proposal is
computed; it can be computed again) → validated (the commission adopts one run) → published
(offers and letters, see offers.py) → closed.
"""

from maillage.audit.workflow import Transition, Workflow
from maillage.commission.enums import SessionStatus

S = SessionStatus


class SessionWorkflow(Workflow):
    field = "status"
    transitions = [
        Transition("freeze", [S.DRAFT], S.FROZEN, "Arrêter la liste"),
        Transition("run", [S.FROZEN, S.RUN], S.RUN, "Calculer la proposition"),
        Transition("validate", [S.RUN], S.VALIDATED, "Valider la proposition"),
        Transition("publish", [S.VALIDATED], S.PUBLISHED, "Publier les décisions"),
        Transition("close", [S.PUBLISHED], S.CLOSED, "Clore la séance"),
    ]


session_workflow = SessionWorkflow()
