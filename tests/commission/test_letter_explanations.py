"""The detailed explanation (R. 311-3-1-2), « où en suis-je ? » and the public statistics."""

import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import strip_tags

from maillage.audit.models import AuditAction, AuditEntry
from maillage.commission import family_letters, statistics
from maillage.commission.enums import SessionStatus
from maillage.commission.models import ExplanationRequest
from tests.commission import letter_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(emma):
    return letter_world.build(family_user=emma)


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", strip_tags(html)).replace("&#x27;", "'")


def test_detailed_explanation_is_requested_by_post_then_shown(client, emma, world):
    client.force_login(emma)
    number = world["applications"]["bruno"].number
    url = reverse("web:guichet_family_explanation", kwargs={"number": number})
    # GET does not create the request: it offers the button
    response = client.get(url)
    assert response.status_code == 200
    assert "Demander l'explication détaillée" in response.content.decode()
    assert not ExplanationRequest.objects.exists()
    response = client.post(url + f"?seance={world['session'].slug}")
    assert response.status_code == 302
    request = ExplanationRequest.objects.get()
    assert request.decision == world["decisions"]["bruno"]
    assert request.requested_by == emma
    assert AuditEntry.objects.filter(
        action=AuditAction.CREATE, object_type="commission.explanationrequest"
    ).exists()
    # a second POST records nothing new
    client.post(url)
    assert ExplanationRequest.objects.count() == 1
    text = plain(client.get(response["Location"]).content.decode())
    assert "1. Degré et mode de contribution" in text
    assert "2. Données traitées et leurs sources" in text
    assert "3. Paramètres et leur pondération" in text
    assert "4. Opérations effectuées" in text
    assert world["run"].input_sha256 in text
    assert world["run"].engine_version in text
    assert "acceptation différée" in text
    assert "Tous les parents du foyer travaillent" in text
    pdf = client.get(reverse("web:guichet_family_explanation_pdf", kwargs={"number": number}))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_explanation_pdf_needs_the_request_first(client, emma, world):
    client.force_login(emma)
    number = world["applications"]["bruno"].number
    url = reverse("web:guichet_family_explanation_pdf", kwargs={"number": number})
    assert client.get(url).status_code == 404


def test_where_do_i_stand_in_words_without_names(world):
    application = world["applications"]["bruno"]
    panel = family_letters.panel(application)
    rows = {row["structure"]: row for row in panel["standing"]}
    alpha, beta = rows["Crèche Alpha"], rows["Crèche Beta"]
    assert (alpha["position"], alpha["applicants"], alpha["places"]) == (2, 2, 1)
    assert alpha["cutoff_score"] == "30" and not alpha["obtained"]
    assert (beta["position"], beta["applicants"], beta["obtained"]) == (1, 1, True)
    html = render_to_string("commission/_family_letters.html", {"panel": panel})
    text = plain(html)
    assert "Où en suis-je ?" in text
    assert (
        "Crèche Alpha (vœu n° 1) : votre demande était classée 2e sur 2 demandes, pour 1 place"
        " ouverte. Il fallait au moins 30 points" in text
    )
    assert "vous aviez 20 points à cette structure" in text
    for other in ("Anna", "Chloe", "Dina", "LET-2026-00001"):
        assert other not in text


def test_family_status_page_shows_the_panel(client, emma, world, django_assert_max_num_queries):
    from tests.accounts.factories import OrganisationFactory
    from tests.applications.factories import GuichetSettingsFactory

    GuichetSettingsFactory(territory=world["territory"], operator=OrganisationFactory())
    client.force_login(emma)
    number = world["applications"]["bruno"].number
    url = reverse("web:guichet_family_application", kwargs={"number": number})
    with django_assert_max_num_queries(40):
        response = client.get(url)
    assert "Décisions de la commission" in response.content.decode()


def test_no_panel_before_publication(emma):
    world = letter_world.build(family_user=emma, status=SessionStatus.VALIDATED)
    assert family_letters.panel(world["applications"]["bruno"]) == {}


def test_public_statistics_mask_small_counts(client, world):
    figures = statistics.session_statistics(world["session"])
    assert figures["threshold"] == 5
    assert figures["places"] == 4
    # 7 applications: shown; 3 placed, 3 unplaced, 1 excluded: masked; 6 examined would give
    # the excluded count by subtraction from the 7 applications: masked too
    assert figures["totals"]["applications"] == 7
    assert figures["totals"]["placed"] is None
    assert figures["totals"]["unplaced"] is None
    assert figures["totals"]["excluded"] is None
    assert figures["totals"]["examined"] is None
    assert figures["satisfaction"] == ""  # computed from a masked count
    (commune,) = figures["communes"]
    assert commune.cells["examined"].value == 6
    assert commune.cells["placed"].masked
    rows = {r.label.split(" (")[0]: r for r in figures["structures"]}
    assert rows["Crèche Alpha"].places == 1
    assert rows["Crèche Alpha"].cells["first_asked"].masked
    url = reverse("web:commission_public_statistics", kwargs={"slug": world["territory"].slug})
    response = client.get(url)
    assert response.status_code == 200
    text = plain(response.content.decode())
    assert "Commission de printemps" in text
    assert "effectif masqué" in response.content.decode()
    for name in ("Anna", "Bruno", "LET-2026"):
        assert name not in text


def test_totals_masking_hides_the_other_part_of_a_sum():
    masked = statistics._mask_totals(
        {"applications": 40, "examined": 38, "excluded": 2, "placed": 20, "unplaced": 18}, 5
    )
    # excluded (2) would be 40 − 38: examined is masked, then unplaced (examined = 20 + 18)
    assert masked == {
        "applications": 40, "examined": None, "excluded": None, "placed": 20, "unplaced": None,
    }  # fmt: skip
    masked = statistics._mask_totals(
        {"applications": 40, "examined": 30, "excluded": 10, "placed": 20, "unplaced": 10}, 5
    )
    assert None not in masked.values()


def test_complementary_masking_hides_a_second_count():
    raw = [
        {"label": "A", "n": 2},
        {"label": "B", "n": 10},
        {"label": "C", "n": 30},
    ]
    masked = statistics._mask_table(raw, ["n"], 5)
    assert [m["n"] for m in masked] == [True, True, False]


def test_public_statistics_list_published_sessions_only(client, world):
    world["session"].status = SessionStatus.VALIDATED
    world["session"].save()
    url = reverse("web:commission_public_statistics", kwargs={"slug": world["territory"].slug})
    response = client.get(url)
    assert "Aucune commission n'a encore publié" in response.content.decode()
    assert client.get(url + "?seance=inconnue").status_code == 200
