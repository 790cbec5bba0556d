"""Deferred acceptance with joint families, and the repair of the instabilities they cause.

Independent children propose down their wishes; a market (one age group of one structure)
holds the children its choice function picks and rejects the others. Without families this
is plain child-proposing deferred acceptance, whose result is the children-optimal stable
assignment whatever the proposal order.

A joint family proposes one option (a tuple of places) at a time, and only when every market
of the option would choose its children: it then holds all of them or none. When one of its
children is later displaced, the family withdraws the others too and moves on to its next
option. Withdrawals are what plain deferred acceptance never does: they leave places that
children rejected earlier may now claim. Following Roth and Peranson, every market that loses
a child by withdrawal is marked "dirty" and rescanned: each applicant that now prefers it and
would be chosen moves there (which may displace others, and so on). A market where a family's
child was displaced is rescanned for families only, because a family's coalition counts its
own children out. The loop ends when nothing is pending, which is then a stable assignment,
or after a step budget (a stable assignment may not exist with families); the caller checks
the result either way.

Markets keep their held children as sorted lists of ranks (capacities are small, so insort
beats heaps), split between reserved slots and general slots, see `choice.py`.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, insort
from collections import deque
from collections.abc import Callable, Sequence

from maillage.commission.allocation.problem import Problem

ProgressFn = Callable[[str, int, int], None]

FULL_SCAN = 2
FAMILY_SCAN = 1
# How many times repairs may move the same agent up. Where no stable assignment exists the
# repairs cycle (a family and a child chasing each other); this cap ends such cycles early
# while leaving ample room for real instances (no agent moved up more than once on the
# generated medium and large commissions that have a stable assignment).
REENTRY_CAP = 20


class Engine:
    def __init__(
        self,
        problem: Problem,
        order: Sequence[int] | None = None,
        max_steps: int | None = None,
        progress: ProgressFn | None = None,
    ):
        self.p = problem
        n_m = problem.n_markets
        n_a = len(problem.agents)
        # Soft reserve slots rank eligible children first: their key is rank, the others'
        # rank + BIG, so one sorted list keeps that order.
        self.big = len(problem.children) + 1
        self.res: list[list[int]] = [[] for _ in range(n_m)]
        self.gen: list[list[int]] = [[] for _ in range(n_m)]
        self.general_places = [problem.places[m] - problem.reserved[m] for m in range(n_m)]
        self._eligible: dict[int, set[int]] = {}
        self.held = [-1] * n_a
        self.pointer = [0] * n_a
        self.queue = deque(range(n_a) if order is None else order)
        self.dirty: list[int] = []
        self.dirty_level = bytearray(n_m)
        if any(agent.family for agent in problem.agents):
            self.has_family = [bool(e) for e in problem.family_entries]
        else:
            self.has_family = [False] * n_m
        self.reentries = [0] * n_a
        self.steps = 0
        self.max_steps = max_steps if max_steps is not None else 50 * (n_m + n_a) + 1000
        self.exhausted_budget = False
        self.capped = False
        self.progress = progress

    # -- one market ----------------------------------------------------------------------

    def eligible_at(self, m: int) -> set[int]:
        found = self._eligible.get(m)
        if found is None:
            found = self._eligible[m] = self.p.eligible_ranks(m)
        return found

    def accepts(self, m: int, k: int, e: bool) -> bool:
        """Would market m choose the child of rank k from its held children plus this one?"""
        r = self.p.reserved[m]
        if r:
            res = self.res[m]
            if self.p.hard[m]:
                if e and (len(res) < r or k < res[-1]):
                    return True
            else:
                key = k if e else k + self.big
                if len(res) < r or key < res[-1]:
                    return True
        gen = self.gen[m]
        cap = self.general_places[m]
        return len(gen) < cap or (cap > 0 and k < gen[-1])

    def add(self, m: int, k: int, e: bool) -> int | None:
        """Hold the child of rank k; return the rank now rejected (k itself, another, or None)."""
        r = self.p.reserved[m]
        if r:
            res = self.res[m]
            if self.p.hard[m]:
                if e:
                    if len(res) < r:
                        insort(res, k)
                        return None
                    if k < res[-1]:
                        # The displaced eligible child falls back to the general places.
                        worst = res.pop()
                        insort(res, k)
                        k = worst
            else:
                key = k if e else k + self.big
                if len(res) < r:
                    insort(res, key)
                    return None
                if key < res[-1]:
                    worst = res.pop()
                    insort(res, key)
                    k = worst - self.big if worst >= self.big else worst
        gen = self.gen[m]
        cap = self.general_places[m]
        if len(gen) < cap:
            insort(gen, k)
            return None
        if cap > 0 and k < gen[-1]:
            worst = gen.pop()
            insort(gen, k)
            return worst
        return k

    def remove(self, m: int, k: int) -> bool:
        """Withdraw the child of rank k (if held) and refill the reserved slots it leaves."""
        gen = self.gen[m]
        i = bisect_left(gen, k)
        if i < len(gen) and gen[i] == k:
            del gen[i]
            return True
        res = self.res[m]
        for key in (k, k + self.big):
            i = bisect_left(res, key)
            if i < len(res) and res[i] == key:
                del res[i]
                break
        else:
            return False
        # The reserved slots must again hold the best children for them among those held.
        eligible = self.eligible_at(m)
        promote = next((x for x in gen if x in eligible), None)
        if promote is not None:
            gen.remove(promote)
            insort(res, promote)
        elif not self.p.hard[m] and gen:
            promote = gen.pop(0)
            insort(res, promote + self.big)
        return True

    def held_ranks(self, m: int) -> list[int]:
        big = self.big
        return [x - big if x >= big else x for x in self.res[m]] + self.gen[m]

    def choose(self, m: int, ranks: list[int], eligible: set[int]) -> set[int]:
        """The ranks market m chooses from an explicit set (see `choice.choose`)."""
        ranked = sorted(ranks)
        r = self.p.reserved[m]
        places = self.p.places[m]
        if not r:
            return set(ranked[:places])
        if self.p.hard[m]:
            reserved = [x for x in ranked if x in eligible][:r]
            general_places = places - r
        else:
            elig = [x for x in ranked if x in eligible]
            reserved = elig[:r]
            general_places = places - len(reserved)
        taken = set(reserved)
        general = [x for x in ranked if x not in taken][:general_places]
        return taken.union(general)

    # -- agents --------------------------------------------------------------------------

    def family_accepts(self, a: int, j: int) -> bool:
        """Is option j of agent a chosen by all its markets (the agent's own children out)?"""
        option = self.p.agents[a].options[j]
        if option is None:
            return False
        if len(option) == 1 and self.held[a] < 0:
            _c, m, k, e = option[0]
            return self.accepts(m, k, e)
        current = self.p.agents[a].options[self.held[a]] if self.held[a] >= 0 else ()
        by_market: dict[int, list[tuple[int, bool]]] = {}
        for _c, m, k, e in option:
            by_market.setdefault(m, []).append((k, e))
        for m in sorted(by_market):
            wanted = by_market[m]
            own = {k for _c, mm, k, _e in current or () if mm == m}
            if not own and len(wanted) == 1:
                if not self.accepts(m, wanted[0][0], wanted[0][1]):
                    return False
                continue
            ranks = [x for x in self.held_ranks(m) if x not in own]
            ranks.extend(k for k, _e in wanted)
            eligible = self.eligible_at(m) if self.p.reserved[m] else set()
            chosen = self.choose(m, ranks, eligible)
            if any(k not in chosen for k, _e in wanted):
                return False
        return True

    def mark(self, m: int, level: int) -> None:
        if self.dirty_level[m] < level:
            if not self.dirty_level[m]:
                heapq.heappush(self.dirty, m)
            self.dirty_level[m] = level

    def withdraw(self, a: int, keep: tuple[int, int] | None = None) -> None:
        """Take agent a's children out of its current option (except `keep`, already out)."""
        j = self.held[a]
        if j < 0:
            return
        for _c, m, k, _e in self.p.agents[a].options[j]:
            if (m, k) == keep:
                continue
            if self.remove(m, k):
                self.mark(m, FULL_SCAN)
        self.held[a] = -1

    def evict(self, m: int, k: int) -> None:
        """The child of rank k was displaced from market m: its agent starts again below."""
        s = m // self.p.n_groups
        c = self.p.child_at_rank[s][k]
        a = self.p.agent_of_child[c]
        j = self.held[a]
        if j < 0:
            return
        if self.p.agents[a].family:
            self.withdraw(a, keep=(m, k))
        self.held[a] = -1
        self.pointer[a] = j + 1
        self.queue.append(a)
        if self.has_family[m]:
            self.mark(m, FAMILY_SCAN)

    def move(self, a: int, j: int) -> None:
        """Place agent a on its option j (known to be chosen), displacing whoever must go."""
        self.withdraw(a)
        displaced = []
        for _c, m, k, e in self.p.agents[a].options[j]:
            out = self.add(m, k, e)
            if out is not None:
                displaced.append((m, out))
        self.held[a] = j
        for m, k in displaced:
            self.evict(m, k)
        self.steps += 1

    def propose(self, a: int) -> None:
        """Deferred acceptance step: agent a tries its options from its pointer on."""
        agent = self.p.agents[a]
        options = agent.options
        j = self.pointer[a]
        n = len(options)
        if not agent.family:
            add = self.add
            while j < n:
                option = options[j]
                if option is not None:
                    _c, m, k, e = option[0]
                    out = add(m, k, e)
                    if out != k:
                        self.held[a] = j
                        self.pointer[a] = j
                        if out is not None:
                            self.evict(m, out)
                        return
                j += 1
        else:
            while j < n:
                if self.family_accepts(a, j):
                    self.pointer[a] = j
                    self.move(a, j)
                    return
                j += 1
        self.pointer[a] = n

    def scan(self, m: int, level: int) -> None:
        """After a withdrawal: let every applicant that now blocks with market m move there."""
        entries = self.p.market_entries(m) if level == FULL_SCAN else self.p.family_entries[m]
        agents = self.p.agents
        reentries = self.reentries
        for k, a, j, e in entries:
            current = self.held[a]
            if current < 0:
                current = len(agents[a].options)
            if j >= current:
                continue
            if reentries[a] >= REENTRY_CAP:
                self.capped = True
                continue
            if agents[a].family:
                if not self.family_accepts(a, j):
                    continue
            elif not self.accepts(m, k, e):
                continue
            reentries[a] += 1
            self.move(a, j)

    def run(self) -> Engine:
        queue = self.queue
        held = self.held
        pointer = self.pointer
        agents = self.p.agents
        while True:
            while queue:
                a = queue.popleft()
                if held[a] < 0 and pointer[a] < len(agents[a].options):
                    self.propose(a)
            if not self.dirty:
                break
            if self.steps >= self.max_steps:
                # No stable assignment reached within the budget: stop repairing. The
                # queue is empty, so the assignment is complete and feasible.
                self.exhausted_budget = True
                break
            m = heapq.heappop(self.dirty)
            level = self.dirty_level[m]
            self.dirty_level[m] = 0
            self.steps += 1
            self.scan(m, level)
            if self.progress is not None and self.steps % 5000 == 0:
                self.progress("réparations", self.steps, 0)
        return self

    # -- result --------------------------------------------------------------------------

    def child_structures(self) -> list[int]:
        """Structure index of every child (-1: no place)."""
        placed = [-1] * len(self.p.children)
        for a, j in enumerate(self.held):
            if j >= 0:
                for c, m, _k, _e in self.p.agents[a].options[j]:
                    placed[c] = m // self.p.n_groups
        return placed

    def assignment(self) -> dict[str, str | None]:
        structures = self.p.structures
        return {
            child.id: (structures[s].id if s >= 0 else None)
            for child, s in zip(self.p.children, self.child_structures(), strict=True)
        }
