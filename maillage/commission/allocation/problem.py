"""An integer view of an instance, built once per solve.

Deferred acceptance touches each (child, wish) pair a few times; on a département (20,000
children) the cost is in Python object handling, not in the algorithm. So everything the
methods compare is precomputed as small integers: a market is one age group of one
structure (index s * G + g), and a rank is the position of an applicant in its structure's
priority order (0 is the best). Ranks of different structures never meet.

An agent is either one independent child or one joint family. Its options follow the
instance order exactly (wish n or joint option n), with None for an option the structure
cannot accept (explicit priority order without the child), so that explanations and stats
refer to the same numbers as the families' forms.
"""

from __future__ import annotations

from dataclasses import dataclass

from maillage.commission.allocation.model import Instance
from maillage.commission.allocation.priority import Priorities

# One child in one market: (child index, market, rank at the structure, eligible to the reserve).
Entry = tuple[int, int, int, bool]


@dataclass(slots=True)
class Agent:
    id: str
    children: tuple[int, ...]
    # For a single child, each option is one entry; for a family, a tuple of entries.
    options: list[tuple[Entry, ...] | None]
    family: bool


class Problem:
    def __init__(self, instance: Instance, joint: bool = True):
        """`joint=False` makes every child an independent agent (used by `da`)."""
        self.instance = instance
        self.groups = instance.age_groups
        self.n_groups = len(self.groups)
        group_index = {g: i for i, g in enumerate(self.groups)}
        self.children = instance.children
        self.child_index = {c.id: i for i, c in enumerate(self.children)}
        self.structures = instance.structures
        self.structure_index = {s.id: i for i, s in enumerate(self.structures)}
        self.priorities = Priorities(instance)

        n_markets = len(self.structures) * self.n_groups
        self.n_markets = n_markets
        self.places = [0] * n_markets
        self.reserved = [0] * n_markets
        self.hard = [False] * n_markets
        self.tag: list[str | None] = [None] * n_markets
        for s, structure in enumerate(self.structures):
            for g, group in enumerate(self.groups):
                m = s * self.n_groups + g
                self.places[m] = structure.places(group)
                reserve = structure.reserves.get(group)
                if reserve is not None and reserve.places > 0:
                    self.reserved[m] = min(reserve.places, self.places[m])
                    self.hard[m] = reserve.hard
                    self.tag[m] = reserve.tag
        self.child_group = [group_index[c.age_group] for c in self.children]

        self._rank_applicants()
        self._build_agents(joint)

    def market(self, structure_index: int, child_index: int) -> int:
        return structure_index * self.n_groups + self.child_group[child_index]

    def _rank_applicants(self) -> None:
        """Rank, at each structure, every child that names it in a wish or a joint option."""
        applicants: list[set[int]] = [set() for _ in self.structures]
        sidx = self.structure_index
        for c, child in enumerate(self.children):
            for sid in child.wishes:
                applicants[sidx[sid]].add(c)
        for family in self.instance.families:
            for option in family.joint_wishes or ():
                for cid, sid in zip(family.children, option, strict=True):
                    if sid is not None:
                        applicants[sidx[sid]].add(self.child_index[cid])
        self.rank: list[dict[int, int]] = []
        self.child_at_rank: list[list[int]] = []
        key = self.priorities.key
        for s, structure in enumerate(self.structures):
            keyed = []
            for c in applicants[s]:
                k = key(structure, self.children[c])
                if k is not None:
                    keyed.append((k, c))
            keyed.sort()
            order = [c for _, c in keyed]
            self.child_at_rank.append(order)
            self.rank.append({c: r for r, c in enumerate(order)})

    def entry(self, child_index: int, structure_id: str) -> Entry | None:
        s = self.structure_index[structure_id]
        rank = self.rank[s].get(child_index)
        if rank is None:
            return None
        m = s * self.n_groups + self.child_group[child_index]
        tag = self.tag[m]
        return (child_index, m, rank, tag is not None and tag in self.children[child_index].tags)

    def _build_agents(self, joint: bool) -> None:
        self.agents: list[Agent] = []
        self.agent_of_child = [-1] * len(self.children)
        joint_of = self.instance.joint_family_of if joint else {}
        for c, child in enumerate(self.children):
            if child.id in joint_of:
                continue
            options: list[tuple[Entry, ...] | None] = []
            for sid in child.wishes:
                e = self.entry(c, sid)
                options.append(None if e is None else (e,))
            self.agent_of_child[c] = len(self.agents)
            self.agents.append(Agent(id=child.id, children=(c,), options=options, family=False))
        if joint:
            for family in self.instance.joint_families:
                members = tuple(self.child_index[cid] for cid in family.children)
                options = []
                for option in family.joint_wishes or ():
                    entries = []
                    possible = True
                    for c, sid in zip(members, option, strict=True):
                        if sid is None:
                            continue
                        e = self.entry(c, sid)
                        if e is None:
                            possible = False
                            break
                        entries.append(e)
                    options.append(tuple(entries) if possible else None)
                for c in members:
                    self.agent_of_child[c] = len(self.agents)
                self.agents.append(
                    Agent(id=family.id, children=members, options=options, family=True)
                )
        # For repairs: who names each market, best rank first.
        self.market_entries: list[list[tuple[int, int, int, bool]]] = [
            [] for _ in range(self.n_markets)
        ]
        for a, agent in enumerate(self.agents):
            for j, option in enumerate(agent.options):
                for _c, m, rank, elig in option or ():
                    self.market_entries[m].append((rank, a, j, elig))
        self.family_entries: list[list[tuple[int, int, int, bool]]] = []
        for entries in self.market_entries:
            entries.sort()
            self.family_entries.append([e for e in entries if self.agents[e[1]].family])

    def eligible_ranks(self, m: int) -> set[int]:
        tag = self.tag[m]
        if tag is None:
            return set()
        s, g = divmod(m, self.n_groups)
        return {
            r
            for r, c in enumerate(self.child_at_rank[s])
            if self.child_group[c] == g and tag in self.children[c].tags
        }
