"""`maillage import_applications`: the import format v1 (a contract)."""

import datetime
import io
import json

import openpyxl
import pytest
from django.core.management import call_command

from maillage.applications.enums import Source, State
from maillage.applications.models import Application, Household
from maillage.audit.models import AuditAction, AuditEntry

TODAY = datetime.date.today()
HEADER = [
    "reference", "famille", "enfant_prenom", "enfant_nom", "date_naissance",
    "date_naissance_prevue", "commune_residence", "date_demande", "date_entree_souhaitee",
    "jours_par_semaine", "voeux", "fratrie_ensemble", "accepte_assistant_maternel",
    "parents_en_activite", "famille_monoparentale", "parcours_insertion", "handicap_enfant",
    "fratrie_accueillie", "quotient_familial", "courriel", "telephone",
]  # fmt: skip


def d(days: int, fmt="%d/%m/%Y") -> str:
    return (TODAY + datetime.timedelta(days=days)).strftime(fmt)


def good_rows(g):
    carros, gatt = g["carros"], g["gattieres"]
    return [
        # twins of one family, wishes by external id and by Maillage id
        ["A-1", "F-1", "Léa", "Durand", d(-200), "", "06033", d(-150), d(100), "4",
         f"EAJE-CARROS|{gatt.pk}", "oui", "non", "2", "non", "non", "non", "", "850",
         "durand@exemple.fr", "06 12 34 56 78"],
        ["A-2", "F-1", "Tom", "Durand", d(-200), "", "06033", d(-150), d(100), "4",
         f"EAJE-CARROS|{gatt.pk}", "oui", "non", "2", "non", "non", "oui", "", "850",
         "durand@exemple.fr", "06 12 34 56 78"],
        # an expected child, ISO dates
        ["A-3", "F-2", "Bébé", "Martin", "", d(60, "%Y-%m-%d"), "06025", d(-20, "%Y-%m-%d"),
         d(200, "%Y-%m-%d"), "5", f"{carros.pk}", "non", "oui", "1", "oui", "oui", "", "", "",
         "", ""],
    ]  # fmt: skip


def csv_bytes(rows, sep=";", encoding="utf-8-sig", header=HEADER):
    text = "\n".join(sep.join(cells) for cells in [header, *rows]) + "\n"
    return text.encode(encoding)


def run(tmp_path, content, *args, name="liste.csv"):
    path = tmp_path / name
    path.write_bytes(content)
    out = io.StringIO()
    code = 0
    try:
        call_command(
            "import_applications", str(path), "--territory", "bassin-de-vie-carros",
            "--format", "json", *args, stdout=out,
        )  # fmt: skip
    except SystemExit as exc:
        code = exc.code
    return code, json.loads(out.getvalue())


def test_good_file_creates_applications(guichet, tmp_path):
    code, summary = run(tmp_path, csv_bytes(good_rows(guichet)))
    assert code == 0
    assert summary == {"created": 3, "updated": 0, "unchanged": 0, "errors": [], "warnings": []}
    a1 = Application.objects.get(external_reference="A-1")
    a3 = Application.objects.get(external_reference="A-3")
    assert a1.state == State.WAITING and a1.source == Source.IMPORT
    assert a1.registered_on == TODAY - datetime.timedelta(days=150)
    assert a1.siblings_together and not a1.accepts_childminder
    assert [w.structure for w in a1.wishes.order_by("rank")] == [
        guichet["carros"], guichet["gattieres"]
    ]  # fmt: skip
    assert a3.state == State.AWAITING_BIRTH and a3.deadline is not None
    assert a3.number.startswith(f"CAR-{TODAY.year}-")
    assert Household.objects.count() == 2
    household = Household.objects.get(external_reference="F-1")
    assert household.family_quotient == 850 and household.parents_working == 2
    assert Application.objects.get(external_reference="A-2").child.disability
    assert AuditEntry.objects.filter(action=AuditAction.IMPORT).count() == 1


def test_reimport_is_idempotent_and_updates(guichet, tmp_path):
    rows = good_rows(guichet)
    run(tmp_path, csv_bytes(rows))
    numbers = set(Application.objects.values_list("number", flat=True))
    code, summary = run(tmp_path, csv_bytes(rows))
    assert (code, summary["created"], summary["updated"], summary["unchanged"]) == (0, 0, 0, 3)
    rows[2][4], rows[2][5] = d(-2), ""  # the expected child is born
    rows[0][9] = "3"
    code, summary = run(tmp_path, csv_bytes(rows))
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (0, 2, 1)
    assert set(Application.objects.values_list("number", flat=True)) == numbers
    a3 = Application.objects.get(external_reference="A-3")
    assert a3.state == State.WAITING and a3.child.birth_date == TODAY - datetime.timedelta(days=2)
    assert Application.objects.get(external_reference="A-1").days_per_week == 3


