"""The partners' commentary blocks of the diagnostic partagé: saved without lost updates.

A block is shown with its `version`; saving sends that version back. If someone saved the block
in the meantime (or created it while the person was typing on an empty one), the save raises
`ConcurrentEditError` and nothing is written: the page re-renders what the person typed.
"""

from django.db import IntegrityError, transaction

from maillage.audit.models import AuditAction
from maillage.audit.services import diff, record
from maillage.core.concurrency import ConcurrentEditError, save_if_unchanged
from maillage.observatory.models import DiagnosticComment

# Version sent by the form of a block that has no row yet.
NEW = 0


def comments_of(group) -> dict[str, DiagnosticComment]:
    return {
        c.section: c
        for c in DiagnosticComment.objects.filter(territory=group).select_related("updated_by")
    }


def save_comment(
    group, section: str, text: str, seen_version: int | None, *, actor, organisation=None
) -> DiagnosticComment:
    """Write the block `section` of `group` if it is still at `seen_version` (NEW: no block yet).

    Raises `ConcurrentEditError` (French message) when someone saved it first.
    """
    with transaction.atomic():
        comment = DiagnosticComment.objects.filter(territory=group, section=section).first()
        if comment is None:
            if seen_version not in (None, NEW):
                raise ConcurrentEditError()
            try:
                with transaction.atomic():
                    comment = DiagnosticComment.objects.create(
                        territory=group, section=section, text=text, updated_by=actor
                    )
            except IntegrityError as exc:  # created by someone else since the page was shown
                raise ConcurrentEditError() from exc
            record(
                AuditAction.CREATE,
                actor=actor,
                organisation=organisation,
                obj=comment,
                changes=diff({"text": ""}, {"text": text}),
            )
            return comment
        if seen_version == NEW:
            raise ConcurrentEditError()
        before = {"text": comment.text}
        comment.text, comment.updated_by = text, actor
        save_if_unchanged(comment, seen_version, ["text", "updated_by"])
        record(
            AuditAction.UPDATE,
            actor=actor,
            organisation=organisation,
            obj=comment,
            changes=diff(before, {"text": text}),
        )
        return comment
