"""No lost update on the commentary blocks of the diagnostic: compare-and-set on `version`."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from maillage.audit.models import AuditAction, AuditEntry
from maillage.observatory.enums import DiagnosticSection
from maillage.observatory.models import DiagnosticComment


@pytest.fixture(autouse=True)
def _carros_named_party(bassin, organisations):
    """Bruno acts for Carros, named party for the bassin: a commune alone may not write
    territory-wide data (see tests/observatory/test_territory_write_access.py)."""
    organisations["06033"].territory_groups.add(bassin["group"])
    organisations["06025"].territory_groups.add(bassin["group"])  # Charlie's Le Broc too


SLUG = "bassin-de-vie-carros"
URL = reverse("web:observatory_comment", args=[SLUG, "axes"])
PAGE = reverse("web:observatory_diagnostic", args=[SLUG])


def test_the_form_carries_the_version_and_a_stale_save_is_refused_with_the_text_kept(
    client, bassin, bruno, charlie
):
    client.force_login(bruno)
    html = client.get(PAGE).content.decode()
    assert 'name="axes-version" value="0"' in html  # no block yet
    assert client.post(URL, {"axes-text": "Premier texte.", "axes-version": "0"}).status_code == 302
    comment = DiagnosticComment.objects.get(section=DiagnosticSection.AXES)
    assert comment.version == 1
    assert 'name="axes-version" value="1"' in client.get(PAGE).content.decode()
    # Charlie saves from version 1 first; Bruno, still on version 1, is told and keeps his text
    other = Client()
    other.force_login(charlie)
    assert (
        other.post(URL, {"axes-text": "Texte de Charlie.", "axes-version": "1"}).status_code == 302
    )
    response = client.post(URL, {"axes-text": "Texte de Bruno.", "axes-version": "1"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "INVALID_TEMPLATE_VARIABLE" not in html
    assert "Texte de Bruno." in html  # what he typed
    assert "Texte de Charlie." in html  # what is stored now
    assert "modifié cette fiche pendant que vous la modifiiez" in html.replace("&#x27;", "'")
    assert 'name="axes-version" value="2"' in html  # saving again is now possible
    comment.refresh_from_db()
    assert comment.text == "Texte de Charlie." and comment.version == 2
    assert (
        client.post(URL, {"axes-text": "Texte de Bruno.", "axes-version": "2"}).status_code == 302
    )
    comment.refresh_from_db()
    assert comment.text == "Texte de Bruno." and comment.version == 3


def test_creating_a_block_someone_else_just_created_is_a_conflict(client, bassin, bruno):
    DiagnosticComment.objects.create(territory=bassin["group"], section="axes", text="Déjà là.")
    client.force_login(bruno)
    response = client.post(URL, {"axes-text": "Mon texte.", "axes-version": "0"})
    assert response.status_code == 409 and "Mon texte." in response.content.decode()
    assert DiagnosticComment.objects.get(section="axes").text == "Déjà là."


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_saves_from_the_same_version_one_wins(bassin, bruno):
    comment = DiagnosticComment.objects.create(
        territory=bassin["group"], section="axes", text="Départ."
    )
    count = 20
    barrier = threading.Barrier(count)
    statuses: list = []

    def save(i: int):
        try:
            client = Client(raise_request_exception=False)
            client.force_login(bruno)
            client.get(PAGE)  # the session's acting organisation is stored before the race
            barrier.wait(timeout=120)
            response = client.post(
                URL, {"axes-text": f"Texte {i}.", "axes-version": str(comment.version)}
            )
            statuses.append(response.status_code)
        except Exception as exc:  # reported below, never swallowed
            statuses.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses, key=str) == [302] + [409] * (count - 1), statuses
    comment.refresh_from_db()
    assert comment.version == 2 and comment.text in {f"Texte {i}." for i in range(count)}
    updates = AuditEntry.objects.filter(
        object_type="observatory.diagnosticcomment", action=AuditAction.UPDATE
    )
    assert updates.count() == 1
