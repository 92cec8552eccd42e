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

:func:`start_plan` gives CP-SAT and HiGHS a feasible start, as MIP solvers use: relax and fix, year
by year. HiGHS solves the LP relaxation; a small CP-SAT model picks whole-number values of the first
year's integer columns nearest (in total absolute difference) to the LP's that satisfy every row
holding only those columns (for whole cohorts: a cohort runs with at least its minimum, or not at
all); they are fixed and the LP re-solved; then the next year, under the rows holding only its
columns and earlier years' (commissioning ramps), and so on to the last year. Where fixing a year breaks a limit the LP's continuous columns cannot absorb (a mentor limit in
a small STP, say), the LP with slack on every row names the broken rows, and that year's starts in
them are rounded towards the LP's value (down where the row is over, up where it is under) and the
year tried again.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace

import highspy
import numpy as np
import scipy.sparse as sp
from ortools.linear_solver.python import model_builder_helper as mbh

from optimiser.solvers.base import LP_OPTIONS, ModelArrays
from optimiser.solvers.ortools_model import model_builder

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


#: longest wait for one rounding of the integer columns (s)
PROJECTION_SECONDS = 30.0
#: re-roundings of one year's whole-cohort decisions after they broke a limit, before giving up
MAX_REPAIRS = 10
#: slack (row units) above which the elastic LP counts a row as broken
BROKEN = 1e-7


