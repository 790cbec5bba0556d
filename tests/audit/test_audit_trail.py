import pytest
from django.urls import reverse

from maillage.audit.models import AuditAction, AuditEntry
from maillage.audit.services import diff, record, snapshot


def test_record_keeps_who_for_whom_what_and_the_change(alice, organisations):
    carros = organisations["06033"]
    before = snapshot(carros, ["name", "email"])
    carros.email = "petite-enfance@carros.example"
    carros.save()
    entry = record(
        AuditAction.UPDATE,
        actor=alice,
        organisation=organisations["caf"],
        obj=carros,
        changes=diff(before, snapshot(carros, ["name", "email"])),
    )
    entry.refresh_from_db()
    assert entry.actor_label == "alice@maillage.example"
    assert entry.organisation == organisations["caf"]
    assert entry.object_type == "accounts.organisation" and entry.object_id == str(carros.pk)
    assert entry.changes == {"email": ["", "petite-enfance@carros.example"]}
    assert list(AuditEntry.objects.for_object(carros)) == [entry]


def test_trail_is_append_only(alice):
    entry = record(AuditAction.VIEW, actor=alice, message="consultation")
    entry.message = "autre chose"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.update(message="x")


def test_admin_lists_and_filters_the_trail(client, alice, bruno):
    record(AuditAction.EXPORT, actor=bruno, message="export des structures")
    record(AuditAction.VIEW, actor=alice, message="lecture d'un dossier")
    client.force_login(alice)
    url = reverse("admin:audit_auditentry_changelist")
    content = client.get(url, {"action__exact": "export"}).content.decode()
    assert "export des structures" in content and "lecture d&#x27;un dossier" not in content
    assert client.get(reverse("admin:audit_auditentry_add")).status_code == 403
