"""Pages of the guichet: the family's journey and the agents' queue."""

import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maillage.accounts.models import User
from maillage.applications.enums import DeadlineKind, State
from maillage.applications.models import Application
from maillage.audit.models import AuditAction, AuditEntry
from tests.applications.factories import ApplicationFactory, ChildFactory, HouseholdFactory

TODAY = datetime.date.today()
PDF = b"%PDF-1.4\n" + b"0" * 100


def form_data(guichet, **changes):
    data = {
        "foyer-parent_first_name": "Emma",
        "foyer-parent_last_name": "Durand",
        "foyer-phone": "0600000000",
        "foyer-commune": guichet["territory"].communes.get(insee_code="06033").pk,
        "foyer-parents_working": "2",
        "foyer-other_children": "0",
        "demande-first_name": "Léa",
        "demande-last_name": "Durand",
        "demande-born": "1",
        "demande-birth_date": (TODAY - datetime.timedelta(days=60)).isoformat(),
        "demande-desired_start": (TODAY + datetime.timedelta(days=150)).isoformat(),
        "demande-days_per_week": "4",
        "demande-wish_1": guichet["gattieres"].pk,
        "demande-wish_2": guichet["carros"].pk,
    }
    data.update(changes)
    return data


def test_rules_page_is_public_and_says_every_rule(client, guichet):
    response = client.get("/guichet/bassin-de-vie-carros/comment-ca-marche/")
    text = response.content.decode()
    assert response.status_code == 200
    for expected in ("jusqu'à <strong>3 structures", "6e mois de grossesse", "30 jours",
                     "Tous les <strong>6 mois", "15 jours avant la commission",
                     "Après 2 refus", "Justificatif de domicile", "Crèche du Broc",
                     "supprimée <strong>90 jours</strong>", "15 jours avant",
                     "de chez vous ou de votre travail", "frères et sœurs"):  # fmt: skip
        assert expected in text, expected
    assert "Crèche hors guichet" not in text


def test_signup_creates_a_family_account(client, guichet):
    response = client.post("/guichet/inscription/", {
        "email": "Nouvelle@Exemple.fr", "password": "un mot de passe long",
        "password_again": "un mot de passe long",
    })  # fmt: skip
    assert response.status_code == 302
    user = User.objects.get(email="nouvelle@exemple.fr")
    assert user.is_family
    again = client.post("/guichet/inscription/", {"email": "x@exemple.fr", "password": "court",
                                                   "password_again": "court"})  # fmt: skip
    assert again.status_code == 302  # already logged in: goes to the family's space
    client.logout()
    short = client.post("/guichet/inscription/", {"email": "x@exemple.fr", "password": "court",
                                                   "password_again": "court"})  # fmt: skip
    assert "au moins 12 caractères" in short.content.decode()
    assert 'value="x@exemple.fr"' in short.content.decode()
    taken = client.post("/guichet/inscription/", {
        "email": "nouvelle@exemple.fr", "password": "un mot de passe long",
        "password_again": "un mot de passe long",
    })  # fmt: skip
    assert "existe déjà" in taken.content.decode()


