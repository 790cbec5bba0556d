"""One way to change the state of a record: a declarative transition table per model.

    class ConventionWorkflow(Workflow):
        field = "status"
        transitions = [
            Transition("sign", ["draft"], "signed", "Signer"),
            Transition("end", ["signed", "in_force"], "ended", "Clore"),
        ]

    convention_workflow.apply(convention, "sign", actor=user, organisation=org, reason="")

`apply` is the only path: it checks the move is allowed from the current state (French
`TransitionNotAllowed` otherwise), runs the guard, then inside one transaction locks the row
(`select_for_update` on PostgreSQL; SQLite's immediate transactions take the write lock at BEGIN)
and changes the state by compare-and-set: `UPDATE … SET state = <to> WHERE pk = … AND state =
<from>`. Zero rows means someone else moved first: `TransitionConflict`, in French. It then
writes the transition log and the audit entry itself, so no caller can forget them.

It lives in `audit` rather than `core` because every move writes the trail (core stays below
audit in the layers). See docs/decisions/0007-workflow.md.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import connection, models, transaction

from maillage.audit.models import AuditAction, TransitionLog
from maillage.audit.services import record


class WorkflowError(Exception):
    """Base of the French errors a state change can raise."""


class TransitionNotAllowed(WorkflowError):
    pass


class TransitionConflict(WorkflowError):
    pass


@dataclass(frozen=True)
class Transition:
    name: str
    sources: Iterable[str]
    target: str
    label: str
    # Optional check on the object before the move; returns a French reason to refuse, or "".
    guard: Callable[[models.Model], str] | None = field(default=None, compare=False)


class Workflow:
    field: str = "status"
    transitions: list[Transition] = []
    # Labels of the states for messages (code -> French label); defaults to the field's choices.
    state_labels: dict[str, str] | None = None

    def __init__(self):
        self._by_name = {t.name: t for t in self.transitions}
        if len(self._by_name) != len(self.transitions):
            raise ValueError("Deux transitions portent le même nom.")

    def label_of(self, obj, state: str) -> str:
        if self.state_labels:
            return self.state_labels.get(state, state)
        choices = dict(obj._meta.get_field(self.field).choices or [])
        return str(choices.get(state, state))

    def get(self, name: str) -> Transition:
        try:
            return self._by_name[name]
        except KeyError:
            raise TransitionNotAllowed(f"Action inconnue : « {name} ».") from None

    def available(self, obj) -> list[Transition]:
        state = getattr(obj, self.field)
        return [t for t in self.transitions if state in t.sources]

    def can(self, obj, name: str) -> bool:
        transition = self._by_name.get(name)
        return transition is not None and getattr(obj, self.field) in transition.sources

    def apply(
        self,
        obj: models.Model,
        name: str,
        *,
        actor=None,
        organisation=None,
        reason: str = "",
        extra_updates: dict | None = None,
    ) -> TransitionLog:
        """Move `obj` along transition `name`; `extra_updates` are written in the same UPDATE."""
        transition = self.get(name)
        source = getattr(obj, self.field)
        if source not in transition.sources:
            raise TransitionNotAllowed(
                f"Impossible de « {transition.label.lower()} » : l'état actuel est "
                f"« {self.label_of(obj, source)} »."
            )
        if transition.guard is not None:
            refusal = transition.guard(obj)
            if refusal:
                raise TransitionNotAllowed(refusal)
        model = type(obj)
        updates = {self.field: transition.target, **(extra_updates or {})}
        with transaction.atomic():
            rows = model._base_manager.filter(pk=obj.pk)
            if connection.features.has_select_for_update:
                rows.select_for_update().values_list("pk", flat=True).first()
            changed = model._base_manager.filter(pk=obj.pk, **{self.field: source}).update(
                **updates
            )
            if changed != 1:
                current = (
                    model._base_manager.filter(pk=obj.pk).values_list(self.field, flat=True).first()
                )
                raise TransitionConflict(
                    "Quelqu'un a changé l'état de cette fiche juste avant vous : elle est "
                    f"maintenant « {self.label_of(obj, current) if current else 'supprimée'} ». "
                    "Rechargez la page pour voir la situation actuelle."
                )
            for key, value in updates.items():
                setattr(obj, key, value)
            log = TransitionLog.objects.create(
                object_type=obj._meta.label_lower,
                object_id=str(obj.pk),
                transition=transition.name,
                source=source,
                target=transition.target,
                actor=actor if getattr(actor, "pk", None) else None,
                actor_label=(actor.email if getattr(actor, "pk", None) else "système")[:255],
                reason=reason,
            )
            record(
                AuditAction.TRANSITION,
                actor=actor if getattr(actor, "pk", None) else None,
                organisation=organisation,
                obj=obj,
                changes={self.field: [source, transition.target]},
                message=f"{transition.label}" + (f" : {reason}" if reason else ""),
            )
        return log


def history(obj) -> models.QuerySet:
    return TransitionLog.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