def test_errors_block_the_import_with_line_and_column(guichet, tmp_path):
    rows = good_rows(guichet)
    rows[1][9] = "7"  # line 3
    rows[2][10] = f"{guichet['outside'].pk}"  # line 4
    code, summary = run(tmp_path, csv_bytes(rows))
    assert code == 2
    assert summary["created"] == summary["updated"] == summary["unchanged"] == 0
    assert {(e["line"], e["column"]) for e in summary["errors"]} == {
        (3, "jours_par_semaine"), (4, "voeux")
    }  # fmt: skip
    assert all(e["message"] for e in summary["errors"])
    assert "participant" in next(e for e in summary["errors"] if e["line"] == 4)["message"]
    assert not Application.objects.exists()


def test_skip_invalid_imports_the_valid_rows_and_a_sibling_alone(guichet, tmp_path):
    rows = good_rows(guichet)
    rows[0][4] = "31/02/2025"  # not a real date: the first twin is skipped
    code, summary = run(tmp_path, csv_bytes(rows), "--skip-invalid")
    assert code == 0
    assert summary["created"] == 2
    assert [(e["line"], e["column"]) for e in summary["errors"]] == [(2, "date_naissance")]
    assert set(Application.objects.values_list("external_reference", flat=True)) == {"A-2", "A-3"}


def test_a_household_contradiction_is_an_error_on_the_later_row(guichet, tmp_path):
    rows = good_rows(guichet)
    rows[1][18] = "900"
    code, summary = run(tmp_path, csv_bytes(rows))
    assert code == 2
    assert [(e["line"], e["column"]) for e in summary["errors"]] == [(3, "quotient_familial")]
    assert "ligne 2" in summary["errors"][0]["message"]


@pytest.mark.parametrize(
    "column, value, message",
    [
        ("date_naissance", d(-7 * 365), "6 ans"),
        ("date_naissance", d(3), "futur"),
        ("date_entree_souhaitee", d(-300), "avant la naissance"),
        ("commune_residence", "99999", "inconnue"),
        ("parents_en_activite", "3", "0, 1 ou 2"),
        ("famille_monoparentale", "peut-être", "oui"),
        ("courriel", "pas-une-adresse", "adresse électronique"),
        ("quotient_familial", "beaucoup", "entier"),
        ("fratrie_accueillie", "INCONNUE", "inconnue"),
    ],
)
def test_each_rule_gives_a_french_message(guichet, tmp_path, column, value, message):
    rows = good_rows(guichet)[2:]
    rows[0][4], rows[0][5] = d(-200), ""
    rows[0][HEADER.index(column)] = value
    code, summary = run(tmp_path, csv_bytes(rows))
    assert code == 2
    assert summary["errors"][0]["column"] == column
    assert message in summary["errors"][0]["message"]


def test_wishes_rules(guichet, tmp_path):
    g = guichet
    rows = good_rows(g)[2:]
    rows[0][10] = f"{g['carros'].pk}|EAJE-CARROS"
    code, summary = run(tmp_path, csv_bytes(rows))
    assert "deux fois" in summary["errors"][0]["message"]
    rows[0][10] = "|".join(str(s.pk) for s in (g["carros"], g["le_broc"], g["gattieres"])) + "|X"
    code, summary = run(tmp_path, csv_bytes(rows))
    assert any("3 au plus" in e["message"] for e in summary["errors"])


def test_expected_birth_more_than_ten_months_ahead(guichet, tmp_path):
    rows = good_rows(guichet)[2:]
    rows[0][5] = d(330)
    rows[0][8] = d(400)
    code, summary = run(tmp_path, csv_bytes(rows))
    assert code == 2 and "10 mois" in summary["errors"][0]["message"]


def test_dry_run_writes_nothing(guichet, tmp_path):
    code, summary = run(tmp_path, csv_bytes(good_rows(guichet)), "--dry-run")
    assert code == 0 and summary["created"] == 0 and not Application.objects.exists()
    rows = good_rows(guichet)
    rows[0][9] = "0"
    code, summary = run(tmp_path, csv_bytes(rows), "--dry-run")
    assert code == 2 and summary["errors"]


def test_windows_1252_comma_separated(guichet, tmp_path):
    code, summary = run(tmp_path, csv_bytes(good_rows(guichet), sep=",", encoding="cp1252"))
    assert code == 0 and summary["created"] == 3
    assert Application.objects.get(external_reference="A-1").child.first_name == "Léa"


