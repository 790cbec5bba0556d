"""Every change made in the Django admin goes to the audit trail, through `record()`.

`AuditedAdminMixin` records: creations, changes (values before/after; field names only for a
sensitive model — see `services.is_sensitive`), deletions one by one and in bulk (the "delete
selected" action), list-editable changes, inline rows added/changed/deleted, many-to-many
changes, password changes; and, for a sensitive model, each opening of a record and each page
of its list (one read entry per page, not per row).

`audit_every_model_admin(site)` puts the mixin under every ModelAdmin registered on the site —
ours and Django's (users, organisations, memberships, dated parameters, directory, observatory,
conventions…). It runs once the admin modules are loaded (`AuditConfig.ready`), so a new
ModelAdmin is audited without anyone remembering to.
"""

from django.contrib.admin.utils import unquote
from django.db import models

from maillage.audit.models import AuditAction
from maillage.audit.services import diff, is_sensitive, record, record_read, snapshot

MESSAGE = "Administration"
# noise in every diff
IGNORED_FIELDS = {"updated_at", "version", "last_login"}


def _snapshot(obj) -> dict:
    return {k: v for k, v in snapshot(obj).items() if k not in IGNORED_FIELDS}


def _m2m_names(obj, names) -> list[str]:
    m2m = {f.name for f in obj._meta.many_to_many}
    return [n for n in names if n in m2m]


def _m2m_values(obj, names) -> dict:
    return {n: sorted(getattr(obj, n).values_list("pk", flat=True)) for n in names}


def _fields_of_message(message) -> list[str]:
    """Field labels of Django's change message (password change, forms without a snapshot)."""
    names = []
    for item in message if isinstance(message, list) else []:
        names += item.get("changed", {}).get("fields", [])
    return names


class AuditedAdminMixin:
    audit_message = MESSAGE

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):  # Django 6 default, no deprecation warning
            kwargs.setdefault("assume_scheme", "https")
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    # -- writes of the main object ---------------------------------------------------------
    def save_model(self, request, obj, form, change):
        if change and obj.pk is not None:
            original = type(obj)._base_manager.filter(pk=obj.pk).first()
            obj._audit_before = _snapshot(original) if original is not None else {}
            names = _m2m_names(obj, getattr(form, "changed_data", []))
            obj._audit_before.update(_m2m_values(original, names) if original else {})
            obj._audit_m2m = names
        super().save_model(request, obj, form, change)

    def log_addition(self, request, obj, message):
        after = {k: v for k, v in _snapshot(obj).items() if v not in (None, "")}
        record(
            AuditAction.CREATE,
            request=request,
            obj=obj,
            changes=diff({}, after),
            message=self.audit_message,
        )
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        before = obj.__dict__.pop("_audit_before", None)
        m2m = obj.__dict__.pop("_audit_m2m", [])
        if before is not None:
            after = {**_snapshot(obj), **_m2m_values(obj, m2m)}
            changes = diff(before, after)
        else:
            changes = {"fields": _fields_of_message(message)}
        record(
            AuditAction.UPDATE,
            request=request,
            obj=obj,
            changes=changes,
            message=self.audit_message,
        )
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        bulk = isinstance(queryset, models.QuerySet)
        objects = list(queryset)
        message = self.audit_message
        if bulk:
            message = f"{self.audit_message} : suppression groupée ({len(objects)})"
        for obj in objects:
            record(
                AuditAction.DELETE,
                request=request,
                obj=obj,
                changes=diff(_snapshot(obj), {}),
                message=message,
            )
        return super().log_deletions(request, queryset)

    # -- inline rows -----------------------------------------------------------------------
    def save_formset(self, request, form, formset, change):
        deleted = [f.instance for f in formset.deleted_forms if f.instance.pk is not None]
        for obj in deleted:
            record(
                AuditAction.DELETE,
                request=request,
                obj=obj,
                changes=diff(_snapshot(obj), {}),
                message=f"{self.audit_message} (ligne liée)",
            )
        before = {}
        for inline_form in formset.initial_forms:
            instance = inline_form.instance
            if instance.pk is not None and instance not in deleted and inline_form.has_changed():
                original = type(instance)._base_manager.filter(pk=instance.pk).first()
                if original is not None:
                    before[instance.pk] = _snapshot(original)
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            record(
                AuditAction.CREATE,
                request=request,
                obj=obj,
                changes=diff({}, {k: v for k, v in _snapshot(obj).items() if v not in (None, "")}),
                message=f"{self.audit_message} (ligne liée)",
            )
        for obj, _fields in formset.changed_objects:
            record(
                AuditAction.UPDATE,
                request=request,
                obj=obj,
                changes=diff(before.get(obj.pk, {}), _snapshot(obj)),
                message=f"{self.audit_message} (ligne liée)",
            )

    # -- reads of sensitive records --------------------------------------------------------
    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if (
            request.method == "GET"
            and is_sensitive(self.model)
            and getattr(response, "status_code", None) == 200
        ):
            obj = self.get_object(request, unquote(object_id))
            if obj is not None:
                fields = [f for f in self.get_fields(request, obj) if isinstance(f, str)]
                record_read(
                    obj,
                    actor=request.user,
                    organisation=getattr(request, "current_organisation", None),
                    fields=fields,
                    message=self.audit_message,
                )
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if (
            request.method == "GET"
            and is_sensitive(self.model)
            and getattr(response, "status_code", None) == 200
        ):
            changelist = (getattr(response, "context_data", None) or {}).get("cl")
            record(
                AuditAction.VIEW,
                request=request,
                changes={
                    "model": self.model._meta.label_lower,
                    "fields": [f for f in self.get_list_display(request) if isinstance(f, str)],
                    "rows": len(changelist.result_list) if changelist is not None else None,
                },
                message=f"{self.audit_message} : liste des {self.model._meta.verbose_name_plural}",
            )
        return response


NOT_AUDITED = {"audit.auditentry", "audit.transitionlog"}  # the trail itself: read-only


def audited(admin_class: type) -> type:
    if issubclass(admin_class, AuditedAdminMixin):
        return admin_class
    return type(f"Audited{admin_class.__name__}", (AuditedAdminMixin, admin_class), {})


def audit_every_model_admin(site) -> None:
    """Re-register every ModelAdmin of `site` with `AuditedAdminMixin` underneath."""
    for model, model_admin in list(site._registry.items()):
        if model._meta.label_lower in NOT_AUDITED or isinstance(model_admin, AuditedAdminMixin):
            continue
        site.unregister(model)
        site.register(model, audited(type(model_admin)))
