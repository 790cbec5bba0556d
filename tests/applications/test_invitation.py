"""A family invited by e-mail claims the application an agent registered at the counter: a
single-use, expiring link carrying only the token; attached after login or sign-up."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone

from maillage.applications.models import Application, Invitation
from maillage.audit.models import AuditEntry
from tests.applications.test_pages import form_data

COUNTER = "/guichet/bassin-de-vie-carros/au-guichet/"


@pytest.fixture
def invited(client, guichet, bruno, password, django_capture_on_commit_callbacks):
    """Bruno registers Léa at the counter with her family's e-mail; the worker sends the link."""
    client.login(email=bruno.email, password=password)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            COUNTER, form_data(guichet, **{"contact-email": "Famille@Exemple.fr"})
        )
    assert response.status_code == 302
    client.logout()
    invitation_mail = next(m for m in mail.outbox if "Suivez en ligne" in m.subject)
    link = re.search(r"https?://\S+/guichet/invitation/(\S+)/", invitation_mail.body)
    return {
        "application": Application.objects.get(),
        "mail": invitation_mail,
        "path": f"/guichet/invitation/{link.group(1)}/",
        "token": link.group(1),
    }


def test_the_email_carries_only_a_token_and_only_its_hash_is_stored(invited):
    assert invited["mail"].to == ["famille@exemple.fr"]
    application = invited["application"]
    assert application.number in invited["mail"].body
    invitation = Invitation.objects.get()
    assert invitation.token_hash and invitation.token_hash != invited["token"]
    assert invited["token"] not in str(list(Invitation.objects.values()))
    assert invited["path"].count("/") == 4  # /guichet/invitation/<token>/ and nothing else
    assert "exemple" not in invited["path"].lower() and "Durand" not in invited["path"]
    assert invitation.expires_at > timezone.now() + datetime.timedelta(days=13)


def test_family_signs_up_then_claims_once(client, invited, emma, password):
    path = invited["path"]
    page = client.get(path)
    assert page.status_code == 200
    text = page.content.decode()
    assert invited["application"].number in text and "Créer mon compte" in text
    response = client.post(f"/guichet/inscription/?next={path}", {
        "email": "nouvelle@exemple.fr", "password": "un mot de passe long",
        "password_again": "un mot de passe long",
    })  # fmt: skip
    assert response["Location"] == path
    response = client.post(path)
    number = invited["application"].number
    assert response["Location"] == f"/guichet/mes-demandes/{number}/"
    assert client.get(response["Location"]).status_code == 200
    application = Application.objects.select_related("household__account").get()
    assert application.household.account.email == "nouvelle@exemple.fr"
    assert Invitation.objects.get().used_at is not None
    assert AuditEntry.objects.filter(message__contains="rattachée au compte").exists()
    # reuse: refused, even by another family, and the application stays with the first one
    client.logout()
    client.login(email=emma.email, password=password)
    assert client.get(path).status_code == 410
    response = client.post(path)
    assert response.status_code == 410 and "déjà servi" in response.content.decode()
    application.household.refresh_from_db()
    assert application.household.account.email == "nouvelle@exemple.fr"


def test_expired_and_unknown_links(client, invited, emma, password):
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    client.login(email=emma.email, password=password)
    response = client.post(invited["path"])
    assert response.status_code == 410 and "expiré" in response.content.decode()
    assert Application.objects.get().household.account is None
    assert client.get("/guichet/invitation/pas-un-jeton/").status_code == 404


def test_login_is_asked_first_and_professionals_cannot_claim(client, invited, bruno, password):
    response = client.post(invited["path"])
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")
    client.login(email=bruno.email, password=password)
    assert client.post(invited["path"]).status_code == 403
    assert Application.objects.get().household.account is None
    assert Invitation.objects.get().used_at is None


def test_no_email_no_invitation(
    client, guichet, bruno, password, django_capture_on_commit_callbacks
):
    client.login(email=bruno.email, password=password)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(COUNTER, form_data(guichet))
    assert Application.objects.count() == 1 and not Invitation.objects.exists()
