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


def is_sensitive(model_or_obj) -> bool:
    """A personal record: its changes are stored as field names only, its reads are recorded.

    The registry is a class attribute, `AUDIT_SENSITIVE = True`, on the model (today
    `accounts.User` and `directory.Childminder`; the guichet's applications add theirs).
    """
    return bool(getattr(model_or_obj, "AUDIT_SENSITIVE", False))


# Actions whose `changes` carry the record's field values.
VALUE_ACTIONS = {
    AuditAction.CREATE,
    AuditAction.UPDATE,
    AuditAction.DELETE,
    AuditAction.VIEW,
    AuditAction.EXPORT,
    AuditAction.IMPORT,
    AuditAction.TRANSITION,
}


def field_names_only(changes: dict) -> dict:
    """{"fields": [names]} — what the trail keeps of a change to a sensitive record."""
    if set(changes) == {"fields"} and isinstance(changes["fields"], (list, tuple)):
        return {"fields": sorted(str(name) for name in changes["fields"])}
    return {"fields": sorted(str(name) for name in changes)}


def object_label(obj: models.Model) -> str:
    """The label kept in the trail: `obj.audit_label()` when the model defines it (e.g. the
    public name of an assistant maternel), never the full name of a sensitive record."""
    if hasattr(obj, "audit_label"):
        return str(obj.audit_label())
    if is_sensitive(obj):
        return f"{obj._meta.verbose_name} n° {obj.pk}"
    return str(obj)


ANONYMOUS_LABEL = "visiteur anonyme"
SYSTEM_LABEL = "système"


def record(
    action: AuditAction | str,
    *,
    actor=None,
    organisation=None,
    obj: models.Model | None = None,
    changes: dict | None = None,
    message: str = "",
    request=None,
    actor_label: str = "",
) -> AuditEntry:
    """Append one entry. With `request`, actor and organisation come from it.

    `actor_label` is always filled (it outlives the account: deleting a user empties `actor`,
    never the label): the actor's e-mail, else "visiteur anonyme" for an anonymous request,
    else "système" (commands, tasks). Changes to a sensitive record keep field names only.
    """
    anonymous = False
    if request is not None:
        user = getattr(request, "user", None)
        if actor is None and user is not None and user.is_authenticated:
            actor = user
        anonymous = actor is None
        if organisation is None:
            organisation = getattr(request, "current_organisation", None)
    if actor is not None:
        label = actor.email
    else:
        label = actor_label or (ANONYMOUS_LABEL if anonymous else SYSTEM_LABEL)
    changes = changes or {}
    if obj is not None and changes and is_sensitive(obj) and action in VALUE_ACTIONS:
        # the values of a sensitive record's fields never reach the trail; the security data of
        # an event (the address of a failed login) is not a field of the record
        changes = field_names_only(changes)
    return AuditEntry.objects.create(
        action=action,
        actor=actor,
        actor_label=label[:255],
        organisation=organisation,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_label=object_label(obj)[:255] if obj is not None else "",
        changes=_json_safe(changes),
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


def record_many(
    action: AuditAction | str,
    objs: list[models.Model],
    *,
    actor=None,
    organisation=None,
    changes: list[dict] | None = None,
    message: str = "",
) -> int:
    """One entry per object, written in one statement (imports write thousands of records).

    `changes`, when given, is parallel to `objs`. Returns the number of entries written."""
    actor_label = (actor.email if actor is not None else "système")[:255]
    entries = [
        AuditEntry(
            action=action,
            actor=actor,
            actor_label=actor_label,
            organisation=organisation,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            object_label=str(obj)[:255],
            changes=_json_safe(changes[i] if changes else {}),
            message=message[:500],
        )
        for i, obj in enumerate(objs)
    ]
    AuditEntry.objects.bulk_create(entries, batch_size=500)
    return len(entries)
