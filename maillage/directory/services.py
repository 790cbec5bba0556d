"""Services of the directory that pages and the API call: one call fetches, checks and records."""

from dataclasses import dataclass

from django.shortcuts import get_object_or_404

from maillage.audit.services import record_read
from maillage.directory.models import Childminder
from maillage.directory.perms import can_see_childminder_contacts


@dataclass
class ChildminderFile:
    childminder: Childminder
    shows_private: bool  # the page shows her personal contact details


def get_childminder_for(membership, pk: int, *, actor=None) -> ChildminderFile:
    """An active assistant maternel's file as `membership` may see it (None: the public).

    When the reader is a professional who sees her private fields, the read is recorded
    (field names, never values) — the one place this read is recorded. Http404 if unknown.
    """
    childminder = get_object_or_404(
        Childminder.objects.select_related("commune", "mam").prefetch_related("availabilities"),
        pk=pk,
        is_active=True,
    )
    shows_private = can_see_childminder_contacts(membership, childminder)
    if shows_private:
        record_read(
            childminder,
            actor=actor,
            organisation=membership.organisation,
            fields=list(Childminder.PRIVATE_FIELDS),
            message="Fiche d'un assistant maternel (coordonnées)",
        )
    return ChildminderFile(childminder, shows_private)


OPEN_DATA_DATASETS = ("structures", "assistants-maternels")
OPEN_DATA_FORMATS = ("csv", "xlsx", "json")


def open_data_download(dataset: str, fmt: str, *, actor=None, organisation=None):
    """(content, content type) of an open-data export; records one EXPORT entry per download.

    Anonymous downloads are recorded too, without actor ("visiteur anonyme") and without any
    network detail: the trail says what left the platform and when, not who downloaded public
    data. Raises ValueError for an unknown dataset or format.
    """
    from maillage.audit.models import AuditAction
    from maillage.audit.services import ANONYMOUS_LABEL, record
    from maillage.directory import exports

    if dataset not in OPEN_DATA_DATASETS or fmt not in OPEN_DATA_FORMATS:
        raise ValueError(f"{dataset}.{fmt}")
    content, content_type = exports.export(dataset, fmt)
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    record(
        AuditAction.EXPORT,
        actor=actor if authenticated else None,
        actor_label="" if authenticated else ANONYMOUS_LABEL,
        organisation=organisation if authenticated else None,
        changes={"dataset": dataset, "format": fmt, "bytes": len(content)},
        message=f"Export open data {dataset}.{fmt}",
    )
    return content, content_type