class _RelaxedLp:
    """The LP relaxation in HiGHS, re-solved warm as integer columns are fixed; beside it the same LP
    with slack on every row (``A x + s⁺ - s⁻``, minimise Σ s), which names the rows a fixing broke."""

    def __init__(self, model: ModelArrays, seconds: float | None, threads: int | None):
        self.deadline = None if seconds is None else time.perf_counter() + seconds
        a = model.matrix()
        n, k = model.num_row, model.num_col
        self.k = k
        self.lp = _highs(model.cost, model.col_lower, model.col_upper, model.row_lower, model.row_upper, a, threads)
        self.basis = None
        elastic = sp.hstack([a, sp.identity(n), -sp.identity(n)]).tocsc()
        self.elastic = _highs(np.r_[np.zeros(k), np.ones(2 * n)], np.r_[model.col_lower, np.zeros(2 * n)],
                              np.r_[model.col_upper, np.full(2 * n, np.inf)], model.row_lower, model.row_upper, elastic,
                              threads)
        self.elastic.setOptionValue("presolve", "off")  # always started from the LP's basis

    def solve(self, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray | None:
        """The LP's optimal plan with ``cols`` bounded as given; None if it has none (the last optimal
        basis is kept to start the next solve from)."""
        self.lp.changeColsBounds(cols.size, cols.astype(np.int32), lower, upper)
        self._run(self.lp)
        self.lp.setOptionValue("presolve", "off")  # later runs start from this basis
        if self.lp.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        self.basis = self.lp.getBasis()
        return np.asarray(self.lp.getSolution().col_value)

    def seconds_left(self) -> float:
        return np.inf if self.deadline is None else self.deadline - time.perf_counter()

    def _run(self, h: highspy.Highs) -> None:
        if self.seconds_left() <= 0:
            raise TimeoutError
        if self.deadline is not None:
            h.setOptionValue("time_limit", self.seconds_left())
        h.run()
        if h.getModelStatus() == highspy.HighsModelStatus.kTimeLimit:
            raise TimeoutError

    def unfix(self, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """Undo a fixing that failed: the bounds, and the last optimal basis to start from."""
        self.lp.changeColsBounds(cols.size, cols.astype(np.int32), lower, upper)
        self.lp.setBasis(self.basis)

    def broken_rows(self, cols: np.ndarray, integer: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                    a: sp.csc_matrix) -> tuple[np.ndarray, np.ndarray]:
        """Rows holding ``cols`` that must break with the ``integer`` columns bounded as given (slack
        is allowed on the rows holding ``cols`` only), and for each how far its activity is below (+)
        or above (-) its bounds; no rows if breaking only those rows cannot make the plan feasible."""
        n = a.shape[0]
        holds = np.zeros(n, bool)
        holds[a[:, cols].indices] = True
        slack = np.arange(self.k, self.k + 2 * n, dtype=np.int32)
        room = np.where(np.r_[holds, holds], np.inf, 0.0)
        self.elastic.changeColsBounds(slack.size, slack, np.zeros(slack.size), room)
        self.elastic.changeColsBounds(integer.size, integer.astype(np.int32), lower, upper)
        # from the LP's last optimal basis, slacks at zero: dual feasible (the plan's columns cost nothing
        # here), so the dual simplex only repairs what the fixing broke
        start = highspy.HighsBasis()
        start.col_status = list(self.basis.col_status) + [highspy.HighsBasisStatus.kLower] * (2 * n)
        start.row_status = list(self.basis.row_status)
        start.valid = True
        self.elastic.setBasis(start)
        self._run(self.elastic)
        if self.elastic.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return np.zeros(0, np.int64), np.zeros(0)
        v = np.asarray(self.elastic.getSolution().col_value)
        under, over = v[self.k:self.k + n], v[self.k + n:]
        rows = np.flatnonzero((under > BROKEN) | (over > BROKEN))
        return rows, under[rows] - over[rows]


def _highs(cost, col_lower, col_upper, row_lower, row_upper, a: sp.csc_matrix, threads: int | None) -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    if threads is not None:  # HiGHS runs one thread pool per process: a solver's own size must match it
        h.setOptionValue("threads", threads)
    for name, value in LP_OPTIONS.items():
        h.setOptionValue(name, value)
    h.passModel(a.shape[1], a.shape[0], a.nnz, int(highspy.MatrixFormat.kColwise), int(highspy.ObjSense.kMinimize),
                0.0, cost, col_lower, col_upper, row_lower, row_upper, a.indptr.astype(np.int32),
                a.indices.astype(np.int32), a.data, np.zeros(a.shape[1], np.int32))
    return h


@dataclass(frozen=True)
class StartPlan:
    """A feasible plan to start a MIP solver from (None if none was found), how it was found, and
    the LP relaxation's cost (£): a lower bound on every whole-cohort plan's cost."""

    x: np.ndarray | None
    how: str
    lp_bound: float | None = None

    def within_gap(self, cost: np.ndarray, gap: float) -> bool:
        """Whether the start's cost is proven within the relative ``gap`` of the best plan."""
        if self.x is None or self.lp_bound is None:
            return False
        value = float(cost @ self.x)
        return value - self.lp_bound <= gap * max(abs(value), 1e-9)


def start_plan(model: ModelArrays, seconds: float | None = None, threads: int | None = None) -> StartPlan:
    """A feasible plan to start a MIP solver from (relax and fix, year by year: see the module
    notes), looked for for at most ``seconds``; ``threads``: HiGHS's thread count, where a solver set it."""
    relaxed = _RelaxedLp(model, seconds, threads)
    try:
        return _relax_and_fix(model, relaxed)
    except TimeoutError:
        return StartPlan(None, "no start: the time limit was reached while looking for one")


def _relax_and_fix(model: ModelArrays, relaxed: _RelaxedLp) -> StartPlan:
    j = np.flatnonzero(model.integrality)
    lower, upper = model.col_lower.copy(), model.col_upper.copy()
    x = relaxed.solve(j, lower[j], upper[j])
    if x is None:
        return StartPlan(None, "no start: the LP relaxation has no optimal plan")
    bound = float(model.cost @ x)
    year = model.column_year[j] if model.column_year is not None else np.zeros(j.size, np.int64)
    a_cols = model.matrix().tocsc()
    a = a_cols.tocsr()
    repairs = 0
    for y in np.unique(year):
        now = year == y
        cols = j[now]
        # rounded: the years so far (earlier ones fixed), under the rows that hold only their starts;
        # later years' starts stay continuous in the LP until their turn
        so_far = replace(model, integrality=np.isin(np.arange(model.num_col), j[year <= y]))
        for _ in range(MAX_REPAIRS + 1):
            whole = nearest_whole_decisions(replace(so_far, col_lower=lower, col_upper=upper), x,
                                            min(PROJECTION_SECONDS, relaxed.seconds_left()))
            if whole is None:
                return StartPlan(None, "no start: no whole-number decisions satisfy the integer rows near the LP "
                                       "relaxation", bound)
            whole = whole[year[year <= y] == y]
            fixed = relaxed.solve(cols, whole, whole)
            if fixed is not None:
                x, lower[cols], upper[cols] = fixed, whole, whole
                break
            trial_lower, trial_upper = lower[j], upper[j]
            trial_lower[now] = trial_upper[now] = whole
            rows, shortfall = relaxed.broken_rows(cols, j, trial_lower, trial_upper, a_cols)
            relaxed.unfix(cols, lower[cols], upper[cols])
            if not _mend(a, rows, shortfall, cols, whole, x, lower, upper):
                return StartPlan(None, f"no start: fixing year {y + 1}'s whole-cohort decisions broke limits that "
                                       "rounding that year's starts towards the LP relaxation does not mend", bound)
            repairs += 1
        else:
            return StartPlan(None, f"no start: year {y + 1}'s whole-cohort decisions still broke a limit after "
                                   f"{MAX_REPAIRS} re-roundings", bound)
    return StartPlan(x, f"start from the LP relaxation fixed year by year ({repairs} re-roundings after a broken "
                        f"limit): £{float(model.cost @ x):,.2f}, LP relaxation £{bound:,.2f}", bound)


def _mend(a: sp.csr_matrix, rows: np.ndarray, shortfall: np.ndarray, cols: np.ndarray, trial: np.ndarray,
          x: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> bool:
    """Bound this year's integer columns in the broken rows so that the next rounding mends them: a
    column whose rise would raise a row that is too low (or lower one too high) is held at or above
    the LP's value ``x`` rounded up and its ``trial`` value moved by what the row lacks; one that
    would move the row the wrong way is held at or below, likewise. False if no bound changed."""
    sub = a[rows][:, cols].tocoo()
    need = shortfall[sub.row] / sub.data  # the change in the column, alone, that mends the row
    changed = False
    for c, t, d in zip(cols[sub.col], trial[sub.col], need):
        if d > 0:
            bound = max(np.ceil(x[c] - 1e-9), np.ceil(t + d - 1e-9))
            if lower[c] < bound <= upper[c]:
                lower[c], changed = bound, True
        else:
            bound = min(np.floor(x[c] + 1e-9), np.floor(t + d + 1e-9))
            if lower[c] <= bound < upper[c]:
                upper[c], changed = bound, True
    return changed
