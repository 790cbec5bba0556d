"""Error pages are French pages of the site, never Django's debug or English pages."""

import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings

FRENCH_400 = "Requête invalide"


def _page(response) -> str:
    content = response.content.decode()
    assert "Bad Request" not in content and "Forbidden" not in content
    assert '<html lang="fr">' in content
    return content


def test_unknown_host_gives_the_french_400_page(client, db):
    response = client.get("/", HTTP_HOST="pirate.example")
    assert response.status_code == 400
    assert FRENCH_400 in _page(response)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_oversize_body_gives_the_french_400_page(client, db):
    response = client.post("/connexion/", {"username": "x@example.org", "password": "p" * 5000})
    assert response.status_code == 400
    assert FRENCH_400 in _page(response)


@override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=10)
def test_too_many_fields_gives_the_french_400_page(client, db):
    response = client.post("/connexion/", {f"champ{i}": "x" for i in range(50)})
    assert response.status_code == 400
    assert FRENCH_400 in _page(response)


def test_csrf_failure_gives_a_french_page(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/connexion/", {"username": "x@example.org", "password": "p"})
    assert response.status_code == 403
    content = _page(response)
    assert "Formulaire expiré" in content and "rechargez" in content
    assert "CSRF verification failed" not in content


def test_unknown_page_gives_the_french_404_page(client, db):
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    assert "Page introuvable" in _page(response)


def test_server_error_page_is_french_and_needs_no_context():
    from django.template.loader import get_template

    content = get_template("500.html").render()
    assert "Erreur du serveur" in content and "INVALID_TEMPLATE_VARIABLE" not in content
    content = get_template("400.html").render()
    assert FRENCH_400 in content and "INVALID_TEMPLATE_VARIABLE" not in content


def _maillage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MAILLAGE_", "DJANGO_"))}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-m", "maillage.manage", *args],
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_missing_secret_key_is_one_french_line_not_a_traceback():
    result = _maillage("check", DJANGO_SETTINGS_MODULE="config.settings.production")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "Maillage ne peut pas démarrer : "
        "La variable d'environnement MAILLAGE_SECRET_KEY est obligatoire."
    ]
    assert "Traceback" not in result.stdout


def test_load_demo_refuses_settings_that_are_not_the_demo_ones(db):
    with pytest.raises(CommandError, match="--i-know-this-is-not-production"):
        call_command("load_demo")
    with override_settings(MAILLAGE_DEMO_SETTINGS=False):
        with pytest.raises(CommandError, match="mot de passe est publié"):
            call_command("load_demo", verbosity=0)


def test_only_the_demo_settings_are_marked_as_demo_settings():
    code = (
        "from django.conf import settings; "
        "print(settings.MAILLAGE_DEMO_SETTINGS, settings.AUTHENTICATION_BACKENDS[0])"
    )
    axes = "axes.backends.AxesStandaloneBackend"
    for module, expected in [
        ("config.settings.dev", f"True {axes}"),
        ("config.settings.production", f"False {axes}"),
        ("config.settings.test", "False maillage.accounts.backends.AxesBackendAllowingTestClient"),
    ]:
        result = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            env={**os.environ, "DJANGO_SETTINGS_MODULE": module, "MAILLAGE_SECRET_KEY": "k"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.stdout.strip() == expected, (module, result.stderr)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_refused_oversize_form_tells_that_the_typed_text_is_kept(client, db):
    """The page loads the script that kept the texts in the tab when the form was sent (the
    behaviour itself is pinned by a browser test), and its notice is shown by that script."""
    response = client.post("/connexion/", {"username": "x@example.org", "password": "p" * 5000})
    page = _page(response)
    assert "/static/js/keep-typed.js" in page
    assert "data-typed-kept hidden" in page and "vos textes y seront remis" in page
