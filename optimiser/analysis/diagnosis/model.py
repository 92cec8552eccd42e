"""The live elastic model of a diagnosis: the case's limits as a planner writes them, and the case's LP in one
HiGHS instance with an elastic column per limit.

A limit is one row each for a target's minimum or maximum and for a budget; a quantity limit over its years
for placement capacity of a scope, a course's places in a scope, a recruitment pool (source, group, scope)
and funded posts (group, scope); a share limit, whole, for a retention segment of a staff group (every STP
and year), a mentor group's mentoring capacity and a programme's cap as a share of its source group. The
stock-flow balances and the variables' bounds are always in force: they are the model's arithmetic, not a
limit anyone sets.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import highspy
import numpy as np
import scipy.sparse as sp

from optimiser.model.data import ModelData
from optimiser.model.lp import LinearProgram
from optimiser.solvers.base import LP_OPTIONS

#: Row families relaxed as an amount (their right-hand side), one limit per row or per scope.
QUANTITY = {"placements", "course_capacity", "recruitment_pools", "establishment", "budget", "targets",
            "commissioning", "absorption", "run_out"}
#: Row families whose limit is a share of staff in post: one limit per block, item and staff group.
SHARE = {"retention", "upskilling_source", "mentoring"}

#: Case table and column holding each limit block's amount; row i of the block is row i of the table
#: (for ``target_maximum``, of the targets that have a maximum).
CASE_VALUE = {
    "placement_capacity": ("placement_capacity", "placements"),
    "course_places": ("course_capacity", "places"),
    "recruitment_pool": ("recruitment_pools", "pool_fte"),
    "funded_posts": ("establishment", "posts_fte"),
    "spending_limit": ("budgets", "limit_gbp"),
    "target_minimum": ("targets", "minimum_fte"),
    "target_maximum": ("targets", "maximum_fte"),
}


# --- limits ----------------------------------------------------------------------------------------

@dataclass
class Limit:
    """One limit of the case as a planner writes it, and the LP rows it stands for."""

    id: int
    family: str
    name: str  # row block
    item: str | None
    staff_group: str | None
    stp: str | None
    region: str | None
    rows: np.ndarray  # LP row indices (narrowed rows once narrowed)
    sign: np.ndarray  # per row: -1 for an upper limit (A x ≤ u), +1 for a lower one (A x ≥ l)
    years: list[str]
    case_values: np.ndarray  # per row: the amount as the case states it (FTE, places, £ ...)
    stps: int  # STPs the rows cover (share limits); 0 where the limit has a scope
    target: dict | None = None  # the case's target row, for target limits
    budget: dict | None = None  # the case's budget row, for budgets
    narrowed: bool = False
    years_of_rows: list[str] = field(default_factory=list)  # the year of each row

    @property
    def kind(self) -> str:
        return "share" if self.family in SHARE else "quantity"

    def subset(self, keep: np.ndarray) -> "Limit":
        keep = np.asarray(keep, bool)
        years = [y for y, k in zip(self.years_of_rows, keep) if k]
        return Limit(**{**self.__dict__, "rows": self.rows[keep], "sign": self.sign[keep],
                        "case_values": self.case_values[keep], "narrowed": True,
                        "years": list(dict.fromkeys(years)), "years_of_rows": years})


def case_limits(lp: LinearProgram, data: ModelData) -> list[Limit]:
    """Every limit of the case that a diagnosis may drop or relax, in LP row order.

    Soft targets' minimums are left out (their shortfall already relaxes them), as are the
    stock-flow balances and any family not in :data:`QUANTITY` or :data:`SHARE`.
    """
    case = data.case
    targets = case.table("targets").reset_index(drop=True)
    budgets = case.table("budgets").reset_index(drop=True)
    has_max = np.flatnonzero(targets["maximum_fte"].notna().to_numpy())
    lo, up = lp.row_lower, lp.row_upper
    year_pos = {y: i for i, y in enumerate(data.years)}
    limits: list[Limit] = []
    for block in lp.row_blocks:
        if block.family not in QUANTITY and block.family not in SHARE:
            continue
        share = block.family in SHARE
        lab = block.labels.reset_index(drop=True)
        values = np.full(block.size, np.nan)
        if block.name in CASE_VALUE:
            table, column = CASE_VALUE[block.name]
            tv = case.table(table).reset_index(drop=True)[column].to_numpy(float)
            values = tv[has_max] if block.name == "target_maximum" else tv
        if block.family in ("targets", "budget"):
            members = [np.array([i]) for i in range(block.size)]
        else:
            keys = ["item", "staff_group"] if share else ["item", "staff_group", "stp", "region"]
            members = list(lab[keys].fillna("").groupby(keys, sort=False).indices.values())
        for idx in members:
            rows = block.offset + idx
            sign = np.where(np.isfinite(up[rows]), -1.0, 1.0)
            first = lab.iloc[int(idx[0])]
            target = budget = None
            if block.name == "target_minimum":
                target = targets.iloc[int(idx[0])].to_dict()
                if target["kind"] == "soft":
                    continue
            elif block.name == "target_maximum":
                target = targets.iloc[int(has_max[idx[0]])].to_dict()
            elif block.name == "spending_limit":
                budget = budgets.iloc[int(idx[0])].to_dict()
            row_years = [str(y) for y in lab["year"].to_numpy(object)[idx]]
            years = row_years[:1] if block.name == "spending_limit" else \
                sorted(set(row_years), key=lambda y: year_pos.get(y, -1))
            if block.name in CASE_VALUE:
                case_values = values[idx]
            elif share:
                case_values = np.full(idx.size, np.nan)  # a share, not an amount
            else:
                case_values = np.where(sign < 0, up[rows], lo[rows])
            limits.append(Limit(len(limits), block.family, block.name, first["item"], first["staff_group"],
                                None if share else first["stp"], None if share else first["region"], rows, sign,
                                years, np.asarray(case_values, float),
                                int(lab["stp"].iloc[idx].nunique()) if share else 0, target, budget,
                                years_of_rows=row_years))
    return limits


# --- the live model ----------------------------------------------------------------------------

class DiagnosisError(RuntimeError):
    """HiGHS gave no usable answer during a diagnosis."""


class LiveModel:
    """The case's LP in one HiGHS instance, with an elastic column per limit (closed: bounds [0, 0]).

    Later solves start from the last basis. ``drop``/``restore`` free or restore limits' rows;
    ``open``/``close`` an elastic column; ``costs`` switches between the plan's costs and a
    weighted sum of elastic columns. Solves run dual simplex, or primal simplex from the last
    basis (``feasible(primal=True)``) where only costs changed and the last plan stays feasible;
    Devex pricing in both (``LP_OPTIONS``).
    """

    #: False runs every solve with dual simplex, as before (bench/run.py's before-figures)
    primal_for_costs = True

    def __init__(self, lp: LinearProgram, limits: list[Limit]):
        self.lp, self.limits = lp, limits
        self.n = lp.num_col
        rows = np.concatenate([lim.rows for lim in limits]) if limits else np.zeros(0, np.int64)
        cols = np.concatenate([np.full(lim.rows.size, lim.id) for lim in limits]) if limits else np.zeros(0, np.int64)
        vals = np.concatenate([lim.sign for lim in limits]) if limits else np.zeros(0)
        # A x - e ≤ u for an upper limit, A x + e ≥ l for a lower one: e is the relaxation
        elastic = sp.csc_matrix((vals, (rows, cols)), shape=(lp.num_row, len(limits)))
        a = sp.hstack([lp.matrix(), elastic], format="csc")
        self.cost0 = np.concatenate([lp.cost, np.zeros(len(limits))])
        self.row_lower, self.row_upper = lp.row_lower.copy(), lp.row_upper.copy()
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        # rows and columns scaled to a largest entry of 1: far fewer dual simplex iterations in warm
        # re-solves of the national case than HiGHS's default scaling
        self.highs.setOptionValue("simplex_scale_strategy", 4)
        for name, value in LP_OPTIONS.items():
            self.highs.setOptionValue(name, value)
        ncol = a.shape[1]
        status = self.highs.passModel(
            ncol, lp.num_row, a.nnz, int(highspy.MatrixFormat.kColwise), int(highspy.ObjSense.kMinimize), 0.0,
            self.cost0, np.concatenate([lp.col_lower, np.zeros(len(limits))]),
            np.concatenate([lp.col_upper, np.zeros(len(limits))]), self.row_lower, self.row_upper,
            a.indptr.astype(np.int32), a.indices.astype(np.int32), a.data, np.zeros(ncol, np.int32))
        if status == highspy.HighsStatus.kError:
            raise DiagnosisError("HiGHS rejected the model")
        self.extra_cols = 0
        self.solves = 0
        self.iterations = 0  # simplex iterations over every solve (deterministic; bench/run.py)
        self.plan_basis = None  # basis of a cheapest plan, kept to warm-start later ones

    # columns and rows
    def _col(self, lim: Limit) -> int:
        return self.n + lim.id

    def costs(self, plan: bool, elastic: dict[int, float] | None = None) -> None:
        """Objective: the plan's costs (``plan``) plus ``elastic`` {column: weight}."""
        c = np.concatenate([self.cost0 if plan else np.zeros_like(self.cost0), np.zeros(self.extra_cols)])
        for j, w in (elastic or {}).items():
            c[j] = w
        self.highs.changeColsCost(c.size, np.arange(c.size, dtype=np.int32), c)

    def bound(self, cols, upper) -> None:
        cols = np.atleast_1d(np.asarray(cols, np.int32))
        upper = np.broadcast_to(np.asarray(upper, float), cols.shape)
        self.highs.changeColsBounds(cols.size, cols, np.zeros(cols.size), upper.copy())

    def drop(self, rows) -> None:
        rows = np.asarray(rows, np.int32)
        if rows.size:
            self.highs.changeRowsBounds(rows.size, rows, np.full(rows.size, -np.inf), np.full(rows.size, np.inf))

    def restore(self, rows) -> None:
        rows = np.asarray(rows, np.int32)
        if rows.size:
            self.highs.changeRowsBounds(rows.size, rows, self.row_lower[rows], self.row_upper[rows])

    def add_elastic(self, lim: Limit) -> int:
        """A new elastic column on ``lim``'s (possibly narrowed) rows; returns its index."""
        j = self.highs.getNumCol()
        rows = lim.rows.astype(np.int32)
        self.highs.addCol(0.0, 0.0, 0.0, rows.size, rows, lim.sign.astype(float))
        self.extra_cols += 1
        return j

    def start_from_plan(self) -> None:
        """Warm-start the next solve from ``plan_basis`` (columns added since at their lower bound),
        or from scratch without one: a feasibility basis is a poor start for a cheapest plan."""
        basis = self.plan_basis
        if basis is None or len(basis.row_status) != self.highs.getNumRow():
            self.highs.clearSolver()
            return
        extra = self.highs.getNumCol() - len(basis.col_status)
        start = highspy.HighsBasis()
        start.col_status = list(basis.col_status) + [highspy.HighsBasisStatus.kLower] * extra
        start.row_status = list(basis.row_status)
        start.valid = True
        if self.highs.setBasis(start) == highspy.HighsStatus.kError:
            self.highs.clearSolver()

    # solving
    def feasible(self, primal: bool = False) -> bool:
        """Solve; True if optimal, False if infeasible. ``primal``: the last basis is primal feasible
        (only costs changed, or bounds loosened), so primal simplex from it."""
        self.solves += 1
        primal = primal and self.primal_for_costs
        self.highs.setOptionValue("simplex_strategy", 4 if primal else 1)
        self.highs.run()
        self.iterations += int(self.highs.getInfo().simplex_iteration_count)
        status = self.highs.getModelStatus()
        if status not in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kInfeasible,
                          highspy.HighsModelStatus.kUnboundedOrInfeasible):
            self.highs.clearSolver()  # a warm start gone wrong: solve again from scratch
            self.solves += 1
            self.highs.setOptionValue("simplex_strategy", 1)
            self.highs.run()
            self.iterations += int(self.highs.getInfo().simplex_iteration_count)
            status = self.highs.getModelStatus()
        if status == highspy.HighsModelStatus.kOptimal:
            return True
        if status in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible):
            return False
        raise DiagnosisError(f"HiGHS ended '{self.highs.modelStatusToString(status)}' during the diagnosis")

    def x(self) -> np.ndarray:
        return np.asarray(self.highs.getSolution().col_value)

    def objective(self) -> float:
        return float(self.highs.getInfo().objective_function_value)

    def ray_rows(self) -> set[int] | None:
        """Rows in the support of the dual ray of the last (infeasible) solve, or None without one."""
        try:
            status, has_ray, ray = self.highs.getDualRay()
        except Exception:  # noqa: BLE001 - an older highspy: no ray, no shortcut
            return None
        if status == highspy.HighsStatus.kError or not has_ray:
            return None
        ray = np.asarray(ray)
        return set(np.flatnonzero(np.abs(ray) > 1e-9 * max(1.0, float(np.abs(ray).max()))).tolist())
