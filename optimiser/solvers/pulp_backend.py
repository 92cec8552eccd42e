"""PuLP backends: CBC (the binary bundled with PuLP) and HiGHS through PuLP's highspy interface.

PuLP models are objects, one per variable and per row, so this is as close to bulk as PuLP
allows: the variables come from one list comprehension over the column arrays, and each row's
expression is made in one call from its slice of the compressed-row matrix. A ranged row
(both bounds finite and different) becomes two PuLP constraints, whose duals are added back.

Status is mapped honestly, not from PuLP's ``status`` alone (which calls a time-limited run
"Optimal"): CBC's own first line of its solution file ("Optimal", "Stopped on time", ...) and, for
HiGHS, the model status of the highspy object PuLP leaves in ``problem.solverModel``, checked
against ``problem.sol_status``.
"""
from __future__ import annotations

import functools
import os
import re
import subprocess
import time
from dataclasses import replace

import numpy as np
import pulp

from optimiser.case.config import SolverSettings
from optimiser.solvers.base import ModelArrays, SolverResult


def _finite(v: float) -> float | None:
    return float(v) if np.isfinite(v) else None


class _PulpBackend:
    """Shared model conversion and result reading; subclasses pick the PuLP solver."""

    name = "pulp"
    integer = True

    def __init__(self, lp, settings: SolverSettings | None = None):
        self.model = ModelArrays.of(lp)
        self.settings = settings or SolverSettings()
        self.is_mip = self.model.is_mip
        self.problem, self.columns, self.rows = self._build()

    def _build(self):
        m = self.model
        problem = pulp.LpProblem("allocation", pulp.LpMinimize)
        cats = np.where(m.integrality, pulp.LpInteger, pulp.LpContinuous)
        columns = [problem.add_variable(f"x{j}", lo, up, cat) for j, (lo, up, cat) in enumerate(
            zip(map(_finite, m.col_lower), map(_finite, m.col_upper), cats.tolist()))]
        # every column in the objective (zeros too), so that PuLP passes every column to the solver
        problem.setObjective(pulp.LpAffineExpression(zip(columns, m.cost.tolist())))
        csr = m.matrix().tocsr()
        indptr, indices, data = csr.indptr, csr.indices.tolist(), csr.data.tolist()
        rows: list[list[pulp.LpConstraint]] = []
        for i, (lo, up) in enumerate(zip(m.row_lower.tolist(), m.row_upper.tolist())):
            a, b = indptr[i], indptr[i + 1]
            terms = list(zip([columns[j] for j in indices[a:b]], data[a:b]))
            if lo == up:
                parts = [(pulp.LpConstraintEQ, lo, f"r{i}")]
            else:
                parts = [(sense, rhs, f"r{i}{suffix}") for sense, rhs, suffix in
                         ((pulp.LpConstraintGE, lo, ""), (pulp.LpConstraintLE, up, "_up")) if np.isfinite(rhs)]
            rows.append([])
            for sense, rhs, name in parts:
                c = pulp.LpConstraint(pulp.LpAffineExpression(terms), sense, name, rhs)
                problem.addConstraint(c)
                rows[-1].append(c)
        return problem, columns, rows

    # --- results --------------------------------------------------------------------------
    def _values(self) -> np.ndarray:
        return np.array([np.nan if v.varValue is None else v.varValue for v in self.columns], float)

    def _duals(self) -> tuple[np.ndarray, np.ndarray] | None:
        dj = [v.dj for v in self.columns]
        pi = [[c.pi for c in row] for row in self.rows]
        if any(d is None for d in dj) or any(p is None for row in pi for p in row):
            return None
        return (np.array([sum(row) for row in pi], float), np.array(dj, float))

    def _run(self, solver) -> float | SolverResult:
        """Solve with a PuLP solver object; the seconds taken, or an ``error`` result if PuLP raised."""
        start = time.perf_counter()
        try:
            self.problem.solve(solver)
        except pulp.PulpSolverError as exc:
            return SolverResult(self.name, self.version(), "error", time.perf_counter() - start, message=str(exc))
        return time.perf_counter() - start

    def _result(self, status: str, seconds: float, message: str) -> SolverResult:
        result = SolverResult(self.name, self.version(), status, seconds, message=message)
        if status != "optimal":
            return result
        x = self._values()
        if np.isnan(x).any():
            result.status, result.message = "error", f"{message}; the solver returned no value for some columns"
            return result
        result.x = x
        result.objective = float(self.model.cost @ x)
        if self.is_mip:
            result.duals_note = "none: a MIP has no duals"
            return result
        duals = self._duals()
        if duals is None:
            result.duals_note = f"none: {self.name} returned no duals"
        else:
            result.row_dual, result.col_dual = duals
            result.duals_note = "from the LP solve"
        return result


