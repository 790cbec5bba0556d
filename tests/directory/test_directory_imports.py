"""Imports of structures and childminders: a good file, a bad file (line-numbered French report,
nothing imported), the explicit "valid rows only" choice, XLSX, the agent pages and the command."""

import datetime
import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from maillage.audit.models import AuditAction, AuditEntry
from maillage.directory import importers
from maillage.directory.enums import CoordinatesPrecision, PricingMode, StructureKind
from maillage.directory.models import Childminder, DirectoryImport, Structure

GOOD = """identifiant;nom;type;gestionnaire;adresse;code_postal;code_insee;age_min_mois;\
age_max_mois;places_bebes;places_moyens;places_grands;jours;ouverture;fermeture;horaires_tard;\
referent_inclusion;tarification;communes_admises;telephone;courriel
S1;Crèche du test;Crèche collective;Commune du Broc;54 route de la Voute;06510;06025;2;48;5;8;7;\
lun-ven;7h30;19:00;non;oui;psu;06025 06033;04 93 00 00 00;creche@exemple.test
S2;Relais du Broc;Relais petite enfance (RPE);;Lieu-dit introuvable;06510;06025;;;;;;lun,mar,jeu;\
9:00;17:00;;;gratuit;;;
S3;Centre social de Carros;centre_social;;;06510;06033;;;;;;;;;;;;;;
"""

BAD = """nom;type;code_insee;age_min_mois;age_max_mois;ouverture;fermeture;courriel
Crèche correcte;multi_accueil;06025;2;48;07:30;18:30;
Crèche inconnue;garderie de nuit;99999;2;48;07:30;18:30;
;multi_accueil;06033;50;12;25:00;18:30;pas-une-adresse
Ludothèque;ludotheque;06033;;;;;
"""

CHILDMINDERS = """prenom;nom;code_insee;places_agrement;consentement_coordonnees;telephone;\
dispo_declaree_le;dispo_a_partir_du;dispo_places;dispo_jours;dispo_debut;dispo_fin
Awa;Diallo;06033;4;oui;06 11 22 33 44;{today};{today};2;lun-ven;07:30;19:00
Bernard;Roux;06064;3;non;06 99 99 99 99;;;;;;
Chloé;Martin;06064;9;non;;;;3;;;
"""


def check(text, kind="structures", **kwargs):
    return importers.check(text.encode("utf-8"), "fichier.csv", kind, **kwargs)


def test_good_file_is_imported_and_geocoded(located_bassin):
    report = check(GOOD)
    assert not report.has_errors
    assert len(report.valid_rows) == 3
    importers.apply(report)
    assert (report.created, report.updated) == (3, 0)
    crèche = Structure.objects.get(external_id="S1")
    assert crèche.kind == StructureKind.CRECHE_COLLECTIVE
    assert crèche.places_total == 20
    assert crèche.opens_at == datetime.time(7, 30)
    assert crèche.closes_at == datetime.time(19, 0)
    assert crèche.pricing_mode == PricingMode.PSU
    assert crèche.inclusion_referent and not crèche.late_hours
    assert sorted(c.insee_code for c in crèche.admitted_communes.all()) == ["06025", "06033"]
    # the recorded BAN response of this address (tests/directory/geocoder/)
    assert crèche.coordinates_precision == CoordinatesPrecision.ADDRESS
    assert (crèche.latitude, crèche.longitude) == (43.808911, 7.168213)
    # a municipality-level answer is not better than the centroid: approximate fallback
    relais = Structure.objects.get(external_id="S2")
    assert relais.coordinates_precision == CoordinatesPrecision.COMMUNE
    assert relais.latitude == located_bassin["06025"].latitude
    assert relais.opening_days == 0b1011
    assert Structure.objects.get(external_id="S3").is_approximate


def test_reimporting_updates_instead_of_duplicating(located_bassin):
    importers.apply(check(GOOD))
    again = importers.apply(check(GOOD.replace("Crèche du test", "Crèche renommée")))
    assert (again.created, again.updated) == (0, 3)
    assert Structure.objects.count() == 3
    assert Structure.objects.get(external_id="S1").name == "Crèche renommée"


