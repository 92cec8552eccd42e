"""The solver interface: an assembled LP in, a :class:`SolverResult` out.

Every backend reads the same arrays (:class:`ModelArrays`: costs, bounds, integrality and the
compressed-column matrix of :class:`~optimiser.model.lp.LinearProgram`) and hands them to its
solver in bulk; there is one model-building path. :func:`solve_lp` picks the backend and, for a
model with integer columns (whole cohorts), solves the MIP, then re-solves the LP with the integer
decisions fixed at the MIP's values so that the plan's continuous part is exact and duals exist.
"""
from __future__ import annotations

import importlib
import time
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from optimiser.case.config import SolverSettings
from optimiser.model.lp import LinearProgram

#: Statuses a result can have. Only ``optimal`` carries a plan to act on.
STATUSES = ("optimal", "infeasible", "unbounded", "infeasible_or_unbounded", "time_limit",
            "interrupted", "numerical_trouble", "error")

#: Relative MIP gap used by every MIP backend when the case and the command line set none
#: (HiGHS's own default), so that backends stop at the same quality.
DEFAULT_MIP_GAP = 1e-4

#: backend name -> (module, class). Modules are imported on first use.
BACKENDS = {
    "highs": ("optimiser.solvers.highs", "HighsSolver"),
    "pulp-cbc": ("optimiser.solvers.pulp_backend", "PulpCbcSolver"),
    "pulp-highs": ("optimiser.solvers.pulp_backend", "PulpHighsSolver"),
    "glop": ("optimiser.solvers.ortools_backend", "GlopSolver"),
    "pdlp": ("optimiser.solvers.ortools_backend", "PdlpSolver"),
    "scip": ("optimiser.solvers.ortools_backend", "ScipSolver"),
    "cp-sat": ("optimiser.solvers.ortools_backend", "CpSatSolver"),
}
#: backend -> the LP backend that re-solves a MIP's LP with the integer decisions fixed
#: (from the same package, so a planner who has one package installed needs no other).
FIXED_LP_BACKEND = {"highs": "highs", "pulp-cbc": "pulp-cbc", "pulp-highs": "pulp-highs", "scip": "glop",
                    "cp-sat": "glop"}

#: HiGHS options for LPs, by measurement (docs/solvers.md): Devex pricing in the dual simplex instead
#: of dual steepest edge takes 0.52-0.64 of the CPU time on the national scenarios and 0.55 on the
#: 220-provider case, at the same optimum (another optimal vertex where the optimum is not unique).
#: Devex in the primal simplex too (analysis re-solves after cost changes, and HiGHS's clean-up passes).
LP_OPTIONS: dict = {"simplex_dual_edge_weight_strategy": 1, "simplex_primal_edge_weight_strategy": 1}


@dataclass
class SolverResult:
    """What a backend returns.

    Attributes:
        status: one of ``STATUSES``.
        objective: total cost (£, present value plus penalties), when a solution exists.
        x: column values; ``row_activity``: row values (A x).
        row_dual: ∂cost/∂(row bound) per row (£ per unit), or None where the solver gives none.
        col_dual: reduced costs per column (£ per unit), or None.
        duals_note: how the duals were obtained, or why there are none.
        best_bound: for a MIP, the solver's proven lower bound on the cost (£); ``objective`` is
            within the relative MIP gap of it.
        mip_objective: for a MIP, the MIP solver's own objective (£ present value, penalties
            included), before the LP re-solve with the integer decisions fixed (whose cost is ``objective``).
        mip_gap_tolerance: for a MIP, the relative gap the solver was asked to stop within (``mip_gap``).
        integer_columns: integer columns in the model; 0 for an LP.
        best_bound_note: why a MIP backend gives no ``best_bound`` (e.g. CBC through PuLP).
    """

    solver: str
    version: str
    status: str
    seconds: float
    message: str = ""
    objective: float | None = None
    x: np.ndarray | None = None
    row_activity: np.ndarray | None = None
    row_dual: np.ndarray | None = None
    col_dual: np.ndarray | None = None
    duals_note: str | None = None
    best_bound: float | None = None
    mip_objective: float | None = None
    mip_gap_tolerance: float | None = None
    integer_columns: int = 0
    best_bound_note: str | None = None

    @property
    def mip_gap(self) -> float | None:
        """Relative gap |mip_objective - best_bound| / |mip_objective| of a MIP; None when either is unknown."""
        return relative_gap(self.mip_objective, self.best_bound)

    @property
    def mip(self) -> MipSummary | None:
        """How good a whole-cohort (MIP) plan is; None for an LP."""
        if not self.integer_columns:
            return None
        bound = self.best_bound if self.best_bound is not None and np.isfinite(self.best_bound) else None
        note = None
        if self.mip_objective is None:
            note = f"no MIP plan to report: the solve ended '{self.status}' (the message says what the solver found)"
        elif bound is None:
            note = self.best_bound_note or f"{self.solver} gave no finite best bound"
        return MipSummary(self.mip_objective, bound, self.mip_gap, self.mip_gap_tolerance, self.integer_columns, note)