# --------------------------------------------------------------------------------------------------
# CBC
# --------------------------------------------------------------------------------------------------

def cbc_path() -> str | None:
    """The CBC binary bundled with PuLP, or None to let PuLP look for ``cbc`` on the PATH.

    (``PULP_CBC_CMD`` itself is deprecated in PuLP 3.3 in favour of ``COIN_CMD`` with a path.)
    """
    bundled = getattr(getattr(pulp, "PULP_CBC_CMD", None), "pulp_cbc_path", None)
    return bundled if bundled and os.path.exists(bundled) else None


class _CBC(pulp.COIN_CMD):
    """CBC through PuLP, keeping CBC's own status line (PuLP folds "Stopped on time" into Optimal)."""

    status_line = ""

    def get_status(self, filename):
        with open(filename) as f:
            self.status_line = f.readline().strip()
        return super().get_status(filename)


#: CBC's status line (first words) -> status
_CBC_STATUS = [
    ("optimal", "optimal"),
    ("infeasible", "infeasible"),
    ("integer infeasible", "infeasible"),
    ("unbounded", "unbounded"),
    ("stopped on time", "time_limit"),
    ("stopped on iterations", "time_limit"),
    ("stopped on nodes", "time_limit"),
    ("stopped on solutions", "time_limit"),
    ("stopped on ctrl-c", "interrupted"),
    ("stopped on difficulties", "numerical_trouble"),
]


def cbc_status(line: str) -> str:
    """Our status for the first line of a CBC solution file."""
    low = line.lower()
    for prefix, status in sorted(_CBC_STATUS, key=lambda p: -len(p[0])):
        if low.startswith(prefix):
            return status
    return "error"


@functools.cache
def cbc_version() -> str:
    try:
        out = subprocess.run([_CBC(path=cbc_path()).path, "-stop"], capture_output=True, text=True, timeout=30).stdout
        found = re.search(r"Version:\s*(\S+)", out)
        cbc = found.group(1) if found else "?"
    except (OSError, subprocess.SubprocessError):
        cbc = "?"
    return f"CBC {cbc} (PuLP {pulp.__version__})"


#: Why a MIP solved by CBC through PuLP has no best bound (``SolverResult.best_bound_note``).
CBC_NO_BOUND = ("CBC through PuLP gives no best bound: PuLP reads CBC's solution file, which holds the plan and "
                "CBC's status line but no bound. The status line (in the message) says whether CBC proved the plan "
                "optimal ('Optimal') or stopped within the gap tolerance ('Optimal (within gap tolerance)')")


