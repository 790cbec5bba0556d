"""Strict reading of an instance: every mistake becomes a precise French message.

`parse_instance` returns an `Instance` or raises `InvalidInstance` carrying the full list of
errors (which child, which field, what was expected), so an agent can fix a file in one go
instead of discovering problems one traceback at a time.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

from maillage.commission.allocation.canonical import sha256_of
from maillage.commission.allocation.model import (
    FORMAT_NAME,
    FORMAT_VERSION,
    TIE_BREAK,
    Child,
    Family,
    Instance,
    Reserve,
    Structure,
)

TOP_KEYS = {
    "format",
    "version",
    "name",
    "meta",
    "tie_break",
    "age_groups",
    "structures",
    "children",
    "families",
}
STRUCTURE_KEYS = {
    "id",
    "name",
    "type",
    "commune",
    "location",
    "capacity",
    "reserved",
    "priority_order",
}
RESERVE_KEYS = {"id", "age_group", "places", "tag", "release_if_unused"}
CHILD_KEYS = {
    "id",
    "age_group",
    "application_date",
    "points",
    "bonus",
    "tags",
    "wishes",
    "family",
    "commune",
    "location",
}
FAMILY_KEYS = {"id", "children", "joint_wishes"}

MAX_SHOWN = 8
MAX_SCORE = 1_000_000_000


class InvalidInstance(ValueError):
    """The instance does not follow the format; `errors` lists every problem, in French."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__(f"{len(errors)} erreur(s) dans l'instance : " + " | ".join(errors[:3]))


def validate(data: Any) -> list[str]:
    """The list of French errors of an instance document (empty when it is valid)."""
    try:
        parse_instance(data)
    except InvalidInstance as exc:
        return exc.errors
    return []


def parse_instance(data: Any) -> Instance:
    reader = _Reader()
    instance = reader.read(data)
    if reader.errors or instance is None:
        raise InvalidInstance(reader.errors)
    return instance


def normalize_date(value: str) -> str:
    """An ISO date stays `YYYY-MM-DD`; a datetime becomes naive UTC `isoformat()`.

    The published rule compares these strings, so they must all be written the same way.
    Raises ValueError when the text is not ISO 8601.
    """
    if value == "":
        return ""
    if len(value) <= 10:
        return date.fromisoformat(value).isoformat()
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat()


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "un booléen"
    if isinstance(value, int | float):
        return f"le nombre {value!r}"
    if isinstance(value, str):
        return f"le texte « {value} »"
    if isinstance(value, list):
        return "une liste"
    if isinstance(value, dict):
        return "un objet"
    return type(value).__name__


def _ref(value: Any) -> str:
    """An identifier as a message quotes it."""
    return f"« {value} »" if isinstance(value, str) else _type_name(value)


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True  # even of thousands of digits (math.isfinite would overflow)
    return isinstance(value, float) and math.isfinite(value)


def _is_score(value: Any) -> bool:
    # Bounded so that scores stay exact once ranked as floating-point numbers.
    return _is_number(value) and abs(value) <= MAX_SCORE


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _doubles(values: list[str]) -> list[str]:
    return sorted(v for v, n in Counter(values).items() if n > 1)


def _listing(values: list[str]) -> str:
    shown = ", ".join(values[:MAX_SHOWN])
    return shown + (f" (et {len(values) - MAX_SHOWN} autres)" if len(values) > MAX_SHOWN else "")