@dataclass(frozen=True)
class MipSummary:
    """How good a whole-cohort (MIP) plan is, as the solution JSON's ``solver.mip`` gives it.

    Attributes:
        objective_gbp: the MIP solver's own objective (£ present value, penalties included), before the
            LP re-solve with the whole-cohort decisions fixed; None when the MIP gave no plan.
        best_bound_gbp: the solver's proven lower bound on the cost of any plan (£ present value);
            None when the backend gives none (``note`` says why).
        gap: relative gap |objective_gbp - best_bound_gbp| / |objective_gbp| (a share: 0.01 is 1%);
            None when the bound is unknown.
        gap_tolerance: the relative gap the solver was asked to stop within (``mip_gap``, a share).
        integer_columns: integer columns (whole-cohort starts and cohort binaries) in the model.
        note: why ``objective_gbp`` or ``best_bound_gbp`` is None; None when both are known.
    """

    objective_gbp: float | None
    best_bound_gbp: float | None
    gap: float | None
    gap_tolerance: float | None
    integer_columns: int
    note: str | None


@dataclass(frozen=True)
class ModelArrays:
    """The arrays of an LP or MIP: minimise ``cost @ x`` s.t. ``row_lower <= A x <= row_upper``,
    ``col_lower <= x <= col_upper``, ``x[j]`` integer where ``integrality[j]``.

    It has the attribute names of :class:`LinearProgram`, so a backend takes either. For a MIP,
    ``column_year`` gives each column's year (0 for the first; -1 where a column has none), so that a
    start can be found year by year.
    """

    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integrality: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    a: sp.csc_matrix
    column_year: np.ndarray | None = None

    @classmethod
    def of(cls, lp: LinearProgram | ModelArrays) -> ModelArrays:
        if isinstance(lp, ModelArrays):
            return lp
        integrality = lp.integrality.astype(bool)
        year = None
        if integrality.any():
            labels = lp.column_labels()["year"].fillna("").to_numpy(str)
            year = np.where(labels == "", -1, np.searchsorted(np.unique(labels[labels != ""]), labels))
        return cls(lp.cost, lp.col_lower, lp.col_upper, integrality, lp.row_lower, lp.row_upper, lp.matrix(), year)

    @property
    def num_col(self) -> int:
        return self.a.shape[1]

    @property
    def num_row(self) -> int:
        return self.a.shape[0]

    @property
    def is_mip(self) -> bool:
        return bool(self.integrality.any())

    def matrix(self) -> sp.csc_matrix:
        return self.a

    def with_integers_fixed(self, x: np.ndarray) -> ModelArrays:
        """The LP with every integer column fixed at ``x`` rounded to the nearest whole number."""
        lower, upper = self.col_lower.copy(), self.col_upper.copy()
        j = np.flatnonzero(self.integrality)
        value = np.clip(np.round(x[j]), lower[j], upper[j])
        lower[j] = upper[j] = value
        return replace(self, col_lower=lower, col_upper=upper, integrality=np.zeros_like(self.integrality))


def backend(name: str):
    """The backend class for a solver name (``BACKENDS``)."""
    if name not in BACKENDS:
        raise ValueError(f"unknown solver {name!r}; expected one of {', '.join(BACKENDS)}")
    module, cls = BACKENDS[name]
    return getattr(importlib.import_module(module), cls)


