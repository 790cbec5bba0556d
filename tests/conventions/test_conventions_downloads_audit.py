"""Each download of a convention document is recorded once, by the domain."""

import pytest
from django.urls import reverse

from maillage.audit.models import AuditAction, AuditEntry


@pytest.mark.django_db
def test_convention_download_is_recorded(
    client, convention, bruno, organisations, django_capture_on_commit_callbacks
):
    client.force_login(bruno)
    url = reverse("web:convention_download", kwargs={"slug": convention.slug, "fmt": "docx"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)  # generated in the background (immediate backend in tests)
    assert not AuditEntry.objects.for_object(convention).filter(action=AuditAction.EXPORT)
    response = client.get(url)
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    [entry] = AuditEntry.objects.for_object(convention).filter(action=AuditAction.EXPORT)
    assert entry.actor == bruno and entry.organisation == organisations["06033"]
    assert entry.changes["format"] == "docx" and entry.changes["bytes"] == len(content)
