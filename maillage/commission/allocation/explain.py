"""Explanations, ready for a decision letter, and the cutoffs of every age group.

For each child: the parameters applied to it (points, bonus, application date, criteria), the
wish (or joint option) it obtained, and for every wish ranked above it why it was not
obtained: the places went to children ranked above (with the cutoff, the last admitted
child's score and date, never its identity), the places were reserved for a criterion, no
place was open, the structure's explicit order did not list the child, or the family's joint
option could not be met. Each explanation starts with the mention required by article
L. 311-3-1 of the code des relations entre le public et l'administration.

Explanations are recomputed from the instance and the assignment alone (like `check`), so
they hold for any method and say so honestly when an assignment is not stable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from maillage.commission.allocation.check import Checker
from maillage.commission.allocation.choice import Member, choose
from maillage.commission.allocation.model import Child, Instance, Structure

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)

LEGAL_MENTION = (
    "Décision prise sur le fondement d'un traitement algorithmique (article L. 311-3-1 du code"
    " des relations entre le public et l'administration), qui répartit les places ouvertes à"
    " cette commission selon la règle publiée : chaque structure classe les demandes par points"
    " (points de la grille, plus les bonus propres à la structure), puis, à égalité, par date de"
    " dépôt la plus ancienne, puis par numéro de dossier ; chaque enfant reçoit le meilleur de"
    " ses vœux que ce classement lui permet d'obtenir."
)
RIGHTS = (
    "Les règles de ce traitement et les principales caractéristiques de sa mise en œuvre"
    " (paramètres et leur application à votre situation) vous sont communiquées sur demande"
    " (articles R. 311-3-1-1 et R. 311-3-1-2 du même code) ; en l'absence de réponse dans un"
    " délai d'un mois, vous pouvez saisir la Commission d'accès aux documents administratifs"
    " (CADA)."
)


def format_date(value: str) -> str:
    if not value:
        return "date de dépôt non renseignée"
    day = value[:10]
    year, month, dom = day.split("-")
    ordinal = "1er" if int(dom) == 1 else str(int(dom))
    text = f"{ordinal} {MONTHS[int(month) - 1]} {year}"
    if len(value) > 10:
        text += f" à {value[11:16]}"
    return text


def format_score(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace(".", ",")


def _points(value: float | int) -> str:
    return f"{format_score(value)} point" + ("s" if abs(value) >= 2 else "")


def _plural(n: int, one: str, many: str) -> str:
    return one if n <= 1 else many


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("s" if n > 1 else "")


def _the(n: int, qualifier: str) -> str:
    """ "la place réservée" or "les 3 places réservées"."""
    if n <= 1:
        return "la place" + (f" {qualifier}" if qualifier else "")
    return f"les {n} places" + (f" {qualifier}s" if qualifier else "")


def _to_better(n: int) -> str:
    return _plural(
        n,
        "a été attribuée à un enfant mieux classé",
        "ont été attribuées à des enfants mieux classés",
    )


class Explainer:
    def __init__(self, instance: Instance, assignment: dict[str, Any]):
        self.instance = instance
        self.checker = Checker(instance, assignment)
        self.priorities = self.checker.priorities
        self._choices: dict[tuple[str, str], tuple[list[Member], list[Member]]] = {}
        self._members: dict[tuple[str, str], list[Member]] = {}

    # -- markets -------------------------------------------------------------------------

    def members(self, structure: Structure, group: str, exclude=()) -> list[Member]:
        """The acceptable children held by a market (cached: letters ask for it many times)."""
        if not exclude:
            found = self._members.get((structure.id, group))
            if found is None:
                found = self._members[(structure.id, group)] = self._held_members(
                    structure, group, ()
                )
            return found
        return self._held_members(structure, group, exclude)

    def _held_members(self, structure: Structure, group: str, exclude) -> list[Member]:
        out = []
        for cid in self.checker.held.get((structure.id, group), ()):
            if cid in exclude:
                continue
            child = self.instance.child_by_id[cid]
            key = self.priorities.key(structure, child)
            if key is not None:
                out.append(Member(key, self._eligible(structure, group, child), cid))
        return out

    def _eligible(self, structure: Structure, group: str, child: Child) -> bool:
        reserve = structure.reserves.get(group)
        return reserve is not None and reserve.tag in child.tags

    def choice(self, structure: Structure, group: str) -> tuple[list[Member], list[Member]]:
        found = self._choices.get((structure.id, group))
        if found is None:
            found = choose(
                structure.places(group),
                structure.reserves.get(group),
                self.members(structure, group),
            )
            self._choices[(structure.id, group)] = found
        return found

    def cutoff(self, structure: Structure, member: Member, with_id: bool) -> dict[str, Any]:
        child = self.instance.child_by_id[member.ref]
        info: dict[str, Any] = {"child": child.id} if with_id else {}
        if self.priorities.explicit(structure):
            info["position"] = member.key[0] + 1
        else:
            info["score"] = child.score(structure.id)
            info["application_date"] = child.application_date
        return info

    def cutoffs(self) -> dict[str, dict[str, Any]]:
        applicants: dict[tuple[str, str], int] = {}
        for child in self.instance.children:
            named = set(child.wishes)
            family = self.instance.joint_family_of.get(child.id)
            if family is not None:
                position = family.children.index(child.id)
                named |= {o[position] for o in family.joint_wishes or () if o[position]}
            for sid in named:
                key = (sid, child.age_group)
                applicants[key] = applicants.get(key, 0) + 1
        out: dict[str, dict[str, Any]] = {}
        for structure in self.instance.structures:
            groups = {}
            for group in self.instance.age_groups:
                places = structure.places(group)
                held = self.checker.held.get((structure.id, group), [])
                if not places and not held:
                    continue
                reserved, general = self.choice(structure, group)
                admitted = sorted(self.members(structure, group), key=lambda m: m.key)
                entry: dict[str, Any] = {
                    "places": places,
                    "applicants": applicants.get((structure.id, group), 0),
                    "admitted": [m.ref for m in admitted],
                    "vacant": max(0, places - len(held)),
                    "cutoff": self.cutoff(structure, general[-1], True) if general else None,
                }
                reserve = structure.reserves.get(group)
                if reserve is not None and reserve.places:
                    entry["reserve"] = {
                        "tag": reserve.tag,
                        "places": reserve.places,
                        "hard": reserve.hard,
                        "filled": len(reserved),
                        "admitted": [m.ref for m in reserved],
                        "cutoff": self.cutoff(structure, reserved[-1], True) if reserved else None,
                    }
                groups[group] = entry
            if groups:
                out[structure.id] = groups
        return out

    # -- refusals ------------------------------------------------------------------------

    def refusal(
        self,
        structure: Structure,
        child: Child,
        others: list[Member],
        reserved: list[Member],
        general: list[Member],
        subject: str = "votre enfant",
    ) -> tuple[str, str, dict[str, Any] | None]:
        """(reason code, French text, cutoff) for a child the market did not choose.

        `others`: the acceptable children it competed with; `reserved`/`general`: the choice.
        `subject` names the child in the text ("votre enfant", or a sibling).
        """
        group = child.age_group
        places = structure.places(group)
        if places == 0:
            return (
                "no_place",
                f"aucune place n'était ouverte pour le groupe d'âge « {group} » à cette commission",
                None,
            )
        key = self.priorities.key(structure, child)
        if key is None:
            return (
                "not_acceptable",
                "cette structure applique un ordre de priorité explicite (par exemple celui d'un"
                " employeur) qui ne comprend pas cette demande",
                None,
            )
        reserve = structure.reserves.get(group)
        r = min(reserve.places, places) if reserve is not None else 0
        elig = reserve is not None and reserve.tag in child.tags
        above = sum(1 for m in others if m.key < key)
        last = general[-1] if general else None
        if r and not elig and above < places:
            # Without the reserve the child would have had a place.
            filled = len(reserved)
            general_places = places - (r if reserve.hard else filled)
            if reserve.hard:
                text = (
                    f"{_count(r, 'place')} sur {places} du groupe « {group} »"
                    f" {_plural(r, 'est réservée', 'sont réservées')} aux enfants relevant du"
                    f" critère « {reserve.tag} » (réserve stricte :"
                    f" {_plural(r, 'elle reste fermée', 'elles restent fermées')}"
                    f" aux autres demandes, même {_plural(r, 'inoccupée', 'inoccupées')})"
                )
            else:
                text = (
                    f"{_count(filled, 'place')} sur {places} du groupe « {group} »"
                    f" {_plural(filled, 'a été attribuée', 'ont été attribuées')} au titre de la"
                    f" réserve « {reserve.tag} » à {_plural(filled, 'un enfant', 'des enfants')}"
                    " relevant de ce critère"
                )
            if general_places > 0 and last is not None:
                text += (
                    f", et {_the(general_places, 'restante')} {_to_better(general_places)}"
                    + self.cutoff_text(structure, child, last, subject)
                )
            return "reserved", text, self.cutoff(structure, last, False) if last else None
        if r and elig:
            general_places = places - r
            text = (
                f"{_the(r, 'réservée')} au critère « {reserve.tag} »"
                f" {_plural(r, 'a été attribuée à un enfant', 'ont été attribuées à des enfants')}"
                f" relevant aussi de ce critère et mieux {_plural(r, 'classé', 'classés')}"
            )
            if reserved:
                text += self.cutoff_text(structure, child, reserved[-1], subject)
            if general_places > 0 and last is not None:
                text += (
                    f", et {_the(general_places, 'non réservée')} {_to_better(general_places)}"
                    + self.cutoff_text(structure, child, last, subject)
                )
            last = last or (reserved[-1] if reserved else None)
            return "cutoff", text, self.cutoff(structure, last, False) if last else None
        if r:
            general_places = places - (r if reserve.hard else len(reserved))
            text = f"{_the(general_places, 'non réservée')} du groupe « {group} »"
        else:
            general_places = places
            text = f"{_the(places, '')} du groupe « {group} »"
        text += f" {_to_better(general_places)}"
        if last is not None:
            text += self.cutoff_text(structure, child, last, subject)
        if r and reserved and not elig:
            kept = r if reserve.hard else len(reserved)
            text += (
                f" ; {_count(kept, 'place')} {_plural(kept, 'était', 'étaient')} en outre"
                f" {_plural(kept, 'réservée', 'réservées')} au critère « {reserve.tag} »"
            )
        return "cutoff", text, self.cutoff(structure, last, False) if last else None

    def cutoff_text(self, structure: Structure, child: Child, last: Member, subject: str) -> str:
        other = self.instance.child_by_id[last.ref]
        if self.priorities.explicit(structure):
            mine = self.priorities.key(structure, child)
            return (
                " (ordre de priorité explicite de la structure : le dernier enfant admis y est"
                f" classé n°{last.key[0] + 1}, {subject} n°{mine[0] + 1})"
            )
        theirs = other.score(structure.id)
        ours = child.score(structure.id)
        text = (
            f" (dernier enfant admis : {_points(theirs)}, dossier déposé le"
            f" {format_date(other.application_date)} ; {subject} : {_points(ours)} à cette"
            " structure"
        )
        if theirs == ours:
            if other.application_date != child.application_date:
                text += (
                    f", dossier déposé le {format_date(child.application_date)} : à égalité de"
                    " points, le dossier le plus ancien passe en premier"
                )
            else:
                text += (
                    ", même date de dépôt : à égalité de points et de date, le plus petit"
                    " numéro de dossier passe en premier"
                )
        return text + ")"

    # -- children ------------------------------------------------------------------------

    def parameters(self, child: Child) -> tuple[dict[str, Any], str]:
        data = {
            "points": child.points,
            "bonus": dict(sorted(child.bonus.items())),
            "application_date": child.application_date,
            "tags": list(child.tags),
        }
        parts = [f"{_points(child.points)} selon la grille publiée"]
        for sid, extra in sorted(child.bonus.items()):
            label = self.instance.structure_by_id[sid].label()
            parts.append(f"bonus de {_points(extra)} pour {label}")
        date_text = format_date(child.application_date)
        parts.append(date_text if not child.application_date else f"dossier déposé le {date_text}")
        if child.tags:
            parts.append("critère(s) : " + ", ".join(f"« {t} »" for t in child.tags))
        return data, "Paramètres appliqués à l'enfant " + child.id + " : " + " ; ".join(parts) + "."

    def independent(self, child: Child) -> dict[str, Any]:
        current = self.checker.placed.get(child.id)
        wishes = child.wishes
        limit = wishes.index(current) if current in wishes else len(wishes)
        obtained = None
        if current is not None:
            obtained = {
                "structure": current,
                "wish_rank": limit + 1 if current in wishes else None,
            }
        lines = []
        refused = []
        for i in range(limit):
            structure = self.instance.structure_by_id[wishes[i]]
            label = f"Vœu n°{i + 1}, {structure.label()} : non obtenu, car "
            if self.checker.pair_blocks(child.id, structure.id):
                code, text, cut = (
                    "blocking",
                    "cette structure aurait pu accueillir l'enfant : l'affectation n'est pas"
                    " stable sur ce point, ce que signale le rapport de contrôle",
                    None,
                )
            else:
                others = self.members(structure, child.age_group)
                reserved, general = self.choice(structure, child.age_group)
                code, text, cut = self.refusal(structure, child, others, reserved, general)
            refused.append(
                {
                    "wish_rank": i + 1,
                    "structure": structure.id,
                    "reason": code,
                    "cutoff": cut,
                    "text": label + text + ".",
                }
            )
            lines.append(label + text + ".")
        if current is None:
            outcome = "Résultat : aucune place n'a pu être attribuée à l'issue de cette commission."
        elif current in wishes:
            label = self.instance.structure_by_id[current].label()
            outcome = f"Résultat : place attribuée à {label}, vœu n°{limit + 1}."
        else:
            label = self.instance.structure_by_id[current].label()
            outcome = f"Résultat : place attribuée à {label}, qui ne figure pas parmi les vœux."
        return {"obtained": obtained, "not_obtained": refused, "lines": [outcome, *lines]}

    def joint(self, child: Child) -> dict[str, Any]:
        family = self.instance.joint_family_of[child.id]
        options = family.joint_wishes or ()
        got = self.checker.combination(family)
        limit = options.index(got) if got in options else len(options)
        position = family.children.index(child.id)
        current = self.checker.placed.get(child.id)
        obtained = None
        if got in options:
            obtained = {"structure": current, "option_rank": limit + 1}
        lines = []
        refused = []
        for t in range(limit):
            option = options[t]
            label = (
                f"Option commune n°{t + 1} ({self.option_text(family, option)}) : non obtenue, car "
            )
            found = self.checker.option_refusals(family, option)
            if not found:
                code, text, details = (
                    "blocking",
                    "elle aurait pu être satisfaite : l'affectation n'est pas stable sur ce"
                    " point, ce que signale le rapport de contrôle",
                    [],
                )
            else:
                code, text, details = self.option_refusal(family, option, child, found)
            refused.append(
                {
                    "option_rank": t + 1,
                    "option": list(option),
                    "structure": option[position],
                    "reason": code,
                    "refusals": details,
                    "text": label + text + ".",
                }
            )
            lines.append(label + text + ".")
        intro = (
            f"La famille {family.id} a demandé une attribution commune pour ses enfants"
            f" ({', '.join(family.children)}) : elle reçoit une de ses options, dans l'ordre de"
            " ses préférences, ou aucune."
        )
        if got not in options:
            outcome = "Résultat : aucune des options communes de la famille n'a pu être satisfaite."
        elif current is None:
            outcome = (
                f"Résultat : option commune n°{limit + 1} obtenue, qui ne prévoit pas de place pour"
                " cet enfant."
            )
        else:
            label = self.instance.structure_by_id[current].label()
            outcome = f"Résultat : option commune n°{limit + 1} obtenue, place attribuée à {label}."
        return {"obtained": obtained, "not_obtained": refused, "lines": [intro, outcome, *lines]}

    def option_text(self, family, option) -> str:
        parts = []
        for cid, sid in zip(family.children, option, strict=True):
            parts.append(f"{cid} à {sid}" if sid is not None else f"{cid} sans place")
        return ", ".join(parts)

    def option_refusal(self, family, option, child: Child, found) -> tuple[str, str, list]:
        """Why a joint option failed, from this child's point of view."""
        details = []
        own_code = None
        texts = []
        for sid, group, reserved, general in found:
            structure = self.instance.structure_by_id[sid]
            chosen = {m.ref for m in reserved} | {m.ref for m in general}
            competing = self.members(structure, group, exclude=set(family.children))
            for cid, target in zip(family.children, option, strict=True):
                other = self.instance.child_by_id[cid]
                if target != sid or other.age_group != group or cid in chosen:
                    continue
                others = competing + [
                    Member(
                        self.priorities.key(structure, s), self._eligible(structure, group, s), s.id
                    )
                    for s in (self.instance.child_by_id[x] for x in family.children)
                    if s.id != cid
                    and option[family.children.index(s.id)] == sid
                    and s.age_group == group
                    and self.priorities.key(structure, s) is not None
                ]
                who = "votre enfant" if cid == child.id else f"l'enfant {cid}"
                code, text, cut = self.refusal(
                    structure, other, others, reserved, general, subject=who
                )
                details.append({"child": cid, "structure": sid, "reason": code, "cutoff": cut})
                texts.append(f"{who} n'a pas pu être admis à {structure.label()} : {text}")
                if cid == child.id:
                    own_code = code
        text = " ; ".join(texts)
        if own_code is None:
            text += " ; l'option commune de la famille n'a donc pas pu être satisfaite"
            return "joint_option", text, details
        return own_code, text, details

    def child(self, child: Child) -> dict[str, Any]:
        data, parameters = self.parameters(child)
        if self.instance.is_independent(child.id):
            part = self.independent(child)
        else:
            part = self.joint(child)
        text = " ".join([LEGAL_MENTION, parameters, *part["lines"], RIGHTS])
        return {
            "parameters": data,
            "obtained": part["obtained"],
            "not_obtained": part["not_obtained"],
            "text": text,
        }


def explain(
    instance: Instance,
    assignment: dict[str, Any],
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    """{"explanations": {child id: …}, "cutoffs": {structure id: {age group: …}}}."""
    explainer = Explainer(instance, assignment)
    explanations = {}
    total = len(instance.children)
    for done, child in enumerate(instance.children):
        if progress is not None and done % 2000 == 0:
            progress("explications", done, total)
        explanations[child.id] = explainer.child(child)
    if progress is not None:
        progress("explications", total, total)
    return {"explanations": explanations, "cutoffs": explainer.cutoffs()}
