"""OR-Tools backends: GLOP and PDLP (LP), SCIP and CP-SAT (MIP).

The arrays go to OR-Tools in one call: ``ModelBuilderHelper.fill_model_from_sparse_data`` takes the
bounds, costs and the compressed-row matrix as numpy/scipy arrays (the array side of OR-Tools'
``model_builder``, the same ``MPModelProto`` that ``pywraplp`` builds one object at a time), and
the solution, duals and reduced costs come back as numpy arrays.

Solver notes:

- GLOP: primal simplex/dual simplex; exact basic solutions with duals. Single-threaded.
- PDLP: a first-order method for very large LPs, run after GLOP's presolve on the LP with each
  row divided by its largest coefficient (unscaled, the £ budget rows dominate its relative
  stopping test: it can stop at an empty plan, and needs a minute on the national case instead of
  seconds). It stops when the relative primal and dual residuals and the duality gap are below
  1e-8. Then, by default, crossover: HiGHS's simplex method, started from a basis guessed from
  PDLP's plan, finishes at an exact vertex. With ``crossover: false`` the plan and duals are PDLP's.
- SCIP: branch and cut for MIPs (and LPs). Through OR-Tools it returns no duals.
- CP-SAT: an integer constraint solver, for whole-cohort cases. It works on integers only, so it
  solves the whole-number model of :mod:`optimiser.solvers.whole_numbers` (continuous columns in
  1/10,000 FTE, rows scaled to whole coefficients), started from a feasible plan built from GLOP's
  LP relaxation; the engine then re-solves the LP with its cohort decisions fixed. It refuses LPs.
"""
from __future__ import annotations

import functools
import time

import numpy as np
import scipy.sparse as sp
from ortools.linear_solver.python import model_builder_helper as mbh

from optimiser.case.config import SolverSettings
from optimiser.solvers.base import ModelArrays, SolverResult
from optimiser.solvers.ortools_model import model_builder

_S = mbh.SolveStatus


@functools.cache
def ortools_version() -> str:
    import ortools

    return ortools.__version__


class _ORToolsBackend:
    """One OR-Tools solver behind ``ModelSolverHelper``; subclasses set the solver and its parameters."""

    name = "ortools"
    solver = ""
    integer = False
    duals = True  # the solver returns duals and reduced costs for an LP

    def __init__(self, lp, settings: SolverSettings | None = None):
        self.model = ModelArrays.of(lp)
        self.settings = settings or SolverSettings()
        self.is_mip = self.model.is_mip
        self.note = ""  # what the backend did before solving, for the message
        self.row_scale: np.ndarray | float = 1.0  # each row of the solver's model = the LP's row × this

    def build(self) -> mbh.ModelBuilderHelper:
        """The model as OR-Tools holds it, filled from the arrays in one call."""
        m = self.model
        return model_builder(m.col_lower, m.col_upper, m.cost, m.row_lower, m.row_upper, m.matrix(),
                             np.flatnonzero(m.integrality))

    def plan(self, values: np.ndarray) -> np.ndarray:
        """Column values in the model's units from the solver's."""
        return values

    @classmethod
    def version(cls) -> str:
        return f"OR-Tools {ortools_version()} ({cls.solver})"

    def parameters(self) -> list[str]:
        """Solver-specific parameters (OR-Tools passes them on as text)."""
        return []

    def parameter_text(self) -> str:
        return "\n".join(self.parameters())

    def refuse(self) -> str | None:
        """A reason not to solve this model, or None."""
        return None

    def solve(self) -> SolverResult:
        reason = self.refuse()
        if reason:
            return SolverResult(self.name, self.version(), "error", 0.0, message=reason,
                                duals_note="none: the model was not solved")
        s = self.settings
        start = time.perf_counter()
        builder = self.build()
        helper = mbh.ModelSolverHelper(self.solver)
        if s.time_limit_seconds is not None:
            helper.set_time_limit_in_seconds(max(float(s.time_limit_seconds) - (time.perf_counter() - start), 0.01))
        helper.set_solver_specific_parameters(self.parameter_text())
        helper.solve(builder)
        seconds = time.perf_counter() - start
        raw = helper.status()
        text = helper.status_string()
        status = self._status(raw, text, seconds)
        message = raw.name + (f": {text}" if text else "") + (f" ({self.note})" if self.note else "")
        result = SolverResult(self.name, self.version(), status, seconds, message=message)
        if status != "optimal":
            if raw == _S.FEASIBLE and helper.has_solution():
                result.message += (f"; best plan found £{helper.objective_value():,.2f}"
                                   + (f", best bound £{helper.best_objective_bound():,.2f}" if self.is_mip else "")
                                   + ": not proven optimal, so not reported")
            return result
        x = self.plan(np.asarray(helper.variable_values(), float))
        result.x = x
        result.objective = float(self.model.cost @ x)
        if self.is_mip:
            result.best_bound = float(helper.best_objective_bound())
            result.duals_note = "none: a MIP has no duals"
            return result
        row_dual = np.asarray(helper.dual_values(), float) * self.row_scale
        col_dual = np.asarray(helper.reduced_costs(), float)
        if self.duals and row_dual.shape == (self.model.num_row,) and col_dual.shape == (self.model.num_col,):
            result.row_dual, result.col_dual = row_dual, col_dual
            result.duals_note = self.duals_from()
        else:
            result.duals_note = (f"none: {self.solver} through OR-Tools returns no duals; use highs or glop for "
                                 "shadow prices")
        return result

    def duals_from(self) -> str:
        return "from the LP solve"

    def _status(self, raw, text: str, seconds: float) -> str:
        low = text.lower()
        if raw == _S.OPTIMAL:
            return "optimal"
        if raw == _S.INFEASIBLE:
            # OR-Tools folds SCIP's and GLOP's "infeasible or unbounded" into INFEASIBLE; keep it when it says so
            return "infeasible_or_unbounded" if "unbounded" in low else "infeasible"
        if raw == _S.UNBOUNDED:
            return "unbounded"
        if raw == _S.CANCELLED_BY_USER or "interrupt" in low:
            return "interrupted"
        if raw == _S.ABNORMAL:
            return "numerical_trouble"
        if raw in (_S.FEASIBLE, _S.NOT_SOLVED):
            limit = self.settings.time_limit_seconds
            if "time" in low or (limit is not None and seconds >= 0.95 * limit):
                return "time_limit"
            return "numerical_trouble" if "numeric" in low else "error"
        return "error"