def test_family_journey_to_the_receipt(
    client, guichet, emma, password, django_capture_on_commit_callbacks
):
    client.login(email=emma.email, password=password)
    response = client.post("/guichet/bassin-de-vie-carros/nouvelle-demande/", form_data(guichet))
    assert response.status_code == 302, response.content.decode()[:3000]
    application = Application.objects.get()
    assert application.state == State.DRAFT and application.household.account == emma
    base = f"/guichet/mes-demandes/{application.number}/"
    bad = client.post(base + "pieces/", {"kind": "address",
                                         "file": SimpleUploadedFile("a.pdf", b"texte")})  # fmt: skip
    assert bad.status_code == 400 and "ni un PDF" in bad.content.decode()
    client.post(base + "pieces/", {"kind": "address", "file": SimpleUploadedFile("a.pdf", PDF)})
    assert application.documents.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(base + "deposer/")
    assert response.status_code == 302 and response["Location"] == base + "accuse/"
    receipt = client.get(base + "accuse/").content.decode()
    assert application.number in receipt and "Et maintenant" in receipt
    assert mail.outbox[0].to == [emma.email]
    pdf = client.get(base + "accuse.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    status = client.get(base).content.decode()
    assert "Déposée" in status and "Le guichet vérifie" in status


def test_form_errors_keep_what_was_typed(client, guichet, emma, password):
    client.login(email=emma.email, password=password)
    data = form_data(guichet, **{"demande-wish_2": guichet["gattieres"].pk, "demande-born": "0",
                                 "demande-expected_date": ""})  # fmt: skip
    response = client.post("/guichet/bassin-de-vie-carros/nouvelle-demande/", data)
    text = response.content.decode()
    assert response.status_code == 400
    assert "deux fois la même structure" in text and "date prévue" in text
    assert 'value="Léa"' in text
    assert not Application.objects.exists()


def test_concurrent_edit_is_refused_with_409(client, guichet, emma, password):
    client.login(email=emma.email, password=password)
    client.post("/guichet/bassin-de-vie-carros/nouvelle-demande/", form_data(guichet))
    application = Application.objects.get()
    url = f"/guichet/mes-demandes/{application.number}/modifier/"
    ok = client.post(
        url, form_data(guichet, **{"demande-version": "1", "demande-days_per_week": "3"})
    )
    assert ok.status_code == 302
    stale = client.post(
        url, form_data(guichet, **{"demande-version": "1", "demande-days_per_week": "2"})
    )
    assert stale.status_code == 409 and "a modifié cette fiche" in stale.content.decode()
    application.refresh_from_db()
    assert application.days_per_week == 3


def _family_app(guichet, emma, state, **kwargs):
    household = HouseholdFactory(territory=guichet["territory"], account=emma)
    child = ChildFactory(household=household, **kwargs.pop("child", {}))
    return ApplicationFactory(household=household, child=child, state=state,
                              wishes=[guichet["carros"]], **kwargs)  # fmt: skip


def test_confirm_birth_interest_and_withdraw(client, guichet, emma, password):
    client.login(email=emma.email, password=password)
    expected = _family_app(guichet, emma, State.AWAITING_BIRTH,
                           child={"birth_date": None, "expected_date": TODAY},
                           deadline_kind=DeadlineKind.BIRTH, deadline=TODAY)  # fmt: skip
    client.post(
        f"/guichet/mes-demandes/{expected.number}/naissance/", {"birth_date": TODAY.isoformat()}
    )
    expected.refresh_from_db()
    assert expected.state == State.WAITING
    to_confirm = _family_app(guichet, emma, State.TO_CONFIRM, deadline_kind=DeadlineKind.INTEREST,
                             deadline=TODAY)  # fmt: skip
    page = client.get(f"/guichet/mes-demandes/{to_confirm.number}/").content.decode()
    assert "Je cherche toujours une place" in page and "Prochaine échéance" in page
    client.post(f"/guichet/mes-demandes/{to_confirm.number}/interet/")
    to_confirm.refresh_from_db()
    assert to_confirm.state == State.WAITING
    client.post(f"/guichet/mes-demandes/{to_confirm.number}/retirer/")
    to_confirm.refresh_from_db()
    assert to_confirm.state == State.WITHDRAWN


def test_family_cannot_open_another_familys_application(client, guichet, emma, password):
    other = ApplicationFactory(household=HouseholdFactory(territory=guichet["territory"]))
    client.login(email=emma.email, password=password)
    assert client.get(f"/guichet/mes-demandes/{other.number}/").status_code == 404


def test_professionals_do_not_use_the_family_pages(client, guichet, bruno, password):
    client.login(email=bruno.email, password=password)
    assert client.get("/guichet/mes-demandes/").status_code == 403


@pytest.fixture
def many(guichet, bassin):
    apps = []
    for i in range(12):
        household = HouseholdFactory(territory=guichet["territory"],
                                     commune=bassin["06025" if i % 3 == 0 else "06033"])  # fmt: skip
        apps.append(ApplicationFactory(household=household, wishes=[guichet["carros"], guichet["le_broc"]],
                                       state=State.WAITING if i % 2 else State.SUBMITTED))  # fmt: skip
    return apps


def test_queue_lists_filters_and_pins_its_queries(client, many, bruno, password):
    client.login(email=bruno.email, password=password)
    response = client.get("/guichet/file/")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 12
    assert client.get("/guichet/file/?state=waiting").context["page"].paginator.count == 6
    assert client.get("/guichet/file/?commune=06025").context["page"].paginator.count == 4
    assert client.get(f"/guichet/file/?q={many[0].number}").context["page"].paginator.count == 1
    assert client.get("/guichet/file/?missing=on").context["page"].paginator.count == 12
    with CaptureQueriesContext(connection) as few:
        client.get("/guichet/file/")
    for _i in range(5):
        ApplicationFactory(household=HouseholdFactory(territory=many[0].territory))
    with CaptureQueriesContext(connection) as more:
        client.get("/guichet/file/")
    assert len(more) == len(few) <= 21  # 21: with the read entry of the page (audit)


def test_reading_the_queue_is_audited_once_per_page_without_personal_values(
    client, many, bruno, password
):
    client.login(email=bruno.email, password=password)
    searched = many[0].child.last_name
    before = AuditEntry.objects.filter(action=AuditAction.VIEW).count()
    client.get(f"/guichet/file/?state=waiting&commune=06025&q={searched}&sort=number&page=1")
    entries = AuditEntry.objects.filter(action=AuditAction.VIEW).order_by("-id")
    assert entries.count() == before + 1
    entry = entries.first()
    assert entry.message == "Consultation de la file du guichet unique"
    assert entry.actor == bruno and entry.organisation is not None
    assert entry.changes["filters"] == {
        "state": "waiting", "commune": "06025", "sort": "number", "search": True,
    }  # fmt: skip
    assert "child.last_name" in entry.changes["fields"] and entry.changes["page"] == 1
    assert searched not in str(entry.changes) and searched not in entry.message
    client.get("/guichet/file/?page=2")
    assert AuditEntry.objects.filter(action=AuditAction.VIEW).count() == before + 2


def test_aggregate_readers_leave_no_read_entry_on_the_queue(client, many, guichet, password):
    from maillage.accounts.enums import Role
    from tests.accounts.factories import MembershipFactory, UserFactory

    reader = UserFactory()
    MembershipFactory(user=reader, organisation=guichet["rules"].operator, role=Role.READER)
    client.login(email=reader.email, password=password)
    before = AuditEntry.objects.filter(action=AuditAction.VIEW).count()
    assert client.get("/guichet/file/").status_code == 200
    assert AuditEntry.objects.filter(action=AuditAction.VIEW).count() == before


def test_export_is_minimised_and_audited(client, many, bruno, password):
    client.login(email=bruno.email, password=password)
    content = client.get("/guichet/file/export.csv").content.decode()
    assert content.splitlines()[0].lstrip("\ufeff").startswith("numero;etat")
    assert len(content.splitlines()) == 13
    assert many[0].household.email not in content
    assert many[0].child.last_name not in content
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()


def test_agent_opens_instructs_and_the_read_is_audited(
    client, many, bruno, charlie, password, django_capture_on_commit_callbacks
):
    submitted = next(a for a in many if a.state == State.SUBMITTED)
    client.login(email=bruno.email, password=password)
    url = f"/guichet/file/{submitted.number}/"
    assert client.get(url).status_code == 200
    assert (
        AuditEntry.objects.filter(action=AuditAction.VIEW, object_id=str(submitted.pk)).count() == 1
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url + "action/", {"action": "request_correction", "reason": "Pièce illisible"})
    submitted.refresh_from_db()
    assert submitted.state == State.TO_CORRECT
    assert "Pièce illisible" in mail.outbox[-1].body
    client.post(url + "action/", {"action": "note", "text": "Appel reçu"})
    assert submitted.notes.get().text == "Appel reçu"
    # Le Broc sees the application (wish in its crèche) but does not instruct it
    client.logout()
    client.login(email=charlie.email, password=password)
    assert client.get(url).status_code == 200
    assert client.post(url + "action/", {"action": "note", "text": "x"}).status_code == 403


def test_counter_registration(client, guichet, bruno, charlie, password):
    client.login(email=bruno.email, password=password)
    data = form_data(guichet, **{"contact-email": "famille@exemple.fr"})
    response = client.post("/guichet/bassin-de-vie-carros/au-guichet/", data)
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.state == State.SUBMITTED and application.source == "counter"
    assert (
        application.household.email == "famille@exemple.fr"
        and application.household.account is None
    )
    client.logout()
    client.login(email=charlie.email, password=password)
    assert client.get("/guichet/bassin-de-vie-carros/au-guichet/").status_code == 403


def test_public_index_lists_open_guichets(client, guichet):
    text = client.get("/guichet/").content.decode()
    assert (
        "Bassin de vie de Carros" in text
        and "/guichet/bassin-de-vie-carros/comment-ca-marche/" in text
    )
    guichet["rules"].is_open = False
    guichet["rules"].save()
    assert "Bassin de vie de Carros" not in client.get("/guichet/").content.decode()


def test_caf_sees_counts_only_with_small_counts_masked(client, many, alice, password):
    client.login(email=alice.email, password=password)
    response = client.get("/guichet/file/")
    assert response.context["page"].paginator.count == 0
    counts = {c["state"]: c for c in response.context["aggregates"][0][1]}
    assert counts["waiting"]["count"] == 6 and not counts["waiting"]["masked"]
    assert counts["to_correct"]["count"] == 0
    text = response.content.decode()
    assert "En liste d&#x27;attente : 6" in text
    assert many[0].number not in text


def test_every_guichet_page_renders_without_unknown_variables(
    client, many, guichet, bruno, emma, password
):
    mine = _family_app(guichet, emma, State.SUBMITTED)
    client.login(email=emma.email, password=password)
    family_pages = ["/guichet/", "/guichet/mes-demandes/", "/guichet/bassin-de-vie-carros/nouvelle-demande/",
                    f"/guichet/mes-demandes/{mine.number}/", f"/guichet/mes-demandes/{mine.number}/modifier/",
                    f"/guichet/mes-demandes/{mine.number}/pieces/", f"/guichet/mes-demandes/{mine.number}/accuse/"]  # fmt: skip
    for url in family_pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "INVALID_TEMPLATE_VARIABLE" not in response.content.decode(), url
    client.logout()
    client.login(email=bruno.email, password=password)
    for url in ["/guichet/file/", f"/guichet/file/{mine.number}/", "/guichet/bassin-de-vie-carros/au-guichet/",
                "/guichet/bassin-de-vie-carros/comment-ca-marche/"]:  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, url
        assert "INVALID_TEMPLATE_VARIABLE" not in response.content.decode(), url


def test_agent_opens_a_document_then_verifies_it(client, guichet, emma, bruno, charlie, password):
    from maillage.applications import services

    application = _family_app(guichet, emma, State.SUBMITTED)
    document = services.add_document(
        application, "address", SimpleUploadedFile("d.pdf", PDF), actor=emma
    )
    url = f"/guichet/file/{application.number}/pieces/{document.pk}/"
    client.login(email=charlie.email, password=password)
    assert client.get(url).status_code in (403, 404)
    client.logout()
    client.login(email=bruno.email, password=password)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    entry = AuditEntry.objects.filter(action=AuditAction.VIEW).latest("id")
    assert entry.changes == {"fields": ["document.address"]}
    client.post(f"/guichet/file/{application.number}/action/",
                {"action": "verify_document", "document": document.pk})  # fmt: skip
    document.refresh_from_db()
    assert document.verified_by == bruno and not document.file
    assert client.get(url).status_code == 404


def test_a_family_finds_its_applications_from_the_menu(client, emma, password):
    client.login(email=emma.email, password=password)
    text = client.get("/mon-espace/").content.decode()
    assert 'href="/guichet/mes-demandes/">Mes demandes</a>' in text


PRIVATE = [
    "/guichet/mes-demandes/", "/guichet/mes-demandes/{n}/", "/guichet/mes-demandes/{n}/modifier/",
    "/guichet/mes-demandes/{n}/pieces/", "/guichet/mes-demandes/{n}/accuse/",
    "/guichet/mes-demandes/{n}/accuse.pdf", "/guichet/bassin-de-vie-carros/nouvelle-demande/",
    "/guichet/file/", "/guichet/file/export.csv", "/guichet/file/{n}/",
    "/guichet/file/{n}/pieces/1/", "/guichet/bassin-de-vie-carros/au-guichet/",
]  # fmt: skip
PRIVATE_POST = ["deposer/", "naissance/", "interet/", "retirer/", "message/"]


def test_anonymous_visitors_are_sent_to_the_login_page(client, guichet):
    application = ApplicationFactory(household=HouseholdFactory(territory=guichet["territory"]))
    for url in PRIVATE:
        response = client.get(url.format(n=application.number))
        assert response.status_code == 302 and response["Location"].startswith("/connexion/"), url
    for action in PRIVATE_POST:
        response = client.post(f"/guichet/mes-demandes/{application.number}/{action}")
        assert response.status_code == 302 and response["Location"].startswith("/connexion/")
    response = client.post(f"/guichet/file/{application.number}/action/", {"action": "note"})
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")
    for url in (
        "/guichet/",
        "/guichet/inscription/",
        "/guichet/bassin-de-vie-carros/comment-ca-marche/",
    ):
        assert client.get(url).status_code == 200, url


def test_families_cannot_use_the_agents_pages(client, guichet, emma, password):
    application = ApplicationFactory(household=HouseholdFactory(territory=guichet["territory"]))
    client.login(email=emma.email, password=password)
    for url in ("/guichet/file/", f"/guichet/file/{application.number}/", "/guichet/file/export.csv",
                "/guichet/bassin-de-vie-carros/au-guichet/"):  # fmt: skip
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("role", ["reader", "elected"])
def test_readers_and_elected_members_see_counts_not_families(client, many, organisations, role,
                                                             password):  # fmt: skip
    from tests.accounts.factories import MembershipFactory, UserFactory

    user = UserFactory(password=password)
    MembershipFactory(user=user, organisation=organisations["06033"], role=role)
    client.login(email=user.email, password=password)
    response = client.get("/guichet/file/")
    assert response.status_code == 200
    text = response.content.decode()
    assert many[0].number not in text and many[0].child.last_name not in text
    assert "Exporter" not in text
    assert "Carros : 8" in text and "Le Broc : 4" not in text and "Le Broc : &lt; 5" in text
    assert client.get(f"/guichet/file/{many[0].number}/").status_code == 403
    assert client.get("/guichet/file/export.csv").status_code == 403
    assert client.get(f"/api/v1/guichet/applications/{many[0].number}/").status_code == 403
    assert not AuditEntry.objects.filter(action__in=[AuditAction.VIEW, AuditAction.EXPORT]).exists()


def test_xlsx_export_is_minimised_text_only_and_audited(client, many, guichet, bruno, password):
    import io

    import openpyxl

    guichet["carros"].name = '=HYPERLINK("http://exemple.invalid","x")'
    guichet["carros"].save()
    client.login(email=bruno.email, password=password)
    response = client.get("/guichet/file/export.xlsx?state=waiting")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0]][:2] == ["numero", "etat"]
    assert len(rows) == 1 + 6
    assert all(c.data_type == "s" for row in rows for c in row if c.value is not None)
    assert all(row[5].value == "4" or row[5].value.isdigit() for row in rows[1:])
    assert rows[1][7].value.startswith("'=HYPERLINK")  # never a live formula
    text = " ".join(str(c.value) for row in rows for c in row)
    assert many[1].household.email not in text and many[1].child.last_name not in text
    entry = AuditEntry.objects.filter(action=AuditAction.EXPORT).latest("id")
    assert entry.changes["format"] == "xlsx" and entry.changes["count"] == 6


