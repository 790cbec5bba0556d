import pytest
from django.urls import reverse

from maillage.accounts.middleware import SESSION_KEY
from maillage.audit.models import AuditAction, AuditEntry


def test_login_with_email_then_logout(client, bruno, password):
    response = client.post(
        reverse("web:login"), {"username": "BRUNO@maillage.example", "password": password}
    )
    assert response.status_code == 302 and response.url == reverse("web:my_space")
    page = client.get(reverse("web:my_space"))
    assert "bruno@maillage.example" in page.content.decode()
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN, actor=bruno).exists()

    response = client.post(reverse("web:logout"))
    assert response.status_code == 302
    assert client.get(reverse("web:my_space")).status_code == 302  # back to the login page
    assert AuditEntry.objects.filter(action=AuditAction.LOGOUT, actor=bruno).exists()


def test_wrong_password_is_refused_with_a_french_message_and_keeps_the_email(client, bruno):
    response = client.post(reverse("web:login"), {"username": bruno.email, "password": "faux"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "Adresse électronique ou mot de passe incorrect" in content
    assert f'value="{bruno.email}"' in content


def test_private_pages_redirect_anonymous_visitors_to_login(client, bassin):
    response = client.get(reverse("web:my_space"))
    assert response.status_code == 302 and response.url.startswith(reverse("web:login"))
    assert client.get(reverse("web:commune_workspace", args=["06033"])).status_code == 302
    # Explicitly public pages.
    assert client.get(reverse("web:home")).status_code == 200
    assert client.get(reverse("web:commune", args=["06033"])).status_code == 200
    assert (
        client.get(reverse("web:territory_group", args=["bassin-de-vie-carros"])).status_code == 200
    )


def test_first_membership_is_the_default_organisation(client, bruno):
    client.force_login(bruno)
    response = client.get(reverse("web:my_space"))
    assert response.wsgi_request.current_organisation.name == "Commune de Carros"
    assert response.wsgi_request.current_membership.role == "agent"


def test_switching_organisation_is_kept_in_session_and_audited(client, bruno, organisations):
    client.force_login(bruno)
    gattieres = organisations["06064"]
    response = client.post(
        reverse("web:switch_organisation"), {"organisation": gattieres.pk}, follow=True
    )
    assert "Vous agissez désormais pour : Commune de Gattières." in response.content.decode()
    assert client.session[SESSION_KEY] == gattieres.pk
    assert client.get(reverse("web:my_space")).wsgi_request.current_organisation == gattieres
    entry = AuditEntry.objects.get(action=AuditAction.SWITCH)
    assert (entry.actor, entry.organisation, entry.object_label) == (
        bruno,
        gattieres,
        "Commune de Gattières",
    )


def test_cannot_switch_to_an_organisation_one_is_not_member_of(client, bruno, organisations):
    client.force_login(bruno)
    response = client.post(
        reverse("web:switch_organisation"), {"organisation": organisations["caf"].pk}
    )
    assert response.status_code == 403
    response = client.post(reverse("web:switch_organisation"), {"organisation": "abc"}, follow=True)
    assert "Choisissez une organisation dans la liste." in response.content.decode()


def test_family_account_has_no_organisation(client, emma):
    client.force_login(emma)
    response = client.get(reverse("web:my_space"))
    assert response.wsgi_request.current_organisation is None
    assert "Vous n'êtes membre d'aucune organisation." in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "insee", "allowed"),
    [
        ("bruno", "06033", True),  # agent of Carros, acting for Carros
        ("bruno", "06064", False),  # member of Gattières too, but acting for Carros
        ("charlie", "06033", False),  # agent of Le Broc only
        ("charlie", "06025", True),
        ("alice", "06122", True),  # the Caf covers every commune of its territory
        ("emma", "06033", False),  # families have no organisation
    ],
)
def test_commune_workspace_is_restricted_to_organisations_covering_the_commune(
    client, request, organisations, persona, insee, allowed
):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("web:commune_workspace", args=[insee]))
    assert response.status_code == (200 if allowed else 403)
    if not allowed:
        assert "Accès refusé" in response.content.decode()
