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


def _sort_pairs(pair_s: list[int], pair_key: list, pair_tie: list[int], n_c: int) -> list[int]:
    """Indices of the acceptable pairs (tie >= 0) sorted by (structure, key, tie).

    No two acceptable pairs share (structure, key, tie) (a tie is a child's own position),
    so the order is strict. With integer keys (every published-rule score is a whole number
    of points, explicit positions are) each triple is packed into one integer, offset by the
    smallest key and spread by the keys' actual range, which sorts several times faster than
    tuples (and faster still when the packed numbers stay below 2**30, as on a département:
    CPython then compares them as machine integers); otherwise (points with decimals) tuples
    are sorted.
    """
    n = len(pair_s)
    if not n:
        return []
    if all(type(k) is int for k in pair_key):
        low = min(pair_key)
        span, ties = max(pair_key) - low + 1, n_c + 1
        packed = [
            (s * span + k - low) * ties + t
            for s, k, t in zip(pair_s, pair_key, pair_tie, strict=True)
        ]
        order = sorted(range(n), key=packed.__getitem__)
        if min(pair_tie) >= 0:  # no explicit order leaves a child out (the usual case)
            return order
        return [i for i in order if pair_tie[i] >= 0]
    return [
        entry[3]
        for entry in sorted(zip(pair_s, pair_key, pair_tie, range(n), strict=True))
        if entry[2] >= 0
    ]


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
        """Rank, at each structure, every child that names it in a wish or a joint option.

        Written for speed (a département has about 60,000 wishes): every (structure, child)
        pair gets a numeric key, (-score, tie) under the published rule, where `tie` is the
        child's position in the (application date, id) order, which sorts exactly like
        (-score, date, id); or (position, 0) under an explicit order. One sort then ranks all
        structures at once. `pair_rank` keeps the rank of every pair (a child's wishes
        are consecutive pairs from `_first_pair[c]`), -1 where the structure does not accept it.
        """
        children = self.children
        n_c = len(children)
        sidx = self.structure_index
        ids = [structure.id for structure in self.structures]
        tie = [0] * n_c
        dated = [(child.application_date, child.id) for child in children]
        for position, c in enumerate(sorted(range(n_c), key=dated.__getitem__)):
            tie[c] = position
        explicit: dict[int, dict[str, int]] = {
            s: {cid: i for i, cid in enumerate(structure.priority_order)}
            for s, structure in enumerate(self.structures)
            if structure.priority_order is not None
        }
        pair_s: list[int] = []
        pair_c: list[int] = []
        pair_key: list[float] = []
        pair_tie: list[int] = []
        # Index of each (structure, child) pair, for joint options and unacceptable wishes.
        self._pair: dict[tuple[int, int], int] = {}
        first_pair = [0] * (n_c + 1)

        def add(s: int, c: int, child) -> None:
            positions = explicit.get(s)
            if positions is None:
                bonus = child.bonus
                score = child.points + bonus.get(ids[s], 0) if bonus else child.points
                pair_key.append(-score)
                pair_tie.append(tie[c])
            else:
                position = positions.get(child.id)
                pair_key.append(-1 if position is None else position)
                pair_tie.append(-1 if position is None else 0)
            pair_s.append(s)
            pair_c.append(c)

        for c, child in enumerate(children):
            first_pair[c] = len(pair_s)
            wishes = child.wishes
            if explicit:
                for sid in wishes:
                    add(sidx[sid], c, child)
                continue
            # The common case, inlined: no structure with an explicit order.
            bonus, n = child.bonus, len(wishes)
            pair_s.extend(map(sidx.__getitem__, wishes))
            if bonus:
                points = child.points
                pair_key.extend([-(points + bonus.get(sid, 0)) for sid in wishes])
            else:
                pair_key.extend([-child.points] * n)
            pair_tie.extend([tie[c]] * n)
            pair_c.extend([c] * n)
        first_pair[n_c] = len(pair_s)
        self._first_pair = first_pair
        for family in self.instance.families:
            for option in family.joint_wishes or ():
                for cid, sid in zip(family.children, option, strict=True):
                    if sid is None:
                        continue
                    c = self.child_index[cid]
                    s = sidx[sid]
                    if (s, c) in self._pair:
                        continue
                    wishes = children[c].wishes
                    if sid in wishes:
                        self._pair[(s, c)] = first_pair[c] + wishes.index(sid)
                    else:
                        self._pair[(s, c)] = len(pair_s)
                        add(s, c, children[c])
        # One sort of all acceptable pairs by (structure, key, tie) ranks every structure at
        # once; an explicit order that does not list the child leaves it unranked (tie -1).
        order = _sort_pairs(pair_s, pair_key, pair_tie, n_c)
        # One pass in that order: a pair's rank is how many pairs of its structure came first.
        n_s = len(self.structures)
        child_at_rank: list[list[int]] = [[] for _ in range(n_s)]
        ranks = [-1] * len(pair_s)
        for i in order:
            at = child_at_rank[pair_s[i]]
            ranks[i] = len(at)
            at.append(pair_c[i])
        self.pair_rank = ranks
        n_groups, child_group = self.n_groups, self.child_group
        self.pair_market = [
            s_ * n_groups + child_group[c] for s_, c in zip(pair_s, pair_c, strict=True)
        ]
        self.child_at_rank = child_at_rank

    def rank_of(self, child_index: int, structure_index: int) -> int | None:
        """The child's rank at the structure, None when it is not an acceptable applicant."""
        pair = self._pair.get((structure_index, child_index))
        if pair is None:
            wishes = self.children[child_index].wishes
            sid = self.structures[structure_index].id
            if sid not in wishes:
                return None
            pair = self._first_pair[child_index] + wishes.index(sid)
        rank = self.pair_rank[pair]
        return None if rank < 0 else rank

    def entry(self, child_index: int, structure_id: str) -> Entry | None:
        s = self.structure_index[structure_id]
        rank = self.rank_of(child_index, s)
        if rank is None:
            return None
        m = s * self.n_groups + self.child_group[child_index]
        tag = self.tag[m]
        return (child_index, m, rank, tag is not None and tag in self.children[child_index].tags)

    def _build_agents(self, joint: bool) -> None:
        self.agents: list[Agent] = []
        self.agent_of_child = [-1] * len(self.children)
        joint_of = self.instance.joint_family_of if joint else {}
        pair_rank = self.pair_rank
        first_pair = self._first_pair
        tags = self.tag
        any_tag = any(t is not None for t in tags)
        pair_market = self.pair_market
        agents, agent_of_child = self.agents, self.agent_of_child
        # Without explicit orders every wish is acceptable (rank >= 0): no None to place.
        all_ranked = min(pair_rank, default=0) >= 0
        # A child's wishes are the pairs from first_pair[c] to first_pair[c + 1].
        # (first_pair has one more item than there are children: zip stops at the last child.)
        for c, child, first, last in zip(
            range(len(self.children)), self.children, first_pair, first_pair[1:], strict=False
        ):
            if joint_of and child.id in joint_of:
                continue
            ranks, markets = pair_rank[first:last], pair_market[first:last]
            if any_tag and child.tags:
                child_tags = child.tags
                options: list[tuple[Entry, ...] | None] = [
                    None if r < 0 else ((c, m, r, tags[m] is not None and tags[m] in child_tags),)
                    for m, r in zip(markets, ranks, strict=True)
                ]
            elif all_ranked:
                options = [((c, m, r, False),) for m, r in zip(markets, ranks, strict=True)]
            else:
                options = [
                    None if r < 0 else ((c, m, r, False),)
                    for m, r in zip(markets, ranks, strict=True)
                ]
            agent_of_child[c] = len(agents)
            agents.append(Agent(child.id, (c,), options, False))
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
        self._market_entries: dict[int, list[tuple[int, int, int, bool]]] = {}
        self._family_entries: list[list[tuple[int, int, int, bool]]] | None = None

    def market_entries(self, m: int) -> list[tuple[int, int, int, bool]]:
        """(rank, agent, option, eligible) of every option naming market m, best first.

        Only repairs need it (never plain deferred acceptance), and for few markets: built
        on demand, per market, from the market's applicants in rank order (an independent
        child names a structure in at most one wish, whose option has the wish's index) and
        the families' entries."""
        found = self._market_entries.get(m)
        if found is None:
            s, g = divmod(m, self.n_groups)
            sid = self.structures[s].id
            agents, agent_of_child = self.agents, self.agent_of_child
            child_group, children = self.child_group, self.children
            found = []
            for k, c in enumerate(self.child_at_rank[s]):
                if child_group[c] != g:
                    continue
                a = agent_of_child[c]
                agent = agents[a]
                if agent.family:
                    continue  # in family_entries below
                wishes = children[c].wishes
                if sid not in wishes:  # named in a joint option only (`da` splits families)
                    continue
                j = wishes.index(sid)
                found.append((k, a, j, agent.options[j][0][3]))
            family = self.family_entries[m]
            if family:
                found = sorted(found + family)
            self._market_entries[m] = found
        return found

    @property
    def family_entries(self) -> list[list[tuple[int, int, int, bool]]]:
        """Per market, (rank, agent, option, eligible) of every joint option naming it."""
        if self._family_entries is None:
            entries: list[list[tuple[int, int, int, bool]]] = [[] for _ in range(self.n_markets)]
            for a, agent in enumerate(self.agents):
                if not agent.family:
                    continue
                for j, option in enumerate(agent.options):
                    for _c, m, rank, elig in option or ():
                        entries[m].append((rank, a, j, elig))
            for market in entries:
                market.sort()
            self._family_entries = entries
        return self._family_entries

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
