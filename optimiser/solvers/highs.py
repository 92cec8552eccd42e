"""HiGHS through highspy: the whole matrix passed in one call; the solver object kept for warm re-solves."""
from __future__ import annotations

import time

import highspy
import numpy as np

from optimiser.case.config import SolverSettings
from optimiser.model.lp import LinearProgram
from optimiser.solvers.base import LP_OPTIONS, SolverResult

_STATUS = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnbounded: "unbounded",
    highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible_or_unbounded",
    highspy.HighsModelStatus.kTimeLimit: "time_limit",
    highspy.HighsModelStatus.kIterationLimit: "time_limit",
    highspy.HighsModelStatus.kInterrupt: "interrupted",
    highspy.HighsModelStatus.kSolveError: "numerical_trouble",
    highspy.HighsModelStatus.kPostsolveError: "numerical_trouble",
}
#: HiGHS basis statuses by code: 0 at lower bound, 1 basic, 2 at upper bound
#: LPs of at least this many columns are solved cold by the interior point method with crossover to an
#: exact vertex: the same least cost, on the national case as shipped (45,649 columns) 40 s against 112 s
#: by dual simplex, and 43 s against 51 s for stage 2 (bench/README.md). Smaller LPs, a start from a given
#: basis (PDLP's crossover) and anything IPM does not prove optimal go to the simplex method.
IPM_FROM_COLUMNS = 10_000
IPM_OPTIONS = {"solver": "ipm", "run_crossover": "on"}
_BASIS_STATUS = np.array([highspy.HighsBasisStatus.kLower, highspy.HighsBasisStatus.kBasic,
                          highspy.HighsBasisStatus.kUpper], dtype=object)


def highs_version() -> str:
    h = highspy.Highs()
    return f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"


