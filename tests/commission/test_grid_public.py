"""The public page « Comment sont attribuées les places » (CRPA L. 312-1-3) and the family's
points on her status page."""

import datetime

import pytest

from maillage.commission.enums import GridStatus, ReserveKind, SessionKind
from maillage.commission.models import Reserve
from tests.commission import grid_fixtures
from tests.commission.factories import PointsGridFactory, SessionFactory
from tests.commission.grid_fixtures import TODAY, waiting

commission = grid_fixtures.commission

pytestmark = pytest.mark.django_db
URL = "/commission/bassin-de-vie-carros/comment-sont-attribuees-les-places/"


def test_the_rules_page_is_public_and_shows_grid_history_commission_calendar_reserves(
    client, commission, django_assert_max_num_queries
):
    territory = commission["territory"]
    PointsGridFactory(territory=territory, version=2, valid_from=TODAY + datetime.timedelta(days=30),
                      lines={"single_parent": 12})  # fmt: skip
    PointsGridFactory(territory=territory, version=3, status=GridStatus.DRAFT,
                      lines={"disability": 99})  # fmt: skip
    SessionFactory(territory=territory, name="Commission de printemps", kind=SessionKind.MAIN,
                   date=TODAY + datetime.timedelta(days=40))  # fmt: skip
    Reserve.objects.create(
        structure=commission["le_broc"], age_group="bebe", kind=ReserveKind.INTEGRATION,
        places=1, valid_from=datetime.date(2025, 1, 1), reason="CASF L. 214-7",
    )  # fmt: skip
    Reserve.objects.create(
        structure=commission["carros"], age_group="moyen", kind=ReserveKind.AVIP, places=2,
        valid_from=datetime.date(2025, 1, 1), valid_until=TODAY - datetime.timedelta(days=1),
    )  # fmt: skip
    with django_assert_max_num_queries(11):
        response = client.get(URL)
    assert response.status_code == 200
    text = response.content.decode()
    for expected in (
        "Comment sont attribuées les places",
        "L. 312-1-3",
        "Famille monoparentale",
        "Délibération du conseil municipal (test)",  # each criterion's reason
        "par unité",
        "plafond : 12 points",
        "dans cette structure seulement",
        "Version 1",
        "<strong>en vigueur</strong>",
        "Version 2",
        "s'appliquera à partir du",
        "Le maire-adjoint à la petite enfance",  # composition
        "Commission de printemps",  # calendar
        "Crèche du Broc",
        "Familles en parcours d&#x27;insertion (CASF L. 214-7)",
        "au moins 1 place par tranche de 20 places",
        "CADA",
    ):
        assert expected in text, expected
    assert "99" not in text  # a draft is never published
    assert "Vocation" not in text and "AVIP)</td>" not in text  # the ended reserve is not shown


def test_the_rules_page_of_a_territory_without_commission(client, bassin):
    response = client.get(URL)
    assert response.status_code == 200
    assert "Aucune grille n'est encore adoptée" in response.content.decode()
    assert client.get("/commission/inconnu/comment-sont-attribuees-les-places/").status_code == 404


def test_the_guichet_rules_page_links_to_it(client, commission):
    text = client.get("/guichet/bassin-de-vie-carros/comment-ca-marche/").content.decode()
    assert URL in text


def test_the_family_sees_her_points_line_by_line_and_per_wish(
    client, commission, emma, password, django_assert_max_num_queries
):
    application = waiting(
        commission, single_parent=True, parents_working=1,
        wishes=[commission["le_broc"], commission["carros"]],
    )  # fmt: skip
    household = application.household
    household.account = emma
    household.save(update_fields=["account"])
    client.login(email=emma.email, password=password)
    url = f"/guichet/mes-demandes/{application.number}/"
    with django_assert_max_num_queries(30):
        response = client.get(url)
    text = response.content.decode()
    assert "Mes points pour la commission" in text
    assert "Famille monoparentale" in text
    assert "Parent bénéficiaire d&#x27;un minimum social" in text  # a line she does not get: 0
    # 20 (all parents working) + 15 (single parent) + 2 months of seniority
    assert "<strong>37 points</strong>" in text
    # her commune is Carros: the residence bonus (10) applies at the Maison de l'Enfance only
    assert "Vœu 1, Crèche du Broc : <strong>37 points</strong>" in text
    assert "Vœu 2, Maison de l&#x27;Enfance : <strong>47 points</strong>" in text
    assert URL in text


def test_no_points_section_for_a_draft_or_without_grid(client, commission, emma, password):
    application = waiting(commission, state="draft")
    application.household.account = emma
    application.household.save(update_fields=["account"])
    client.login(email=emma.email, password=password)
    text = client.get(f"/guichet/mes-demandes/{application.number}/").content.decode()
    assert "Mes points pour la commission" not in text
