"""Each download of a convention document is recorded once, by the domain."""

import pytest
from django.urls import reverse

from maillage.audit.models import AuditAction, AuditEntry


@pytest.mark.django_db
def test_convention_download_is_recorded(client, convention, bruno, organisations):
    client.force_login(bruno)
    response = client.get(
        reverse("web:convention_download", kwargs={"slug": convention.slug, "fmt": "docx"})
    )
    assert response.status_code == 200
    [entry] = AuditEntry.objects.for_object(convention).filter(action=AuditAction.EXPORT)
    assert entry.actor == bruno and entry.organisation == organisations["06033"]
    assert entry.changes["format"] == "docx" and entry.changes["bytes"] == len(response.content)
