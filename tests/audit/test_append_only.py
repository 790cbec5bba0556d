"""The audit tables refuse UPDATE and DELETE in the database itself (audit.guard)."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from maillage.audit.guard import PROTECTED
from maillage.audit.models import AuditAction, AuditEntry, TransitionLog
from maillage.audit.retention import purge_entries
from maillage.audit.services import record


def _refused(sql, params=()):
    with pytest.raises(DatabaseError, match="ajout seul"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


@pytest.fixture
def entry(alice):
    return record(AuditAction.VIEW, actor=alice, message="consultation")


@pytest.fixture
def transition(alice):
    return TransitionLog.objects.create(
        object_type="x.y",
        object_id="1",
        transition="t",
        source="a",
        target="b",
        actor=alice,
        actor_label=alice.email,
    )


def test_raw_sql_cannot_update_or_delete_audit_entries(entry):
    _refused("UPDATE audit_auditentry SET message = 'falsifié' WHERE id = %s", [entry.pk])
    _refused("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    _refused("DELETE FROM audit_auditentry")
    entry.refresh_from_db()
    assert entry.message == "consultation"


def test_raw_sql_cannot_update_or_delete_transition_logs(transition):
    _refused("UPDATE audit_transitionlog SET target = 'z' WHERE id = %s", [transition.pk])
    _refused("DELETE FROM audit_transitionlog")
    transition.refresh_from_db()
    assert transition.target == "b"


def test_base_manager_update_is_refused_by_the_database(entry, transition):
    with pytest.raises(DatabaseError, match="ajout seul"), transaction.atomic():
        AuditEntry._base_manager.filter(pk=entry.pk).update(message="falsifié")
    with pytest.raises(DatabaseError, match="ajout seul"), transaction.atomic():
        TransitionLog.objects.filter(pk=transition.pk).update(reason="falsifié")
    with pytest.raises(DatabaseError, match="ajout seul"), transaction.atomic():
        TransitionLog.objects.filter(pk=transition.pk).delete()
    # an update that sets the actor to NULL but also changes something else is refused too
    with pytest.raises(DatabaseError, match="ajout seul"), transaction.atomic():
        AuditEntry._base_manager.filter(pk=entry.pk).update(actor=None, message="x")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE: PostgreSQL")
def test_truncate_is_refused_on_postgresql(db):
    _refused("TRUNCATE audit_auditentry")


def test_deleting_a_user_keeps_the_entries_and_their_actor_label(entry, transition, alice):
    alice.delete()
    entry.refresh_from_db()
    transition.refresh_from_db()
    assert entry.actor_id is None and entry.actor_label == "alice@maillage.example"
    assert transition.actor_id is None and transition.actor_label == "alice@maillage.example"


def test_deleting_an_organisation_keeps_the_entries(alice, organisations):
    carros = organisations["06033"]
    entry = record(AuditAction.UPDATE, actor=alice, organisation=carros, message="m")
    carros.delete()
    entry.refresh_from_db()
    assert entry.organisation_id is None and entry.message == "m"


def test_purge_entries_is_the_one_way_to_delete(alice):
    old = record(AuditAction.VIEW, actor=alice, message="ancienne")
    recent = record(AuditAction.VIEW, actor=alice, message="récente")
    # backdate the old entry: only the purge path may touch the table
    from maillage.audit.guard import guard_lifted

    with guard_lifted(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET at = %s WHERE id = %s",
            [timezone.now() - datetime.timedelta(days=400), old.pk],
        )
    assert purge_entries(timezone.now() - datetime.timedelta(days=365)) == 1
    assert list(AuditEntry.objects.values_list("pk", flat=True)) == [recent.pk]
    # the guard is back as soon as the purge is over, in the same transaction
    _refused("DELETE FROM audit_auditentry")


def test_guard_comes_back_after_an_error_inside_the_purge_path(entry):
    from maillage.audit.guard import guard_lifted

    with pytest.raises(ValueError), guard_lifted():
        raise ValueError("échec pendant la purge")
    _refused("DELETE FROM audit_auditentry")


def test_protected_column_lists_match_the_tables():
    """SQLite triggers list the columns: a new column must be added to audit.guard.PROTECTED
    and the triggers recreated by a migration."""
    for model in (AuditEntry, TransitionLog):
        spec = PROTECTED[model._meta.db_table]
        columns = {f.column for f in model._meta.concrete_fields}
        assert columns == set(spec["columns"]) | set(spec["nullable_fks"])
