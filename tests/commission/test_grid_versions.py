"""Points grid versions: drafts copied from the version in force, edited, adopted through the
audited workflow from a date, never applied to a session already frozen."""

import datetime
from decimal import Decimal

import pytest

from maillage.audit.models import AuditAction, AuditEntry, TransitionLog
from maillage.audit.workflow import TransitionNotAllowed
from maillage.commission import grids
from maillage.commission.enums import GridStatus, SessionStatus
from maillage.commission.models import PointsGrid
from tests.commission import grid_fixtures
from tests.commission.factories import PointsGridFactory, SessionFactory
from tests.commission.grid_fixtures import TODAY

commission = grid_fixtures.commission

pytestmark = pytest.mark.django_db


def lines(**values):
    return [grids.LineInput(code, *value) for code, value in values.items()]


def test_a_draft_copies_the_version_in_force(commission, bruno):
    grid = grids.create_draft(commission["territory"], actor=bruno)
    assert grid.version == 2
    assert grid.status == GridStatus.DRAFT
    assert grid.valid_from == TODAY
    copied = {(r.criterion, r.points, r.cap, r.reason) for r in grid.criteria.all()}
    original = {(r.criterion, r.points, r.cap, r.reason) for r in commission["grid"].criteria.all()}
    assert copied == original
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, object_id=str(grid.pk)).exists()
    # one draft at a time
    with pytest.raises(grids.GridError, match="existe déjà"):
        grids.create_draft(commission["territory"], actor=bruno)


def test_editing_a_draft_validates_every_line_in_french(commission, bruno):
    grid = grids.create_draft(commission["territory"], actor=bruno)
    with pytest.raises(grids.GridValidationError) as caught:
        grids.update_draft(
            grid, title="v2", valid_from=TODAY, deliberation="", notes="", actor=bruno,
            lines=lines(single_parent=("dix", "", "Délibération"),
                        disability=("10", "-3", "Délibération"),
                        integration_pathway=("12", "", "")),
        )  # fmt: skip
    errors = caught.value.errors["lines"]
    assert any("les points sont un nombre" in e for e in errors)
    assert any("plafond est un nombre positif" in e for e in errors)
    assert any("indiquez le fondement" in e for e in errors)
    # nothing was written
    assert grid.criteria.count() == commission["grid"].criteria.count()
    with pytest.raises(grids.GridValidationError, match="au moins un critère"):
        grids.update_draft(grid, title="", valid_from=TODAY, deliberation="", notes="",
                           lines=[], actor=bruno)  # fmt: skip


def test_a_saved_draft_replaces_its_lines_and_is_audited(commission, bruno):
    grid = grids.create_draft(commission["territory"], actor=bruno)
    grids.update_draft(
        grid, title="Grille 2027", valid_from=TODAY + datetime.timedelta(days=10),
        deliberation="Délibération n° 12", notes="", actor=bruno,
        lines=lines(single_parent=("12,5", "", "Délibération n° 12"),
                    seniority_month=("1", "24", "Délibération n° 12"),
                    refusal_penalty=("-20", "40", "Délibération n° 12")),
    )  # fmt: skip
    rows = {r.criterion: r for r in grid.criteria.all()}
    assert set(rows) == {"single_parent", "seniority_month", "refusal_penalty"}
    assert rows["single_parent"].points == Decimal("12.5")
    assert rows["seniority_month"].cap == 24
    assert rows["refusal_penalty"].points == -20
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE, object_id=str(grid.pk))
    assert "lines" in entry.changes and "title" in entry.changes


def test_adoption_goes_through_the_workflow_and_freezes_the_version(commission, bruno):
    grid = grids.create_draft(commission["territory"], actor=bruno)
    grids.adopt(grid, actor=bruno, deliberation="Délibération n° 7")
    grid.refresh_from_db()
    assert grid.status == GridStatus.ADOPTED
    assert grid.adopted_by == bruno and grid.adopted_at is not None
    assert grid.deliberation == "Délibération n° 7"
    log = TransitionLog.objects.get(object_type="commission.pointsgrid", object_id=str(grid.pk))
    assert log.transition == "adopt" and log.actor == bruno
    assert grids.grid_in_force(commission["territory"]) == grid
    with pytest.raises(grids.GridError, match="ne change plus"):
        grids.update_draft(grid, title="", valid_from=TODAY, deliberation="", notes="",
                           lines=lines(single_parent=("1", "", "x")), actor=bruno)  # fmt: skip
    with pytest.raises(TransitionNotAllowed):
        grids.adopt(grid, actor=bruno)


