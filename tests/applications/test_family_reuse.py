"""A family reuses her household for another child or the next year (prefilled, editable),
siblings' applications are linked, and the wish picker finds structures near home OR work."""

import datetime

import pytest

from maillage.applications import services
from maillage.applications.enums import State
from maillage.applications.models import Application, Child, Household
from maillage.applications.workflow import application_workflow
from tests.applications.factories import ApplicationFactory, ChildFactory, HouseholdFactory
from tests.applications.test_pages import form_data
from tests.territories.factories import CommuneFactory

NEW = "/guichet/bassin-de-vie-carros/nouvelle-demande/"


@pytest.fixture
def lea(guichet, emma):
    """Emma's first application, for Léa, submitted."""
    household = HouseholdFactory(
        territory=guichet["territory"], account=emma, parent_first_name="Emma",
        parent_last_name="Durand", email=emma.email, other_children=1,
    )  # fmt: skip
    child = ChildFactory(household=household, first_name="Léa", last_name="Durand")
    return ApplicationFactory(
        number="CAR-2025-00042", household=household, child=child, state=State.SUBMITTED,
        wishes=[guichet["carros"], guichet["le_broc"]], days_per_week=3,
    )  # fmt: skip


def test_a_second_child_reuses_the_household_and_is_linked_to_the_sibling(
    client, guichet, emma, password, lea
):
    client.login(email=emma.email, password=password)
    home = client.get("/guichet/mes-demandes/").content.decode()
    assert "Demande pour un autre enfant" in home and "votre foyer est déjà rempli" in home
    page = client.get(NEW).content.decode()
    assert "Votre foyer est repris" in page
    assert 'value="Emma"' in page and 'value="Durand"' in page  # prefilled
    assert "Cette demande sera liée" in page and lea.number in page
    data = form_data(guichet, **{
        "foyer-parent_first_name": "Emma", "foyer-other_children": "2",  # edited
        "demande-first_name": "Tom", "demande-siblings_together": "on",
    })  # fmt: skip
    response = client.post(NEW, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    tom = Application.objects.get(child__first_name="Tom")
    assert Household.objects.filter(account=emma).count() == 1
    assert tom.household_id == lea.household_id
    assert Household.objects.get(pk=lea.household_id).other_children == 2
    assert tom.siblings_together
    assert list(tom.siblings.all()) == [lea] and list(lea.siblings.all()) == [tom]
    status = client.get(f"/guichet/mes-demandes/{tom.number}/").content.decode()
    assert "Liée à la demande de Léa" in status and "accueil ensemble seulement" in status


def test_the_agent_sees_the_siblings(client, guichet, emma, bruno, password, lea):
    twin_child = ChildFactory(household=lea.household, first_name="Lou")
    twin = ApplicationFactory(number="CAR-2025-00043", household=lea.household, child=twin_child, state=State.SUBMITTED,
                              siblings_together=True)  # fmt: skip
    services.link_siblings(twin)
    client.login(email=bruno.email, password=password)
    text = client.get(f"/guichet/file/{twin.number}/").content.decode()
    assert "Fratrie" in text and lea.number in text and "accueil ensemble seulement" in text


def test_a_renewal_for_the_same_child_is_prefilled_and_reuses_the_child(
    client, guichet, emma, password, lea
):
    client.login(email=emma.email, password=password)
    # while Léa's application is open, no second one for her
    assert f"?enfant={lea.number}" not in client.get("/guichet/mes-demandes/").content.decode()
    refused = client.get(f"{NEW}?enfant={lea.number}", follow=True).content.decode()
    assert "a déjà une demande en cours" in refused
    application_workflow.apply(lea, "withdraw")
    home = client.get("/guichet/mes-demandes/").content.decode()
    assert f"?enfant={lea.number}" in home and "Nouvelle demande pour Léa" in home
    page = client.get(f"{NEW}?enfant={lea.number}").content.decode()
    assert "reprise de la demande" in page and 'value="Léa"' in page
    assert 'value="Emma"' in page
    children = Child.objects.count()
    data = form_data(guichet, **{"demande-first_name": "Léa",
                                 "demande-days_per_week": "5"})  # fmt: skip
    response = client.post(f"{NEW}?enfant={lea.number}", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    renewed = Application.objects.exclude(pk=lea.pk).get()
    assert renewed.child_id == lea.child_id and Child.objects.count() == children
    assert renewed.state == State.DRAFT and renewed.days_per_week == 5
    assert not renewed.siblings.exists()  # the same child is not her own sibling


def test_no_renewal_while_in_care_or_reactivable(client, guichet, emma, password, lea):
    from maillage.applications.enums import DeadlineKind

    Application.objects.filter(pk=lea.pk).update(state=State.PLACED)
    client.login(email=emma.email, password=password)
    assert f"?enfant={lea.number}" not in client.get("/guichet/mes-demandes/").content.decode()
    today = datetime.date.today()
    Application.objects.filter(pk=lea.pk).update(
        state=State.ARCHIVED, deadline_kind=DeadlineKind.INTEREST, archived_on=today
    )
    assert f"?enfant={lea.number}" not in client.get("/guichet/mes-demandes/").content.decode()
    refused = client.get(f"{NEW}?enfant={lea.number}", follow=True).content.decode()
    assert "peut encore être réactivée" in refused
    Application.objects.filter(pk=lea.pk).update(archived_on=today - datetime.timedelta(days=31))
    assert f"?enfant={lea.number}" in client.get("/guichet/mes-demandes/").content.decode()
    assert client.get(f"{NEW}?enfant={lea.number}").status_code == 200


def test_a_renewal_of_someone_else_is_not_found(client, guichet, password, lea):
    from tests.accounts.factories import UserFactory

    other = UserFactory(kind="family")
    client.login(email=other.email, password=password)
    assert client.get(f"{NEW}?enfant={lea.number}").status_code == 404


# --- near home or near work ---------------------------------------------------------------------


@pytest.fixture
def located(guichet, bassin):
    """Carros (home) and Nice (work, outside the territory) with coordinates; the Canailous
    structure is next to the place of work, the two others next to home."""
    carros = bassin["06033"]
    carros.latitude, carros.longitude = 43.79, 7.18
    carros.save()
    nice = CommuneFactory(insee_code="06088", name="Nice", postal_codes=["06000", "06100"],
                          latitude=43.70, longitude=7.27)  # fmt: skip
    for key, (lat, lon) in {"carros": (43.80, 7.19), "le_broc": (43.81, 7.17),
                            "gattieres": (43.705, 7.265), "outside": (43.70, 7.27)}.items():  # fmt: skip
        structure = guichet[key]
        structure.latitude, structure.longitude = lat, lon
        structure.save()
    return {"home": carros, "work": nice}


def test_wish_candidates_near_home_or_work_use_the_directory_search(guichet, located):
    rules = guichet["rules"]
    home_only = services.wish_candidates(rules, home=located["home"])
    assert home_only[0].structure == guichet["carros"] and home_only[0].work_km is None
    both = services.wish_candidates(rules, home=located["home"], work=[located["work"]])
    assert both[0].structure == guichet["gattieres"]  # nearest to work
    assert both[0].work_km < 1 and "du travail" in both[0].label
    assert {c.structure for c in both} == {guichet["carros"], guichet["le_broc"],
                                           guichet["gattieres"]}  # fmt: skip
    # the structure outside the guichet, next to work too, is never offered
    assert guichet["outside"] not in {c.structure for c in both}


def test_the_picker_lists_structures_near_work_without_saving(
    client, guichet, emma, password, located
):
    client.login(email=emma.email, password=password)
    data = form_data(guichet, **{"demande-work_place": "Nice", "chercher": "1",
                                 "demande-wish_1": "", "demande-wish_2": ""})  # fmt: skip
    response = client.post(NEW, data)
    text = response.content.decode()
    assert response.status_code == 200
    assert not Application.objects.exists() and not Household.objects.exists()  # nothing saved
    assert "Près de votre travail" in text and "Rien n'est encore enregistré" in text
    assert 'value="Léa"' in text and 'value="Nice"' in text  # what was typed is kept
    assert "is-invalid" not in text  # a refresh shows no error for what is not filled yet
    first_select = text[text.index('name="demande-wish_1"') :]
    assert first_select.index("Les Canailous") < first_select.index("Maison de l&#x27;Enfance")
    unknown = client.post(NEW, data | {"demande-work_place": "Zzyzx"}).content.decode()
    assert "Aucune commune ne correspond" in unknown
    # then the family chooses and saves: the place of work is not stored anywhere
    saved = client.post(NEW, form_data(guichet, **{"demande-work_place": "Nice"}))
    assert saved.status_code == 302
    application = Application.objects.get()
    assert "Nice" not in str(Household.objects.values().get())
    assert "Nice" not in str(Application.objects.values().get(pk=application.pk))


def test_near_work_by_postal_code_shared_by_several_communes(guichet, located):
    other = CommuneFactory(insee_code="06999", name="Autre", postal_codes=["06000"],
                           latitude=43.9, longitude=7.0)  # fmt: skip
    both = services.wish_candidates(guichet["rules"], work=[located["work"], other])
    assert both[0].structure == guichet["gattieres"]  # searched around each commune