class GlopSolver(_ORToolsBackend):
    """GLOP, Google's simplex LP solver."""

    name, solver = "glop", "glop"

    def parameters(self) -> list[str]:
        s = self.settings
        return [f"random_seed: {s.random_seed}"] if s.random_seed is not None else []


class PdlpSolver(_ORToolsBackend):
    """PDLP, OR-Tools' first-order (primal-dual hybrid gradient) LP solver, then crossover.

    PDLP solves the LP with each row divided by its largest coefficient, so that its relative
    stopping test is not dominated by the £ budget rows. With ``crossover`` (the default) HiGHS's
    simplex method, started from a basis guessed from PDLP's plan
    (:meth:`HighsSolver.start_from_point`), then finishes at an exact optimal vertex with exact
    duals; without it the plan and duals are PDLP's own, to its tolerance.
    """

    name, solver = "pdlp", "pdlp"
    #: relative tolerance on the primal and dual residuals and the duality gap
    TOLERANCE = 1e-8
    #: crossover treats a column or row within this (relative) of a bound as at that bound
    CROSSOVER_AT_BOUND = 100 * TOLERANCE

    def __init__(self, lp, settings: SolverSettings | None = None):
        super().__init__(lp, settings)
        self.before_crossover: SolverResult | None = None  # PDLP's own result, when crossover ran
        self.crossover_iterations = 0

    def build(self) -> mbh.ModelBuilderHelper:
        m, a = self.model, self.model.matrix()
        largest = abs(a).max(axis=1).toarray().ravel()
        self.row_scale = 1.0 / np.where(largest > 0, largest, 1.0)
        scaled = sp.diags(self.row_scale) @ a
        return model_builder(m.col_lower, m.col_upper, m.cost, m.row_lower * self.row_scale,
                             m.row_upper * self.row_scale, scaled, [])

    def parameters(self) -> list[str]:
        s = self.settings
        p = [f"termination_criteria {{ simple_optimality_criteria {{ eps_optimal_absolute: {self.TOLERANCE} "
             f"eps_optimal_relative: {self.TOLERANCE} }} }}",
             # GLOP's presolve first: on the national case 3.3 s in all, against 5.6 s without it
             "presolve_options { use_glop: true }"]
        if s.threads is not None:
            p.append(f"num_threads: {s.threads}")
        return p

    def parameter_text(self) -> str:
        return " ".join(self.parameters())

    def duals_from(self) -> str:
        return (f"from the LP solve by a first-order method: approximate, to a relative tolerance of "
                f"{self.TOLERANCE:g} on the optimality conditions")

    def solve(self) -> SolverResult:
        start = time.perf_counter()
        pdlp = super().solve()
        if not self.settings.crossover or pdlp.status != "optimal":
            return pdlp
        from optimiser.solvers.highs import HighsSolver, highs_version

        limit = self.settings.time_limit_seconds
        # HiGHS's simplex method is serial; a thread count would only resize its global pool
        settings = self.settings.model_copy(update={
            "time_limit_seconds": None if limit is None else max(limit - pdlp.seconds, 0.01), "threads": None})
        simplex = HighsSolver(self.model, settings)
        basics_guessed = simplex.start_from_point(pdlp.x, self.CROSSOVER_AT_BOUND)
        vertex = simplex.solve()
        self.before_crossover = pdlp
        self.crossover_iterations = int(simplex.highs.getInfo().simplex_iteration_count)
        vertex.solver = self.name
        vertex.version = f"{self.version()} + HiGHS {highs_version()} (crossover)"
        vertex.seconds = time.perf_counter() - start
        vertex.message = (f"PDLP: {pdlp.message} at a relative tolerance of {self.TOLERANCE:g}, "
                          f"£{pdlp.objective:,.2f}; then crossover by HiGHS's simplex method from a basis guessed "
                          f"from PDLP's plan ({basics_guessed:,} basics for {self.model.num_row:,} rows): "
                          f"{vertex.message}, simplex iterations {self.crossover_iterations:,}")
        if vertex.duals_note == "from the LP solve":
            vertex.duals_note = "from the optimal basis that crossover reached (HiGHS's simplex method): exact"
        return vertex


