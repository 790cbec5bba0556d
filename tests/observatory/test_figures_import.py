"""CSV import of statistical figures: layouts, line-numbered French errors, all or nothing."""

import pytest
from django.core.management import CommandError, call_command

from maillage.audit.models import AuditAction, AuditEntry
from maillage.observatory.enums import Indicator, Method
from maillage.observatory.importers import FigureImportError, import_figures
from maillage.observatory.models import Figure

HEADER = "indicator,commune,territory,period,value,method,source,source_url,note\n"


def test_import_creates_then_leaves_unchanged_then_updates(bassin):
    text = (
        HEADER
        + "children_under_3,06033,,2021,412,measured,INSEE RP 2021,https://www.insee.fr/,\n"
        + "allocataires,,bassin-de-vie-carros,2018,4484,,Caf 06,,fin 2018\n"
    )
    report = import_figures(text)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    figure = Figure.objects.get(indicator=Indicator.CHILDREN_UNDER_3)
    assert figure.commune == bassin["06033"]
    assert figure.value == 412
    assert figure.source_url == "https://www.insee.fr/"
    territory = Figure.objects.get(indicator=Indicator.ALLOCATAIRES)
    assert territory.territory == bassin["group"] and territory.method == Method.MEASURED
    assert import_figures(text).unchanged == 2
    report = import_figures(text.replace("412", "415"))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert Figure.objects.get(indicator=Indicator.CHILDREN_UNDER_3).value == 415


def test_semicolons_decimal_comma_and_french_method_names(bassin):
    text = (
        "indicator;commune;period;value;method;source\n"
        "coverage_rate;06122;2017;23,4;mesuré;CTG Carros\n"
        "population_0_2;06122;2021;1 150;estimé;Estimation\n"
    )
    import_figures(text.encode("cp1252"))
    rate = Figure.objects.get(indicator=Indicator.COVERAGE_RATE)
    assert rate.value == pytest.approx(23.4)
    estimate = Figure.objects.get(indicator=Indicator.POPULATION_0_2)
    assert estimate.value == 1150 and estimate.method == Method.ESTIMATED and estimate.estimated


def test_every_error_names_its_line_and_nothing_is_imported(bassin):
    text = (
        HEADER
        + "children_under_3,06033,,2021,412,measured,INSEE,,\n"  # line 2 is fine
        + "enfants,06033,,2021,12,measured,INSEE,,\n"  # 3: unknown indicator
        + "children_under_3,99999,,2021,12,measured,INSEE,,\n"  # 4: unknown commune
        + "children_under_3,06064,,21,12,measured,INSEE,,\n"  # 5: bad period
        + "children_under_3,06064,,2021,douze,measured,INSEE,,\n"  # 6: not a number
        + "births,06064,bassin-de-vie-carros,2021,12,measured,INSEE,,\n"  # 7: two scopes
        + "births,06064,,2021,-3,devine,,pas-une-url,\n"  # 8: negative, method, source, url
        + "children_under_3,06033,,2021,413,measured,INSEE,,\n"  # 9: duplicate of line 2
    )
    with pytest.raises(FigureImportError) as caught:
        import_figures(text)
    errors = caught.value.errors
    assert any(e.startswith("ligne 3 : indicateur « enfants » inconnu") for e in errors)
    assert "ligne 4 : code INSEE « 99999 » inconnu" in errors
    assert any(e.startswith("ligne 5 : millésime « 21 » invalide") for e in errors)
    assert "ligne 6 : valeur « douze » non numérique" in errors
    assert any(e.startswith("ligne 7 : renseignez soit") for e in errors)
    line8 = [e for e in errors if e.startswith("ligne 8 :")]
    assert len(line8) == 4  # negative count, unknown method, missing source, bad URL
    assert "ligne 9 : doublon de la ligne 2" in errors
    assert Figure.objects.count() == 0


def test_header_problems_are_reported_on_line_1(bassin):
    with pytest.raises(
        FigureImportError, match="ligne 1 : colonne\\(s\\) manquante\\(s\\) : value"
    ):
        import_figures("indicator,commune,period,source\nbirths,06033,2021,INSEE\n")
    with pytest.raises(FigureImportError, match="colonne\\(s\\) inconnue\\(s\\) : couleur"):
        import_figures("indicator,commune,period,value,source,couleur\n")
    with pytest.raises(FigureImportError, match="vide"):
        import_figures(b"")