def test_bad_file_gets_a_line_numbered_report_and_nothing_is_imported(located_bassin):
    report = check(BAD)
    assert report.has_errors
    errors = {row.line: row.errors for row in report.error_rows}
    assert sorted(errors) == [3, 4]  # line 1 is the header
    assert any("type « garderie de nuit » inconnu" in e for e in errors[3])
    assert any("code INSEE « 99999 » inconnu" in e for e in errors[3])
    assert any("« nom » : valeur obligatoire manquante" in e for e in errors[4])
    assert any("« 25:00 » n'est pas une heure" in e for e in errors[4])
    assert any("« pas-une-adresse » n'est pas une adresse électronique" in e for e in errors[4])
    assert any("l'âge minimal dépasse l'âge maximal" in e for e in errors[4])
    with pytest.raises(ValueError, match="rien n'a été importé"):
        importers.apply(report)
    assert Structure.objects.count() == 0
    importers.apply(report, valid_only=True)
    assert sorted(Structure.objects.values_list("name", flat=True)) == [
        "Crèche correcte",
        "Ludothèque",
    ]


def test_unreadable_or_incomplete_files(located_bassin):
    assert check("").file_errors == ["Le fichier est vide."]
    missing = check("nom;commune\nA;B\n")
    assert "type, code_insee" in missing.file_errors[0]
    broken = importers.check(b"PK\x03\x04 pas un classeur", "f.xlsx", "structures")
    assert "XLSX est illisible" in broken.file_errors[0]


