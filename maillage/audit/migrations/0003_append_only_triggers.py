"""Make audit_auditentry and audit_transitionlog append-only in the database (see audit.guard)."""

from django.db import migrations

# The tables as they are at this migration (frozen: audit.guard.PROTECTED may grow later).
PROTECTED = {
    "audit_auditentry": {
        "columns": [
            "id", "at", "actor_label", "action", "object_type", "object_id", "object_label",
            "changes", "message",
        ],
        "nullable_fks": ["actor_id", "organisation_id"],
    },
    "audit_transitionlog": {
        "columns": [
            "id", "at", "object_type", "object_id", "transition", "source", "target",
            "actor_label", "reason",
        ],
        "nullable_fks": ["actor_id"],
    },
}


def forwards(apps, schema_editor):
    from maillage.audit import guard

    guard.install(schema_editor, PROTECTED)


def backwards(apps, schema_editor):
    from maillage.audit import guard

    guard.uninstall(schema_editor, PROTECTED)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_transitionlog"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
