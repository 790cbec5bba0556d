"""The one helper every app uses to write to the audit trail."""

from typing import Any

from django.db import models

from maillage.audit.models import AuditAction, AuditEntry


def _json_safe(value: Any):
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    return str(value)


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields whose value changed."""
    return {
        key: [_json_safe(before.get(key)), _json_safe(after.get(key))]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict:
    names = fields or [f.attname for f in obj._meta.concrete_fields]
    return {name: getattr(obj, name) for name in names}


def record(
    action: AuditAction | str,
    *,
    actor=None,
    organisation=None,
    obj: models.Model | None = None,
    changes: dict | None = None,
    message: str = "",
    request=None,
    actor_label: str | None = None,
) -> AuditEntry:
    """Append one entry. With `request`, actor and organisation come from it. `actor_label`
    names an actor without account (default "système")."""
    if request is not None:
        if (
            actor is None
            and getattr(request, "user", None) is not None
            and request.user.is_authenticated
        ):
            actor = request.user
        if organisation is None:
            organisation = getattr(request, "current_organisation", None)
    return AuditEntry.objects.create(
        action=action,
        actor=actor,
        actor_label=(actor.email if actor is not None else actor_label or "système")[:255],
        organisation=organisation,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_label=str(obj)[:255] if obj is not None else "",
        changes=_json_safe(changes or {}),
        message=message[:500],
    )


def record_read(
    obj: models.Model,
    *,
    actor,
    organisation=None,
    fields: list[str] | None = None,
    message: str = "",
) -> AuditEntry | None:
    """Record that a professional opened a personal record (GDPR accountability).

    The one helper every domain uses for reads: it stores which fields were shown, never their
    values. Families reading their own data and anonymous visitors are not recorded here.
    """
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return record(
        AuditAction.VIEW,
        actor=actor,
        organisation=organisation,
        obj=obj,
        changes={"fields": sorted(fields or [])},
        message=message or "Consultation",
    )
