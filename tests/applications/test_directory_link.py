"""« Faire une demande » from a structure's page of the directory: the territory's guichet
unique, with the structure pre-selected as the first wish; anonymous visitors sign up (or log
in) and come back to it."""

from urllib.parse import parse_qs, urlparse

from django.urls import reverse


def _structure_page(client, structure):
    return client.get(reverse("web:directory_structure", args=[structure.pk])).content.decode()


def test_participating_structure_offers_the_guichet_to_a_family(client, guichet, emma):
    client.force_login(emma)
    page = _structure_page(client, guichet["le_broc"])
    target = (
        reverse("web:guichet_family_new", args=[guichet["territory"].slug])
        + f"?structure={guichet['le_broc'].pk}"
    )
    assert "Faire une demande" in page and f'href="{target}"' in page
    form = client.get(target)
    assert form.status_code == 200
    assert form.context["application_form"]["wish_1"].value() == guichet["le_broc"].pk
    # a structure outside the guichet neither offers it nor can be forced in
    assert "Faire une demande" not in _structure_page(client, guichet["outside"])
    forced = client.get(
        reverse("web:guichet_family_new", args=[guichet["territory"].slug]),
        {"structure": guichet["outside"].pk},
    )
    assert forced.context["application_form"]["wish_1"].value() is None
    nonsense = client.get(
        reverse("web:guichet_family_new", args=[guichet["territory"].slug]),
        {"structure": "abc"},
    )
    assert nonsense.status_code == 200


def test_closed_guichet_is_not_offered(client, guichet):
    guichet["rules"].is_open = False
    guichet["rules"].save()
    assert "Faire une demande" not in _structure_page(client, guichet["le_broc"])


def test_anonymous_visitor_signs_up_and_comes_back_with_the_structure(client, guichet):
    page = _structure_page(client, guichet["le_broc"])
    target = (
        reverse("web:guichet_family_new", args=[guichet["territory"].slug])
        + f"?structure={guichet['le_broc'].pk}"
    )
    signup = reverse("web:guichet_signup")
    start = page.index(f'href="{signup}?next=') + len('href="')
    link = page[start : page.index('"', start)].replace("&amp;", "&")
    assert parse_qs(urlparse(link).query)["next"] == [target]
    assert "Se connecter" in page
    response = client.post(
        link,
        {"email": "nouvelle@famille.example", "password": "Un-mot-de-passe-solide-42",
         "password_again": "Un-mot-de-passe-solide-42", "next": target},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == target
    form = client.get(target)
    assert form.context["application_form"]["wish_1"].value() == guichet["le_broc"].pk


def test_signup_never_sends_elsewhere(client, guichet):
    response = client.post(
        reverse("web:guichet_signup"),
        {"email": "autre@famille.example", "password": "Un-mot-de-passe-solide-42",
         "password_again": "Un-mot-de-passe-solide-42", "next": "https://ailleurs.example/"},
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == reverse("web:guichet_family_home")


def test_login_page_offers_family_signup_keeping_the_way_back(client, guichet):
    target = reverse("web:guichet_family_new", args=[guichet["territory"].slug])
    page = client.get(reverse("web:login"), {"next": target}).content.decode()
    assert f"{reverse('web:guichet_signup')}?next=" in page
    assert "créer mon compte famille" in page
