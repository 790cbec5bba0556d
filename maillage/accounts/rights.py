"""Rights of the data subject for user accounts: a person downloads their own data."""

import datetime

from django.db.models import Q
from django.utils import timezone

from maillage.accounts.models import User
from maillage.audit.models import AuditAction, AuditEntry
from maillage.audit.services import record

ACCOUNT_FIELDS = ["email", "first_name", "last_name", "kind", "is_active", "date_joined"]


def _entry(entry: AuditEntry) -> dict:
    return {
        "date": entry.at.isoformat(),
        "action": entry.get_action_display(),
        "auteur": entry.actor_label,
        "organisation": str(entry.organisation) if entry.organisation_id else "",
        "objet": entry.object_label,
        "champs": sorted(entry.changes) if isinstance(entry.changes, dict) else [],
        "détail": entry.message,
    }


def user_data(user: User) -> dict:
    """What Maillage holds about `user`: account, memberships, and the audit entries they wrote
    or that are about their account (field names only, as the trail stores them)."""
    entries = AuditEntry.objects.filter(
        Q(actor=user) | Q(object_type=User._meta.label_lower, object_id=str(user.pk))
    ).select_related("organisation")
    return {
        "généré le": timezone.now().isoformat(),
        "compte": {
            name: (value.isoformat() if isinstance(value, datetime.datetime) else value)
            for name, value in ((f, getattr(user, f)) for f in ACCOUNT_FIELDS)
        },
        "organisations": [
            {
                "organisation": m.organisation.name,
                "rôle": m.get_role_display(),
                "depuis le": m.created_at.isoformat(),
            }
            for m in user.memberships.select_related("organisation").order_by("created_at")
        ],
        "journal d'audit": [_entry(e) for e in entries],
    }


def export_user_data(user: User) -> dict:
    """The person's own export (right of access, GDPR art. 15), recorded in the audit trail."""
    data = user_data(user)
    record(
        AuditAction.EXPORT,
        actor=user,
        obj=user,
        message="Export de ses propres données (droit d'accès)",
    )
    return data