class PulpCbcSolver(_PulpBackend):
    """CBC through PuLP: the MPS file PuLP writes, then CBC (CLP's simplex for an LP).

    CBC writes its solution file with 8 significant digits, so a value of 2,000 FTE is known to
    about 1e-4 and a sum over many STPs to about 1e-3. For an LP the plan is therefore refined
    once: CBC solves the same LP again in the shifted variables ``d = x - x1`` around its first
    answer ``x1``, within a box of ``REFINE_BOX·max(1, |x1|)`` (which holds the exact optimum, so
    neither the optimum nor feasibility is lost), and ``x1 + d`` is exact to about 1e-11 relative.
    The duals are the first solve's (8 significant digits).
    """

    name = "pulp-cbc"
    version = staticmethod(cbc_version)
    REFINE_BOX = 1e-3

    def options(self) -> list[str]:
        """Extra CBC command-line options: the random seeds of CBC (branch and cut) and CLP (simplex)."""
        seed = self.settings.random_seed
        return [] if seed is None else [f"randomCbcSeed {seed}", f"randomSeed {seed}"]

    def solve(self) -> SolverResult:
        result = self._solve_once()
        if result.status != "optimal" or self.is_mip:
            return result  # a MIP's plan is only used for its integer decisions, then re-solved as an LP
        return self._refine(result)

    def _solve_once(self) -> SolverResult:
        s = self.settings
        solver = _CBC(path=cbc_path(), mip=self.is_mip, msg=False, timeLimit=s.time_limit_seconds,
                      gapRel=s.mip_gap if self.is_mip else None, threads=s.threads, options=self.options())
        seconds = self._run(solver)
        if isinstance(seconds, SolverResult):
            return seconds
        line = solver.status_line
        status = cbc_status(line)
        limit = self.settings.time_limit_seconds
        if status == "infeasible" and self.is_mip and limit is not None and seconds >= limit:
            # CBC's "Integer infeasible" after its time limit means no whole-number plan was found in time,
            # not that none exists
            status, line = "time_limit", f"{line} (at the {limit:g} s time limit: no whole-cohort plan found in time)"
        if status == "optimal" and self.problem.sol_status != pulp.LpSolutionOptimal:
            status = "error"  # CBC and PuLP disagree: do not claim a plan
        result = self._result(status, seconds, line)
        if self.is_mip:
            # CBC's own objective, from its status line (15 digits; the plan's values have 8)
            found = re.search(r"objective value\s+(\S+)", line)
            if result.objective is not None and found:
                result.objective = float(found.group(1))
            result.best_bound_note = CBC_NO_BOUND
        return result

    def _refine(self, first: SolverResult) -> SolverResult:
        m, x1 = self.model, first.x
        box = self.REFINE_BOX * np.maximum(1.0, np.abs(x1))
        lower = np.maximum(m.col_lower - x1, -box)
        upper = np.minimum(m.col_upper - x1, box)
        upper = np.maximum(upper, lower)  # x1 just outside a bound by rounding: the box starts at the bound
        ax = m.matrix() @ x1
        shifted = ModelArrays(m.cost, lower, upper, m.integrality, m.row_lower - ax, m.row_upper - ax, m.matrix())
        second = PulpCbcSolver(shifted, self.settings)._solve_once()
        if second.status != "optimal":
            first.message += f"; refining CBC's 8-digit solution ended '{second.status}', so it is kept as written"
            return first
        x = x1 + second.x
        return replace(first, x=x, objective=float(m.cost @ x), seconds=first.seconds + second.seconds)

# --------------------------------------------------------------------------------------------------
# HiGHS through PuLP
# --------------------------------------------------------------------------------------------------

@functools.cache
def pulp_highs_version() -> str:
    from optimiser.solvers.highs import highs_version

    return f"HiGHS {highs_version()} (PuLP {pulp.__version__})"


class PulpHighsSolver(_PulpBackend):
    """HiGHS through PuLP's ``HiGHS`` API class (highspy in this process, built row by row by PuLP)."""

    name = "pulp-highs"
    version = staticmethod(pulp_highs_version)

    def solve(self) -> SolverResult:
        import highspy

        from optimiser.solvers.highs import _STATUS

        s = self.settings
        params = {}
        if s.random_seed is not None:
            params["random_seed"] = int(s.random_seed)
        if s.threads is not None:
            highspy.Highs.resetGlobalScheduler(True)  # one global pool in HiGHS, sized once
        solver = pulp.HiGHS(mip=self.is_mip, msg=False, timeLimit=s.time_limit_seconds,
                            gapRel=s.mip_gap if self.is_mip else None, threads=s.threads, **params)
        seconds = self._run(solver)
        if isinstance(seconds, SolverResult):
            return seconds
        h = self.problem.solverModel
        model_status = h.getModelStatus()
        status = _STATUS.get(model_status, "error")
        message = h.modelStatusToString(model_status)
        # PuLP reports a time-limited or interrupted run as "Optimal" with sol_status "integer feasible"
        if status == "optimal" and self.problem.sol_status != pulp.LpSolutionOptimal:
            status = "error"
        result = self._result(status, seconds, message)
        if status == "optimal":
            info = h.getInfo()
            if self.is_mip:
                result.best_bound = float(info.mip_dual_bound)
            elif not h.getSolution().dual_valid:
                result.row_dual = result.col_dual = None
                result.duals_note = "none: HiGHS gave no valid duals for this solve"
        elif self.is_mip and h.getInfo().primal_solution_status == 2:
            result.message += (f"; best plan found £{h.getInfo().objective_function_value:,.2f}: not proven "
                               "within the MIP gap, so not reported")
        return result
