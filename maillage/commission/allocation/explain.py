"""Explanations, ready for a decision letter, and the cutoffs of every age group.

For each child: the parameters applied to it (points, bonus, application date, criteria), the
wish (or joint option) it obtained, and for every wish ranked above it why it was not
obtained: the places went to children ranked above (with the cutoff, the last admitted
child's score and date, never its identity), the places were reserved for a criterion, no
place was open, the structure's explicit order did not list the child, or the family's joint
option could not be met. Explanations hold codes and numbers only (the places, the reserve,
the cutoff, the child's own score or rank); `letters.render_letter_text` renders them as the
French text of a letter, framed by the mention required by article L. 311-3-1 of the code
des relations entre le public et l'administration, which the document states once.

Explanations are recomputed from the instance and the assignment alone (like `check`), so
they hold for any method and say so honestly when an assignment is not stable.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from maillage.commission.allocation.check import Checker, CheckReport
from maillage.commission.allocation.choice import Member, choose
from maillage.commission.allocation.letters import (
    LEGAL_MENTION,
    RIGHTS,
    format_date,
    format_score,
)
from maillage.commission.allocation.model import Child, Instance, Reserve, Structure

__all__ = ["LEGAL_MENTION", "RIGHTS", "Explainer", "explain", "format_date", "format_score"]


@dataclass(slots=True)
class _Market:
    structure: Structure
    places: int
    explicit: bool
    reserve: Reserve | None  # None also when it reserves no place
    reserve_facts: dict[str, Any] | None
    last: dict[str, Any] | None  # cutoff of the last child admitted on general places
    reserve_last: dict[str, Any] | None  # … on reserved places
    ranks: list | None  # sorted keys of the members
    # Open places, the published rule and no reserve: a refusal is a plain `cutoff`.
    simple: bool = False


class Explainer:
    def __init__(
        self, instance: Instance, assignment: dict[str, Any], report: CheckReport | None = None
    ):
        self.instance = instance
        shared = report.checker if report is not None else None
        self.checker = shared if shared is not None else Checker(instance, assignment)
        self.blocking_pairs = (
            {(p.child, p.structure) for p in report.blocking_pairs} if report is not None else None
        )
        self.priorities = self.checker.priorities
        self._choices: dict[tuple[str, str], tuple[list[Member], list[Member]]] = {}
        self._keys: dict[tuple[str, str], list] = {}
        self._cutoffs: dict[tuple[str, str, bool], dict[str, Any]] = {}
        self._markets: dict[tuple[str, str], _Market] = {}
        self._group_markets: dict[str, dict[str, _Market]] = {}
        self._option_details: dict[tuple[str, tuple], list] = {}
        self._option_markets: dict[tuple, _Market] = {}

    # -- markets -------------------------------------------------------------------------

    def members(self, structure: Structure, group: str, exclude=()) -> list[Member]:
        """The acceptable children held by a market (the checker's, computed once per market:
        letters ask for them many times). Read only."""
        if not exclude:
            return self.checker.held_members(structure.id, group)
        return self._held_members(structure, group, exclude)

    def member_keys(self, structure: Structure, group: str) -> list:
        """The sorted priority keys of a market's members (how many rank above a child)."""
        found = self._keys.get((structure.id, group))
        if found is None:
            # The members are best first already (`Checker.held_members`).
            found = self._keys[(structure.id, group)] = [
                m.key for m in self.members(structure, group)
            ]
        return found

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
        found = self._cutoffs.get((structure.id, member.ref, with_id))
        if found is None:
            found = self._cutoffs[(structure.id, member.ref, with_id)] = self._cutoff(
                structure, member, with_id
            )
        return found

    def _cutoff(self, structure: Structure, member: Member, with_id: bool) -> dict[str, Any]:
        child = self.instance.child_by_id[member.ref]
        # Keys in canonical (sorted) order, like every dict of the explanations and cutoffs.
        if self.priorities.explicit(structure):
            position = member.key[0] + 1
            return {"child": child.id, "position": position} if with_id else {"position": position}
        score = child.score(structure.id)
        if with_id:
            return {"application_date": child.application_date, "child": child.id, "score": score}
        return {"application_date": child.application_date, "score": score}

    def cutoffs(self) -> dict[str, dict[str, Any]]:
        # Applicants of each market: the children naming it in a wish or a joint option
        # (wishes have no duplicates: the reader refuses them), counted per age group in C.
        named: dict[str, list[str]] = {group: [] for group in self.instance.age_groups}
        joint_of = self.instance.joint_family_of
        for child in self.instance.children:
            family = joint_of.get(child.id)
            if family is None:
                named[child.age_group].extend(child.wishes)
                continue
            position = family.children.index(child.id)
            structures = set(child.wishes)
            structures |= {o[position] for o in family.joint_wishes or () if o[position]}
            named[child.age_group].extend(structures)
        counted = {group: Counter(sids) for group, sids in named.items()}
        out: dict[str, dict[str, Any]] = {}
        # Structures and age groups in sorted order, every dict's keys too (canonical order).
        for structure in sorted(self.instance.structures, key=_by_id):
            groups = {}
            for group in sorted(self.instance.age_groups):
                places = structure.places(group)
                held = self.checker.held.get((structure.id, group), [])
                if not places and not held:
                    continue
                reserved, general = self.choice(structure, group)
                admitted = self.members(structure, group)  # best first
                entry: dict[str, Any] = {
                    "admitted": [m.ref for m in admitted],
                    "applicants": counted[group].get(structure.id, 0),
                    "cutoff": self.cutoff(structure, general[-1], True) if general else None,
                    "places": places,
                }
                reserve = structure.reserves.get(group)
                if reserve is not None and reserve.places:
                    entry["reserve"] = {
                        "admitted": [m.ref for m in reserved],
                        "cutoff": self.cutoff(structure, reserved[-1], True) if reserved else None,
                        "filled": len(reserved),
                        "hard": reserve.hard,
                        "places": reserve.places,
                        "tag": reserve.tag,
                    }
                entry["vacant"] = max(0, places - len(held))
                groups[group] = entry
            if groups:
                out[structure.id] = groups
        return out

    # -- refusals ------------------------------------------------------------------------

    def market(self, structure: Structure, group: str) -> _Market:
        """What every refusal by this market shares (cached: computed once per market)."""
        found = self._markets.get((structure.id, group))
        if found is None:
            reserved, general = self.choice(structure, group)
            found = self._markets[(structure.id, group)] = self._market(
                structure, group, reserved, general, self.member_keys(structure, group)
            )
        return found

    def _market(
        self,
        structure: Structure,
        group: str,
        reserved: list[Member],
        general: list[Member],
        ranks: list | None,
    ) -> _Market:
        places = structure.places(group)
        reserve = structure.reserves.get(group)
        r = min(reserve.places, places) if reserve is not None else 0
        return _Market(
            structure=structure,
            places=places,
            explicit=self.priorities.explicit(structure),
            reserve=reserve if r else None,
            reserve_facts=(
                {"filled": len(reserved), "hard": reserve.hard, "places": r, "tag": reserve.tag}
                if r
                else None
            ),
            last=self.cutoff(structure, general[-1], False) if general else None,
            reserve_last=self.cutoff(structure, reserved[-1], False) if reserved else None,
            ranks=ranks,
            simple=places > 0 and not r and not self.priorities.explicit(structure),
        )

    def refusal(
        self,
        market: _Market,
        child: Child,
        others: list[Member] | None = None,
        *,
        wish_rank: int | None = None,
        in_family: bool = False,
    ) -> tuple[str, dict[str, Any]]:
        """(reason code, entry) for a child the market did not choose.

        The entry holds the numbers a letter needs (`letters.refusal_text` renders them):
        places, reserve, `cutoff` (the last admitted child's score and date, or rank),
        the child's own score or rank, and `last` when it differs from `cutoff`; then the
        structure and `wish_rank` (a wish), or the child, its age group and its date (a
        refusal inside a family's joint option), with the reason code. Keys are inserted
        in canonical (sorted) order, so that the writer need not sort them.
        `others`: the acceptable children it competed with, when not the market's members.
        """
        places = market.places
        own = eligible = reserve_facts = last = reserve_last = None
        if places == 0:
            code, cutoff = "no_place", None
        else:
            key = None
            if market.explicit:
                key = self.priorities.key(market.structure, child)
                if key is not None:
                    own = {"position": key[0] + 1}
            else:
                # The published rule accepts every applicant; the key is only needed below.
                score = child.points + child.bonus.get(market.structure.id, 0)
                own = (
                    {"application_date": child.application_date, "score": score}
                    if in_family
                    else {"score": score}
                )
            reserve = market.reserve
            if own is None:
                code, cutoff = "not_acceptable", None
            elif reserve is None:
                code, cutoff = "cutoff", market.last
            else:
                reserve_facts = market.reserve_facts
                eligible = reserve.tag in child.tags
                if eligible:
                    code = "cutoff"
                    last = market.last
                    reserve_last = market.reserve_last
                    cutoff = last or reserve_last
                else:
                    cutoff = market.last
                    if key is None:
                        key = (-score, child.application_date, child.id)
                    if others is None:
                        above = bisect_left(market.ranks, key)
                    else:
                        above = sum(1 for m in others if m.key < key)
                    # Below the places: without the reserve the child would have had one.
                    code = "reserved" if above < places else "cutoff"
        if in_family:
            entry: dict[str, Any] = {
                "age_group": child.age_group,
                "child": child.id,
                "cutoff": cutoff,
            }
        else:
            entry = {"cutoff": cutoff}
        if eligible is not None:
            entry["eligible"] = eligible
            if eligible:
                entry["last"] = last
        if own is not None:
            entry["own"] = own
        entry["places"] = places
        entry["reason"] = code
        if reserve_facts is not None:
            entry["reserve"] = reserve_facts
            if reserve_last is not None:
                entry["reserve_last"] = reserve_last
        entry["structure"] = market.structure.id
        if wish_rank is not None:
            entry["wish_rank"] = wish_rank
        return code, entry

    # -- children ------------------------------------------------------------------------

    def wish_blocks(self, child: Child, sid: str) -> bool:
        if self.blocking_pairs is not None:
            return (child.id, sid) in self.blocking_pairs
        return self.checker.pair_blocks(child.id, sid)

    def independent(self, child: Child) -> dict[str, Any]:
        current = self.checker.placed.get(child.id)
        wishes = child.wishes
        if current is None:
            limit = len(wishes)
            obtained = None
        elif current in wishes:
            limit = wishes.index(current)
            obtained = {"structure": current, "wish_rank": limit + 1}
        else:
            limit = len(wishes)
            obtained = {"structure": current, "wish_rank": None}
        # Keys of every dict below in canonical (sorted) order.
        refused = []
        if not limit:
            return {"not_obtained": refused, "obtained": obtained}
        cid = child.id
        group = child.age_group
        markets = self._group_markets.get(group)
        if markets is None:
            markets = self._group_markets[group] = {}
        blocking = self.blocking_pairs
        points, bonus = child.points, child.bonus
        if blocking is not None and not blocking:
            # A stable assignment (the usual case): no wish blocks, one tight loop.
            append = refused.append
            structure_by_id = self.instance.structure_by_id
            rank = 0
            for sid in wishes[:limit]:
                rank += 1
                market = markets.get(sid)
                if market is None:
                    market = markets[sid] = self.market(structure_by_id[sid], group)
                if market.simple:
                    append(
                        {
                            "cutoff": market.last,
                            "own": {"score": points + bonus.get(sid, 0)},
                            "places": market.places,
                            "reason": "cutoff",
                            "structure": sid,
                            "wish_rank": rank,
                        }
                    )
                else:
                    append(self.refusal(market, child, wish_rank=rank)[1])
            return {"not_obtained": refused, "obtained": obtained}
        for i in range(limit):
            sid = wishes[i]
            if blocking is None:
                blocks = self.wish_blocks(child, sid)
            else:
                blocks = bool(blocking) and (cid, sid) in blocking
            if blocks:
                refused.append(
                    {"cutoff": None, "reason": "blocking", "structure": sid, "wish_rank": i + 1}
                )
                continue
            market = markets.get(sid)
            if market is None:
                market = markets[sid] = self.market(self.instance.structure_by_id[sid], group)
            if market.simple:
                # The common case, inlined: open places, the published rule, no reserve.
                refused.append(
                    {
                        "cutoff": market.last,
                        "own": {"score": points + bonus.get(sid, 0)},
                        "places": market.places,
                        "reason": "cutoff",
                        "structure": sid,
                        "wish_rank": i + 1,
                    }
                )
            else:
                refused.append(self.refusal(market, child, wish_rank=i + 1)[1])
        return {"not_obtained": refused, "obtained": obtained}

    def joint(self, child: Child) -> dict[str, Any]:
        family = self.instance.joint_family_of[child.id]
        options = family.joint_wishes or ()
        got = self.checker.combination(family)
        limit = options.index(got) if got in options else len(options)
        position = family.children.index(child.id)
        current = self.checker.placed.get(child.id)
        obtained = None
        if got in options:
            obtained = {"option_rank": limit + 1, "structure": current}
        refused = []
        for t in range(limit):
            option = options[t]
            found = self.checker.option_refusals(family, option)
            if not found:
                code, details = "blocking", []
            else:
                code, details = self.option_refusal(family, option, child, found)
                # The same details for every child of the family: written once, shared.
            refused.append(
                {
                    "option": list(option),
                    "option_rank": t + 1,
                    "reason": code,
                    "refusals": details,
                    "structure": option[position],
                }
            )
        return {
            "family": {"children": list(family.children), "id": family.id},
            "not_obtained": refused,
            "obtained": obtained,
        }

    def option_refusal(self, family, option, child: Child, found) -> tuple[str, list]:
        """Why a joint option failed, from this child's point of view (the details are the
        same for every child of the family: computed once, only the code differs)."""
        cached = self._option_details.get((family.id, option))
        if cached is None:
            cached = self._option_details[(family.id, option)] = self._option_details_of(
                family, option, found
            )
        own_code = None
        for facts in cached:
            if facts["child"] == child.id:
                own_code = facts["reason"]
        return (own_code or "joint_option"), cached

    def _option_details_of(self, family, option, found) -> list:
        details = []
        members_of = set(family.children)
        for sid, group, reserved, general in found:
            structure = self.instance.structure_by_id[sid]
            chosen = {m.ref for m in reserved} | {m.ref for m in general}
            # The market as the option would leave it: many options leave it alike.
            shape = (
                sid,
                group,
                len(reserved),
                reserved[-1].ref if reserved else None,
                general[-1].ref if general else None,
            )
            market = self._option_markets.get(shape)
            if market is None:
                market = self._option_markets[shape] = self._market(
                    structure, group, reserved, general, None
                )
            # The competitors only matter to tell `reserved` from `cutoff`.
            competing = (
                [m for m in self.members(structure, group) if m.ref not in members_of]
                if market.reserve is not None
                else None
            )
            for cid, target in zip(family.children, option, strict=True):
                other = self.instance.child_by_id[cid]
                if target != sid or other.age_group != group or cid in chosen:
                    continue
                if competing is None:
                    details.append(self.refusal(market, other, [], in_family=True)[1])
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
                details.append(self.refusal(market, other, others, in_family=True)[1])
        return details

    def child(self, child: Child) -> dict[str, Any]:
        if child.id in self.instance.joint_family_of:
            part = self.joint(child)
        else:
            part = self.independent(child)
        # The parameters applied to the child, last in canonical order.
        bonus = child.bonus
        part["parameters"] = {
            "age_group": child.age_group,
            "application_date": child.application_date,
            "bonus": dict(sorted(bonus.items())) if len(bonus) > 1 else dict(bonus),
            "points": child.points,
            "tags": list(child.tags),
        }
        return part


