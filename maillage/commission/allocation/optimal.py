"""`optimal`: among stable assignments, one that places the most children (OR-Tools CP-SAT).

The model follows the constraint-programming formulation of Sun, Yamada, Takenami, Moriwaki
and Yokoo (AAAI 2024): one boolean per (agent, option), at most one option per agent,
capacities and hard reserves, and one constraint per (agent, option) saying "the agent has
this option or a better one, or some market of the option would refuse one of its children".
Refusal is expressed with prefix counts over each market's applicants in rank order (how many
children ranked above are placed, how many of them are eligible), which keeps the model
linear in the number of wishes instead of quadratic.

Without joint families every stable assignment places the same children in number (the
"rural hospitals" theorem, which holds for these reserve rules), so the `siblings` result is
already optimal and the solver is not called. Otherwise the `siblings` result is the hint and
(when stable) a lower bound, and it is returned unchanged unless the solver finds a stable
assignment placing strictly more children: `optimal` is never worse than `siblings`.

For reproducibility the solver runs on one worker with a deterministic time limit (CP-SAT's
own work units, close to seconds on this hardware); a wall-clock limit of three times that
only guards against a pathological run.
"""

from __future__ import annotations

from maillage.commission.allocation.check import check
from maillage.commission.allocation.engine import ProgressFn
from maillage.commission.allocation.model import Assignment, Instance, Result
from maillage.commission.allocation.problem import Problem
from maillage.commission.allocation.siblings import siblings_with_report


def _cp_model():
    """OR-Tools' CP-SAT, imported when `optimal` runs only (start-up that `da` and `siblings`
    need not pay), through `cpsat`, which spares the pandas and numpy of OR-Tools' own layer."""
    from maillage.commission.allocation import cpsat  # noqa: PLC0415

    return cpsat


