"""Reading JSON files into the engine's types, with French errors instead of tracebacks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from maillage.commission.allocation.model import Assignment, Instance
from maillage.commission.allocation.validate import InvalidInstance, parse_instance


class InvalidDocument(InvalidInstance):
    """A file that cannot be read, is not JSON, or is not an assignment."""


def load_json(path: str | Path) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidDocument([f"{path} : fichier introuvable."]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidDocument(
            [f"{path} : lecture impossible ({exc.__class__.__name__})."]
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidDocument(
            [f"{path} : JSON invalide, ligne {exc.lineno}, colonne {exc.colno} : {exc.msg}."]
        ) from None


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