def test_a_grid_never_applies_to_the_past(commission, bruno):
    grid = grids.create_draft(commission["territory"], actor=bruno)
    PointsGrid.objects.filter(pk=grid.pk).update(valid_from=TODAY - datetime.timedelta(days=1))
    grid.refresh_from_db()
    with pytest.raises(TransitionNotAllowed, match="jamais au passé"):
        grids.adopt(grid, actor=bruno)


def test_a_grid_never_applies_to_a_session_already_frozen(commission, bruno):
    territory = commission["territory"]
    frozen = SessionFactory(
        territory=territory, status=SessionStatus.FROZEN, grid=commission["grid"],
        date=TODAY + datetime.timedelta(days=20),
    )  # fmt: skip
    grid = grids.create_draft(territory, actor=bruno)
    with pytest.raises(TransitionNotAllowed, match="déjà arrêtée") as caught:
        grids.adopt(grid, actor=bruno)
    after = frozen.date + datetime.timedelta(days=1)
    assert f"{after:%d/%m/%Y}" in str(caught.value)
    PointsGrid.objects.filter(pk=grid.pk).update(valid_from=after)
    grid.refresh_from_db()
    grids.adopt(grid, actor=bruno)
    # the frozen session keeps its grid; a session at a later date gets the new version
    frozen.refresh_from_db()
    assert frozen.grid == commission["grid"]
    assert grids.grid_for_session(territory, frozen.date) == commission["grid"]
    assert grids.grid_for_session(territory, after) == grid


def test_grid_for_session_is_the_adopted_version_in_force_at_that_date(commission, bruno):
    territory = commission["territory"]
    later = PointsGridFactory(territory=territory, version=2, valid_from=datetime.date(2026, 6, 1))
    PointsGridFactory(territory=territory, version=3, valid_from=datetime.date(2026, 9, 1),
                      status=GridStatus.DRAFT)  # fmt: skip
    assert grids.grid_for_session(territory, datetime.date(2024, 12, 31)) is None
    assert grids.grid_for_session(territory, datetime.date(2026, 5, 31)) == commission["grid"]
    assert grids.grid_for_session(territory, datetime.date(2026, 6, 1)) == later
    # a draft never applies
    assert grids.grid_for_session(territory, datetime.date(2026, 10, 1)) == later
    items = grids.history(territory, datetime.date(2026, 7, 1))
    assert [i.grid.version for i in items] == [2, 1]
    assert items[0].in_force and items[1].valid_until == datetime.date(2026, 5, 31)


def test_deleting_a_draft_is_audited_and_an_adopted_grid_cannot_be_deleted(commission, bruno):
    grid = grids.create_draft(commission["territory"], actor=bruno)
    pk = grid.pk
    grids.delete_draft(grid, actor=bruno)
    assert not PointsGrid.objects.filter(pk=pk).exists()
    assert AuditEntry.objects.filter(action=AuditAction.DELETE, object_id=str(pk)).exists()
    with pytest.raises(grids.GridError):
        grids.delete_draft(commission["grid"], actor=bruno)


# --- pages --------------------------------------------------------------------------------------


def test_agent_pages_create_edit_and_adopt_a_version(client, commission, bruno, password):
    client.login(email=bruno.email, password=password)
    base = "/commission/bassin-de-vie-carros/grilles/"
    assert client.get(base).status_code == 200
    response = client.post(base)
    assert response.status_code == 302 and response["Location"] == base + "2/"
    page = client.get(base + "2/")
    assert page.status_code == 200
    assert "Enregistrer le projet" in page.content.decode()
    data = {
        "title": "Grille 2027",
        "valid_from": TODAY.isoformat(),
        "deliberation": "",
        "notes": "",
        "points_single_parent": "15",
        "reason_single_parent": "Délibération n° 3",
        "points_disability": "abc",
        "reason_disability": "Délibération n° 3",
    }
    refused = client.post(base + "2/", data)
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "les points sont un nombre" in text
    assert 'value="abc"' in text  # nothing typed is lost
    data["points_disability"] = "20"
    assert client.post(base + "2/", data).status_code == 302
    grid = PointsGrid.objects.get(territory=commission["territory"], version=2)
    assert {r.criterion for r in grid.criteria.all()} == {"single_parent", "disability"}
    response = client.post(base + "2/adopter/", {"deliberation": "Délibération n° 3"}, follow=True)
    assert "adoptée" in response.content.decode()
    grid.refresh_from_db()
    assert grid.status == GridStatus.ADOPTED


def test_grid_pages_are_for_the_guichet_agents_only(client, commission, charlie, dora, password):
    for person in (charlie, dora):
        client.login(email=person.email, password=password)
        assert client.get("/commission/bassin-de-vie-carros/grilles/").status_code == 403
        assert client.post("/commission/bassin-de-vie-carros/grilles/").status_code == 403
    assert not PointsGrid.objects.filter(status=GridStatus.DRAFT).exists()