def explain(
    instance: Instance,
    assignment: dict[str, Any],
    progress: Callable[[str, int, int], None] | None = None,
    report: CheckReport | None = None,
) -> dict[str, Any]:
    """{"explanations": {child id: …}, "cutoffs": {structure id: {age group: …}},
    "letters": {"legal_mention", "rights", "structure_labels"}}.

    Explanations are structured (codes and numbers); `letters.render_letter_text` turns
    one into the French text of a decision letter. `report`: the check report of this very
    assignment, if already computed (its blocking pairs are then not searched again).
    """
    explainer = Explainer(instance, assignment, report)
    explanations = {}
    total = len(instance.children)
    # In id order, and every dict's keys in sorted order: the explanations and the cutoffs
    # are already canonical JSON objects, which `canonical.dumps_document` relies on.
    for done, child in enumerate(sorted(instance.children, key=_by_id)):
        if progress is not None and done % 2000 == 0:
            progress("explications", done, total)
        explanations[child.id] = explainer.child(child)
    if progress is not None:
        progress("explications", total, total)
    return {
        "explanations": explanations,
        "cutoffs": explainer.cutoffs(),
        "letters": letters_header(instance),
    }


def _by_id(item: Child | Structure) -> str:
    return item.id


def letters_header(instance: Instance) -> dict[str, Any]:
    """What every letter shares: the legal mention, the rights, how structures are named."""
    return {
        "legal_mention": LEGAL_MENTION,
        "rights": RIGHTS,
        "structure_labels": {s.id: s.label() for s in instance.structures},
    }
