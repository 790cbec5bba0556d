"""The public API: documented in the OpenAPI schema, responses valid against it, French 400s."""

import datetime

import jsonschema
import pytest
import yaml

from tests.directory.factories import StructureFactory


@pytest.fixture
def schema(client):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def _json_schema(node, components):
    """OpenAPI 3.0 schema → JSON Schema (resolve $ref, nullable → null type)."""
    if isinstance(node, list):
        return [_json_schema(n, components) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _json_schema(components[node["$ref"].split("/")[-1]], components)
    out = {k: _json_schema(v, components) for k, v in node.items() if k != "nullable"}
    if node.get("nullable"):
        out = {"anyOf": [out, {"type": "null"}]}
    return out


def validate(schema, path, payload, status="200", method="get"):
    operation = schema["paths"][path][method]
    body = operation["responses"][status]["content"]["application/json"]["schema"]
    jsonschema.validate(payload, _json_schema(body, schema["components"]["schemas"]))


def test_schema_lists_the_directory_paths(schema):
    paths = schema["paths"]
    for path in (
        "/api/v1/structures/",
        "/api/v1/structures/{id}/",
        "/api/v1/childminders/",
        "/api/v1/simulators/psu/",
        "/api/v1/simulators/cmg/",
    ):
        assert path in paths
    names = {p["name"] for p in paths["/api/v1/structures/"]["get"]["parameters"]}
    assert {"commune", "radius_km", "age_months", "kind", "needs_until"} <= names
    for simulator in ("psu", "cmg"):
        operations = paths[f"/api/v1/simulators/{simulator}/"]
        assert set(operations) == {"post"}  # personal values never in a query string
        body = operations["post"]["requestBody"]["content"]["application/json"]["schema"]
        component = schema["components"]["schemas"][body["$ref"].split("/")[-1]]
        names = set(component["properties"])
        assert {
            "monthly_resources",
            "children",
            "aeeh_children",
            "hours_per_month",
            "date",
        } <= names


def test_structure_search_answers_as_documented(client, schema, located_bassin):
    b = located_bassin
    late = StructureFactory(
        commune=b["06033"], latitude=b["06033"].latitude, longitude=b["06033"].longitude,
        late=True, name="Crèche tardive",
    )  # fmt: skip
    StructureFactory(
        commune=b["06025"], latitude=b["06025"].latitude, longitude=b["06025"].longitude,
        name="Crèche 18 h 30",
    )  # fmt: skip
    StructureFactory(
        commune=b["06065"], latitude=b["06065"].latitude, longitude=b["06065"].longitude,
        name="Trop loin", late=True,
    )  # fmt: skip
    response = client.get(
        "/api/v1/structures/",
        {"commune": "06025", "radius_km": 10, "age_months": 6, "kind": "eaje",
         "needs_until": "19:00"},
    )  # fmt: skip
    assert response.status_code == 200
    payload = response.json()
    validate(schema, "/api/v1/structures/", payload)
    assert [item["name"] for item in payload] == ["Crèche tardive"]
    item = payload[0]
    assert item["id"] == late.pk
    assert item["commune"] == {"code": "06033", "name": "Carros"}
    assert 3 < item["distance_km"] < 5
    assert item["places"]["total"] == 30
    assert item["opening"]["closes_at"] == "19:30"
    assert item["atypical_hours"]["late"] is True
    assert item["url"].endswith(f"/annuaire/structures/{late.pk}/")
    detail = client.get(f"/api/v1/structures/{late.pk}/")
    assert detail.status_code == 200
    validate(schema, "/api/v1/structures/{id}/", detail.json())
    assert detail.json()["distance_km"] is None


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({}, "commune", "Indiquez une commune"),
        ({"commune": "6025"}, "commune", "5 caractères"),
        ({"commune": "06999"}, "commune", "inconnue"),
        ({"commune": "06025", "radius_km": "loin"}, "radius_km", "nombre valide"),
        ({"commune": "06025", "radius_km": "500"}, "radius_km", "inférieure ou égale"),
        ({"commune": "06025", "kind": "garderie"}, "kind", "inconnu"),
        ({"commune": "06025", "atypical": "late,lune"}, "atypical", "inconnue"),
    ],
)
def test_structure_search_bad_parameters(client, located_bassin, query, field, message):
    response = client.get("/api/v1/structures/", query)
    assert response.status_code == 400
    assert message in str(response.json()[field])


def simulate(client, path, body):
    return client.post(path, body, content_type="application/json")