def test_command_imports_and_audits_or_lists_errors(bassin, tmp_path):
    good = tmp_path / "bon.csv"
    good.write_text(HEADER + "births,06033,,2021,130,measured,INSEE état civil,,\n")
    call_command("import_figures", str(good), verbosity=0)
    assert Figure.objects.get().value == 130
    assert AuditEntry.objects.filter(action=AuditAction.IMPORT).exists()
    bad = tmp_path / "mauvais.csv"
    bad.write_text(HEADER + "births,06033,,2021,130,measured,INSEE,,\nbirths,XXXXX,,2021,1,,S,,\n")
    with pytest.raises(CommandError, match="Aucune donnée importée :\n  ligne 3 : code INSEE"):
        call_command("import_figures", str(bad), verbosity=0)
    with pytest.raises(CommandError, match="introuvable"):
        call_command("import_figures", str(tmp_path / "absent.csv"), verbosity=0)


def _post(client, url, data):
    """POST; the background task runs when the request's transaction commits."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data)


def test_web_import_is_limited_to_the_covered_communes(client, bassin, bruno, charlie, password):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from maillage.observatory.models import FigureImport

    url = reverse("web:observatory_import")
    assert client.get(url).status_code == 302  # login first
    assert client.login(email=charlie.email, password=password)  # agent of Le Broc
    page = client.get(url)
    assert page.status_code == 200 and "Commune de Le Broc" in page.content.decode()
    foreign = SimpleUploadedFile(
        "donnees.csv",
        (
            HEADER
            + "births,06025,,2021,14,measured,INSEE,,\n"
            + "births,06033,,2021,130,measured,INSEE,,\n"
        ).encode(),
        content_type="text/csv",
    )
    response = _post(client, url, {"file": foreign})
    batch = FigureImport.objects.get()
    assert response["Location"] == reverse("web:observatory_import_batch", args=[batch.pk])
    page = client.get(response["Location"]).content.decode()
    assert "ligne 3 : votre organisation ne couvre pas la commune 06033" in page
    assert "Importer les" not in page
    # a confirmation is refused while errors remain
    refused = _post(client, response["Location"], {"action": "import"})
    assert "aucune donnée n&#x27;est importée" in client.get(refused["Location"]).content.decode()
    assert Figure.objects.count() == 0
    own = SimpleUploadedFile(
        "donnees.csv",
        (HEADER + "births,06025,,2021,14,measured,INSEE,,\n").encode(),
        content_type="text/csv",
    )
    batch_url = _post(client, url, {"file": own})["Location"]
    assert "Importer les 1 ligne" in client.get(batch_url).content.decode()
    assert Figure.objects.count() == 0  # nothing before the confirmation
    _post(client, batch_url, {"action": "import"})
    page = client.get(batch_url).content.decode()
    assert "1 ligne(s) importée(s) : 1 créée(s)" in page
    assert Figure.objects.get().commune == bassin["06025"]
    entry = AuditEntry.objects.filter(action=AuditAction.IMPORT).get()
    assert entry.actor == charlie and "donnees.csv" in entry.message
    empty = client.post(url, {})
    assert empty.status_code == 400 and "obligatoire" in empty.content.decode()
    # another organisation does not see the batch
    client.logout()
    assert client.login(email=bruno.email, password=password)
    assert client.get(batch_url).status_code == 404


def test_web_figures_limits_and_idempotent_confirmation(
    client, bassin, charlie, password, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import TestCase
    from django.urls import reverse

    from maillage.core.models import Job
    from maillage.observatory.models import FigureImport

    url = reverse("web:observatory_import")
    assert client.login(email=charlie.email, password=password)
    settings.MAILLAGE_IMPORT_MAX_ROWS = 2
    lines = "".join(f"births,06025,,{year},14,measured,INSEE,,\n" for year in (2019, 2020, 2021))
    too_long = SimpleUploadedFile("donnees.csv", (HEADER + lines).encode(), "text/csv")
    response = _post(client, url, {"file": too_long})
    assert "Le fichier compte 3 lignes de données : 2 au plus sont acceptées" in (
        response.content.decode()
    )
    assert FigureImport.objects.count() == 0
    settings.MAILLAGE_IMPORT_MAX_ROWS = 3
    ok = SimpleUploadedFile("donnees.csv", (HEADER + lines).encode(), "text/csv")
    batch_url = _post(client, url, {"file": ok})["Location"]
    with TestCase.captureOnCommitCallbacks(execute=True):
        for _ in range(5):
            client.post(batch_url, {"action": "import"})
    assert Figure.objects.count() == 3
    assert Job.objects.filter(kind="figure-import").count() == 1
    assert AuditEntry.objects.filter(action=AuditAction.IMPORT).count() == 1
    batch = FigureImport.objects.get()
    assert batch.status == "imported" and batch.job.done == batch.job.total == 3