class _Model:
    def __init__(self, problem: Problem):
        self.cp_model = cp_model = _cp_model()
        self.p = problem
        self.model = cp_model.Model()
        self.x: list[dict[int, object]] = []
        self._build_choices()
        self._build_counts()
        self._build_stability()

    # -- variables -----------------------------------------------------------------------

    def _build_choices(self) -> None:
        cp_model = _cp_model()

        p, model = self.p, self.model
        # Per market and rank: the option variables that place that child there.
        self.placing: list[dict[int, list]] = [{} for _ in range(p.n_markets)]
        objective = []
        for agent in p.agents:
            chosen: dict[int, object] = {}
            for j, option in enumerate(agent.options):
                if option is None or any(p.places[m] == 0 for _c, m, _k, _e in option):
                    continue
                var = model.new_bool_var("")
                chosen[j] = var
                objective.append((len(option), var))
                for _c, m, k, _e in option:
                    self.placing[m].setdefault(k, []).append(var)
            if len(chosen) > 1:
                model.add_at_most_one(chosen.values())
            self.x.append(chosen)
        self.placed = cp_model.LinearExpr.weighted_sum(
            [v for _, v in objective], [w for w, _ in objective]
        )
        model.maximize(self.placed)

    def _build_counts(self) -> None:
        cp_model = _cp_model()

        """Prefix counts per market: placed (and eligible placed) children above each rank."""
        p, model = self.p, self.model
        self.order: list[list[int]] = []
        self.position: list[dict[int, int]] = []
        self.above: list[list] = []
        self.eligible_above: list[list] = []
        self.filled: list = []
        for m in range(p.n_markets):
            ranks = sorted(self.placing[m])
            self.order.append(ranks)
            self.position.append({k: i for i, k in enumerate(ranks)})
            q = p.places[m]
            eligible = p.eligible_ranks(m) if p.reserved[m] else set()
            counts = [0]
            elig_counts = [0]
            placing = self.placing[m]
            for i, k in enumerate(ranks):
                ys = placing[k]
                y = ys[0] if len(ys) == 1 else cp_model.LinearExpr.sum(ys)
                count = model.new_int_var(0, min(i + 1, q), "")
                model.add(count == counts[-1] + y)
                counts.append(count)
                if p.reserved[m]:
                    if k in eligible:
                        e = model.new_int_var(0, min(i + 1, q), "")
                        model.add(e == elig_counts[-1] + y)
                        elig_counts.append(e)
                    else:
                        elig_counts.append(elig_counts[-1])
            if ranks:
                model.add(counts[-1] <= q)
            r = p.reserved[m]
            if r and p.hard[m] and ranks:
                model.add(counts[-1] - elig_counts[-1] <= q - r)
            self.above.append(counts)
            self.eligible_above.append(elig_counts if r else [0] * len(counts))
            filled = None
            if r and not p.hard[m] and ranks:
                filled = model.new_int_var(0, r, "")
                model.add_min_equality(filled, [r, elig_counts[-1]])
            self.filled.append(filled)

    # -- stability -----------------------------------------------------------------------

    def _refusal(self, m: int, k: int, e: bool, above, eligible_above, eligible_total):
        """Literals one of which must hold for market m to refuse a family's child of rank k.

        The counts are linear expressions over the family's hypothetical market (its own
        children out, the option's children in). Returns None when the refusal is certain,
        so that the option can never block.
        """
        p, model = self.p, self.model
        q, r = p.places[m], p.reserved[m]
        if q == 0 or (r and not e and p.hard[m] and q - r <= 0):
            return None
        full = model.new_bool_var("")
        model.add(above >= q).only_enforce_if(full)
        if not r:
            return [full]
        if e:
            model.add(eligible_above >= r).only_enforce_if(full)
            return [full]
        general = model.new_bool_var("")
        if p.hard[m]:
            model.add(above - eligible_above >= q - r).only_enforce_if(general)
        else:
            filled = model.new_int_var(0, r, "")
            total = model.new_int_var(-len(p.children), len(p.children), "")
            model.add(total == eligible_total)
            model.add_min_equality(filled, [r, total])
            model.add(above - eligible_above + filled >= q).only_enforce_if(general)
        return [full, general]

    def _build_stability(self) -> None:

        p, model = self.p, self.model
        for a, agent in enumerate(p.agents):
            chosen = self.x[a]
            better: list = []
            for j, option in enumerate(agent.options):
                if j in chosen:
                    better.append(chosen[j])
                if option is None:
                    continue
                if agent.family:
                    reasons = self._family_refusals(a, option)
                else:
                    self._single_stability(option[0], better)
                    continue
                if reasons is None:
                    continue
                model.add_bool_or([*better, *reasons])

    def _single_stability(self, entry, better: list) -> None:
        """Child c blocks with market m unless it holds this wish or a better one (S = 1) or m
        would refuse it. Written as linear inequalities, tight for the LP relaxation."""
        p, model = self.p, self.model
        _c, m, k, e = entry
        q, r = p.places[m], p.reserved[m]
        if q == 0:
            return
        i = self.position[m][k]
        above = self.above[m][i]
        eligible_above = self.eligible_above[m][i]
        taken = better[0] if len(better) == 1 else self.cp_model.LinearExpr.sum(better)
        if not r or e:
            model.add(above + q * taken >= q)
            if r:
                model.add(eligible_above + r * taken >= r)
            return
        if p.hard[m] and q - r <= 0:
            return  # every place is reserved and the child is not eligible: always refused
        others = above - eligible_above
        full = model.new_bool_var("")
        model.add(above + q * taken >= q * full)
        if p.hard[m]:
            model.add(others + (q - r) * taken >= (q - r) * (1 - full))
        else:
            model.add(others + self.filled[m] + q * taken >= q * (1 - full))

    def _family_refusals(self, a: int, option) -> list | None:
        """Reasons for which some market of the option refuses one of its children, counting
        the family's own placed children out and the option's children in."""
        p = self.p
        agent = p.agents[a]
        if any(p.places[m] == 0 for _c, m, _k, _e in option):
            return None
        own: dict[int, list[tuple[int, bool, object]]] = {}
        for j, other in enumerate(agent.options):
            var = self.x[a].get(j)
            if other is None or var is None:
                continue
            for _c, m, k, e in other:
                own.setdefault(m, []).append((k, e, var))
        reasons = []
        for _c, m, k, e in option:
            i = self.position[m][k]
            mine_above = [(kk, ee, v) for kk, ee, v in own.get(m, []) if kk < k]
            with_above = [(kk, ee) for _cc, mm, kk, ee in option if mm == m and kk < k]
            above = self.above[m][i] - sum(v for _kk, _ee, v in mine_above) + len(with_above)
            eligible_above = (
                self.eligible_above[m][i]
                - sum(v for _kk, ee, v in mine_above if ee)
                + sum(1 for _kk, ee in with_above if ee)
            )
            eligible_total = (
                self.eligible_above[m][-1]
                - sum(v for _kk, ee, v in own.get(m, []) if ee)
                + sum(1 for _cc, mm, kk, ee in option if mm == m and ee and kk != k)
            )
            found = self._refusal(m, k, e, above, eligible_above, eligible_total)
            if found is None:
                return None
            reasons.extend(found)
        return reasons


