"""The audit tables are append-only in the database itself, not only in Python.

`AuditEntry` and `TransitionLog` refuse `save()` of an existing row and `delete()` in Python, but
`_base_manager.update()`, a raw `UPDATE` or `DELETE FROM audit_auditentry` would go through.
Database triggers close that door for every client of the database, the owner included:

- PostgreSQL: one PL/pgSQL function, fired BEFORE UPDATE OR DELETE (each row) and BEFORE
  TRUNCATE (statement), raises an error unless the transaction-local setting
  `maillage.audit_purge` is `on`;
- SQLite (demo, development): BEFORE UPDATE / BEFORE DELETE triggers `RAISE(ABORT, …)` unless a
  row is present in the one-row table `audit_purge_flag`.

Two operations stay allowed:
- an UPDATE that only sets a foreign key to NULL (`actor_id`, `organisation_id`): Django's
  `on_delete=SET_NULL` when a user or an organisation is deleted. The entry keeps its
  `actor_label`, so the trail still says who acted;
- anything inside `guard_lifted()`, which sets the flag for the current transaction only. It is
  used by `maillage.audit.retention` (the retention purge) and by the `flush` command (which
  erases the whole database). Nothing else in Maillage calls it.

The triggers protect against mistakes and ordinary tampering through the application; an
operator who owns the database can still drop them. Production should run the application with a
database role that does not own the tables (see docs/personal-data.md).
"""

import contextlib

from django.db import connections, transaction

PURGE_SETTING = "maillage.audit_purge"
SQLITE_FLAG_TABLE = "audit_purge_flag"
REFUSAL = "Le journal d'audit est en ajout seul : modification et suppression refusées."

# The protected tables, their columns and the foreign keys that may be set to NULL.
# (SQLite triggers compare each column: a migration adding a column to one of these tables must
# recreate them with `sqlite_install_sql`; tests/audit/test_append_only.py checks the lists.)
PROTECTED = {
    "audit_auditentry": {
        "columns": [
            "id",
            "at",
            "actor_label",
            "action",
            "object_type",
            "object_id",
            "object_label",
            "changes",
            "message",
        ],
        "nullable_fks": ["actor_id", "organisation_id"],
    },
    "audit_transitionlog": {
        "columns": [
            "id",
            "at",
            "object_type",
            "object_id",
            "transition",
            "source",
            "target",
            "actor_label",
            "reason",
        ],
        "nullable_fks": ["actor_id"],
    },
}

POSTGRESQL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
DECLARE
    old_row jsonb;
    new_row jsonb;
BEGIN
    IF current_setting('{PURGE_SETTING}', true) = 'on' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        IF TG_OP = 'TRUNCATE' THEN RETURN NULL; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        old_row := to_jsonb(OLD);
        new_row := to_jsonb(NEW);
        IF (new_row - 'actor_id' - 'organisation_id') = (old_row - 'actor_id' - 'organisation_id')
           AND (new_row->'actor_id' = 'null'::jsonb OR new_row->'actor_id' IS NULL
                OR new_row->'actor_id' = old_row->'actor_id')
           AND (new_row->'organisation_id' = 'null'::jsonb OR new_row->'organisation_id' IS NULL
                OR new_row->'organisation_id' = old_row->'organisation_id')
        THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION '{REFUSAL.replace("'", "''")} (%)', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def postgresql_install_sql(protected: dict = PROTECTED) -> list[str]:
    statements = [POSTGRESQL_FUNCTION]
    for table in protected:
        statements += [
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION audit_append_only();",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();",
        ]
    return statements


def postgresql_uninstall_sql(protected: dict = PROTECTED) -> list[str]:
    statements = []
    for table in protected:
        statements += [
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};",
        ]
    return statements + ["DROP FUNCTION IF EXISTS audit_append_only();"]


def sqlite_install_sql(protected: dict = PROTECTED) -> list[str]:
    message = REFUSAL.replace("'", "''")
    lifted = f"NOT EXISTS (SELECT 1 FROM {SQLITE_FLAG_TABLE})"
    statements = [f"CREATE TABLE IF NOT EXISTS {SQLITE_FLAG_TABLE} (id INTEGER PRIMARY KEY);"]
    for table, spec in protected.items():
        unchanged = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in spec["columns"])
        fks = " AND ".join(f"(NEW.{c} IS OLD.{c} OR NEW.{c} IS NULL)" for c in spec["nullable_fks"])
        statements += [
            f"DROP TRIGGER IF EXISTS {table}_no_update;",
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"WHEN {lifted} AND NOT ({unchanged} AND {fks}) "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END;",
            f"DROP TRIGGER IF EXISTS {table}_no_delete;",
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"WHEN {lifted} BEGIN SELECT RAISE(ABORT, '{message}'); END;",
        ]
    return statements


def sqlite_uninstall_sql(protected: dict = PROTECTED) -> list[str]:
    statements = []
    for table in protected:
        statements += [
            f"DROP TRIGGER IF EXISTS {table}_no_update;",
            f"DROP TRIGGER IF EXISTS {table}_no_delete;",
        ]
    return statements + [f"DROP TABLE IF EXISTS {SQLITE_FLAG_TABLE};"]


def install(schema_editor, protected: dict = PROTECTED) -> None:
    """Create the triggers. Migrations pass their own frozen copy of `protected`, so that a
    migration replayed later describes the tables as they were at that point."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = postgresql_install_sql(protected)
    elif vendor == "sqlite":
        statements = sqlite_install_sql(protected)
    else:
        return
    for statement in statements:
        schema_editor.execute(statement, params=None)


def uninstall(schema_editor, protected: dict = PROTECTED) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = postgresql_uninstall_sql(protected)
    elif vendor == "sqlite":
        statements = sqlite_uninstall_sql(protected)
    else:
        return
    for statement in statements:
        schema_editor.execute(statement, params=None)


@contextlib.contextmanager
def guard_lifted(using: str = "default"):
    """Inside one transaction, let the audit tables be deleted from; restored on exit.

    Only for the retention purge (`maillage.audit.retention`) and `flush`. On PostgreSQL the
    setting is transaction-local (`set_config(…, true)`, like SET LOCAL), so it cannot leak to
    another transaction even if this block is left by an error.
    """
    connection = connections[using]
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT set_config(%s, 'on', true)", [PURGE_SETTING])
            elif connection.vendor == "sqlite":
                cursor.execute(f"INSERT OR IGNORE INTO {SQLITE_FLAG_TABLE} (id) VALUES (1)")
        # An error in the block rolls the transaction (or savepoint) back, which also undoes
        # the flag on both databases; on a normal exit it is put back before commit.
        yield
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT set_config(%s, 'off', true)", [PURGE_SETTING])
            elif connection.vendor == "sqlite":
                cursor.execute(f"DELETE FROM {SQLITE_FLAG_TABLE}")
