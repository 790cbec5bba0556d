"""The few CP-SAT calls `optimal` needs, made on OR-Tools' C++ helper directly.

`ortools.sat.python.cp_model` imports pandas at module level (about 0.25 s of start-up for every
process that runs `optimal`), for conveniences this engine does not use (the C++ helper still
loads numpy when the first model is made). Its model
class is itself a thin layer over `cp_model_helper.CpBaseModel`: the methods below make the
same helper calls in the same order, so the solver receives the same model proto (and, with
one worker and a fixed seed, gives the same answer) for a fraction of the import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ortools.sat.python import cp_model_helper as cmh
from ortools.util.python.sorted_interval_list import Domain

LinearExpr = cmh.LinearExpr
_BOOLEAN = Domain(0, 1)
OPTIMAL = cmh.CpSolverStatus.OPTIMAL
FEASIBLE = cmh.CpSolverStatus.FEASIBLE
INFEASIBLE = cmh.CpSolverStatus.INFEASIBLE


class Model(cmh.CpBaseModel):
    def __init__(self) -> None:
        cmh.CpBaseModel.__init__(self, None)

    @property
    def proto(self):
        return self.model_proto

    def new_bool_var(self, name: str = ""):
        var = cmh.IntVar(self.model_proto)
        if name:  # an empty name is the proto's default: setting it changes nothing
            var = var.with_name(name)
        return var.with_domain(_BOOLEAN)

    def new_int_var(self, lb: int, ub: int, name: str = ""):
        var = cmh.IntVar(self.model_proto)
        if name:
            var = var.with_name(name)
        return var.with_domain(Domain(lb, ub))

    def add(self, constraint):
        """A linear constraint; a comparison of constants (a Python bool) becomes an always
        true or always false clause, as OR-Tools' own layer does."""
        if isinstance(constraint, cmh.BoundedLinearExpression):
            return self._add_bounded_linear_expression(constraint)
        if isinstance(constraint, bool):
            return self.add_bool_or([True] if constraint else [])
        raise TypeError(f"contrainte linéaire attendue, pas {type(constraint).__name__}")

    def add_at_most_one(self, literals: Iterable):
        return self._add_bool_argument_constraint(cmh.BoolArgumentConstraint.at_most_one, literals)

    def add_bool_or(self, literals: Iterable):
        return self._add_bool_argument_constraint(cmh.BoolArgumentConstraint.bool_or, literals)

    def add_min_equality(self, target, expressions: Iterable):
        return self._add_linear_argument_constraint(
            cmh.LinearArgumentConstraint.min, target, expressions
        )

    def maximize(self, objective) -> None:
        """An integer linear objective to maximise (stored negated, as CP-SAT minimises)."""
        proto = self.model_proto
        proto.clear_objective()
        proto.clear_floating_point_objective()
        flat = cmh.FlatIntExpr(objective)
        proto.objective.vars.extend([var.index for var in flat.vars])
        proto.objective.scaling_factor = -1.0
        proto.objective.offset = -flat.offset
        proto.objective.coeffs.extend([-coeff for coeff in flat.coeffs])

    def add_hint(self, var, value: int) -> None:
        hint = self.model_proto.solution_hint
        if var.index >= 0:
            hint.vars.append(var.index)
            hint.values.append(int(value))
        else:
            hint.vars.append(-var.index - 1)
            hint.values.append(int(not value))


class _Callback(cmh.SolutionCallback):
    def __init__(self, on_solution: Callable[[], None]) -> None:
        cmh.SolutionCallback.__init__(self)
        self._on_solution = on_solution

    def OnSolutionCallback(self) -> None:  # noqa: N802 (the helper's name)
        self._on_solution()


class Response:
    """What the solver answered: status, values, objective and bound."""

    def __init__(self, response) -> None:
        self._response = response
        self.status = response.status
        self.status_name = response.status.name
        self.objective_value = response.objective_value
        self.best_objective_bound = response.best_objective_bound

    def value(self, expression) -> int:
        return cmh.ResponseHelper.value(self._response, expression)


def solve(
    model: Model,
    *,
    seed: int,
    deterministic_time: float,
    max_seconds: float,
    on_solution: Callable[[], None] | None = None,
) -> Response:
    parameters = cmh.SatParameters()
    parameters.num_workers = 1
    parameters.random_seed = seed
    parameters.max_deterministic_time = deterministic_time
    parameters.max_time_in_seconds = max_seconds
    # The stability model is long chains of prefix counts (`count_i = count_(i-1) + y_i`):
    # CP-SAT's presolve loops hundreds of times over them to a fixed point, for a model whose
    # search then takes a few thousandths of a deterministic second; without it the proof is
    # found directly (measured on the medium benchmark instance: presolve was most of the time).
    parameters.cp_model_presolve = False
    wrapper = cmh.SolveWrapper()
    wrapper.set_parameters(parameters)
    callback = _Callback(on_solution) if on_solution is not None else None
    if callback is not None:
        wrapper.add_solution_callback(callback)
    response = wrapper.solve(model.model_proto)
    if callback is not None:
        wrapper.clear_solution_callback(callback)
    return Response(response)