class HighsSolver:
    """A live HiGHS instance holding one LP; later solves start from the last basis."""

    name = "highs"
    integer = True  # solves MIPs (whole cohorts)
    version = staticmethod(lambda: highs_version())

    def __init__(self, lp: LinearProgram, settings: SolverSettings | None = None):
        settings = settings or SolverSettings()
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        if settings.time_limit_seconds is not None:
            self.highs.setOptionValue("time_limit", float(settings.time_limit_seconds))
        if settings.mip_gap is not None:
            self.highs.setOptionValue("mip_rel_gap", float(settings.mip_gap))
        if settings.threads is not None:
            # HiGHS runs one global thread pool, sized once; a different size needs a new pool
            highspy.Highs.resetGlobalScheduler(True)
            self.highs.setOptionValue("threads", int(settings.threads))
        if settings.random_seed is not None:
            self.highs.setOptionValue("random_seed", int(settings.random_seed))
        a = lp.matrix()
        integrality = lp.integrality.astype(np.int32)
        status = self.highs.passModel(
            lp.num_col, lp.num_row, a.nnz, int(highspy.MatrixFormat.kColwise), int(highspy.ObjSense.kMinimize), 0.0,
            lp.cost, lp.col_lower, lp.col_upper, lp.row_lower, lp.row_upper,
            a.indptr.astype(np.int32), a.indices.astype(np.int32), a.data, integrality,
        )
        if status == highspy.HighsStatus.kError:
            raise RuntimeError("HiGHS rejected the model")
        self.is_mip = bool(integrality.any())
        self.interior_point = not self.is_mip and lp.num_col >= IPM_FROM_COLUMNS
        if not self.is_mip:
            for name, value in {**LP_OPTIONS, **(IPM_OPTIONS if self.interior_point else {})}.items():
                self.highs.setOptionValue(name, value)
        self.lp = lp

    def _simplex(self) -> None:
        """The simplex method from here on (a start from a basis, or a re-solve)."""
        self.interior_point = False
        self.highs.setOptionValue("solver", "simplex")

    def start_from_point(self, x: np.ndarray, at_bound: float) -> int:
        """Crossover: start the next solve from a basis guessed from an approximate optimal plan ``x``
        (PDLP's), so that the simplex method ends at an exact vertex near it.

        A column or row further than ``at_bound`` (relative, from the accuracy of ``x``) from its
        bounds is basic; every other one sits at its nearer bound. The guess may hold more or fewer
        basics than there are rows; HiGHS completes it (an "alien" basis). Returns the number of
        basics guessed.
        """
        self._simplex()
        lp = self.lp
        activity = lp.matrix() @ x
        col_basic = _interior(x, lp.col_lower, lp.col_upper, at_bound)
        row_basic = _interior(activity, lp.row_lower, lp.row_upper, at_bound)
        basis = highspy.HighsBasis()
        basis.col_status = _BASIS_STATUS[_status_codes(x, lp.col_lower, lp.col_upper, col_basic)].tolist()
        basis.row_status = _BASIS_STATUS[_status_codes(activity, lp.row_lower, lp.row_upper, row_basic)].tolist()
        basis.alien = True
        basis.valid = True
        if self.highs.setBasis(basis) == highspy.HighsStatus.kError:
            raise RuntimeError("HiGHS rejected the crossover basis")
        return int(col_basic.sum() + row_basic.sum())

    def _start_mip(self, limit: float):
        """Give HiGHS a feasible whole-cohort plan to start from: its own heuristics find none on the
        national case in minutes."""
        from optimiser.solvers.base import ModelArrays
        from optimiser.solvers.whole_numbers import start_plan

        start = start_plan(ModelArrays.of(self.lp), limit if np.isfinite(limit) else None,
                           self.highs.getOptionValue("threads")[1])
        if start.x is not None:
            solution = highspy.HighsSolution()
            solution.col_value = start.x.tolist()
            solution.value_valid = True
            self.highs.setSolution(solution)
        return start

    def solve(self) -> SolverResult:
        start = time.perf_counter()
        how = ""
        if self.is_mip:
            limit = self.highs.getOptionValue("time_limit")[1]
            plan = self._start_mip(limit)
            how = plan.how
            if plan.within_gap(self.lp.cost, self.highs.getOptionValue("mip_rel_gap")[1]):
                return SolverResult(self.name, highs_version(), "optimal", time.perf_counter() - start,
                                    message=f"the start is within the MIP gap of the LP relaxation, so branch and "
                                            f"bound was not needed ({how})", objective=float(self.lp.cost @ plan.x),
                                    x=plan.x, best_bound=plan.lp_bound, duals_note="none: a MIP has no duals")
            if np.isfinite(limit):
                left = limit - (time.perf_counter() - start)
                if left <= 0:
                    return SolverResult(self.name, highs_version(), "time_limit", time.perf_counter() - start,
                                        message=f"the time limit was reached before branch and bound ({how})")
                self.highs.setOptionValue("time_limit", left)
        self.highs.run()
        if self.interior_point:
            self._simplex()
            if self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                self.highs.clearSolver()
                self.highs.run()  # infeasible, unbounded or not converged: the simplex method says which
        seconds = time.perf_counter() - start
        model_status = self.highs.getModelStatus()
        status = _STATUS.get(model_status, "error")
        result = SolverResult(self.name, highs_version(), status, seconds,
                              message=self.highs.modelStatusToString(model_status) + (f" ({how})" if how else ""))
        if status == "optimal":
            sol = self.highs.getSolution()
            result.objective = float(self.highs.getInfo().objective_function_value)
            result.x = np.asarray(sol.col_value)
            result.row_activity = np.asarray(sol.row_value)
            if self.is_mip:
                result.best_bound = float(self.highs.getInfo().mip_dual_bound)
                result.duals_note = "none: a MIP has no duals"
            elif sol.dual_valid:
                result.row_dual = np.asarray(sol.row_dual)
                result.col_dual = np.asarray(sol.col_dual)
                result.duals_note = "from the LP solve"
            else:
                result.duals_note = "HiGHS gave no duals for this solve"
        elif self.is_mip and self.highs.getInfo().primal_solution_status == 2:  # stopped with a plan, not proven
            info = self.highs.getInfo()
            result.message += (f"; best plan found £{info.objective_function_value:,.2f}, best bound "
                               f"£{info.mip_dual_bound:,.2f}: not proven within the MIP gap, so not reported")
        return result


def _interior(value: np.ndarray, lower: np.ndarray, upper: np.ndarray, at_bound: float) -> np.ndarray:
    """Whether each value is inside both its bounds by more than ``at_bound`` (relative)."""
    tol = at_bound * np.maximum(1.0, np.abs(value))
    return (value - lower > tol) & (upper - value > tol)


def _status_codes(value, lower, upper, basic) -> np.ndarray:
    """Basis status codes (``_BASIS_STATUS``): basic where ``basic``, else at the nearer bound."""
    nearer_upper = np.abs(upper - value) < np.abs(value - lower)
    return np.where(basic, 1, np.where(nearer_upper, 2, 0))
