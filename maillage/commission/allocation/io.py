"""Reading JSON files into the engine's types, with French errors instead of tracebacks."""

from __future__ import annotations

import json
import math
import os
from typing import TYPE_CHECKING, Any

import orjson

from maillage.commission.allocation.model import Assignment, Instance
from maillage.commission.allocation.validate import InvalidInstance, parse_instance

if TYPE_CHECKING:
    from pathlib import Path  # paths are opened with os and open(): no pathlib to import


class InvalidDocument(InvalidInstance):
    """A file that cannot be read, is not JSON, or is not an assignment."""


JSON_MESSAGES = {
    "Expecting value": "valeur attendue",
    "Expecting property name enclosed in double quotes": "nom de clé entre guillemets attendu",
    "Expecting ',' delimiter": "virgule attendue",
    "Expecting ':' delimiter": "deux-points attendus",
    "Extra data": "texte en trop après le document",
    "Unterminated string starting at": "chaîne de caractères non terminée",
    "Invalid control character at": "caractère de contrôle interdit dans une chaîne",
    "Invalid \\escape": "séquence d'échappement invalide",
    "Invalid \\uXXXX escape": "séquence \\uXXXX invalide",
}
MAX_BYTES = 200 * 1024 * 1024


def os_reason(exc: OSError) -> str:
    """A French reason for a file-system error (the system's own text may be English)."""
    if isinstance(exc, PermissionError):
        return "accès refusé"
    if isinstance(exc, FileNotFoundError):
        return "fichier ou dossier introuvable"
    if isinstance(exc, IsADirectoryError):
        return "c'est un dossier"
    return f"erreur du système n° {exc.errno}" if exc.errno else "erreur du système"


def _refuse_constant(name: str):
    raise ValueError(name)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999
        raise ValueError("Infinity")
    return value


def loads(text: str, origin: str = "document") -> Any:
    """Strict JSON (no NaN/Infinity) with one French error for whatever is wrong: syntax,
    nesting deeper than the interpreter allows, integers of thousands of digits."""
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        reason = JSON_MESSAGES.get(exc.msg, "syntaxe incorrecte")
        raise InvalidDocument(
            [f"{origin} : JSON invalide, ligne {exc.lineno}, colonne {exc.colno} : {reason}."]
        ) from None
    except RecursionError:
        raise InvalidDocument(
            [f"{origin} : JSON imbriqué trop profondément (listes ou objets les uns dans les "
             "autres) : ce n'est pas une instance."]
        ) from None  # fmt: skip
    except ValueError as exc:
        if str(exc) in ("NaN", "Infinity", "-Infinity"):
            reason = "NaN et Infinity (ou un nombre trop grand) ne sont pas des nombres admis"
        else:  # int(): "Exceeds the limit (4300 digits) for integer string conversion"
            reason = "un nombre compte trop de chiffres (plus de 4 300)"
        raise InvalidDocument([f"{origin} : JSON invalide : {reason}."]) from None


# orjson reads a département's instance in half the time of the standard module, and gives the
# same values for any document both accept, except integers beyond 64 bits, which it reads as
# floating-point numbers: a document with a run of 19 digits or more (found by mapping every
# digit to 0, then one substring search) is read by the standard module. Whatever orjson
# refuses (syntax, NaN, 1e999, lone surrogates, deep nesting, invalid UTF-8, a BOM) is read
# again by the standard module, which accepts it or gives the French error as before.
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_NUMBER = b"0" * 19


def _has_long_number(data: bytes) -> bool:
    """Whether the text holds 19 digits in a row. Read by slices of 64 KiB (overlapping by
    18 bytes, so that no run is cut): their copies reuse the same memory, where one copy of
    a département's file would be megabytes of new pages."""
    step, width = 1 << 16, len(_LONG_NUMBER)
    for start in range(0, len(data), step):
        if _LONG_NUMBER in data[start : start + step + width - 1].translate(_DIGITS_TO_ZERO):
            return True
    return False


def _fast_loads(data: bytes) -> tuple[bool, Any]:
    """(True, value) when orjson's value is the standard module's, else (False, None)."""
    if _has_long_number(data):
        return False, None
    try:
        return True, orjson.loads(data)
    except orjson.JSONDecodeError:
        return False, None


def load_json(path: str | Path) -> Any:
    try:
        if os.stat(path).st_size > MAX_BYTES:
            raise InvalidDocument([f"{path} : fichier trop volumineux (plus de 200 Mo)."])
        with open(path, "rb") as stream:
            data = stream.read()
    except FileNotFoundError:
        raise InvalidDocument([f"{path} : fichier introuvable."]) from None
    except IsADirectoryError:
        raise InvalidDocument([f"{path} : c'est un dossier, pas un fichier."]) from None
    except OSError as exc:
        raise InvalidDocument([f"{path} : lecture impossible ({os_reason(exc)})."]) from None
    done, value = _fast_loads(data)
    if done:
        return value
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidDocument(
            [f"{path} : ce n'est pas un texte UTF-8 (octet invalide en position {exc.start}) :"
             " enregistrez le fichier JSON en UTF-8."]
        ) from None  # fmt: skip
    return loads(text, str(path))


def load_instance(path: str | Path) -> Instance:
    data = load_json(path)
    try:
        return parse_instance(data)
    except InvalidInstance as exc:
        raise InvalidInstance([f"{path} : {e}" for e in exc.errors]) from None


def parse_assignment(data: Any) -> Assignment:
    """The `assignment` mapping of a result document (or a bare mapping)."""
    if isinstance(data, dict) and "assignment" in data:
        data = data["assignment"]
    if not isinstance(data, dict):
        raise InvalidDocument(
            ['résultat : attendu un objet {"assignment": {enfant: structure ou null}}.']
        )
    errors = [
        f"résultat : enfant « {cid} » : attendu un identifiant de structure (texte) ou null,"
        f" trouvé {json.dumps(sid, ensure_ascii=False)}."
        for cid, sid in data.items()
        if sid is not None and not isinstance(sid, str)
    ]
    if errors:
        raise InvalidDocument(errors)
    return dict(data)


def load_assignment(path: str | Path) -> Assignment:
    data = load_json(path)
    try:
        return parse_assignment(data)
    except InvalidInstance as exc:
        raise InvalidDocument([f"{path} : {e}" for e in exc.errors]) from None
