"""The life of a convention: one declarative transition table (audit.workflow).

    draft ──sign──▶ signed ──activate──▶ active ──end──▶ ended
                       └──────terminate──────┴──▶ terminated

`maillage.conventions.editing.change_status` is the only caller of `convention_workflow.apply`:
the compare-and-set on the status, the `audit.TransitionLog` and the audit entry come from the
workflow; the service adds, in the same transaction, the `ConventionTransitionLog` row (date
d'effet, motif) that the convention's page lists.
"""

from maillage.audit.workflow import Transition, Workflow
from maillage.conventions.enums import ConventionStatus, ReportState

S = ConventionStatus


class ConventionWorkflow(Workflow):
    field = "status"
    transitions = [
        Transition("sign", [S.DRAFT], S.SIGNED, "Signer"),
        Transition("activate", [S.SIGNED], S.ACTIVE, "Mettre en vigueur"),
        Transition("end", [S.ACTIVE], S.ENDED, "Constater l'échéance"),
        Transition("terminate", [S.SIGNED, S.ACTIVE], S.TERMINATED, "Résilier"),
    ]
    state_labels = {status.value: status.label for status in ConventionStatus}


convention_workflow = ConventionWorkflow()


class ReportWorkflow(Workflow):
    """An evaluation report is adopted once (by the COPIL, recorded by the secretariat); the
    adopted final evaluation locks the action plan (`perms.plan_locked`)."""

    field = "state"
    transitions = [Transition("adopt", [ReportState.DRAFT], ReportState.ADOPTED, "Adopter")]
    state_labels = {state.value: state.label for state in ReportState}


report_workflow = ReportWorkflow()
