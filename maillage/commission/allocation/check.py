"""`check`: feasibility violations, blocking pairs and blocking coalitions of any assignment.

It reads only the instance and the assignment (not how it was computed), so it can audit an
assignment made by hand, by another tool or by an older engine version. The definitions are
those of the specification (Sun, Yamada, Takenami, Moriwaki and Yokoo, AAAI 2024).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from maillage.commission.allocation.choice import MarketView, Member, choose
from maillage.commission.allocation.model import Family, Instance
from maillage.commission.allocation.priority import Priorities, eligible

VIOLATION_KINDS = (
    "unknown_child",
    "unknown_structure",
    "capacity",
    "reserve",
    "not_wished",
    "not_acceptable_to_structure",
    "joint_wish",
)


@dataclass(frozen=True, slots=True)
class Violation:
    kind: str
    message: str
    child: str | None = None
    structure: str | None = None
    age_group: str | None = None
    family: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True, slots=True)
class BlockingPair:
    child: str
    structure: str
    wish_rank: int  # 1 for the first wish

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class BlockingCoalition:
    family: str
    option: tuple[str | None, ...]
    option_rank: int  # 1 for the first joint option

    def to_dict(self) -> dict[str, Any]:
        return {"family": self.family, "option": list(self.option), "option_rank": self.option_rank}


@dataclass(slots=True)
class CheckReport:
    children: int
    placed: int
    violations: list[Violation] = field(default_factory=list)
    blocking_pairs: list[BlockingPair] = field(default_factory=list)
    blocking_coalitions: list[BlockingCoalition] = field(default_factory=list)
    # The checker that made the report: `explain` reuses its markets and joint refusals.
    checker: Checker | None = field(default=None, repr=False, compare=False)

    @property
    def feasible(self) -> bool:
        return not self.violations

    @property
    def blocking(self) -> int:
        return len(self.blocking_pairs) + len(self.blocking_coalitions)

    @property
    def blocking_families(self) -> int:
        return len({c.family for c in self.blocking_coalitions})

    @property
    def stable(self) -> bool:
        return self.blocking == 0

    def counts(self) -> dict[str, int]:
        return {
            "children": self.children,
            "placed": self.placed,
            "violations": len(self.violations),
            "blocking_pairs": len(self.blocking_pairs),
            "blocking_coalitions": len(self.blocking_coalitions),
            "blocking": self.blocking,
            "blocking_families": self.blocking_families,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "feasible": self.feasible,
            "stable": self.stable,
            "counts": self.counts(),
            "violations": [v.to_dict() for v in self.violations],
            "blocking_pairs": [p.to_dict() for p in self.blocking_pairs],
            "blocking_coalitions": [c.to_dict() for c in self.blocking_coalitions],
        }


def _member_key(member: Member):
    return member.key


def _option_text(option: tuple[str | None, ...]) -> str:
    return "(" + ", ".join(s if s is not None else "—" for s in option) + ")"


class Checker:
    """Holds the assignment's markets so that many blocking tests share the work."""

    def __init__(self, instance: Instance, assignment: Mapping[str, Any]):
        self.instance = instance
        self.priorities = Priorities(instance)
        self.violations: list[Violation] = []
        placed = self._plainly_placed(instance, assignment)
        self.placed: dict[str, str] = {} if placed is None else placed
        # An assignment naming an unknown child or structure: report them in id order.
        for cid in sorted(assignment) if placed is None else ():
            sid = assignment[cid]
            if cid not in instance.child_by_id:
                self.violations.append(
                    Violation(
                        "unknown_child", f"enfant « {cid} » inconnu de l'instance.", child=cid
                    )
                )
                continue
            if sid is None:
                continue
            if not isinstance(sid, str) or sid not in instance.structure_by_id:
                self.violations.append(
                    Violation(
                        "unknown_structure",
                        f"enfant « {cid} » placé à « {sid} », structure inconnue de l'instance.",
                        child=cid,
                        structure=str(sid),
                    )
                )
                continue
            self.placed[cid] = sid
        # Children held by each market, in instance order.
        self.held: dict[tuple[str, str], list[str]] = {}
        for child in instance.children:
            sid = self.placed.get(child.id)
            if sid is not None:
                self.held.setdefault((sid, child.age_group), []).append(child.id)
        self._views: dict[tuple[str, str], MarketView] = {}
        self._option_refusals: dict[tuple[str, tuple], list] = {}
        self._held_members: dict[tuple[str, str], list[Member]] | None = None

    @staticmethod
    def _plainly_placed(instance: Instance, assignment: Mapping[str, Any]) -> dict | None:
        """{child: structure} of the placed children when every child and structure is
        known (the usual case, read without sorting), else None."""
        children, structures = instance.child_by_id, instance.structure_by_id
        placed = {}
        for cid, sid in assignment.items():
            if cid not in children:
                return None
            if sid is not None:
                if type(sid) is not str or sid not in structures:
                    return None
                placed[cid] = sid
        return placed

    # -- feasibility ---------------------------------------------------------------------

    def feasibility(self) -> None:
        instance = self.instance
        for structure in instance.structures:
            for group in instance.age_groups:
                held = self.held.get((structure.id, group), [])
                places = structure.places(group)
                where = f"structure « {structure.id} », groupe « {group} »"
                if len(held) > places:
                    self.violations.append(
                        Violation(
                            "capacity",
                            f"{where} : {len(held)} enfants placés pour {places} place(s).",
                            structure=structure.id,
                            age_group=group,
                        )
                    )
                reserve = structure.reserves.get(group)
                if reserve is not None and reserve.hard and reserve.places > 0:
                    others = sum(
                        1 for cid in held if reserve.tag not in instance.child_by_id[cid].tags
                    )
                    general = places - reserve.places
                    if others > general:
                        self.violations.append(
                            Violation(
                                "reserve",
                                f"{where} : {others} enfants sans l'étiquette « {reserve.tag} »"
                                f" occupent les places, alors que {reserve.places} place(s) leur"
                                f" sont fermées (réserve stricte) : au plus {general} attendu(s).",
                                structure=structure.id,
                                age_group=group,
                            )
                        )
        placed = self.placed
        joint = instance.joint_family_of
        explicit = self.priorities._positions
        for child in instance.children:
            sid = placed.get(child.id)
            if sid is None:
                continue
            if child.id not in joint and sid not in child.wishes:
                self.violations.append(
                    Violation(
                        "not_wished",
                        f"enfant « {child.id} » placé à « {sid} », qui ne figure pas dans"
                        " ses vœux.",
                        child=child.id,
                        structure=sid,
                    )
                )
            # Only an explicit order can leave a child unacceptable (see Priorities.key).
            positions = explicit.get(sid)
            if positions is not None and child.id not in positions:
                self.violations.append(
                    Violation(
                        "not_acceptable_to_structure",
                        f"enfant « {child.id} » placé à « {sid} », dont l'ordre de priorité"
                        " explicite ne le cite pas.",
                        child=child.id,
                        structure=sid,
                    )
                )
        for family in instance.joint_families:
            got = self.combination(family)
            if any(s is not None for s in got) and got not in (family.joint_wishes or ()):
                self.violations.append(
                    Violation(
                        "joint_wish",
                        f"famille « {family.id} » : combinaison {_option_text(got)} qui n'est pas"
                        " une de ses options communes.",
                        family=family.id,
                    )
                )

    # -- stability -----------------------------------------------------------------------

    def combination(self, family: Family) -> tuple[str | None, ...]:
        return tuple(self.placed.get(cid) for cid in family.children)

    def view(self, sid: str, group: str) -> MarketView:
        view = self._views.get((sid, group))
        if view is None:
            structure = self.instance.structure_by_id[sid]
            held = [(m.key, m.eligible) for m in self.held_members(sid, group)]
            view = MarketView(structure.places(group), structure.reserves.get(group), held)
            self._views[(sid, group)] = view
        return view

    def pair_blocks(self, child_id: str, sid: str) -> bool:
        child = self.instance.child_by_id[child_id]
        structure = self.instance.structure_by_id[sid]
        key = self.priorities.key(structure, child)
        if key is None:
            return False
        elig = eligible(structure, child.age_group, child)
        return self.view(sid, child.age_group).chooses(key, elig)

    def blocking_pairs(self) -> list[BlockingPair]:
        """`pair_blocks` for every wish a child prefers to its place, inlined: a
        département has tens of thousands of such wishes."""
        pairs = []
        instance = self.instance
        joint = instance.joint_family_of
        placed = self.placed
        views = self._views
        explicit = self.priorities._positions
        for child in instance.children:
            cid = child.id
            if cid in joint:
                continue
            current = placed.get(cid)
            wishes = child.wishes
            # A child placed outside its wishes prefers every wish.
            limit = wishes.index(current) if current in wishes else len(wishes)
            if not limit:
                continue
            group, points, bonus, tags = child.age_group, child.points, child.bonus, child.tags
            for i in range(limit):
                sid = wishes[i]
                view = views.get((sid, group))
                if view is None:
                    view = self.view(sid, group)
                if view.places <= 0:
                    continue
                positions = explicit.get(sid)
                if positions is None:
                    key = (-(points + bonus.get(sid, 0)), child.application_date, cid)
                else:
                    position = positions.get(cid)
                    if position is None:
                        continue
                    key = (position,)
                reserve = view.reserve
                if reserve is None:
                    # MarketView.chooses without a reserve, inlined: chosen when fewer than
                    # `places` held children rank above it.
                    keys = view.keys
                    places = view.places
                    if len(keys) < places or not keys[places - 1] < key:
                        pairs.append(BlockingPair(cid, sid, i + 1))
                elif view.chooses(key, reserve.tag in tags):
                    pairs.append(BlockingPair(cid, sid, i + 1))
        return pairs

    def option_refusals(
        self, family: Family, option: tuple[str | None, ...]
    ) -> list[tuple[str, str, list[Member], list[Member]]]:
        """For each market of the option whose choice leaves out one of its children:
        (structure, age group, reserved, general) of that choice (computed once: the
        explanations ask again for the options the check examined)."""
        found = self._option_refusals.get((family.id, option))
        if found is None:
            found = self._option_refusals[(family.id, option)] = self._refusals(family, option)
        return found

    def _refusals(
        self, family: Family, option: tuple[str | None, ...]
    ) -> list[tuple[str, str, list[Member], list[Member]]]:
        instance = self.instance
        members_of = set(family.children)
        wanted: dict[tuple[str, str], list[str]] = {}
        for cid, sid in zip(family.children, option, strict=True):
            if sid is not None:
                wanted.setdefault((sid, instance.child_by_id[cid].age_group), []).append(cid)
        refusals = []
        for (sid, group), cids in sorted(wanted.items()):
            structure = instance.structure_by_id[sid]
            members = [m for m in self.held_members(sid, group) if m.ref not in members_of]
            acceptable = True
            for cid in cids:
                key = self.priorities.key(structure, instance.child_by_id[cid])
                if key is None:
                    acceptable = False
                    continue
                members.append(
                    Member(key, eligible(structure, group, instance.child_by_id[cid]), cid)
                )
            reserved, general = choose(
                structure.places(group), structure.reserves.get(group), members
            )
            chosen = {m.ref for m in reserved} | {m.ref for m in general}
            if not acceptable or any(cid not in chosen for cid in cids):
                refusals.append((sid, group, reserved, general))
        return refusals

    def held_members(self, sid: str, group: str) -> list[Member]:
        """The acceptable children a market holds, best first (`Member`s, as `choose` takes
        them). Read only: callers build new lists."""
        if self._held_members is None:
            self._held_members = self._all_held_members()
        found = self._held_members.get((sid, group))
        return [] if found is None else found

    def _all_held_members(self) -> dict[tuple[str, str], list[Member]]:
        """Every market's acceptable held children, best first, in one pass over the placed
        children (a département's markets are nearly all asked for: blocking tests,
        joint options, explanations)."""
        instance = self.instance
        structures = instance.structure_by_id
        explicit = self.priorities._positions
        placed = self.placed
        markets: dict[tuple[str, str], list[Member]] = {}
        for child in instance.children:
            cid = child.id
            sid = placed.get(cid)
            if sid is None:
                continue
            group = child.age_group
            positions = explicit.get(sid)
            if positions is None:  # Priorities.key, inlined
                key = (-(child.points + child.bonus.get(sid, 0)), child.application_date, cid)
            elif cid in positions:
                key = (positions[cid],)
            else:
                continue
            reserve = structures[sid].reserves.get(group)
            member = Member(key, reserve is not None and reserve.tag in child.tags, cid)
            found = markets.get((sid, group))
            if found is None:
                markets[(sid, group)] = [member]
            else:
                found.append(member)
        for members in markets.values():
            members.sort(key=_member_key)
        return markets

    def blocking_coalitions(self) -> list[BlockingCoalition]:
        coalitions = []
        for family in self.instance.joint_families:
            options = family.joint_wishes or ()
            got = self.combination(family)
            limit = options.index(got) if got in options else len(options)
            for t in range(limit):
                if not self.option_refusals(family, options[t]):
                    coalitions.append(BlockingCoalition(family.id, options[t], t + 1))
        return coalitions


def check(instance: Instance, assignment: Mapping[str, Any]) -> CheckReport:
    """Audit an assignment {child id: structure id or None}; missing children are unassigned."""
    checker = Checker(instance, assignment)
    checker.feasibility()
    report = CheckReport(
        children=len(instance.children),
        placed=len(checker.placed),
        violations=checker.violations,
        checker=checker,
    )
    report.blocking_pairs = checker.blocking_pairs()
    report.blocking_coalitions = checker.blocking_coalitions()
    return report