class _Reader:
    def __init__(self) -> None:
        self.whole_scores = True  # every child's points and bonus are integers
        self.errors: list[str] = []
        self.groups: list[str] = []

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{where} : {message}")

    # -- helpers -------------------------------------------------------------------------

    def unknown_keys(self, where: str, obj: dict, allowed: set[str]) -> None:
        for key in sorted(set(obj) - allowed):
            self.error(
                where,
                f"champ « {key} » inconnu ; champs acceptés : {', '.join(sorted(allowed))}"
                " (les informations libres vont dans « meta » au niveau de l'instance).",
            )

    def optional_text(self, where: str, obj: dict, key: str) -> str | None:
        value = obj.get(key)
        if value is not None and not isinstance(value, str):
            self.error(
                where, f"champ « {key} » : attendu un texte ou null, trouvé {_type_name(value)}."
            )
            return None
        return value

    def location(self, where: str, obj: dict) -> tuple[float, float] | None:
        value = obj.get("location")
        if value is None:
            return None
        if not (isinstance(value, list) and len(value) == 2 and all(map(_is_number, value))):
            self.error(
                where,
                "champ « location » : attendu une liste de deux nombres [x, y] en km,"
                f" trouvé {_type_name(value)}.",
            )
            return None
        return (value[0], value[1])

    def ident(self, where: str, obj: dict, seen: set[str], what: str) -> str | None:
        value = obj.get("id")
        if not isinstance(value, str) or not value.strip():
            self.error(
                where,
                "champ « id » : attendu un identifiant texte non vide, trouvé"
                f" {_type_name(value)}.",
            )
            return None
        if value in seen:
            self.error(where, f"l'identifiant « {value} » est déjà utilisé par {what}.")
            return None
        seen.add(value)
        return value

    # -- document ------------------------------------------------------------------------

    def read(self, data: Any) -> Instance | None:
        if not isinstance(data, dict):
            self.error("document", f"attendu un objet JSON {{…}}, trouvé {_type_name(data)}.")
            return None
        self.unknown_keys("document", data, TOP_KEYS)
        if data.get("format") != FORMAT_NAME:
            self.error(
                "document",
                f"champ « format » : attendu « {FORMAT_NAME} »,"
                f" trouvé {_type_name(data.get('format'))}.",
            )
        version = data.get("version")
        if not (_is_int(version) and version == FORMAT_VERSION):
            self.error(
                "document",
                f"champ « version » : attendu {FORMAT_VERSION}, trouvé {_type_name(version)}.",
            )
        name = self.optional_text("document", data, "name")
        meta = data.get("meta")
        if meta is not None and not isinstance(meta, dict):
            self.error("document", f"champ « meta » : attendu un objet, trouvé {_type_name(meta)}.")
            meta = None
        tie_break = data.get("tie_break")
        if tie_break is not None and tie_break != list(TIE_BREAK):
            self.error(
                "document",
                "champ « tie_break » : seule la règle publiée est appliquée"
                f" ({', '.join(TIE_BREAK)}) ; retirez ce champ ou écrivez exactement cette règle.",
            )

        groups = self.age_groups(data.get("age_groups"))
        for key in ("structures", "children"):
            if not isinstance(data.get(key), list):
                self.error(
                    "document",
                    f"champ « {key} » : attendu une liste, trouvé {_type_name(data.get(key))}.",
                )
        families_raw = data.get("families", [])
        if families_raw is None:
            families_raw = []
        if not isinstance(families_raw, list):
            self.error(
                "document",
                f"champ « families » : attendu une liste, trouvé {_type_name(families_raw)}.",
            )
            families_raw = []
        if groups is None or not isinstance(data.get("structures"), list):
            return None
        if not isinstance(data.get("children"), list):
            return None
        self.groups = groups

        structure_raws = self.structure_shells(data["structures"])
        child_raws = self.child_shells(data["children"])
        families = self.families(families_raw, child_raws, structure_raws)
        structures = self.structures(structure_raws, groups, child_raws)
        children = self.children(child_raws, structure_raws, families)
        if self.errors:
            return None
        return Instance(
            age_groups=tuple(groups),
            structures=tuple(structures),
            children=tuple(children),
            families=tuple(families),
            name=name,
            meta=meta or {},
            input_sha256=sha256_of(data),
            whole_scores=self.whole_scores,
        )

    def age_groups(self, value: Any) -> list[str] | None:
        where = "document"
        if not isinstance(value, list) or not value:
            self.error(
                where,
                "champ « age_groups » : attendu une liste non vide de groupes d'âge"
                f' (par exemple ["bebe", "moyen", "grand"]), trouvé {_type_name(value)}.',
            )
            return None
        ok = True
        for i, group in enumerate(value):
            if not isinstance(group, str) or not group.strip():
                self.error(
                    where,
                    f"age_groups[{i}] : attendu un nom texte non vide, trouvé {_type_name(group)}.",
                )
                ok = False
        if ok and len(set(value)) != len(value):
            doubles = _doubles(value)
            self.error(where, f"champ « age_groups » : groupe(s) en double : {', '.join(doubles)}.")
            ok = False
        return list(value) if ok else None

    # -- first pass: ids, so that cross references can be checked in any order ---------

    def structure_shells(self, raws: list) -> dict[str, tuple[str, dict]]:
        seen: set[str] = set()
        shells: dict[str, tuple[str, dict]] = {}
        for i, raw in enumerate(raws):
            where = f"structures[{i}]"
            if not isinstance(raw, dict):
                self.error(where, f"attendu un objet structure, trouvé {_type_name(raw)}.")
                continue
            sid = self.ident(where, raw, seen, "une autre structure")
            if sid is not None:
                shells[sid] = (f"structure « {sid} » ({where})", raw)
        return shells

    def child_shells(self, raws: list) -> dict[str, tuple[int, dict]]:
        """{id: (position in `children`, raw object)}; messages are written when needed."""
        seen: set[str] = set()
        shells: dict[str, tuple[int, dict]] = {}
        for i, raw in enumerate(raws):
            if type(raw) is dict:
                cid = raw.get("id")
                # The common case: a fresh, non-empty text id (ident() below says the rest).
                if type(cid) is str and cid not in seen and cid.strip():
                    seen.add(cid)
                    shells[cid] = (i, raw)
                    continue
            where = f"children[{i}]"
            if not isinstance(raw, dict):
                self.error(where, f"attendu un objet enfant, trouvé {_type_name(raw)}.")
                continue
            cid = self.ident(where, raw, seen, "un autre enfant")
            if cid is not None:
                shells[cid] = (i, raw)
        return shells

    # -- structures ----------------------------------------------------------------------

    def structures(
        self, shells: dict[str, tuple[str, dict]], groups: list[str], children: dict
    ) -> list[Structure]:
        out = []
        for sid, (where, raw) in shells.items():
            self.unknown_keys(where, raw, STRUCTURE_KEYS)
            capacity = self.capacity(where, raw.get("capacity"), groups)
            reserves = self.reserves(where, raw.get("reserved"), groups, capacity)
            order = self.priority_order(where, raw.get("priority_order"), children)
            out.append(
                Structure(
                    id=sid,
                    capacity=capacity,
                    reserves=reserves,
                    priority_order=order,
                    name=self.optional_text(where, raw, "name"),
                    type=self.optional_text(where, raw, "type"),
                    commune=self.optional_text(where, raw, "commune"),
                    location=self.location(where, raw),
                )
            )
        return out

    def capacity(self, where: str, value: Any, groups: list[str]) -> dict[str, int]:
        if not isinstance(value, dict):
            self.error(
                where,
                "champ « capacity » : attendu un objet {groupe d'âge: nombre de places},"
                f" trouvé {_type_name(value)}.",
            )
            return {}
        capacity = {}
        for group, places in value.items():
            if group not in groups:
                self.error(
                    where,
                    f"champ « capacity » : groupe d'âge « {group} » inconnu ;"
                    f" attendu l'un de : {', '.join(groups)}.",
                )
            elif not (_is_int(places) and places >= 0):
                self.error(
                    where,
                    f"champ « capacity.{group} » : attendu un nombre entier de places ≥ 0,"
                    f" trouvé {_type_name(places)}.",
                )
            else:
                capacity[group] = places
        return capacity

    def reserves(
        self, where: str, value: Any, groups: list[str], capacity: dict[str, int]
    ) -> dict[str, Reserve]:
        if value is None:
            return {}
        if not isinstance(value, list):
            self.error(
                where, f"champ « reserved » : attendu une liste, trouvé {_type_name(value)}."
            )
            return {}
        reserves: dict[str, Reserve] = {}
        for i, raw in enumerate(value):
            here = f"{where}, reserved[{i}]"
            if not isinstance(raw, dict):
                self.error(here, f"attendu un objet réserve, trouvé {_type_name(raw)}.")
                continue
            self.unknown_keys(here, raw, RESERVE_KEYS)
            group = raw.get("age_group")
            places = raw.get("places")
            tag = raw.get("tag")
            release = raw.get("release_if_unused", False)
            rid = raw.get("id")
            ok = True
            if group not in groups:
                self.error(
                    here,
                    f"champ « age_group » : {_ref(group)} n'est pas un groupe d'âge ;"
                    f" attendu l'un de : {', '.join(groups)}.",
                )
                ok = False
            elif group in reserves:
                self.error(
                    here,
                    f"une seule réserve est permise par groupe d'âge ; « {group} » en a déjà une.",
                )
                ok = False
            if not (_is_int(places) and places >= 0):
                self.error(
                    here,
                    "champ « places » : attendu un nombre entier ≥ 0, trouvé"
                    f" {_type_name(places)}.",
                )
                ok = False
            elif group in groups and places > capacity.get(group, 0):
                self.error(
                    here,
                    f"champ « places » : {places} places réservées pour « {group} » alors que la"
                    f" structure n'en ouvre que {capacity.get(group, 0)} ; attendu au plus"
                    f" {capacity.get(group, 0)}.",
                )
                ok = False
            if not isinstance(tag, str) or not tag.strip():
                self.error(
                    here,
                    "champ « tag » : attendu l'étiquette texte des enfants éligibles (par exemple"
                    f" « avip »), trouvé {_type_name(tag)}.",
                )
                ok = False
            if release is None:
                release = False
            if not isinstance(release, bool):
                self.error(
                    here,
                    "champ « release_if_unused » : attendu true ou false, trouvé"
                    f" {_type_name(release)}.",
                )
                ok = False
            if rid is not None and not isinstance(rid, str):
                self.error(here, f"champ « id » : attendu un texte, trouvé {_type_name(rid)}.")
                ok = False
            if ok:
                reserves[group] = Reserve(
                    age_group=group, places=places, tag=tag, release_if_unused=release, id=rid
                )
        return reserves

    def priority_order(self, where: str, value: Any, children: dict) -> tuple[str, ...] | None:
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.error(
                where,
                "champ « priority_order » : attendu null ou une liste d'identifiants d'enfants,"
                f" trouvé {_type_name(value)}.",
            )
            return None
        unknown = [v for v in value if v not in children]
        if unknown:
            self.error(
                where,
                f"champ « priority_order » : enfant(s) inconnu(s) : {_listing(unknown)}.",
            )
        doubles = _doubles(value)
        if doubles:
            self.error(
                where,
                "champ « priority_order » : un classement strict cite chaque enfant une seule"
                " fois ;"
                f" en double : {_listing(doubles)}.",
            )
        return tuple(value)

    # -- families ------------------------------------------------------------------------

    def families(self, raws: list, children: dict, structures: dict) -> list[Family]:
        seen: set[str] = set()
        member_of: dict[str, str] = {}
        out = []
        for i, raw in enumerate(raws):
            where = f"families[{i}]"
            if not isinstance(raw, dict):
                self.error(where, f"attendu un objet famille, trouvé {_type_name(raw)}.")
                continue
            fid = self.ident(where, raw, seen, "une autre famille")
            if fid is None:
                continue
            where = f"famille « {fid} » ({where})"
            self.unknown_keys(where, raw, FAMILY_KEYS)
            members = raw.get("children")
            if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
                self.error(
                    where,
                    "champ « children » : attendu une liste d'au moins deux identifiants d'enfants,"
                    f" trouvé {_type_name(members)}.",
                )
                continue
            ok = True
            if len(members) < 2:
                self.error(
                    where,
                    f"champ « children » : au moins 2 enfants attendus, {len(members)} trouvé(s).",
                )
                ok = False
            if len(set(members)) != len(members):
                self.error(where, "champ « children » : un enfant est cité deux fois.")
                ok = False
            for member in members:
                if member not in children:
                    self.error(where, f"champ « children » : enfant « {member} » inconnu.")
                    ok = False
                elif member in member_of:
                    self.error(
                        where,
                        f"l'enfant « {member} » appartient déjà à la famille"
                        f" « {member_of[member]} » ;"
                        " un enfant appartient à une seule famille.",
                    )
                    ok = False
                else:
                    member_of[member] = fid
            joint = self.joint_wishes(where, raw.get("joint_wishes"), len(members), structures)
            if ok:
                out.append(Family(id=fid, children=tuple(members), joint_wishes=joint))
        return out

    def joint_wishes(
        self, where: str, value: Any, size: int, structures: dict
    ) -> tuple[tuple[str | None, ...], ...] | None:
        if value is None:
            return None
        if not isinstance(value, list) or not value:
            self.error(
                where,
                "champ « joint_wishes » : attendu une liste non vide d'options (une structure ou"
                " null par enfant), ou null pour des demandes indépendantes ; trouvé"
                f" {_type_name(value)}.",
            )
            return None
        options: list[tuple[str | None, ...]] = []
        for i, option in enumerate(value):
            here = f"{where}, joint_wishes[{i}]"
            if not isinstance(option, list) or len(option) != size:
                self.error(
                    here,
                    f"attendu une liste de {size} éléments (une structure ou null par enfant, dans"
                    f" l'ordre de « children »), trouvé {_type_name(option)}"
                    + (
                        f" de {len(option)} élément{'s' if len(option) > 1 else ''}"
                        if isinstance(option, list)
                        else ""
                    )
                    + ".",
                )
                continue
            bad = False
            for j, sid in enumerate(option):
                if sid is None:
                    continue
                if not isinstance(sid, str) or sid not in structures:
                    self.error(here, f"élément {j + 1} : structure {_ref(sid)} inconnue.")
                    bad = True
            if all(sid is None for sid in option):
                self.error(here, "une option où aucun enfant n'a de place n'est pas permise.")
                bad = True
            if tuple(option) in options:
                self.error(here, "option en double (déjà citée plus haut).")
                bad = True
            if not bad:
                options.append(tuple(option))
        return tuple(options)

    # -- children ------------------------------------------------------------------------

    def children(
        self, shells: dict[str, tuple[int, dict]], structures: dict, families: list[Family]
    ) -> list[Child]:
        """Children in instance order. Each goes through `_FastChildren` (no messages, one
        pass over its fields); whatever it does not accept as plainly valid is read again by
        `child`, which reports every mistake: the errors are the same, and a département
        reads in a fraction of the time."""
        family_of = {cid: f for f in families for cid in f.children}
        out = []
        fast = _FastChildren(self.groups, structures, family_of).child
        for cid, (i, raw) in shells.items():
            child = fast(cid, raw)
            if child is None:
                where = f"enfant « {cid} » (children[{i}])"
                child = self.child(cid, where, raw, structures, family_of)
                # The fast reader takes whole-number scores only; this one may not be.
                if type(child.points) is not int or any(
                    type(v) is not int for v in child.bonus.values()
                ):
                    self.whole_scores = False
            out.append(child)
        return out

    def child(
        self, cid: str, where: str, raw: dict, structures: dict, family_of: dict[str, Family]
    ) -> Child:
        """One child, every field checked and every mistake reported (the slow path)."""
        self.unknown_keys(where, raw, CHILD_KEYS)
        group = raw.get("age_group")
        if not isinstance(group, str) or group not in self.groups:
            self.error(
                where,
                f"champ « age_group » : {_ref(group)} n'est pas un groupe d'âge ;"
                f" attendu l'un de : {', '.join(self.groups)}.",
            )
        points = raw.get("points", 0)
        if points is None:
            points = 0
        if not _is_score(points):
            self.error(
                where,
                "champ « points » : attendu un nombre (score de la grille publiée), au plus"
                f" un milliard en valeur absolue, trouvé {_type_name(points)}.",
            )
            points = 0
        bonus = self.bonus(where, raw.get("bonus"), structures)
        app_date = raw.get("application_date", "")
        if app_date is None:
            app_date = ""
        if not isinstance(app_date, str):
            self.error(
                where,
                "champ « application_date » : attendu une date ISO « AAAA-MM-JJ » (ou une date"
                f" et heure ISO), trouvé {_type_name(app_date)}.",
            )
            app_date = ""
        try:
            app_date = normalize_date(app_date)
        except ValueError:
            self.error(
                where,
                f"champ « application_date » : « {app_date} » n'est pas une date ISO ;"
                " attendu « AAAA-MM-JJ » ou « AAAA-MM-JJTHH:MM:SS ».",
            )
            app_date = ""
        tags = self.tags(where, raw.get("tags"))
        family = family_of.get(cid)
        declared = raw.get("family")
        if declared is not None and not isinstance(declared, str):
            self.error(
                where, f"champ « family » : attendu un texte, trouvé {_type_name(declared)}."
            )
            declared = None
        if declared is not None and family is not None and declared != family.id:
            self.error(
                where,
                f"champ « family » : « {declared} », mais l'enfant figure dans la famille"
                f" « {family.id} » de « families ».",
            )
        joint = family is not None and family.joint
        wishes_raw = raw.get("wishes")
        wishes_given = wishes_raw is not None
        if wishes_raw is None:
            if joint:
                wishes = _projection(family, cid)
            else:
                self.error(
                    where,
                    "champ « wishes » manquant : attendu la liste ordonnée des structures"
                    " demandées (seuls les enfants d'une famille à vœux communs peuvent"
                    " l'omettre).",
                )
                wishes = ()
        else:
            wishes = self.wishes(where, wishes_raw, structures)
        return Child(
            id=cid,
            age_group=group if isinstance(group, str) else "",
            wishes=wishes,
            points=points,
            bonus=bonus,
            application_date=app_date,
            tags=tags,
            family=declared if declared is not None else (family.id if family else None),
            wishes_given=wishes_given,
            commune=self.optional_text(where, raw, "commune"),
            location=self.location(where, raw),
        )

    def bonus(self, where: str, value: Any, structures: dict) -> dict[str, float | int]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.error(
                where,
                "champ « bonus » : attendu un objet {structure: points supplémentaires},"
                f" trouvé {_type_name(value)}.",
            )
            return {}
        bonus = {}
        for sid, extra in value.items():
            if sid not in structures:
                self.error(where, f"champ « bonus » : structure « {sid} » inconnue.")
            elif not _is_score(extra):
                self.error(
                    where,
                    f"champ « bonus.{sid} » : attendu un nombre de points, au plus un"
                    f" milliard en valeur absolue, trouvé {_type_name(extra)}.",
                )
            else:
                bonus[sid] = extra
        return bonus

    def tags(self, where: str, value: Any) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(t, str) and t for t in value):
            self.error(
                where,
                'champ « tags » : attendu une liste d\'étiquettes texte (par exemple ["avip"]),'
                f" trouvé {_type_name(value)}.",
            )
            return ()
        return tuple(sorted(set(value)))

    def wishes(self, where: str, value: Any, structures: dict) -> tuple[str, ...]:
        if not isinstance(value, list):
            self.error(
                where,
                "champ « wishes » : attendu la liste ordonnée des identifiants de structures"
                f" demandées, trouvé {_type_name(value)}.",
            )
            return ()
        ok = True
        for i, sid in enumerate(value):
            if not isinstance(sid, str) or sid not in structures:
                self.error(
                    where, f"champ « wishes », vœu n°{i + 1} : structure {_ref(sid)} inconnue."
                )
                ok = False
        texts = [s for s in value if isinstance(s, str)]
        if len(set(texts)) != len(texts):
            doubles = _doubles(texts)
            self.error(
                where,
                f"champ « wishes » : structure(s) demandée(s) deux fois : {', '.join(doubles)} ;"
                " chaque structure ne figure qu'une fois dans la liste ordonnée.",
            )
            ok = False
        return tuple(value) if ok else ()


