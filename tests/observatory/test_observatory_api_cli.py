"""The public coverage API and the `coverage` command."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

API = "/api/v1/observatory/coverage/"


def test_api_territory_shape_with_sources_and_masking(client, demo_bassin):
    response = client.get(API, {"territory": "bassin-de-vie-carros"})
    assert response.status_code == 200
    data = response.json()
    assert data["territory"] == {"slug": "bassin-de-vie-carros", "name": "Bassin de vie de Carros"}
    communes = {c["code"]: c for c in data["communes"]}
    assert set(communes) == {"06033", "06064", "06066", "06065", "06025", "06122"}
    carros = communes["06033"]
    assert set(carros["children_under_3"]) >= {"value", "estimated", "source", "vintage"}
    assert set(carros["modes"]) == {
        "eaje",
        "assistants_maternels",
        "garde_a_domicile",
        "prescolarisation",
    }
    assert set(carros["modes"]["eaje"]) >= {"places", "rate", "estimated", "source", "vintage"}
    assert carros["modes"]["eaje"]["places"] == 30
    assert carros["rate"] is not None and carros["catchment_rate"] is not None
    # public: Saint-Jeannet's 3 childminder places are masked
    sj = communes["06122"]["modes"]["assistants_maternels"]
    assert sj["masked"] is True and sj["places"] is None and sj["rate"] is None
    assert set(data["total"]) >= {"children_under_3", "modes", "rate", "catchment_rate"}
    assert data["references"][0]["rate"] == 58.8


def test_api_commune_and_errors(client, demo_bassin):
    data = client.get(API, {"commune": "06065"}).json()
    assert data["territory"] is None and data["communes"][0]["name"] == "La Gaude"
    assert client.get(API).status_code == 400
    assert client.get(API, {"commune": "06065", "territory": "x"}).status_code == 400
    short = client.get(API, {"commune": "123"})
    assert short.status_code == 400
    assert "5 caractères" in str(short.json()["commune"])
    assert client.get(API, {"commune": "99999"}).status_code == 404
    assert client.get(API, {"territory": "inconnu"}).status_code == 404


def test_api_and_command_by_epci_and_departement(client, demo_bassin):
    by_epci = client.get(API, {"epci": "200030195"}).json()
    assert by_epci["territory"] is None and len(by_epci["communes"]) == 6
    by_dep = client.get(API, {"departement": "06"}).json()
    assert {c["code"] for c in by_dep["communes"]} >= {"06033", "06122"}
    assert by_dep["total"]["modes"]["eaje"]["places"] == by_epci["total"]["modes"]["eaje"]["places"]
    assert client.get(API, {"epci": "000000000"}).status_code == 404
    assert client.get(API, {"epci": "200030195", "departement": "06"}).status_code == 400
    out = io.StringIO()
    call_command("coverage", "--epci", "200030195", stdout=out)
    assert len(json.loads(out.getvalue())["communes"]) == 6
    with pytest.raises(CommandError, match="inconnu"):
        call_command("coverage", "--departement", "ZZ")


def test_api_is_in_the_openapi_schema(client, db):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/observatory/coverage/" in schema
    assert "Taux de couverture de l'accueil du jeune enfant" in schema


def test_coverage_command_json_csv_and_commune(demo_bassin):
    out = io.StringIO()
    call_command("coverage", "--territory", "bassin-de-vie-carros", stdout=out, verbosity=0)
    data = json.loads(out.getvalue())
    assert len(data["communes"]) == 6
    out = io.StringIO()
    call_command("coverage", "--territory", "bassin-de-vie-carros", "--format", "csv", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["code"] for r in rows][-1] == "total" and len(rows) == 7
    carros = next(r for r in rows if r["code"] == "06033")
    assert carros["eaje_places"] == "30" and carros["children_under_3_estimated"] == "True"
    sj = next(r for r in rows if r["code"] == "06122")
    assert sj["assistants_maternels_places"] == ""  # masked by default
    out = io.StringIO()
    call_command("coverage", "--commune", "06122", "--no-mask", stdout=out)
    assert json.loads(out.getvalue())["communes"][0]["modes"]["assistants_maternels"]["places"] == 3
    with pytest.raises(CommandError, match="inconnu"):
        call_command("coverage", "--territory", "nulle-part")
    with pytest.raises(CommandError, match="inconnu"):
        call_command("coverage", "--commune", "99999")