def solve_lp(lp: LinearProgram | ModelArrays, settings: SolverSettings | None = None) -> SolverResult:
    """Solve with the backend named in ``settings`` (HiGHS by default).

    A model with integer columns (whole cohorts) is solved as a MIP; then the LP with the integer
    decisions fixed at the MIP's values is re-solved (by ``FIXED_LP_BACKEND``) and its plan, cost
    and duals are returned, with ``duals_note`` saying so; the MIP's own objective, its bound, the
    gap tolerance and the count of integer columns stay in the result (:attr:`SolverResult.mip`).
    An LP-only backend given a MIP returns status ``error`` with a message naming the backends that
    can solve it.
    """
    settings = settings or SolverSettings()
    model = ModelArrays.of(lp)
    cls = backend(settings.name)
    if not model.is_mip:
        return _complete(cls(model, settings).solve(), model)
    if settings.mip_gap is None:
        settings = settings.model_copy(update={"mip_gap": DEFAULT_MIP_GAP})
    if not cls.integer:
        mip_backends = ", ".join(n for n in BACKENDS if backend(n).integer)
        result = SolverResult(settings.name, cls.version(), "error", 0.0,
                              message=f"{settings.name} solves LPs only, and this case has whole-cohort decisions "
                                      f"(integer programmes); use one of {mip_backends}",
                              duals_note="none: the model was not solved")
    else:
        result = _complete(cls(model, settings).solve(), model)
        if result.status == "optimal":
            result = _fix_and_resolve(model, settings, result)
    # what the solution JSON's solver.mip reports (SolverResult.mip)
    return replace(result, mip_gap_tolerance=settings.mip_gap, integer_columns=int(model.integrality.sum()))


def _complete(result: SolverResult, model: ModelArrays) -> SolverResult:
    """Row activities from the column values, where the backend gave none."""
    if result.x is not None and result.row_activity is None:
        result.row_activity = model.matrix() @ result.x
    if result.x is None and result.duals_note is None:
        result.duals_note = "none: no solution"
    return result


def _fix_and_resolve(model: ModelArrays, settings: SolverSettings, mip: SolverResult) -> SolverResult:
    """The MIP's plan with its integer decisions fixed, re-solved as an LP for exact values and duals."""
    lp_name = FIXED_LP_BACKEND[settings.name]
    start = time.perf_counter()
    fixed = _complete(backend(lp_name)(model.with_integers_fixed(mip.x), settings.model_copy(
        update={"name": lp_name, "mip_gap": None})).solve(), model)
    seconds = mip.seconds + (time.perf_counter() - start)
    mip = replace(mip, mip_objective=mip.objective)
    gap = mip.mip_gap
    mip_words = f"MIP {mip.message or mip.status}"
    if gap is not None:  # (CBC's solution file gives no bound; its status line carries the objective)
        mip_words += (f": £{mip.objective:,.2f}, best bound £{mip.best_bound:,.2f} (gap {gap:.4%}, tolerance "
                      f"{settings.mip_gap:.4%})")
    if fixed.status != "optimal":
        # the MIP's own plan fixed cannot be infeasible: that is the solvers' tolerances disagreeing
        status = "numerical_trouble" if fixed.status in ("infeasible", "unbounded", "infeasible_or_unbounded") \
            else fixed.status
        return replace(mip, status=status, seconds=seconds, x=None, row_activity=None, objective=None,
                       message=f"{mip_words}; the LP with its whole-cohort decisions fixed ended "
                               f"'{fixed.status}' ({fixed.solver}: {fixed.message})",
                       duals_note="none: the LP with the integer decisions fixed did not solve")
    if fixed.row_dual is not None:
        note = (f"from the LP re-solved by {fixed.solver} with the whole-cohort (integer) decisions fixed at the MIP "
                "solution: they price each limit with those cohorts held as they are")
    else:
        note = f"none: {fixed.solver} gave no duals for the LP with the integer decisions fixed ({fixed.duals_note})"
    return replace(fixed, solver=mip.solver, version=mip.version, status="optimal", seconds=seconds,
                   message=mip_words, duals_note=note, best_bound=mip.best_bound, mip_objective=mip.mip_objective,
                   best_bound_note=mip.best_bound_note)


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """|objective - bound| / |objective| (a share), or None when either is unknown."""
    if objective is None or bound is None or not np.isfinite(bound):
        return None
    return abs(objective - bound) / max(abs(objective), 1e-9)
