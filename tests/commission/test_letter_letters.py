"""Decision letters: content per case, legal mentions, PDF, e-mails, the CLI."""

import re

import pytest
from django.core.management import call_command
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import strip_tags

from maillage.applications.models import SentNotice
from maillage.audit.models import AuditAction, AuditEntry
from maillage.commission import letters
from maillage.commission.enums import SessionStatus
from maillage.commission.models import Decision
from tests.commission import letter_world
from tests.commission.factories import SessionFactory
from tests.directory.factories import AvailabilityFactory, ChildminderFactory, StructureFactory

pytestmark = pytest.mark.django_db


def text_of(decision) -> str:
    html = render_to_string("commission/letter_body.html", letters.letter_context(decision))
    return re.sub(r"\s+", " ", strip_tags(html)).replace("&#x27;", "'").replace("&quot;", '"')


@pytest.fixture
def world(emma):
    return letter_world.build(family_user=emma)


def assert_legal_mentions(text: str):
    assert "traitement algorithmique" in text
    assert "article L. 311-3-1" in text
    assert "R. 311-3-1-2" in text
    assert "Commission d'accès aux documents administratifs" in text
    assert "guichet@carros.example" in text  # rules_contact
    assert "recours gracieux auprès de Monsieur le Maire de Carros" in text
    assert "Mairie de Carros, place de la Mairie" in text  # appeal_address
    assert "Tribunal administratif de Nice" in text
    assert "deux mois" in text
    assert "R. 421-5 du code de justice administrative" in text


def test_placed_at_first_wish(world):
    text = text_of(world["decisions"]["anna"])
    assert "Une place est attribuée à Anna à Crèche Alpha, votre vœu n° 1" in text
    assert "Vous avez obtenu votre premier vœu." in text
    assert "Tous les parents du foyer travaillent" in text and "30 points" in text
    assert "Pourquoi pas" not in text
    assert "Et maintenant" not in text
    assert_legal_mentions(text)


def test_placed_at_a_lower_wish_states_the_cutoff_without_naming_anyone(world):
    text = text_of(world["decisions"]["bruno"])
    assert "Crèche Beta, votre vœu n° 2" in text
    assert "Vœu n° 1, Crèche Alpha : non obtenu" in text
    assert "le dernier enfant admis avait 30 points, dossier déposé le 10 janvier 2025" in text
    assert "la demande avait 20 points à cette structure" in text
    assert "Anna" not in text and "LET-2026-00001" not in text
    assert_legal_mentions(text)


def test_places_reserved_for_a_category(world):
    text = text_of(world["decisions"]["chloe"])
    assert "Aucune place n'a pu être attribuée à Chloe" in text
    assert "Vœu n° 1, Crèche Gamma : non obtenu" in text
    assert "la seule place des bébés était réservée aux familles en parcours d'insertion" in text
    assert "sans cette réserve, le classement de la demande lui aurait donné une place" in text


def test_siblings_joint_option(world):
    text = text_of(world["decisions"]["emile"])
    assert "accueillis ensemble (Flore et Emile)" in text
    assert "Option commune n° 1 (votre enfant à Crèche Delta, Flore à Crèche Delta)" in text
    assert "votre autre enfant n'a pas pu y être admis" in text
    assert "Flore n'a pas obtenu de place à Crèche Delta" in text
    assert "le plus petit numéro de dossier passe en premier" in text


def test_unplaced_family_gets_what_next_and_childminders_near_home(world):
    commune = world["commune"]
    start = world["applications"]["chloe"].desired_start
    consenting = ChildminderFactory(
        commune=commune, first_name="Odile", last_name="Martin", contact_consent=True,
        phone="04 93 00 00 01", latitude=43.79, longitude=7.18,
    )  # fmt: skip
    AvailabilityFactory(childminder=consenting, available_from=start, places=2)
    private = ChildminderFactory(
        commune=commune, first_name="Paule", last_name="Secret", phone="06 99 99 99 99"
    )
    AvailabilityFactory(childminder=private, available_from=start)
    later = ChildminderFactory(commune=commune, first_name="Tardive", contact_consent=True)
    AvailabilityFactory(childminder=later, available_from=start.replace(year=start.year + 1))
    StructureFactory(kind="rpe", name="Relais petite enfance de Carros", commune=commune)
    upcoming = SessionFactory(
        territory=world["territory"], name="Commission d'automne",
        date=world["session"].date.replace(year=world["session"].date.year + 1),
    )  # fmt: skip
    text = text_of(world["decisions"]["chloe"])
    assert "Votre demande reste en liste d'attente" in text
    assert f"« {upcoming.name} »" in text
    assert "Odile Martin" in text and "04 93 00 00 01" in text
    # without consent: first name and initial, no contact details
    assert "Paule S." in text and "Secret" not in text and "06 99 99 99 99" not in text
    assert "Tardive" not in text  # available only after the start date
    assert "Relais petite enfance de Carros" in text


def test_at_most_five_childminders(world):
    start = world["applications"]["chloe"].desired_start
    for _ in range(7):
        AvailabilityFactory(
            childminder=ChildminderFactory(commune=world["commune"], latitude=43.79),
            available_from=start,
        )
    context = letters.letter_context(world["decisions"]["chloe"])
    assert len(context["childminders"]) == 5


def test_excluded_application_states_its_reason(world):
    text = text_of(world["decisions"]["gaston"])
    assert "La demande n'a pas été étudiée à cette commission" in text
    assert "période d'entrée de cette commission" in text
    assert "Vos points" not in text
    assert_legal_mentions(text)


