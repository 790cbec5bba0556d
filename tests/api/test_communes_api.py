from django.urls import reverse


def test_commune_detail(client, bassin):
    response = client.get("/api/v1/communes/06033/")
    assert response.status_code == 200
    data = response.json()
    assert data["code"] == "06033" and data["name"] == "Carros" and data["population"] == 13803
    assert data["departement"] == {"code": "06", "name": "Alpes-Maritimes"}
    assert data["epci"] == {
        "siren": "200030195",
        "name": "Métropole Nice Côte d'Azur",
        "kind": "METRO",
    }
    assert client.get("/api/v1/communes/99999/").status_code == 404


def test_commune_list_by_epci_and_by_name_prefix(client, bassin):
    data = client.get("/api/v1/communes/", {"epci": "200030195"}).json()
    assert data["count"] == 6
    assert [c["code"] for c in data["results"]][:2] == ["06033", "06064"]  # Carros, Gattières
    names = [c["name"] for c in client.get("/api/v1/communes/", {"q": "ga"}).json()["results"]]
    assert names == ["Gattières"]
    names = [c["name"] for c in client.get("/api/v1/communes/", {"q": "la g"}).json()["results"]]
    assert names == ["La Gaude"]
    codes = [c["code"] for c in client.get("/api/v1/communes/", {"q": "06510"}).json()["results"]]
    assert sorted(codes) == ["06025", "06033", "06064"]


def test_commune_list_explains_bad_filters_in_french(client, bassin):
    response = client.get("/api/v1/communes/")
    assert response.status_code == 400 and "Précisez un filtre" in response.json()["detail"]
    assert "9 chiffres" in client.get("/api/v1/communes/", {"epci": "12"}).json()["epci"]
    assert "au moins 2 caractères" in client.get("/api/v1/communes/", {"q": "c"}).json()["q"]


def test_openapi_schema_documents_the_commune_endpoints(client, db):
    response = client.get(reverse("api:schema"), {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/communes/" in paths and "/api/v1/communes/{insee}/" in paths