def _agent_options(problem: Problem, assignment: Assignment) -> dict[int, int]:
    """The option index each agent holds in an assignment (agents without a place omitted)."""
    held = {}
    for a, agent in enumerate(problem.agents):
        got = tuple(assignment.get(problem.children[c].id) for c in agent.children)
        for j, option in enumerate(agent.options):
            if option is None:
                continue
            want = [None] * len(agent.children)
            for c, m, _k, _e in option:
                want[agent.children.index(c)] = problem.structures[m // problem.n_groups].id
            if tuple(want) == got:
                held[a] = j
                break
    return held


def _progress_callback(progress: ProgressFn):
    solutions = [0]

    def on_solution() -> None:
        solutions[0] += 1
        progress("optimal, solutions trouvées", solutions[0], 0)

    return on_solution


def solve_optimal(
    instance: Instance,
    seed: int = 0,
    time_limit: float = 10.0,
    progress: ProgressFn | None = None,
) -> Result:
    cp_model = _cp_model()

    problem = Problem(instance, joint=True)
    base, base_report = siblings_with_report(
        instance, seed=seed, progress=progress, problem=problem
    )
    if base_report is None:
        base_report = check(instance, base.assignment)
    base_stable = base_report.feasible and base_report.stable
    solver_stats: dict = {
        "siblings_placed": base_report.placed,
        "siblings_blocking": base_report.blocking,
        "time_limit": time_limit,
    }
    stats = {"siblings": base.stats, "solver": solver_stats}
    if not instance.joint_families and base_stable:
        solver_stats.update(
            status="NOT_NEEDED",
            improved=False,
            note=(
                "Aucune famille à vœux communs : toutes les affectations stables placent autant"
                " d'enfants ; le résultat de « siblings » est donc optimal."
            ),
        )
        return Result(method="optimal", assignment=base.assignment, stats=stats)

    built = _Model(problem)
    model = built.model
    held = _agent_options(problem, base.assignment)
    for a, options in enumerate(built.x):
        for j, var in options.items():
            model.add_hint(var, 1 if held.get(a) == j else 0)
    if base_stable:
        model.add(built.placed >= base_report.placed)

    solver = cp_model.solve(
        model,
        seed=seed,
        deterministic_time=time_limit,
        max_seconds=3 * time_limit + 1,
        on_solution=_progress_callback(progress) if progress is not None else None,
    )
    status, name = solver.status, solver.status_name
    solver_stats["status"] = name
    solver_stats["variables"] = len(model.proto.variables)
    solver_stats["constraints"] = len(model.proto.constraints)

    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        assignment: Assignment = {c.id: None for c in instance.children}
        for a, options in enumerate(built.x):
            for j, var in options.items():
                if solver.value(var):
                    for c, m, _k, _e in problem.agents[a].options[j]:
                        assignment[problem.children[c].id] = problem.structures[
                            m // problem.n_groups
                        ].id
        report = check(instance, assignment)
        solver_stats["objective"] = int(solver.objective_value)
        solver_stats["bound"] = int(solver.best_objective_bound)
        sound = report.feasible and report.stable
        better = sound and (not base_stable or report.placed > base_report.placed)
        if better:
            solver_stats.update(
                improved=True,
                proven_optimal=status == cp_model.OPTIMAL,
                note=(
                    f"Affectation stable plaçant {report.placed} enfants"
                    f" (contre {base_report.placed} pour « siblings »)"
                    + (
                        ", optimale."
                        if status == cp_model.OPTIMAL
                        else ", limite de temps atteinte."
                    )
                ),
            )
            return Result(method="optimal", assignment=assignment, stats=stats)
        if not sound:
            solver_stats["note"] = (
                "La solution du solveur n'a pas passé le contrôle ; résultat de « siblings »"
                " conservé."
            )
        else:
            solver_stats["note"] = (
                "Le résultat de « siblings » place déjà le plus d'enfants possible parmi les"
                " affectations stables"
                + (
                    " (prouvé)."
                    if status == cp_model.OPTIMAL
                    else " trouvé dans la limite de temps."
                )
            )
        solver_stats.update(improved=False, proven_optimal=status == cp_model.OPTIMAL and sound)
    elif status == cp_model.INFEASIBLE:
        solver_stats.update(
            improved=False,
            proven_optimal=base_stable,
            note=(
                "Aucune affectation stable ne place plus d'enfants : résultat de « siblings »"
                " conservé."
                if base_stable
                else "Il n'existe aucune affectation stable : résultat de « siblings » conservé,"
                " avec le moins de blocages trouvé."
            ),
        )
    else:
        solver_stats.update(
            improved=False,
            proven_optimal=False,
            note=(
                "Limite de temps atteinte sans meilleure solution : résultat de « siblings »"
                " conservé."
            ),
        )
    return Result(method="optimal", assignment=base.assignment, stats=stats)