def test_commission_override_is_quoted(world):
    decision = world["decisions"]["bruno"]
    decision.overridden = True
    decision.override_reason = "Rapprochement de la fratrie déjà accueillie à la crèche Alpha."
    decision.structure = world["structures"]["Alpha"]
    decision.wish_rank = 1
    decision.explanation["override"] = {
        "reason": decision.override_reason,
        "proposed": letter_world.key(world["structures"]["Beta"]),
    }
    decision.save()
    text = text_of(decision)
    assert (
        "Décision de la commission : « Rapprochement de la fratrie déjà accueillie à la crèche"
        " Alpha. »" in text
    )
    assert "La proposition du calcul était : Crèche Beta" in text
    # her first wish is now hers: no « why not » for it
    assert "Une place est attribuée à Bruno à Crèche Alpha, votre vœu n° 1" in text
    assert "Vœu n° 1, Crèche Alpha : non obtenu" not in text


def test_letter_pdf_renders(world):
    pdf = letters.render_letter_pdf(world["decisions"]["bruno"])
    assert pdf.startswith(b"%PDF")


def test_family_reads_her_letter_page_and_pdf(client, emma, world, django_assert_max_num_queries):
    client.force_login(emma)
    number = world["applications"]["bruno"].number
    url = reverse("web:guichet_family_letter", kwargs={"number": number})
    with django_assert_max_num_queries(25):
        response = client.get(url)
    assert response.status_code == 200
    assert "Crèche Beta" in response.content.decode()
    response = client.get(reverse("web:guichet_family_letter_pdf", kwargs={"number": number}))
    assert response["Content-Type"] == "application/pdf"
    # another family's application is not found
    other = world["applications"]["anna"].number
    response = client.get(reverse("web:guichet_family_letter", kwargs={"number": other}))
    assert response.status_code == 404


def test_no_letter_before_publication(client, emma):
    world = letter_world.build(family_user=emma, status=SessionStatus.VALIDATED)
    client.force_login(emma)
    number = world["applications"]["bruno"].number
    response = client.get(reverse("web:guichet_family_letter", kwargs={"number": number}))
    assert response.status_code == 404


def test_agent_of_the_operator_opens_a_letter_audited(client, bruno, organisations, world):
    from tests.applications.factories import GuichetSettingsFactory

    GuichetSettingsFactory(territory=world["territory"], operator=organisations["06033"])
    client.force_login(bruno)
    number = world["applications"]["chloe"].number
    url = reverse(
        "web:commission_agent_letter", kwargs={"slug": world["session"].slug, "number": number}
    )
    response = client.get(url)
    assert response.status_code == 200
    entry = AuditEntry.objects.filter(action=AuditAction.VIEW).latest("id")
    assert entry.object_id == str(world["applications"]["chloe"].pk)


def test_agent_of_another_organisation_is_refused(client, charlie, organisations, world):
    from tests.applications.factories import GuichetSettingsFactory

    GuichetSettingsFactory(territory=world["territory"], operator=organisations["06033"])
    client.force_login(charlie)
    number = world["applications"]["chloe"].number
    url = reverse(
        "web:commission_agent_letter", kwargs={"slug": world["session"].slug, "number": number}
    )
    assert client.get(url).status_code == 403


def test_queue_letters_is_idempotent(world, django_capture_on_commit_callbacks, mailoutbox):
    session = world["session"]
    with django_capture_on_commit_callbacks(execute=True):
        assert letters.queue_letters(session) == 7
    # the worker's task sent them (one task for the session; every household has an address)
    assert len(mailoutbox) == 7
    assert all(m.subject.startswith("[Maillage] ") for m in mailoutbox)
    notices = SentNotice.objects.filter(key=letters.letter_key(session))
    assert notices.count() == 7
    assert not Decision.objects.filter(session=session, letter_queued_at__isnull=True).exists()
    body = notices.get(application=world["applications"]["bruno"]).body
    assert "/guichet/mes-demandes/LET-2026-00002/courrier/?seance=" in body
    assert "traitement algorithmique" in body
    with django_capture_on_commit_callbacks(execute=True):
        assert letters.queue_letters(session) == 0
    assert SentNotice.objects.filter(key=letters.letter_key(session)).count() == 7
    assert len(mailoutbox) == 7
    assert not SentNotice.objects.filter(sent_at__isnull=True).exists()


def test_cli_writes_one_pdf_per_application(world, tmp_path):
    call_command("commission", "letters", "--session", world["session"].slug, "-o", str(tmp_path))
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == sorted(f"{a.number}.pdf" for a in world["applications"].values())
    assert (tmp_path / "LET-2026-00001.pdf").read_bytes().startswith(b"%PDF")


def test_cli_json_output_and_unknown_session(world, tmp_path, capsys):
    import json

    from django.core.management.base import CommandError

    call_command(
        "commission", "letters", "--session", world["session"].slug, "-o", str(tmp_path),
        "--format", "json",
    )  # fmt: skip
    document = json.loads(capsys.readouterr().out)
    assert document["session"] == world["session"].slug and document["letters"] == 7
    with pytest.raises(CommandError):
        call_command("commission", "letters", "--session", "inconnue", "-o", str(tmp_path))


def test_override_to_a_structure_outside_her_wishes_names_it(world):
    decision = world["decisions"]["chloe"]
    decision.outcome = "placed"
    decision.overridden = True
    decision.override_reason = "Situation signalée par la PMI."
    decision.structure = world["structures"]["Delta"]
    decision.wish_rank = None
    decision.save()
    text = text_of(decision)
    assert "Une place est attribuée à Chloe à Crèche Delta (structure qui ne figurait pas" in text
    assert "La proposition du calcul était : aucune place" in text
    assert "Et maintenant" not in text
