"""The family's status page: the letters section of the commission panel (see family.py).

Her letters (one per published session that decided on the application) and « Où en suis-je ? »:
for each wish, her rank among the applicants of her age group at the last published session
and the cutoff that was needed there, in words, without naming anyone.
"""

from __future__ import annotations

import json
from functools import lru_cache

from maillage.commission.allocation.letters import format_date, format_score
from maillage.commission.grids import settings_in_force
from maillage.commission.instance import structure_key, structure_pk
from maillage.commission.letters import (
    PUBLISHED_STATES,
    age_group_labels,
    family_decisions,
)
from maillage.commission.models import Session, SessionEntry
from maillage.commission.outputs import explanation_of


@lru_cache(maxsize=4)
def _children(session_pk: int, sha256: str) -> tuple[dict, ...]:
    """The frozen instance's children (id, age group, points, bonus, date, wishes), read and
    parsed once per process and session (the instance never changes once frozen: its SHA-256
    is part of the key)."""
    instance = Session.objects.filter(pk=session_pk).values_list("instance", flat=True).first()
    data = json.loads(instance) if instance else {}
    projected: dict[str, set] = {}
    for family in data.get("families", []) or []:
        for options in [family.get("joint_wishes") or []]:
            for option in options:
                for cid, sid in zip(family["children"], option, strict=False):
                    if sid:
                        projected.setdefault(cid, set()).add(sid)
    out = []
    for child in data.get("children", []):
        wishes = set(child.get("wishes") or []) | projected.get(child["id"], set())
        out.append(
            {
                "id": child["id"],
                "age_group": child.get("age_group", ""),
                "points": child.get("points", 0),
                "bonus": child.get("bonus") or {},
                "date": child.get("application_date", "") or "",
                "wishes": wishes,
            }
        )
    return tuple(out)


def _key(child: dict, sid: str) -> tuple:
    return (-(child["points"] + child["bonus"].get(sid, 0)), child["date"], child["id"])


def _score(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return format_score(value)


def standing(entry: SessionEntry, decision) -> list[dict]:
    """For each of her wishes at that session: her rank among the applicants of her age group
    who asked for it, how many there were, the places, and the cutoff that was needed."""
    from maillage.directory.models import Structure

    session = entry.session
    children = _children(session.pk, session.instance_sha256)
    me = next((c for c in children if c["id"] == entry.child_key), None)
    if me is None:
        return []
    cutoffs = explanation_of(decision).get("cutoffs", {}) if decision else {}
    names = dict(
        Structure.objects.filter(
            pk__in=[structure_pk(k) for k in entry.wishes if k[1:].isdigit()]
        ).values_list("pk", "name")
    )
    rows = []
    for rank, sid in enumerate(entry.wishes or [], 1):
        mine = _key(me, sid)
        competing = [
            c for c in children if c["age_group"] == me["age_group"] and sid in c["wishes"]
        ]
        position = 1 + sum(1 for c in competing if _key(c, sid) < mine)
        market = cutoffs.get(sid) or {}
        last = market.get("cutoff") or {}
        rows.append(
            {
                "wish_rank": rank,
                "structure": names.get(structure_pk(sid), sid) if sid[1:].isdigit() else sid,
                "position": position,
                "applicants": len(competing),
                "places": market.get("places", 0),
                "own_score": _score(me["points"] + me["bonus"].get(sid, 0)),
                "cutoff_score": _score(last["score"]) if "score" in last else "",
                "cutoff_date": format_date(last["application_date"])
                if last.get("application_date")
                else "",
                "cutoff_position": last.get("position"),
                "vacant": market.get("vacant", 0),
                "obtained": decision is not None
                and decision.structure_id is not None
                and structure_key(decision.structure_id) == sid,
            }
        )
    return rows


def panel(application) -> dict:
    """Context of `commission/_family_letters.html`; an empty dict hides the section."""
    decisions = list(
        family_decisions(application)
        .select_related("entry__session")
        .defer("entry__session__instance")
    )
    if not decisions:
        return {}
    latest = decisions[0]
    entry = latest.entry
    stand = []
    if latest.outcome != "excluded" and entry.session.status in PUBLISHED_STATES:
        stand = standing(entry, latest)
    rules = settings_in_force(application.territory, entry.session.date)
    return {
        "number": application.number,
        "territory_slug": application.territory.slug,
        "letters": [
            {
                "session": d.session,
                "outcome": d.get_outcome_display(),
                "slug": d.session.slug,
            }
            for d in decisions
        ],
        "latest": latest,
        "standing": stand,
        "age_group": age_group_labels(rules).get(entry.age_group, entry.age_group),
    }
