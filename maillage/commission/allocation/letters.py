"""Letter texts rendered from structured explanations (pure Python, no Django).

`explain` stores, for each child, codes and numbers only (parameters, the wish or joint
option obtained, and for every better-ranked wish the reason code with the places, the
reserve, the cutoff and the child's own score or rank). This module turns such an entry
back into the French sentences of a decision letter:

    from maillage.commission.allocation.letters import render_letter_text
    text = render_letter_text(child_id, document["explanations"][child_id],
                              document["letters"]["structure_labels"])

The legal mention (article L. 311-3-1 CRPA) and the rights text are stated once, in the
document's `letters` entry, and framed around every letter by the renderer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
WISH_BLOCKING = (
    "cette structure aurait pu accueillir l'enfant : l'affectation n'est pas stable sur ce"
    " point, ce que signale le rapport de contrôle"
)
OPTION_BLOCKING = (
    "elle aurait pu être satisfaite : l'affectation n'est pas stable sur ce point, ce que"
    " signale le rapport de contrôle"
)
NOT_ACCEPTABLE = (
    "cette structure applique un ordre de priorité explicite (par exemple celui d'un"
    " employeur) qui ne comprend pas cette demande"
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


def cutoff_text(
    last: Mapping[str, Any], own: Mapping[str, Any], own_date: str, subject: str
) -> str:
    """The last admitted child's rank or score and date, against the refused child's."""
    if "position" in last:
        return (
            " (ordre de priorité explicite de la structure : le dernier enfant admis y est"
            f" classé n°{last['position']}, {subject} n°{own['position']})"
        )
    theirs, ours = last["score"], own["score"]
    text = (
        f" (dernier enfant admis : {_points(theirs)}, dossier déposé le"
        f" {format_date(last['application_date'])} ; {subject} : {_points(ours)} à cette"
        " structure"
    )
    if theirs == ours:
        if last["application_date"] != own_date:
            text += (
                f", dossier déposé le {format_date(own_date)} : à égalité de"
                " points, le dossier le plus ancien passe en premier"
            )
        else:
            text += (
                ", même date de dépôt : à égalité de points et de date, le plus petit"
                " numéro de dossier passe en premier"
            )
    return text + ")"


def refusal_text(
    facts: Mapping[str, Any], parameters: Mapping[str, Any], subject: str = "votre enfant"
) -> str:
    """Why a market did not choose a child, from the facts `explain` stored for it.

    `parameters`: the letter's child's; the refusal of a sibling (joint option) carries its
    own age group and application date."""
    code = facts["reason"]
    group = facts.get("age_group", parameters["age_group"])
    places = facts["places"]
    if code == "no_place":
        return f"aucune place n'était ouverte pour le groupe d'âge « {group} » à cette commission"
    if code == "not_acceptable":
        return NOT_ACCEPTABLE
    reserve = facts.get("reserve")
    own = facts["own"]
    own_date = own.get("application_date", parameters["application_date"])
    last = facts["last"] if "last" in facts else facts["cutoff"]
    r = reserve["places"] if reserve else 0
    if code == "reserved":
        filled = reserve["filled"]
        general_places = places - (r if reserve["hard"] else filled)
        if reserve["hard"]:
            text = (
                f"{_count(r, 'place')} sur {places} du groupe « {group} »"
                f" {_plural(r, 'est réservée', 'sont réservées')} aux enfants relevant du"
                f" critère « {reserve['tag']} » (réserve stricte :"
                f" {_plural(r, 'elle reste fermée', 'elles restent fermées')}"
                f" aux autres demandes, même {_plural(r, 'inoccupée', 'inoccupées')})"
            )
        else:
            text = (
                f"{_count(filled, 'place')} sur {places} du groupe « {group} »"
                f" {_plural(filled, 'a été attribuée', 'ont été attribuées')} au titre de la"
                f" réserve « {reserve['tag']} » à {_plural(filled, 'un enfant', 'des enfants')}"
                " relevant de ce critère"
            )
        if general_places > 0 and last is not None:
            text += (
                f", et {_the(general_places, 'restante')} {_to_better(general_places)}"
                + cutoff_text(last, own, own_date, subject)
            )
        return text
    if r and facts["eligible"]:
        general_places = places - r
        text = (
            f"{_the(r, 'réservée')} au critère « {reserve['tag']} »"
            f" {_plural(r, 'a été attribuée à un enfant', 'ont été attribuées à des enfants')}"
            f" relevant aussi de ce critère et mieux {_plural(r, 'classé', 'classés')}"
        )
        if facts.get("reserve_last") is not None:
            text += cutoff_text(facts["reserve_last"], own, own_date, subject)
        if general_places > 0 and last is not None:
            text += (
                f", et {_the(general_places, 'non réservée')} {_to_better(general_places)}"
                + cutoff_text(last, own, own_date, subject)
            )
        return text
    if r:
        general_places = places - (r if reserve["hard"] else reserve["filled"])
        text = f"{_the(general_places, 'non réservée')} du groupe « {group} »"
    else:
        general_places = places
        text = f"{_the(places, '')} du groupe « {group} »"
    text += f" {_to_better(general_places)}"
    if last is not None:
        text += cutoff_text(last, own, own_date, subject)
    if r and reserve["filled"] and not facts["eligible"]:
        kept = r if reserve["hard"] else reserve["filled"]
        text += (
            f" ; {_count(kept, 'place')} {_plural(kept, 'était', 'étaient')} en outre"
            f" {_plural(kept, 'réservée', 'réservées')} au critère « {reserve['tag']} »"
        )
    return text


def parameters_text(child_id: str, parameters: Mapping[str, Any], labels) -> str:
    parts = [f"{_points(parameters['points'])} selon la grille publiée"]
    for sid, extra in sorted(parameters["bonus"].items()):
        parts.append(f"bonus de {_points(extra)} pour {labels[sid]}")
    date = parameters["application_date"]
    date_text = format_date(date)
    parts.append(date_text if not date else f"dossier déposé le {date_text}")
    if parameters["tags"]:
        parts.append("critère(s) : " + ", ".join(f"« {t} »" for t in parameters["tags"]))
    return "Paramètres appliqués à l'enfant " + child_id + " : " + " ; ".join(parts) + "."


def wish_text(refusal: Mapping[str, Any], parameters: Mapping[str, Any], labels) -> str:
    label = f"Vœu n°{refusal['wish_rank']}, {labels[refusal['structure']]} : non obtenu, car "
    if refusal["reason"] == "blocking":
        return label + WISH_BLOCKING + "."
    return label + refusal_text(refusal, parameters) + "."


def option_text(children, option) -> str:
    return ", ".join(
        f"{cid} à {sid}" if sid is not None else f"{cid} sans place"
        for cid, sid in zip(children, option, strict=True)
    )


def option_refusal_text(
    child_id: str, children, refusal: Mapping[str, Any], parameters: Mapping[str, Any], labels
) -> str:
    label = (
        f"Option commune n°{refusal['option_rank']}"
        f" ({option_text(children, refusal['option'])}) : non obtenue, car "
    )
    if refusal["reason"] == "blocking":
        return label + OPTION_BLOCKING + "."
    texts = []
    for detail in refusal["refusals"]:
        cid = detail["child"]
        who = "votre enfant" if cid == child_id else f"l'enfant {cid}"
        texts.append(
            f"{who} n'a pas pu être admis à {labels[detail['structure']]} :"
            f" {refusal_text(detail, parameters, who)}"
        )
    text = " ; ".join(texts)
    if refusal["reason"] == "joint_option":
        text += " ; l'option commune de la famille n'a donc pas pu être satisfaite"
    return label + text + "."


def letter_lines(child_id: str, explanation: Mapping[str, Any], labels) -> list[str]:
    """The letter's sentences between the legal mention and the rights text."""
    parameters = explanation["parameters"]
    lines = [parameters_text(child_id, parameters, labels)]
    obtained = explanation["obtained"]
    family = explanation.get("family")
    if family is None:
        if obtained is None:
            lines.append(
                "Résultat : aucune place n'a pu être attribuée à l'issue de cette commission."
            )
        elif obtained["wish_rank"] is not None:
            lines.append(
                f"Résultat : place attribuée à {labels[obtained['structure']]},"
                f" vœu n°{obtained['wish_rank']}."
            )
        else:
            lines.append(
                f"Résultat : place attribuée à {labels[obtained['structure']]}, qui ne figure"
                " pas parmi les vœux."
            )
        lines.extend(wish_text(r, parameters, labels) for r in explanation["not_obtained"])
        return lines
    children = family["children"]
    lines.append(
        f"La famille {family['id']} a demandé une attribution commune pour ses enfants"
        f" ({', '.join(children)}) : elle reçoit une de ses options, dans l'ordre de"
        " ses préférences, ou aucune."
    )
    if obtained is None:
        lines.append("Résultat : aucune des options communes de la famille n'a pu être satisfaite.")
    elif obtained["structure"] is None:
        lines.append(
            f"Résultat : option commune n°{obtained['option_rank']} obtenue, qui ne prévoit pas"
            " de place pour cet enfant."
        )
    else:
        lines.append(
            f"Résultat : option commune n°{obtained['option_rank']} obtenue, place attribuée à"
            f" {labels[obtained['structure']]}."
        )
    lines.extend(
        option_refusal_text(child_id, children, r, parameters, labels)
        for r in explanation["not_obtained"]
    )
    return lines


def render_letter_text(
    child_id: str,
    explanation: Mapping[str, Any],
    labels: Mapping[str, str],
    legal_mention: str = LEGAL_MENTION,
    rights: str = RIGHTS,
) -> str:
    """The whole letter text of one child: legal mention, parameters, result, the reason
    for every better-ranked wish (or joint option), rights.

    `labels`: how letters name each structure ({id: label}, the document's
    `letters.structure_labels`)."""
    return " ".join([legal_mention, *letter_lines(child_id, explanation, labels), rights])