def test_xlsx_first_sheet_with_real_dates(guichet, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in good_rows(guichet):
        cells = list(row)
        for index in (4, 7, 8):
            if cells[index]:
                fmt = "%Y-%m-%d" if "-" in cells[index] else "%d/%m/%Y"
                cells[index] = datetime.datetime.strptime(cells[index], fmt)
        cells[9] = int(cells[9])
        cells[6] = int(cells[6])  # INSEE code typed as a number: 06033 → 6033
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    code, summary = run(tmp_path, buffer.getvalue(), name="liste.xlsx")
    assert code == 0 and summary["created"] == 3, summary


def test_missing_and_unknown_columns(guichet, tmp_path):
    header = [c for c in HEADER if c != "voeux"] + ["commentaire"]
    rows = [
        [c for i, c in enumerate(r) if HEADER[i] != "voeux"] + ["x"] for r in good_rows(guichet)
    ]
    code, summary = run(tmp_path, csv_bytes(rows, header=header))
    assert code == 2
    assert summary["errors"] == [
        {"line": 1, "column": "voeux", "message": "Colonne obligatoire « voeux » absente."}
    ]
    assert summary["warnings"][0]["column"] == "commentaire"


def test_unknown_territory_fails_cleanly(guichet, tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "x.csv"
    path.write_bytes(csv_bytes(good_rows(guichet)))
    with pytest.raises(CommandError, match="inconnu"):
        call_command("import_applications", str(path), "--territory", "nulle-part")


def test_bulk_write_numbers_in_sequence_and_audits_each_creation(guichet, tmp_path):
    from maillage.applications.models import ApplicationCounter

    before = ApplicationCounter.objects.filter(last__gt=0).count()
    assert before == 0
    code, summary = run(tmp_path, csv_bytes(good_rows(guichet)))
    assert code == 0 and summary["created"] == 3
    numbers = sorted(Application.objects.values_list("number", flat=True))
    serials = [int(number.rsplit("-", 1)[1]) for number in numbers]
    assert serials == list(range(serials[0], serials[0] + 3))  # one counter update, no gap
    counter = ApplicationCounter.objects.get(territory=guichet["territory"], year=TODAY.year)
    assert counter.last == serials[-1] == 3
    created = AuditEntry.objects.filter(
        action=AuditAction.CREATE, object_type="applications.application"
    )
    assert sorted(created.values_list("object_label", flat=True)) == numbers
    assert {e.message for e in created} == {"Demande créée (import)"}


def test_chunks_share_households_and_a_household_change_counts_once(guichet, tmp_path):
    from maillage.applications import importer

    rows = good_rows(guichet)
    result = importer.check(csv_bytes(rows), "liste.csv", guichet["territory"])
    importer.write_valid_rows(
        result, guichet["territory"], actor=None, organisation=None, chunk_size=1
    )  # the twins of F-1 are written in two chunks
    assert (result.created, Household.objects.count()) == (3, 2)
    assert Household.objects.get(external_reference="F-1").children.count() == 2
    rows[0][18] = rows[1][18] = "900"  # the family's quotient changed
    code, summary = run(tmp_path, csv_bytes(rows))
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (0, 1, 2)
    assert Household.objects.get(external_reference="F-1").family_quotient == 900
    assert AuditEntry.objects.filter(message="Foyer mis à jour (import)").count() == 1


def test_numbers_reserved_by_a_batch_rolled_back_leave_no_gap(guichet):
    from django.db import transaction

    from maillage.applications import services

    territory = guichet["territory"]
    assert services.reserve_numbers(territory, "CAR", 2026, 0) == []
    try:
        with transaction.atomic():
            assert services.reserve_numbers(territory, "CAR", 2026, 3) == [
                "CAR-2026-00001", "CAR-2026-00002", "CAR-2026-00003"
            ]  # fmt: skip
            raise RuntimeError("the batch fails")
    except RuntimeError:
        pass
    assert services.reserve_numbers(territory, "CAR", 2026, 2) == ["CAR-2026-00001",
                                                                    "CAR-2026-00002"]  # fmt: skip
    assert services.next_number(territory, "CAR", 2026) == "CAR-2026-00003"


def test_an_import_marks_the_queue_changed_and_the_demand_is_refreshed(
    guichet, django_capture_on_commit_callbacks
):
    """The import writes applications in bulk (no per-application service): each chunk calls
    the queue's hook, so the version is bumped at the commit and the observatory's refresh of
    the expressed demand is enqueued; until it runs, pages show the previous figures."""
    from django.core.cache import caches
    from django.test import override_settings
    from django.utils.module_loading import import_string
    from django_tasks_db.models import DBTaskResult

    from maillage.applications import importer
    from maillage.core.models import DataVersion
    from maillage.observatory import demand

    backend = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    refresh = DBTaskResult.objects.filter(
        task_path="maillage.observatory.tasks.refresh_demand", status="READY"
    )
    territory = guichet["territory"]
    communes = list(territory.communes.all())
    caches[demand.STORE].clear()
    demand.refresh_stored()  # the figures before the import, stored
    version = DataVersion.objects.filter(name="guichet-queue").values_list("version", flat=True)
    before = version.first() or 0
    result = importer.check(csv_bytes(good_rows(guichet)), "liste.csv", territory)
    with override_settings(TASKS=backend), django_capture_on_commit_callbacks(execute=True):
        importer.write_valid_rows(result, territory, actor=None, organisation=None)
    assert result.created == 3
    assert version.first() == before + 1
    assert refresh.count() == 1
    caches["derived"].clear()
    previous = demand.demand_summary(communes, previous_ok=True)
    assert (previous.up_to_date, previous.summary.total.waiting) == (False, 0)
    for row in refresh:  # as the worker does
        import_string(row.task_path).call()
    current = demand.demand_summary(communes, previous_ok=True)
    assert (current.up_to_date, current.summary.total.waiting) == (True, 3)
    caches[demand.STORE].clear()
