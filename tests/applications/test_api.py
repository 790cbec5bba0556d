"""Guichet API: organisation keys, create (idempotent by reference), read scoped like the queue."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from maillage.accounts.models import ApiToken
from maillage.applications.enums import Source, State
from maillage.applications.models import Application
from maillage.audit.models import AuditAction, AuditEntry

URL = "/api/v1/guichet/applications/"
TODAY = datetime.date.today()


def token_for(email, *extra):
    out = io.StringIO()
    call_command("api_token", "--user", email, *extra, stdout=out)
    return out.getvalue().strip()


def body(guichet, **changes):
    data = {
        "reference": "PORTAIL-1",
        "famille": "FAM-1",
        "enfant_prenom": "Léa",
        "enfant_nom": "Durand",
        "date_naissance": (TODAY - datetime.timedelta(days=100)).isoformat(),
        "commune_residence": "06033",
        "date_entree_souhaitee": (TODAY + datetime.timedelta(days=100)).isoformat(),
        "jours_par_semaine": 4,
        "voeux": ["EAJE-CARROS", guichet["gattieres"].pk],
        "parents_en_activite": 2,
        "famille_monoparentale": False,
        "parcours_insertion": "non",
        "courriel": "durand@exemple.fr",
    }
    data.update(changes)
    return data


def post(client, key, data):
    return client.post(
        URL, data, content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}"
    )


def test_api_token_prints_only_the_key_and_stores_a_hash(bruno):
    key = token_for("bruno@maillage.example")
    assert len(key) > 30 and "\n" not in key and " " not in key
    token = ApiToken.objects.get()
    assert token.key_hash == ApiToken.hash(key) and key not in token.key_hash
    assert token.organisation.slug == "commune-06033"  # first membership
    key2 = token_for("bruno@maillage.example", "--organisation", "commune-06064")
    assert ApiToken.objects.get(key_hash=ApiToken.hash(key2)).organisation.slug == "commune-06064"
    with pytest.raises(CommandError, match="pas membre"):
        token_for("bruno@maillage.example", "--organisation", "commune-06025")
    with pytest.raises(CommandError, match="Aucun compte"):
        token_for("personne@maillage.example")


def test_create_then_same_reference_returns_the_existing(
    client, guichet, bruno, django_capture_on_commit_callbacks
):
    from django.core import mail

    key = token_for("bruno@maillage.example")
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, key, body(guichet))
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["state"] == State.SUBMITTED
    assert data["number"].startswith(f"CAR-{TODAY.year}-")
    assert [w["id"] for w in data["voeux"]] == [guichet["carros"].pk, guichet["gattieres"].pk]
    assert Application.objects.get().source == Source.API
    assert mail.outbox and data["number"] in mail.outbox[0].body
    again = post(client, key, body(guichet, enfant_prenom="Autre"))
    assert again.status_code == 200
    assert again.json()["number"] == data["number"]
    assert Application.objects.count() == 1


def test_french_400s(client, guichet, bruno):
    key = token_for("bruno@maillage.example")
    response = post(client, key, body(guichet, jours_par_semaine=9, voeux=[guichet["outside"].pk]))
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"jours_par_semaine", "voeux"}
    assert "participant" in str(response.json())
    missing = body(guichet)
    del missing["famille"]
    assert post(client, key, missing).json()["errors"] == [
        {"field": "famille", "message": "Champ obligatoire."}
    ]
    bad_json = client.post(URL, "{", content_type="application/json",
                           HTTP_AUTHORIZATION=f"Token {key}")  # fmt: skip
    assert bad_json.status_code == 400
    assert not Application.objects.exists()


def test_only_the_operator_registers(client, guichet, charlie):
    key = token_for("charlie@maillage.example")
    response = post(client, key, body(guichet, territoire="bassin-de-vie-carros"))
    assert response.status_code == 403
    assert "guichet unique" in response.json()["detail"]


def test_bad_or_missing_key(client, guichet, bruno):
    assert client.post(URL, body(guichet), content_type="application/json").status_code in (
        401,
        403,
    )
    response = post(client, "pas-une-cle", body(guichet))
    assert response.status_code == 401
    assert "inconnue" in response.json()["detail"]
    key = token_for("bruno@maillage.example")
    bruno.is_active = False
    bruno.save()
    assert post(client, key, body(guichet)).status_code == 401


def test_read_is_scoped_and_audited(client, guichet, bruno, charlie, alice):
    bruno_key = token_for("bruno@maillage.example")
    number = post(client, bruno_key, body(guichet)).json()["number"]
    response = client.get(f"{URL}{number}/", HTTP_AUTHORIZATION=f"Token {bruno_key}")
    assert response.status_code == 200 and response.json()["enfant_prenom"] == "Léa"
    entry = AuditEntry.objects.filter(action=AuditAction.VIEW).latest("id")
    assert entry.actor == bruno and entry.organisation.slug == "commune-06033"
    # Le Broc: no wish there, family lives in Carros → not found
    charlie_key = token_for("charlie@maillage.example")
    assert (
        client.get(f"{URL}{number}/", HTTP_AUTHORIZATION=f"Token {charlie_key}").status_code == 404
    )
    # the Caf: aggregates only
    alice_key = token_for("alice@maillage.example")
    assert client.get(f"{URL}{number}/", HTTP_AUTHORIZATION=f"Token {alice_key}").status_code == 404


def test_session_access_for_agents(client, guichet, bruno, password):
    key = token_for("bruno@maillage.example")
    number = post(client, key, body(guichet)).json()["number"]
    client.login(email="bruno@maillage.example", password=password)
    assert client.get(f"{URL}{number}/").status_code == 200


def test_in_the_openapi_schema(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    assert "/api/v1/guichet/applications/" in schema["paths"]
    assert "/api/v1/guichet/applications/{number}/" in schema["paths"]
    assert "organisationToken" in schema["components"]["securitySchemes"]


# --- `territoire` when the organisation operates several guichets ---------------------------


@pytest.fixture
def two_guichets(guichet, organisations, bassin):
    """Carros also operates the guichet of « Vallée de l'Estéron », where the crèche outside the
    bassin's guichet takes part, and so does the Maison de l'Enfance of Carros (both guichets)."""
    from tests.applications.factories import GuichetSettingsFactory
    from tests.territories.factories import TerritoryGroupFactory

    vallee = TerritoryGroupFactory(slug="vallee-esteron", name="Vallée de l'Estéron",
                                   communes=[bassin["06065"]])  # fmt: skip
    GuichetSettingsFactory(territory=vallee, operator=organisations["06033"], number_prefix="VAL",
                           structures=[guichet["outside"], guichet["carros"]])  # fmt: skip
    return vallee


def test_territory_deduced_from_the_wishes(client, guichet, bruno, two_guichets):
    key = token_for("bruno@maillage.example")
    # the Canailous take part in the bassin's guichet only
    response = post(client, key, body(guichet, voeux=["EAJE-CARROS", guichet["gattieres"].pk]))
    assert response.status_code == 201, response.json()
    assert response.json()["territoire"] == "bassin-de-vie-carros"
    assert response.json()["number"].startswith("CAR-")
    response = post(client, key, body(guichet, reference="PORTAIL-2", famille="FAM-2",
                                      voeux=[guichet["outside"].pk]))  # fmt: skip
    assert response.status_code == 201, response.json()
    assert response.json()["territoire"] == "vallee-esteron"
    assert response.json()["number"].startswith("VAL-")


def test_ambiguous_territory_is_a_french_400_listing_the_territories(
    client, guichet, bruno, two_guichets
):
    key = token_for("bruno@maillage.example")
    # the Maison de l'Enfance takes part in both guichets
    response = post(client, key, body(guichet, voeux=["EAJE-CARROS"]))
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "territoire"
    assert "plusieurs de vos territoires" in error["message"]
    assert "« bassin-de-vie-carros »" in error["message"]
    assert "« vallee-esteron »" in error["message"]
    # wishes of the two guichets: none of them holds them all
    response = post(client, key, body(guichet, voeux=[guichet["outside"].pk,
                                                      guichet["gattieres"].pk]))  # fmt: skip
    [error] = response.json()["errors"]
    assert error["field"] == "territoire" and "d'un même territoire" in error["message"]
    assert "« bassin-de-vie-carros »" in error["message"]
    assert "« vallee-esteron »" in error["message"]
    # no wish at all: the territory cannot be deduced
    response = post(client, key, body(guichet, voeux=[]))
    [error] = response.json()["errors"]
    assert error["field"] == "territoire" and "plusieurs territoires" in error["message"]
    assert not Application.objects.exists()
    # stated: used as given
    response = post(client, key, body(guichet, voeux=["EAJE-CARROS"], territoire="vallee-esteron"))
    assert response.status_code == 201 and response.json()["territoire"] == "vallee-esteron"


def test_territory_errors_for_unknown_or_no_guichet(client, guichet, bruno, charlie):
    key = token_for("bruno@maillage.example")
    response = post(client, key, body(guichet, territoire="nulle-part"))
    assert response.json()["errors"] == [
        {"field": "territoire", "message": "Territoire « nulle-part » inconnu."}
    ]
    # Le Broc operates no guichet
    response = post(client, token_for("charlie@maillage.example"), body(guichet))
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "territoire" and "aucun guichet unique" in error["message"]