def test_queue_filter_selects_keep_the_chosen_value(client, many, guichet, bruno, password):
    client.login(email=bruno.email, password=password)
    text = client.get(f"/guichet/file/?commune=06025&structure={guichet['carros'].pk}").content
    text = text.decode()
    assert '<option value="06025" selected>Le Broc</option>' in text
    assert (
        f'<option value="{guichet["carros"].pk}" selected>Maison de l&#x27;Enfance</option>' in text
    )
    assert '<option value="06033">Carros</option>' in text
    assert 'name="structure"' in text and 'class="form-select' in text


def test_queue_counts_each_application_once_and_pins_filtered_queries(
    client, many, guichet, bruno, password, django_assert_max_num_queries
):
    client.login(email=bruno.email, password=password)
    # every application wishes both structures: a filter by wish must not count them twice
    page = client.get(f"/guichet/file/?structure={guichet['carros'].pk}&sort=-submitted_at")
    page = page.context["page"]
    assert page.paginator.count == 12 == len({a.pk for a in page.object_list})
    child = many[3].child
    found = client.get(f"/guichet/file/?q={child.last_name[1:-1]}").context["page"]
    assert many[3] in found.object_list
    assert client.get("/guichet/file/?q=personne-de-ce-nom").context["page"].paginator.count == 0
    month = many[0].desired_start.strftime("%Y-%m")
    in_month = client.get(f"/guichet/file/?start_month={month}").context["page"].object_list
    assert in_month and all(a.desired_start.strftime("%Y-%m") == month for a in in_month)
    with django_assert_max_num_queries(20):
        client.get(
            f"/guichet/file/?q={child.last_name}&state={many[3].state}&commune=06033"
            f"&structure={guichet['le_broc'].pk}&missing=on&sort=desired_start&page=1"
        )
