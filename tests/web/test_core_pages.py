from django.urls import reverse


def test_home_says_what_maillage_is_and_links_to_login(client, db):
    content = client.get(reverse("web:home")).content.decode()
    assert '<html lang="fr">' in content
    assert 'href="#contenu"' in content and "Aller au contenu" in content
    assert "Trouver un mode d&#x27;accueil" in content or "Trouver un mode d'accueil" in content
    assert reverse("web:login") in content
    assert "cdn" not in content.lower()


def test_territory_group_lists_its_communes_with_population_epci_and_duties(client, bassin):
    content = client.get(
        reverse("web:territory_group", args=["bassin-de-vie-carros"])
    ).content.decode()
    for name in ("Carros", "Gattières", "Gilette", "La Gaude", "Le Broc", "Saint-Jeannet"):
        assert name in content
    assert "13\u202f803" in content or "13,803" in content or "13 803" in content
    assert "Métropole Nice Côte d&#x27;Azur" in content
    assert "Relais petite enfance" in content
    assert "L. 214-1-3" in content


def test_commune_page_shows_ao_duties_and_workspace_link_only_to_covering_organisations(
    client, bassin, bruno, charlie
):
    url = reverse("web:commune", args=["06066"])  # Gilette, 1,580 inhabitants
    content = client.get(url).content.decode()
    assert "Gilette" in content and "population 1\u202f580 ≤ 3\u202f500 habitants" in content
    workspace = reverse("web:commune_workspace", args=["06066"])
    assert workspace not in content
    client.force_login(charlie)
    assert workspace not in client.get(url).content.decode()
    carros_url = reverse("web:commune", args=["06033"])
    client.force_login(bruno)
    assert (
        reverse("web:commune_workspace", args=["06033"]) in client.get(carros_url).content.decode()
    )


def test_unknown_commune_is_a_french_404(client, db):
    response = client.get(reverse("web:commune", args=["00000"]))
    assert response.status_code == 404


def test_commune_and_territory_pages_lead_to_the_directory_and_the_observatory(client, bassin):
    content = client.get(reverse("web:commune", args=["06025"])).content.decode()
    assert f"{reverse('web:directory_search')}?commune=Le%20Broc&amp;insee=06025" in content
    assert reverse("web:observatory_commune", args=["06025"]) in content
    content = client.get(
        reverse("web:territory_group", args=["bassin-de-vie-carros"])
    ).content.decode()
    assert reverse("web:observatory_dashboard", args=["bassin-de-vie-carros"]) in content
