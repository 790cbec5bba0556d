"""Reserved places: at most one per structure and age group at a time, the engine's entries,
and the CASF D. 214-7 check (one place in 20 per manager) from a dated parameter."""

import datetime

import pytest

from maillage.audit.models import AuditAction, AuditEntry
from maillage.commission import reserves
from maillage.commission.enums import ReserveKind
from maillage.commission.models import Reserve
from maillage.core.models import Parameter
from tests.commission import grid_fixtures
from tests.commission.grid_fixtures import TODAY
from tests.directory.factories import StructureFactory

commission = grid_fixtures.commission

pytestmark = pytest.mark.django_db


def data(structure, **changes):
    values = {
        "structure": structure,
        "age_group": "bebe",
        "kind": ReserveKind.INTEGRATION,
        "places": 2,
        "release_if_unused": False,
        "valid_from": datetime.date(2026, 1, 1),
        "valid_until": None,
        "employer": "",
        "reason": "CASF L. 214-7",
    }
    values.update(changes)
    return reserves.ReserveInput(**values)


def test_declaring_a_reserve_is_audited_and_one_per_structure_and_age_group(commission, bruno):
    territory = commission["territory"]
    first = reserves.declare_reserve(territory, data(commission["carros"]), actor=bruno)
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, object_id=str(first.pk)).exists()
    with pytest.raises(reserves.ReserveError) as caught:
        reserves.declare_reserve(
            territory, data(commission["carros"], kind=ReserveKind.AVIP,
                            valid_from=datetime.date(2026, 6, 1)), actor=bruno,
        )  # fmt: skip
    message = caught.value.errors["__all__"][0]
    assert (
        "Une réserve existe déjà pour Maison de l'Enfance (Bébés) depuis le 01/01/2026" in message
    )
    assert "une seule réserve par structure et tranche d'âge à la fois" in message
    # another age group is fine; once the first one ends, a new one may follow it
    reserves.declare_reserve(territory, data(commission["carros"], age_group="moyen"), actor=bruno)
    reserves.update_reserve(
        territory, first, data(commission["carros"], valid_until=datetime.date(2026, 5, 31)),
        actor=bruno,
    )  # fmt: skip
    assert AuditEntry.objects.filter(action=AuditAction.UPDATE, object_id=str(first.pk)).exists()
    later = reserves.declare_reserve(
        territory, data(commission["carros"], kind=ReserveKind.AVIP,
                        valid_from=datetime.date(2026, 6, 1)), actor=bruno,
    )  # fmt: skip
    found = reserves.reserves_for([commission["carros"]], datetime.date(2026, 7, 1))
    assert found[commission["carros"].pk]["bebe"] == later
    assert (
        reserves.reserves_for([commission["carros"].pk], datetime.date(2026, 3, 1))[
            commission["carros"].pk
        ]["bebe"]
        == first
    )


def test_reserve_inputs_are_checked_in_french(commission, bruno):
    territory = commission["territory"]
    with pytest.raises(reserves.ReserveError) as caught:
        reserves.declare_reserve(
            territory,
            data(commission["outside"], age_group="ados", kind=ReserveKind.EMPLOYER, places=0,
                 valid_until=datetime.date(2025, 1, 1)),
            actor=bruno,
        )  # fmt: skip
    errors = caught.value.errors
    assert errors["structure"] == ["Cette structure ne participe pas au guichet de ce territoire."]
    assert "tranches d'âge" in errors["age_group"][0]
    assert errors["employer"] == ["Indiquez l'employeur qui réserve ces places."]
    assert errors["places"] == ["Une réserve compte au moins une place."]
    assert errors["valid_until"] == ["La date de fin doit suivre la date de début."]
    assert not Reserve.objects.exists()


def test_the_engine_entry_never_exceeds_the_places_open(commission, bruno):
    employer = reserves.declare_reserve(
        commission["territory"],
        data(commission["le_broc"], kind=ReserveKind.EMPLOYER, employer="Entreprise Schneider",
             release_if_unused=True, places=3),
        actor=bruno,
    )  # fmt: skip
    assert reserves.as_engine(employer, "S000042", 2) == {
        "id": f"S000042-bebe-employer:{employer.pk}",
        "age_group": "bebe",
        "places": 2,
        "tag": f"employer:{employer.pk}",
        "release_if_unused": True,
    }
    assert reserves.as_engine(employer, "S000042", 0) is None


