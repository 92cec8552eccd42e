"""The whole-number model CP-SAT solves, and the start it is given.

CP-SAT works on integers only. A whole-cohort model also has continuous columns (staff in post,
recruits, retention, shortfalls, all in FTE) and rows with fractional coefficients (leaver and
completion rates, costs). :func:`whole_number_model` rewrites it as an all-integer model:

- each continuous column is counted in units of ``FTE_UNIT`` (1/10,000 FTE); integer columns
  (starts, cohort switches) keep their own unit;
- a column with no upper (or lower) bound is given ``COLUMN_CAP_FTE`` (1,000,000 FTE, five times
  the whole NHS mental health workforce): CP-SAT needs finite domains;
- each row is multiplied by a power of ten that makes its coefficients whole numbers (exactly where
  10^12 or less does it; otherwise to about 9 significant figures, or fewer where the row's
  largest possible activity would overflow 64-bit integers), then rounded;
- each row's bounds are widened by half a unit per continuous term (plus the coefficient rounding
  at the start plan), so that every feasible plan, rounded to whole units, stays feasible. The
  whole-number model is therefore a slight relaxation: its optimum is at most the true one (the
  national case loses about 0.03% of cost), so CP-SAT's bound is a bound on the true cost (up to
  the rounding of coefficients at the ninth significant figure, where 10^12 does not make them whole).

CP-SAT's plan satisfies each original row to within those bands (well under 0.01 FTE); the engine
then fixes its whole-cohort decisions and re-solves the LP with GLOP (``solve_lp``), so the
reported plan is exact.

:func:`start_plan` gives CP-SAT a feasible start, as MIP solvers use: GLOP solves the LP
relaxation; a small CP-SAT model picks the whole-number values of the integer columns nearest
(in total absolute difference) to the relaxation's that satisfy every row holding only integer
columns (for whole cohorts: a cohort runs with at least its minimum, or not at all); GLOP then
re-solves the LP with those fixed.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from ortools.linear_solver.python import model_builder_helper as mbh

from optimiser.case.config import SolverSettings
from optimiser.solvers.base import ModelArrays
from optimiser.solvers.ortools_backend import GlopSolver, model_builder

#: FTE per unit of a continuous column in the whole-number model
FTE_UNIT = 1e-4
#: bound given to a continuous column with none (FTE)
COLUMN_CAP_FTE = 1e6
#: largest coefficient after scaling a row, and largest possible row activity (64-bit headroom)
MAX_COEFFICIENT = 1e9
MAX_ACTIVITY = 2.0 ** 61
#: powers of ten tried to make a row's coefficients exactly whole
MAX_EXACT_DIGITS = 12
#: a projection of the relaxation is in thousandths of a unit
PROJECTION_SCALE = 1000.0


@dataclass(frozen=True)
class WholeNumberModel:
    """All-integer arrays: ``x = unit * z``; ``row_lower <= matrix @ z <= row_upper``."""

    unit: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    cost: np.ndarray
    matrix: sp.csr_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    start: np.ndarray | None

    @property
    def bound(self) -> float:
        """Largest absolute column bound (units): CP-SAT's ``mip_max_bound`` must cover it."""
        return float(np.max(np.abs(np.r_[self.col_lower, self.col_upper]), initial=1.0))


def _row_of_entry(a: sp.csr_matrix) -> np.ndarray:
    return np.repeat(np.arange(a.shape[0]), np.diff(a.indptr))


