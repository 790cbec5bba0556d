"""Hostile YAML files given to the convention import: a French error, fast, nothing written;
the command exits with code 2."""

import pytest
from django.core.management import CommandError, call_command

from maillage.conventions.importer import ConventionImportError, import_text
from maillage.conventions.models import Convention

LAUGHS = "\n".join(
    ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(9)]
)  # 9^10 « lol » once expanded, with 81 aliases only
MANY_ALIASES = "a: &a x\nb: [" + ", ".join(["*a"] * 101) + "]\n"
LOOP = "a: &a [1, *a]\n"

HOSTILE = {
    "alias bomb": (LAUGHS, "une fois les alias (*nom) développés"),
    "many aliases": (MANY_ALIASES, "plus de 100 alias"),
    "alias loop": (LOOP, "se contient lui-même"),
    "deep nesting": ("slug: " + "[" * 10_000 + "]" * 10_000, "niveaux d'imbrication"),
    "deep mapping": ("".join(f"{' ' * i}k{i}:\n" for i in range(200)), "niveaux d'imbrication"),
    "huge integer": ("slug: x\nyear: " + "9" * 100_000, "chiffres"),
    "big integer": ("slug: x\nyear: 12345678901234567", "trop grand"),
    "infinity": ("slug: x\namount: .inf", "n'est pas un nombre admis"),
    "not a number": ("slug: x\namount: .nan", "n'est pas un nombre admis"),
    "too big": ("# " + "x" * 2_100_000, "trop volumineux"),
    "bad syntax": ("slug: [non fermé\ntitle: x\n", "syntaxe incorrecte"),
}


def errors_of(text: str) -> list[str]:
    with pytest.raises(ConventionImportError) as error:
        import_text(text, filename="hostile.yaml")
    return error.value.errors


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_file_gets_one_french_error(db, name):
    text, expected = HOSTILE[name]
    errors = errors_of(text)
    assert len(errors) == 1 and errors[0].startswith("hostile.yaml : "), errors
    assert expected in errors[0]
    for english in ("expected", "while ", "Exceeds", "recursion", "found"):
        assert english not in errors[0]
    assert not Convention.objects.exists()


def test_a_few_anchors_are_still_allowed(db):
    errors = errors_of("defaults: &d {kind: caf}\npartie: *d\n")
    assert not any("alias" in e or "YAML" in e for e in errors)  # validation errors only


def test_the_command_exits_2_with_the_french_error(db, tmp_path):
    path = tmp_path / "bombe.yaml"
    path.write_text(LAUGHS, encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("import_convention", str(path))
    assert error.value.returncode == 2
    assert "bombe.yaml : YAML refusé : plus de 200000 éléments" in str(error.value)
    path.write_bytes("slug: crèche".encode("utf-16"))
    with pytest.raises(CommandError) as error:
        call_command("import_convention", str(path))
    assert error.value.returncode == 2
    assert "encodage UTF-8 attendu" in str(error.value)