def test_psu_simulator_answers_as_documented(client, schema, db):
    response = simulate(
        client,
        "/api/v1/simulators/psu/",
        {"monthly_resources": "3000", "children": 2, "hours_per_month": 160,
         "date": "2025-10-01"},
    )  # fmt: skip
    assert response.status_code == 200
    payload = response.json()
    validate(schema, "/api/v1/simulators/psu/", payload, method="post")
    assert payload["hourly_price"] == 1.55
    assert payload["monthly_price"] == 247.68
    assert payload["effort_rate"] == 0.0516
    assert (payload["floor"], payload["ceiling"]) == (801.0, 8500.0)
    assert payload["resources_used"] == 3000.0
    assert payload["verified"] is True
    assert len(payload["steps"]) == 5
    assert all(p["source_label"] for p in payload["parameters"])


def test_psu_simulator_flags_unverified_values(client, db):
    payload = simulate(
        client,
        "/api/v1/simulators/psu/",
        {"monthly_resources": "200", "children": 1, "aeeh_children": 1, "hours_per_month": 100,
         "date": "2026-02-01"},
    ).json()  # fmt: skip
    assert payload["resources_used"] == 814.62
    assert payload["effort_rate"] == 0.0516  # AEEH: the rate of two children
    assert payload["verified"] is False
    assert "non vérifiée" in payload["warnings"][0]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"monthly_resources": "abc"}, "monthly_resources"),
        ({"children": 0}, "children"),
        ({"aeeh_children": 3}, "aeeh_children"),
        ({"hours_per_month": 1000}, "hours_per_month"),
        ({"date": "2025-13-01"}, "date"),
        ({"date": "2019-01-01"}, "date"),
    ],
)
def test_psu_simulator_bad_parameters(client, db, query, field):
    base = {"monthly_resources": "3000", "children": 2, "hours_per_month": 160}
    response = simulate(client, "/api/v1/simulators/psu/", {**base, **query})
    assert response.status_code == 400
    messages = response.json()[field]
    assert messages and all(isinstance(m, str) for m in messages)
    assert not any(english in m for m in messages for english in ("A valid", "Ensure ", "must be"))


def test_cmg_simulator(client, schema, db):
    response = simulate(
        client,
        "/api/v1/simulators/cmg/",
        {"monthly_resources": "3000", "children": 1, "hours_per_month": 160,
         "hourly_wage": "4.50", "date": datetime.date(2025, 10, 1).isoformat()},
    )  # fmt: skip
    assert response.status_code == 200
    validate(schema, "/api/v1/simulators/cmg/", response.json(), method="post")
    assert response.json()["cmg"] == 552.87


@pytest.mark.parametrize("simulator", ["psu", "cmg"])
def test_simulators_refuse_an_income_in_the_query_string(client, db, simulator):
    response = client.get(
        f"/api/v1/simulators/{simulator}/",
        {"monthly_resources": "3000", "children": 1, "hours_per_month": 160,
         "hourly_wage": "4.50"},
    )  # fmt: skip
    assert response.status_code == 400
    message = response.json()["detail"]
    assert "POST" in message and "ressources" in message
    assert "3000" not in response.content.decode()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{", "application/json"),
        ("[1, 2]", "application/json"),
        ("[" * 100_000 + "]" * 100_000, "application/json"),
        ('{"monthly_resources": ' + "9" * 100_000 + "}", "application/json"),
        ('{"monthly_resources": NaN, "children": 1, "hours_per_month": 1}', "application/json"),
        (b"\xff\xfe{", "application/json"),
    ],
)
def test_simulator_bad_json_body_gets_a_french_400(client, db, body, content_type):
    response = client.post("/api/v1/simulators/psu/", body, content_type=content_type)
    assert response.status_code == 400
    text = response.content.decode()
    assert not any(english in text for english in ("JSON parse error", "Expected", "must be"))


def test_childminder_search_shows_public_data_only(client, schema, located_bassin):
    from tests.directory.factories import AvailabilityFactory, ChildminderFactory

    carros = located_bassin["06033"]
    secret = ChildminderFactory(
        commune=carros, last_name="Secrète", latitude=43.79, longitude=7.18,
        coordinates_precision="address",
    )  # fmt: skip
    AvailabilityFactory(childminder=secret)
    public = ChildminderFactory(commune=carros, last_name="Publique", consenting=True)
    AvailabilityFactory(childminder=public, until_18=True)
    response = client.get(
        "/api/v1/childminders/", {"commune": "06025", "age_months": 6, "needs_until": "19:00"}
    )
    assert response.status_code == 200
    validate(schema, "/api/v1/childminders/", response.json())
    [item] = response.json()
    assert item["id"] == secret.pk
    assert "Secrète" not in str(item) and item["phone"] == "" and item["email"] == ""
    assert (item["latitude"], item["longitude"]) == (carros.latitude, carros.longitude)
    assert item["coordinates_precision"] == "commune"
    assert item["availability"]["ends_at"] == "19:00"
    both = client.get("/api/v1/childminders/", {"commune": "06025"}).json()
    shown = next(i for i in both if i["id"] == public.pk)
    assert shown["public_name"].endswith("Publique") and shown["phone"]