class _FastChildren:
    """A child read in one pass when every field is plainly valid, else None (then the
    full reader checks it again and words the errors). Accepts a subset of what the full
    reader accepts, and builds the very same `Child` from it."""

    def __init__(self, groups: list[str], structures: dict, family_of: dict[str, Family]):
        self.groups = set(groups)
        self.structures = structures
        self.structure_ids = frozenset(structures)
        self.family_of = family_of
        self.dates: dict[str, str] = {"": ""}

    def child(self, cid: str, raw: dict) -> Child | None:
        if not raw.keys() <= CHILD_KEYS:
            return None
        get = raw.get
        group = get("age_group")
        if type(group) is not str or group not in self.groups:
            return None
        points = get("points", 0)
        if points is None:
            points = 0
        elif type(points) is not int or not -MAX_SCORE <= points <= MAX_SCORE:
            return None
        structure_ids = self.structure_ids
        bonus = get("bonus")
        if bonus is None:
            bonus = {}
        elif type(bonus) is dict:
            # Keys are texts (JSON objects have no other keys): known structures, and
            # whole-number values within the bounds.
            if not bonus.keys() <= structure_ids:
                return None
            for extra in bonus.values():
                if type(extra) is not int or not -MAX_SCORE <= extra <= MAX_SCORE:
                    return None
            bonus = dict(bonus)
        else:
            return None
        raw_date = get("application_date", "")
        if raw_date is None:
            raw_date = ""
        elif type(raw_date) is not str:
            return None
        app_date = self.dates.get(raw_date)
        if app_date is None:
            try:
                app_date = self.dates[raw_date] = normalize_date(raw_date)
            except ValueError:
                return None
        tags = get("tags")
        if tags is None:
            tags = ()
        elif type(tags) is list:
            for tag in tags:
                if type(tag) is not str or not tag:
                    return None
            tags = tuple(sorted(set(tags))) if tags else ()
        else:
            return None
        family = self.family_of.get(cid)
        declared = get("family")
        if declared is not None:
            if type(declared) is not str or (family is not None and declared != family.id):
                return None
        wishes = get("wishes")
        wishes_given = wishes is not None
        if wishes is None:
            if family is None or not family.joint:
                return None
            wishes = _projection(family, cid)
        elif type(wishes) is list:
            # Known structure ids (texts: the ids are), each once; a list or an object
            # among them is not hashable and goes to the full reader.
            try:
                named = set(wishes)
            except TypeError:
                return None
            if len(named) != len(wishes) or not named <= structure_ids:
                return None
            wishes = tuple(wishes)
        else:
            return None
        commune = get("commune")
        if commune is not None and type(commune) is not str:
            return None
        location = get("location")
        if location is not None:
            if type(location) is not list or len(location) != 2:
                return None
            x, y = location
            tx, ty = type(x), type(y)
            # Finite numbers (x - x is NaN for an infinity or a NaN), booleans refused.
            if not (tx is int or (tx is float and x - x == 0.0)):
                return None
            if not (ty is int or (ty is float and y - y == 0.0)):
                return None
            location = (x, y)
        # Positional (in the order of Child's fields), twice as fast as by keyword.
        return Child(
            cid,  # id
            group,  # age_group
            wishes,
            points,
            bonus,
            app_date,  # application_date
            tags,
            declared if declared is not None else (family.id if family else None),  # family
            wishes_given,
            commune,
            location,
        )


def _projection(family: Family, child_id: str) -> tuple[str, ...]:
    """Wishes of a child of a joint family: its structures in the order of the family's options."""
    position = family.children.index(child_id)
    seen: list[str] = []
    for option in family.joint_wishes or ():
        sid = option[position]
        if sid is not None and sid not in seen:
            seen.append(sid)
    return tuple(seen)