def test_integration_quota_per_manager_from_the_dated_parameter(commission):
    carros, le_broc, gattieres = (
        commission["carros"],
        commission["le_broc"],
        commission["gattieres"],
    )
    other_carros = StructureFactory(commune=carros.commune, manager=carros.manager)
    placements = (
        # Carros (two structures, counted together): 25 placed, 1 in an integration pathway
        [(carros.pk, ["integration"])]
        + [(carros.pk, [])] * 14
        + [(other_carros.pk, ["avip"])] * 10
        # Le Broc: 20 placed, none in an integration pathway
        + [(le_broc.pk, [])] * 20
        # the association: 3 placed, nothing required below 20
        + [(gattieres.pk, [])] * 3
    )
    report = reserves.integration_quota_report(placements, TODAY)
    assert report["rule"]["places"] == 1 and report["rule"]["per"] == 20
    assert "D. 214-7" in report["rule"]["source"]
    rows = {row["manager"]: row for row in report["managers"]}
    assert rows["Commune de Carros"] == {
        "manager": "Commune de Carros", "manager_id": carros.manager_id, "placed": 25,
        "integration": 1, "required": 1, "ok": True,
    }  # fmt: skip
    assert rows["Commune de Le Broc"]["required"] == 1 and rows["Commune de Le Broc"]["ok"] is False
    assert rows["Les Canailous"]["required"] == 0 and rows["Les Canailous"]["ok"] is True
    assert report["ok"] is False
    # the ratio is data: a new dated value applies from its date
    Parameter.objects.create(
        key=reserves.QUOTA_PARAMETER, valid_from=TODAY, label="test", value={"places": 1, "per": 10},
        source_label="test",
    )  # fmt: skip
    assert reserves.integration_quota_report(placements, TODAY)["managers"][0]["required"] == 2
    # without the parameter, nothing is required and the report says it cannot check
    Parameter.objects.filter(key=reserves.QUOTA_PARAMETER).delete()
    missing = reserves.integration_quota_report(placements, TODAY)
    assert missing["rule"] is None and missing["ok"] is None


# --- pages --------------------------------------------------------------------------------------


def test_reserve_pages_declare_and_edit(client, commission, bruno, password):
    client.login(email=bruno.email, password=password)
    url = "/commission/bassin-de-vie-carros/reserves/"
    assert client.get(url).status_code == 200
    form = {
        "structure": commission["carros"].pk,
        "age_group": "bebe",
        "kind": "integration",
        "employer": "",
        "places": "1",
        "release_if_unused": "0",
        "valid_from": "2026-01-01",
        "valid_until": "",
        "reason": "CASF L. 214-7",
    }
    assert client.post(url, form).status_code == 302
    refused = client.post(url, {**form, "kind": "avip", "reason": "convention AVIP"})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "une seule réserve par structure et tranche d&#x27;âge à la fois" in text
    assert "convention AVIP" in text  # nothing typed is lost
    reserve = Reserve.objects.get()
    edit = f"{url}{reserve.pk}/"
    assert client.get(edit).status_code == 200
    response = client.post(edit, {**form, "places": "2", "release_if_unused": "1"})
    assert response.status_code == 302
    reserve.refresh_from_db()
    assert reserve.places == 2 and reserve.release_if_unused
    assert client.get(f"{url}999999/").status_code == 404


def test_reserve_pages_refuse_other_organisations(client, commission, charlie, password):
    client.login(email=charlie.email, password=password)
    assert client.get("/commission/bassin-de-vie-carros/reserves/").status_code == 403


def test_the_admin_refuses_a_second_reserve_on_the_same_period(client, commission, alice):
    Reserve.objects.create(
        structure=commission["carros"], age_group="bebe", kind=ReserveKind.INTEGRATION, places=1,
        valid_from=datetime.date(2026, 1, 1),
    )  # fmt: skip
    client.force_login(alice)
    response = client.post("/admin/commission/reserve/add/", {
        "structure": commission["carros"].pk, "age_group": "bebe", "kind": "avip", "places": "1",
        "valid_from": "2026-03-01", "employer": "", "reason": "",
    })  # fmt: skip
    assert response.status_code == 200
    assert "une seule réserve à la fois" in response.content.decode()
    assert Reserve.objects.count() == 1
