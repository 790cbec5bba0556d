"""Validation: a wrong instance gets precise French errors, never a traceback."""

from __future__ import annotations

import copy

import pytest

from maillage.commission.allocation import InvalidInstance, parse_instance, validate

VALID = {
    "format": "creche-matching-instance",
    "version": 1,
    "age_groups": ["bebe", "moyen"],
    "tie_break": ["score_desc", "application_date_asc", "id_asc"],
    "structures": [
        {
            "id": "S1",
            "capacity": {"bebe": 2, "moyen": 1},
            "reserved": [{"age_group": "bebe", "places": 1, "tag": "avip"}],
        },
        {"id": "S2", "capacity": {"bebe": 1}, "priority_order": ["C2", "C1"]},
    ],
    "children": [
        {"id": "C1", "age_group": "bebe", "points": 3, "wishes": ["S1", "S2"]},
        {"id": "C2", "age_group": "bebe", "application_date": "2025-09-03T10:15:00+02:00"},
        {"id": "C3", "age_group": "moyen", "wishes": ["S1"], "bonus": {"S1": 2.5}},
    ],
    "families": [
        {"id": "F1", "children": ["C2", "C3"], "joint_wishes": [["S2", "S1"], ["S2", None]]}
    ],
}


def broken(change):
    data = copy.deepcopy(VALID)
    change(data)
    return validate(data)


def test_the_reference_instance_is_valid():
    assert validate(VALID) == []
    instance = parse_instance(VALID)
    # Omitted wishes of a joint family's child are the projection of its joint options.
    assert instance.child_by_id["C2"].wishes == ("S2",)
    assert instance.child_by_id["C2"].wishes_given is False
    # Datetimes with an offset are compared in UTC.
    assert instance.child_by_id["C2"].application_date == "2025-09-03T08:15:00"
    assert instance.input_sha256 and len(instance.input_sha256) == 64


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["children"][0].update(age_group="toddler"),
            "enfant « C1 » (children[0]) : champ « age_group » : « toddler » n'est pas un groupe"
            " d'âge ; attendu l'un de : bebe, moyen.",
        ),
        (
            lambda d: d["children"][0].update(wishes=["S1", "S9"]),
            "enfant « C1 » (children[0]) : champ « wishes », vœu n°2 : structure « S9 » inconnue.",
        ),
        (
            lambda d: d["children"][0].update(wishes=["S1", "S1"]),
            "enfant « C1 » (children[0]) : champ « wishes » : structure(s) demandée(s) deux fois :"
            " S1 ; chaque structure ne figure qu'une fois dans la liste ordonnée.",
        ),
        (
            lambda d: d["children"][0].update(points="beaucoup"),
            "enfant « C1 » (children[0]) : champ « points » : attendu un nombre (score de la grille"
            " publiée), au plus un milliard en valeur absolue, trouvé le texte « beaucoup ».",
        ),
        (
            lambda d: d["children"][0].update(application_date="03/09/2025"),
            "enfant « C1 » (children[0]) : champ « application_date » : « 03/09/2025 » n'est pas"
            " une date ISO ; attendu « AAAA-MM-JJ » ou « AAAA-MM-JJTHH:MM:SS ».",
        ),
        (
            lambda d: d["children"][0].pop("wishes"),
            "enfant « C1 » (children[0]) : champ « wishes » manquant : attendu la liste ordonnée"
            " des structures demandées (seuls les enfants d'une famille à vœux communs peuvent"
            " l'omettre).",
        ),
        (
            lambda d: d["children"][1].update(id="C1"),
            "children[1] : l'identifiant « C1 » est déjà utilisé par un autre enfant.",
        ),
        (
            lambda d: d["structures"][0]["reserved"][0].update(places=3),
            "structure « S1 » (structures[0]), reserved[0] : champ « places » : 3 places réservées"
            " pour « bebe » alors que la structure n'en ouvre que 2 ; attendu au plus 2.",
        ),
        (
            lambda d: d["structures"][0]["capacity"].update(bebe=-1),
            "structure « S1 » (structures[0]) : champ « capacity.bebe » : attendu un nombre entier"
            " de places ≥ 0, trouvé le nombre -1.",
        ),
        (
            lambda d: d["structures"][1].update(priority_order=["C2", "C7"]),
            "structure « S2 » (structures[1]) : champ « priority_order » : enfant(s) inconnu(s) :"
            " C7.",
        ),
        (
            lambda d: d["families"][0].update(joint_wishes=[["S2"]]),
            "famille « F1 » (families[0]), joint_wishes[0] : attendu une liste de 2 éléments (une"
            " structure ou null par enfant, dans l'ordre de « children »), trouvé une liste de 1"
            " élément.",
        ),
        (
            lambda d: d["families"][0].update(joint_wishes=[[None, None]]),
            "famille « F1 » (families[0]), joint_wishes[0] : une option où aucun enfant n'a de"
            " place n'est pas permise.",
        ),
        (
            lambda d: d["families"].append({"id": "F2", "children": ["C1", "C3"]}),
            "famille « F2 » (families[1]) : l'enfant « C3 » appartient déjà à la famille « F1 » ;"
            " un enfant appartient à une seule famille.",
        ),
        (
            lambda d: d.update(tie_break=["id_asc"]),
            "document : champ « tie_break » : seule la règle publiée est appliquée (score_desc,"
            " application_date_asc, id_asc) ; retirez ce champ ou écrivez exactement cette règle.",
        ),
        (
            lambda d: d.update(version=2),
            "document : champ « version » : attendu 1, trouvé le nombre 2.",
        ),
        (
            lambda d: d["children"][2].update(colour="bleu"),
            "enfant « C3 » (children[2]) : champ « colour » inconnu ; champs acceptés : age_group,"
            " application_date, bonus, commune, family, id, location, points, tags, wishes (les"
            " informations libres vont dans « meta » au niveau de l'instance).",
        ),
    ],
)
def test_validation_errors_in_french(change, expected):
    assert expected in broken(change)


def test_every_error_is_reported_at_once():
    def many(d):
        d["children"][0].update(age_group="x", points=None, wishes=["S9"], tags="avip")
        d["structures"][1]["capacity"] = {"ados": 1}

    errors = broken(many)
    assert len(errors) == 4, errors
    assert any("tags" in e for e in errors)
    assert any("« ados »" in e for e in errors)


@pytest.mark.parametrize("document", [None, [], "instance", 3])
def test_not_even_an_object(document):
    with pytest.raises(InvalidInstance) as caught:
        parse_instance(document)
    assert caught.value.errors[0].startswith("document : attendu un objet JSON")