def test_xlsx_file(located_bassin):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Nom", "Type", "Code INSEE", "Ouverture", "Fermeture", "Places bébés"])
    sheet.append(["Micro-crèche XLSX", "micro_creche_paje", "06025", datetime.time(7, 0), "19h", 4])
    sheet.append(["Sans type", "", "06025", None, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    report = importers.check(buffer.getvalue(), "offre.xlsx", "structures")
    assert [row.line for row in report.error_rows] == [3]
    importers.apply(report, valid_only=True)
    structure = Structure.objects.get()
    assert (structure.opens_at, structure.closes_at) == (datetime.time(7), datetime.time(19))
    assert structure.places_babies == 4


def test_childminders_with_availability_and_consent(located_bassin):
    today = datetime.date.today().strftime("%d/%m/%Y")
    report = check(CHILDMINDERS.format(today=today), "childminders")
    errors = {row.line: row.errors for row in report.error_rows}
    assert list(errors) == [4]
    assert any("un agrément compte de 1 à 6 places" in e for e in errors[4])
    assert any("disponibilité incomplète" in e for e in errors[4])
    importers.apply(report, valid_only=True)
    awa = Childminder.objects.get(first_name="Awa")
    availability = awa.current_availability()
    assert availability.places == 2 and availability.ends_at == datetime.time(19)
    bernard = Childminder.objects.get(first_name="Bernard")
    assert not bernard.contact_consent
    assert bernard.public_name == "Bernard R."
    # no consent: never geocoded at home, placed at the commune centre
    assert bernard.coordinates_precision == CoordinatesPrecision.COMMUNE


def test_organisation_territory_is_enforced(located_bassin, organisations):
    report = check(GOOD, organisation=organisations["06025"])
    errors = {row.line: row.errors for row in report.error_rows}
    assert list(errors) == [4]
    assert "n'est pas sur le territoire de votre organisation" in errors[4][0]


def upload(client, text, name="offre.csv", kind="structures"):
    """Upload through the page; the preview task runs when the request's transaction commits."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            reverse("web:directory_import"),
            {"kind": kind, "file": SimpleUploadedFile(name, text.encode("utf-8"), "text/csv")},
        )


def confirm(client, url, action):
    """Confirm; the import task runs on commit; then the batch page as the browser reloads it."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, {"action": action})
    assert response.status_code == 302
    return client.get(response["Location"])


def test_agent_imports_a_file_with_errors_and_gets_a_clear_report(
    client, located_bassin, bruno, password
):
    client.login(username=bruno.email, password=password)
    response = upload(client, BAD.replace("06025", "06033"))
    batch = DirectoryImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:directory_import_preview", args=[batch.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Rapport d'erreurs" in page
    assert '<th scope="row">3</th>' in page and '<th scope="row">4</th>' in page
    assert "type « garderie de nuit » inconnu" in page
    assert "Importer seulement les lignes valides (2)" in page
    # importing everything is refused while the file has errors
    refused = confirm(client, response["Location"], "import_all")
    assert "rien n&#x27;a été importé" in refused.content.decode()
    assert Structure.objects.count() == 0
    # the explicit choice imports the valid rows only, audited
    done = confirm(client, response["Location"], "import_valid")
    assert "Import terminé : 2 fiche(s) créée(s)" in done.content.decode()
    assert Structure.objects.count() == 2
    assert all(s.manager.slug == "commune-06033" for s in Structure.objects.all())
    assert AuditEntry.objects.filter(action=AuditAction.CREATE).count() == 2
    assert AuditEntry.objects.filter(action=AuditAction.IMPORT).count() == 1
    batch.refresh_from_db()
    assert batch.status == DirectoryImport.Status.IMPORTED


def test_upload_form_errors_keep_the_choice(client, located_bassin, bruno, password):
    client.login(username=bruno.email, password=password)
    response = upload(client, "texte", name="notes.txt", kind="childminders")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Le fichier doit être au format CSV ou XLSX." in page
    assert 'value="childminders" class' in page or 'value="childminders"' in page
    assert "checked" in page.split('value="childminders"')[1][:80]


def test_import_pages_need_an_agent(client, located_bassin, emma, password):
    url = reverse("web:directory_import")
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.login(username=emma.email, password=password)
    assert client.get(url).status_code == 403


def test_another_organisation_cannot_see_the_preview(
    client, located_bassin, bruno, charlie, password
):
    client.login(username=bruno.email, password=password)
    upload(client, GOOD)
    batch = DirectoryImport.objects.get()
    client.logout()
    client.login(username=charlie.email, password=password)
    assert client.get(reverse("web:directory_import_preview", args=[batch.pk])).status_code == 404


def test_management_command(located_bassin, tmp_path):
    bad = tmp_path / "mauvais.csv"
    bad.write_text(BAD, encoding="utf-8")
    with pytest.raises(CommandError, match="rien n'a été importé"):
        call_command("import_directory", str(bad), verbosity=0)
    assert Structure.objects.count() == 0
    call_command("import_directory", str(bad), "--valid-only", verbosity=0)
    assert Structure.objects.count() == 2
    good = tmp_path / "bon.csv"
    good.write_text(GOOD, encoding="cp1252")
    call_command("import_directory", str(good), verbosity=0)
    assert Structure.objects.count() == 5


def test_an_agent_cannot_overwrite_a_record_outside_its_territory(located_bassin, organisations):
    importers.apply(check(GOOD))  # S3 is in Carros
    moved = GOOD.replace(";06510;06033;", ";06510;06025;")
    report = check(moved, organisation=organisations["06025"])
    errors = {row.line: row.errors for row in report.error_rows}
    assert "désigne une fiche de Carros" in errors[4][0]


def test_import_page_carries_the_format_help(client, located_bassin, bruno, password):
    """The format help lives in the site, not in a file of the code repository: every column
    of both kinds is listed with what to put in it."""
    from maillage.directory.importers import COLUMNS

    client.login(username=bruno.email, password=password)
    page = client.get(reverse("web:directory_import")).content.decode()
    assert "docs/directory.md" not in page
    assert 'id="format"' in page
    for columns in COLUMNS.values():
        for name in columns:
            assert f"<code>{name}</code>" in page, name
    assert "accueil tard le soir, après 19 h (oui/non)" in page
    assert "nombre de places de l&#x27;agrément (1 à 6)" in page