def whole_number_model(model: ModelArrays, start: np.ndarray | None = None) -> WholeNumberModel:
    """The all-integer model of ``model`` (see the module notes); ``start`` (a feasible plan, in
    the model's own units) is rounded to whole units and kept feasible."""
    unit = np.where(model.integrality, 1.0, FTE_UNIT)
    cap = COLUMN_CAP_FTE / FTE_UNIT
    lower = np.where(np.isfinite(model.col_lower), np.round(model.col_lower / unit), -cap)
    upper = np.where(np.isfinite(model.col_upper), np.round(model.col_upper / unit), cap)
    a = (model.matrix() @ sp.diags(unit)).tocsr()
    n = a.shape[0]
    row = _row_of_entry(a)
    largest = np.zeros(n)
    np.maximum.at(largest, row, np.abs(a.data))
    largest = np.maximum(largest, 1e-300)
    activity = abs(a) @ np.maximum(np.abs(lower), np.abs(upper))
    digits_cap = np.floor(np.minimum(np.log10(MAX_COEFFICIENT / largest),
                                     np.log10(MAX_ACTIVITY / np.maximum(activity, 1e-300))))
    digits = np.full(n, np.inf)
    for d in range(MAX_EXACT_DIGITS + 1):
        v = a.data * 10.0 ** d
        inexact = np.abs(v - np.round(v)) > 1e-9 * np.maximum(np.abs(v), 1.0)
        exact = np.ones(n, bool)
        exact[row[inexact]] = False
        digits[exact & np.isinf(digits)] = d
    scale = 10.0 ** np.minimum(digits, digits_cap)
    scaled = (sp.diags(scale) @ a).tocsr()
    scaled.sum_duplicates()  # canonical order, so that the arrays below line up entry by entry
    matrix = scaled.copy()
    matrix.data = np.round(scaled.data)
    band = 0.5 * (abs(matrix) @ (~model.integrality).astype(float))
    z0 = None
    if start is not None:
        z0 = np.clip(np.round(start / unit), lower, upper)
        rounding = scaled.copy()
        rounding.data = np.abs(scaled.data - matrix.data)
        band += rounding @ np.abs(z0)
    band = np.ceil(band)
    matrix.eliminate_zeros()
    row_lower = np.where(np.isfinite(model.row_lower), np.floor(scale * model.row_lower + 1e-9) - band, -np.inf)
    row_upper = np.where(np.isfinite(model.row_upper), np.ceil(scale * model.row_upper - 1e-9) + band, np.inf)
    return WholeNumberModel(unit, lower, upper, model.cost * unit, matrix, row_lower, row_upper, z0)


def nearest_whole_decisions(model: ModelArrays, x: np.ndarray, seconds: float = 30.0) -> np.ndarray | None:
    """Whole-number values for the integer columns, nearest to ``x`` in total absolute difference,
    that satisfy every row holding only integer columns; None if CP-SAT finds none in ``seconds``."""
    j = np.flatnonzero(model.integrality)
    a = model.matrix().tocsr()
    continuous_terms = abs(a) @ (~model.integrality).astype(float)
    only_integer = (continuous_terms == 0) & (np.diff(a.indptr) > 0)
    b = a[only_integer][:, j]
    n = j.size
    target = np.round(x[j] * PROJECTION_SCALE)
    eye = sp.identity(n, format="csr")
    # columns: the values z, then the distances d >= |scale * z - target|
    matrix = sp.vstack([sp.hstack([b, sp.csr_matrix((b.shape[0], n))]),
                        sp.hstack([-PROJECTION_SCALE * eye, eye]),
                        sp.hstack([PROJECTION_SCALE * eye, eye])]).tocsr()
    builder = model_builder(np.r_[model.col_lower[j], np.zeros(n)], np.r_[model.col_upper[j], np.full(n, np.inf)],
                            np.r_[np.zeros(n), np.ones(n)], np.r_[model.row_lower[only_integer], -target, target],
                            np.r_[model.row_upper[only_integer], np.full(2 * n, np.inf)], matrix, np.arange(2 * n))
    helper = mbh.ModelSolverHelper("sat")
    helper.set_solver_specific_parameters(f"num_workers: 1 mip_max_bound: {_max_bound(model, j):.0f}")
    helper.set_time_limit_in_seconds(seconds)
    helper.solve(builder)
    if helper.status() != mbh.SolveStatus.OPTIMAL and not helper.has_solution():
        return None
    return np.round(np.asarray(helper.variable_values(), float)[:n])


def _max_bound(model: ModelArrays, j: np.ndarray) -> float:
    finite = np.r_[model.col_lower[j], model.col_upper[j]]
    finite = np.abs(finite[np.isfinite(finite)])
    return max(float(finite.max(initial=0.0)), COLUMN_CAP_FTE) * PROJECTION_SCALE * 10


def start_plan(model: ModelArrays, settings: SolverSettings) -> tuple[np.ndarray | None, str]:
    """A feasible plan to start CP-SAT from (see the module notes), and how it was found."""
    lp = settings.model_copy(update={"name": "glop", "mip_gap": None, "time_limit_seconds": None})
    relaxed = GlopSolver(replace(model, integrality=np.zeros_like(model.integrality)), lp).solve()
    if relaxed.status != "optimal":
        return None, f"no start: the LP relaxation ended '{relaxed.status}'"
    whole = nearest_whole_decisions(model, relaxed.x)
    if whole is None:
        return None, "no start: no whole-number decisions satisfy the integer rows near the LP relaxation"
    x = relaxed.x.copy()
    x[np.flatnonzero(model.integrality)] = whole
    fixed = GlopSolver(model.with_integers_fixed(x), lp).solve()
    if fixed.status != "optimal":
        return None, (f"no start: the LP relaxation's nearest whole-cohort decisions left an LP that ended "
                      f"'{fixed.status}'")
    return fixed.x, f"start from the LP relaxation's nearest whole-cohort decisions: £{fixed.objective:,.2f}"