class ScipSolver(_ORToolsBackend):
    """SCIP, branch and cut, for MIPs (whole cohorts). Single-threaded here."""

    name, solver = "scip", "scip"
    integer = True
    duals = False

    def parameters(self) -> list[str]:
        s = self.settings
        p = []
        if s.mip_gap is not None:
            p.append(f"limits/gap = {s.mip_gap}")
        if s.random_seed is not None:
            p.append(f"randomization/randomseedshift = {s.random_seed}")
        return p


class CpSatSolver(_ORToolsBackend):
    """CP-SAT, for whole-cohort models, solved as the whole-number model of
    :mod:`optimiser.solvers.whole_numbers` from a feasible start. One worker unless ``threads``
    says more: CP-SAT's parallel search is not reproducible run to run."""

    name, solver = "cp-sat", "sat"
    integer = True
    #: root LP simplex iterations (CP-SAT's default, 2,000, stops the national root LP early)
    ROOT_LP_ITERATIONS = 1_000_000

    def refuse(self) -> str | None:
        if not self.is_mip:
            return "cp-sat is for whole-cohort (integer) cases; for an LP use highs, glop or pulp-cbc"
        return None

    def build(self) -> mbh.ModelBuilderHelper:
        from optimiser.solvers.whole_numbers import start_plan, whole_number_model

        start = start_plan(self.model, self.settings.time_limit_seconds)
        self.note = f"CP-SAT on the whole-number model; {start.how}"
        self.whole = whole_number_model(self.model, start.x)
        w = self.whole
        builder = model_builder(w.col_lower, w.col_upper, w.cost, w.row_lower, w.row_upper, w.matrix,
                                np.arange(w.unit.size))
        if w.start is not None:
            for j, v in enumerate(w.start.tolist()):
                builder.add_hint(j, v)
        return builder

    def plan(self, values: np.ndarray) -> np.ndarray:
        return values * self.whole.unit

    def parameters(self) -> list[str]:
        s = self.settings
        p = []
        if s.mip_gap is not None:
            p.append(f"relative_gap_limit: {s.mip_gap}")
        p.append(f"num_workers: {s.threads or 1}")
        if s.random_seed is not None:
            p.append(f"random_seed: {s.random_seed}")
        # all rows in the LP from the start and a root LP solved to the end: the bound that proves the gap
        p += ["add_lp_constraints_lazily: false", f"root_lp_iterations: {self.ROOT_LP_ITERATIONS}",
              # domains and objective scaled with 64-bit headroom (see whole_numbers)
              "mip_max_activity_exponent: 62"]
        return p

    def parameter_text(self) -> str:
        text = " ".join(self.parameters())
        whole = getattr(self, "whole", None)
        return text + (f" mip_max_bound: {2 * whole.bound:.0f}" if whole is not None else "")
