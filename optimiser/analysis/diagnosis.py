"""Why a case is infeasible, in the planner's words (``optimiser explain``; ``optimiser solve`` runs it
when a case is infeasible).

Three answers, all from one live HiGHS model (the case's LP plus one *elastic* column per limit that
may be relaxed; a relaxation opens a column's upper bound, a dropped limit has its row bounds freed):

(a) **Elastic solve.** Every hard target's minimum may fall short; minimise the priority-weighted
    shortfall (FTE × ``priority``) with every other limit in force, then, holding that weighted
    shortfall, minimise cost. The result is the smallest shortfalls that make the case feasible and
    the cost of the plan that meets the rest. If even this is infeasible, no target is to blame.
(b) **Conflict set.** An irreducible inconsistent subset of the case's *limits*. The stock-flow
    balance and the variables' bounds are always in force (they are the model's arithmetic, not a
    limit anyone sets). A limit is what a planner writes in a case table:

    - one row each: a target's minimum or maximum, a budget;
    - a quantity limit over its years: placement capacity of a scope, a course's places in a scope,
      a recruitment pool (source, group, scope), funded posts (group, scope). Years outside the
      final Farkas certificate are dropped; when the conflict holds few such limits
      (:data:`NARROW_MAX_LIMITS`), each is narrowed until every year left is needed;
    - a share limit, whole: a retention segment of a staff group (every STP and year), a mentor
      group's mentoring capacity, a programme's cap as a share of its source group.

    The set is found by deletion filtering (Chinneck): start from the support of HiGHS's dual ray
    (a Farkas certificate: those limits alone already conflict), then drop limits one at a time,
    keeping each whose removal makes the case feasible, and after each infeasible test drop every
    limit outside the new ray's support. Share limits are tried first and budgets and targets last,
    so the set keeps the limits a planner can most easily act on when there is a choice. Dropping
    any one limit of the set (for a narrowed limit, any one of its years) makes the case feasible.

    HiGHS's own ``getIis`` (highspy 1.14) is not used: its default ``iis_strategy`` (0, "light")
    only looks for incompatible bounds and returns an empty set here; strategy 2 or 6 (elasticity
    filter over every row, stock-flow balances included) needed more than 400 s on the national
    ``tight_budget`` case, grew a set of thousands of balance rows and ignored ``time_limit``.
    :func:`highs_iis` runs it on small models, where the tests check it agrees.
(c) **Single relaxations.** For each limit of the conflict set that is a quantity (budget, pool,
    capacity, placements, posts, target) and each hard target that falls short in (a): the least
    change of that one limit (the same amount in each of its years) that makes the case feasible,
    then the cost of the cheapest plan with that change. Ranked by cost and by relative change.
    A limit outside the conflict set cannot restore feasibility on its own (the set still
    conflicts), so none is tried. Share limits are not offered: raising a share is not a change of
    a limit's amount.

A case with whole cohorts (integer programmes) is diagnosed on its LP relaxation; if that is
feasible, the whole-cohort decisions cause the infeasibility and the diagnosis says so.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import highspy
import numpy as np
import pandas as pd
import scipy.sparse as sp

from optimiser.case import Case
from optimiser.case.tables import split_list
from optimiser.formatting import fte_words as _fte, pounds as _money
from optimiser.model.build import build_lp
from optimiser.model.data import ModelData
from optimiser.model.lp import LinearProgram
from optimiser.solvers.highs import LP_OPTIONS

#: Row families relaxed as an amount (their right-hand side), one limit per row or per scope.
QUANTITY = {"placements", "course_capacity", "recruitment_pools", "establishment", "budget", "targets",
            "commissioning", "absorption", "run_out"}
#: Row families whose limit is a share of staff in post: one limit per block, item and staff group.
SHARE = {"retention", "upskilling_source", "mentoring"}
#: Families tried first in the deletion filter (so dropped first when there is a choice); targets last.
DELETION_ORDER = {"retention": 0, "upskilling_source": 0, "mentoring": 0, "placements": 1, "course_capacity": 1,
                  "recruitment_pools": 1, "establishment": 1, "commissioning": 1, "absorption": 1, "run_out": 1,
                  "budget": 2, "targets": 3}
#: Order of the limits in a conflict sentence: the ones a planner sets most directly first.
SENTENCE_ORDER = {"budget": 0, "course_capacity": 1, "commissioning": 1, "placements": 2, "establishment": 3,
                  "absorption": 3, "run_out": 3, "recruitment_pools": 4, "mentoring": 5, "upskilling_source": 6,
                  "retention": 7}
#: Quantity limits spanning several years are narrowed until every year left is needed when the
#: conflict set holds at most this many of them (each costs a few LP solves); beyond it only the years
#: outside the dual ray's support are dropped (one solve each).
NARROW_MAX_LIMITS = 12
#: A relaxation is fixed at its least value times (1 + this) when the cheapest plan is sought.
RELAX_SLACK = 1e-7
FEASIBILITY_TOL = 1e-6

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
#: How a relaxation of each block reads: (short change label, unit of the change).
CHANGE = {
    "placement_capacity": ("placements", "placement places"),
    "course_places": ("capacity", "places"),
    "recruitment_pool": ("pool", "recruits"),
    "funded_posts": ("posts", "FTE posts"),
    "spending_limit": ("budget", "£"),
    "target_minimum": ("target", "FTE"),
    "target_maximum": ("target maximum", "FTE"),
    "intake_rise": ("intake rise", "starts a year"),
    "intake_fall": ("intake fall", "starts a year"),
    "intake_floor": ("intake floor", "starts"),
    "absorption_growth": ("absorption", "FTE a year"),
    "local_fall": ("local fall", "FTE a year"),
    "workforce_held": ("run-out hold", "FTE"),
}


# --- limits -------------------------------------------------------------------------------------

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


# --- the diagnosis -----------------------------------------------------------------------------

@dataclass
class Diagnosis:
    """What a diagnosis found (see the module docstring). ``to_dict`` gives the JSON form."""

    case_name: str
    scenario: str | None
    status: str  # infeasible | feasible | integer_infeasible
    message: str
    elastic: dict = field(default_factory=dict)
    conflict: dict = field(default_factory=dict)
    relaxations: list[dict] = field(default_factory=list)
    lp_solves: int = 0
    lp_iterations: int = 0  # simplex iterations over every solve (not in the JSON: bench/run.py reads it)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage; not reproducible

    def to_dict(self) -> dict:
        """Plain data in the shape of ``optimiser.export.solution.Diagnosis`` (floats rounded)."""
        return _rounded({"status": self.status, "message": self.message, "elastic": self.elastic or None,
                         "conflict": self.conflict or None, "relaxations": self.relaxations,
                         "lp_solves": self.lp_solves})


def diagnose(case: Case, narrow_max_limits: int = NARROW_MAX_LIMITS) -> Diagnosis:
    """Explain why ``case`` is infeasible: elastic shortfalls, a conflict set, single relaxations.

    Args:
        case: a loaded case.
        narrow_max_limits: narrow multi-year quantity limits of the conflict set to their years
            when it holds at most this many of them.

    Returns:
        A :class:`Diagnosis`; ``status`` is ``feasible`` when there is nothing to explain.
    """
    timings: dict[str, float] = {}
    start = time.perf_counter()
    lp, data = build_lp(case)
    limits = case_limits(lp, data)
    live = LiveModel(lp, limits)
    names = Names(data)
    timings["build"] = time.perf_counter() - start

    start = time.perf_counter()
    live.costs(plan=False)
    feasible = live.feasible()
    timings["check"] = time.perf_counter() - start
    diag = Diagnosis(case.name, case.scenario, "infeasible", "")
    if feasible:
        if lp.integrality.any():
            diag.status = "integer_infeasible"
            diag.message = ("The LP relaxation is feasible: the infeasibility comes from whole cohorts (integer "
                            "programmes and minimum cohorts). Lower a minimum cohort or raise the capacity it needs.")
        else:
            diag.status = "feasible"
            diag.message = "The case is feasible: there is nothing to explain."
        diag.lp_solves, diag.lp_iterations = live.solves, live.iterations
        diag.timings = timings
        return diag

    start = time.perf_counter()
    diag.elastic = _elastic(live, limits, names)
    timings["elastic"] = time.perf_counter() - start
    start = time.perf_counter()
    conflict = _conflict_set(live, limits, narrow_max_limits)
    diag.conflict = _conflict_dict(conflict, names)
    timings["conflict"] = time.perf_counter() - start
    start = time.perf_counter()
    short = {s["target"] for s in (diag.elastic.get("shortfalls") or [])}
    candidates = [lim for lim in conflict["limits"] if lim.kind == "quantity"]
    seen = {lim.id for lim in candidates}
    candidates += [lim for lim in limits if lim.name == "target_minimum" and lim.target["target"] in short
                   and lim.id not in seen]
    diag.relaxations = _relaxations(live, candidates, names)
    timings["relaxations"] = time.perf_counter() - start
    diag.lp_solves, diag.lp_iterations = live.solves, live.iterations
    diag.timings = timings
    diag.message = _headline(diag)
    return diag


def _elastic(live: LiveModel, limits: list[Limit], names: "Names") -> dict:
    """(a) Least priority-weighted shortfall of the hard targets, then the cheapest plan at it."""
    hard = [lim for lim in limits if lim.name == "target_minimum"]
    if not hard:
        return {"status": "infeasible", "message": "The case has no hard target to fall short: the conflict is "
                "between other limits.", "weighted_shortfall_fte": None, "total_cost_gbp": None, "shortfalls": []}
    cols = {live._col(lim): float(lim.target["priority"]) for lim in hard}
    live.bound(list(cols), np.inf)
    live.costs(plan=False, elastic=cols)
    try:
        if not live.feasible():
            return {"status": "infeasible",
                    "message": "Even with every hard target allowed to fall short the case is infeasible: limits other "
                               "than targets conflict (see the conflict set).",
                    "weighted_shortfall_fte": None, "total_cost_gbp": None, "shortfalls": []}
        weighted = live.objective()
        # hold each shortfall at its value and find the cheapest plan
        x = live.x()
        for j in cols:
            live.bound(j, max(0.0, float(x[j])) * (1 + RELAX_SLACK) + FEASIBILITY_TOL)
        live.costs(plan=True)
        # only costs changed and the shortfalls are held at or above their values: the plan found is
        # still feasible, so primal simplex from it (dual simplex would have to start from scratch)
        if not live.primal_for_costs:
            live.highs.clearSolver()  # from scratch: a feasibility basis is a poor dual start for the cost
        cost = live.objective() if live.feasible(primal=True) else None
        if cost is not None:
            live.plan_basis = live.highs.getBasis()  # a good start for the relaxations' cheapest plans
    finally:
        live.bound(list(cols), 0.0)
    shortfalls = []
    for lim in hard:
        s = float(x[live._col(lim)])
        if s <= FEASIBILITY_TOL * max(1.0, abs(float(lim.target["minimum_fte"]))):
            continue
        t = lim.target
        shortfalls.append({
            "target": t["target"], "description": t["description"], "year": t["year"], "measure": t["measure"],
            "family": t["family"], "staff_group": t["staff_group"], "region": t["region"], "stp": t["stp"],
            "priority": float(t["priority"]), "minimum_fte": float(t["minimum_fte"]),
            "achievable_fte": float(t["minimum_fte"]) - s, "shortfall_fte": s,
            "words": f"{names.target(t)}: at most {_fte(float(t['minimum_fte']) - s)} FTE, {_fte(s)} FTE short",
        })
    total = sum(s["shortfall_fte"] for s in shortfalls)
    return {"status": "optimal",
            "message": (f"Every other limit can be kept if {len(shortfalls)} hard target(s) fall short by "
                        f"{_fte(total)} FTE in all (priority-weighted {_fte(weighted)})." if shortfalls else
                        "No target needs to fall short."),
            "weighted_shortfall_fte": weighted, "total_cost_gbp": cost, "shortfalls": shortfalls}


def _conflict_set(live: LiveModel, limits: list[Limit], narrow_max_limits: int) -> dict:
    """(b) An irreducible set of limits that conflict (deletion filter with dual-ray shortcuts)."""
    live.costs(plan=False)
    row_limit = {}
    for lim in limits:
        for r in lim.rows:
            row_limit[int(r)] = lim.id
    active = {lim.id for lim in limits}

    def shrink(keep: set[int]) -> None:
        """Drop every active limit outside the last infeasible solve's ray support (and not in ``keep``)."""
        support = live.ray_rows()
        if support is None:
            return
        inside = {row_limit[r] for r in support if r in row_limit}
        out = [i for i in active if i not in inside and i not in keep]
        if not out:
            return
        rows = np.concatenate([limits[i].rows for i in out])
        live.drop(rows)
        if live.feasible():  # the ray was not a certificate after all (tolerances): undo
            live.restore(rows)
            live.feasible()
            return
        active.difference_update(out)

    if live.feasible():
        raise DiagnosisError("the case became feasible during the diagnosis")
    shrink(set())
    needed: set[int] = set()
    order = sorted(active, key=lambda i: (DELETION_ORDER.get(limits[i].family, 1), -limits[i].rows.size, i))
    for i in order:
        if i not in active:
            continue
        live.drop(limits[i].rows)
        if live.feasible():
            live.restore(limits[i].rows)
            needed.add(i)
        else:
            active.discard(i)
            shrink(needed)
    # a feasible last test leaves no ray: re-solve so that narrowing can use one
    result = [limits[i] for i in sorted(active)]
    multi = [lim for lim in result if lim.kind == "quantity" and lim.rows.size > 1]
    narrowed = len(multi) <= narrow_max_limits
    if multi:
        live.feasible()  # infeasible: leaves a ray
        for lim in multi:
            keep = _narrow(live, lim, fully=narrowed)
            if not keep.all():
                result[result.index(lim)] = lim.subset(keep)
    # leave the model as the case: every limit in force
    live.restore(np.concatenate([lim.rows for lim in limits]) if limits else [])
    return {"limits": result, "narrowed": narrowed or not multi}


def _narrow(live: LiveModel, lim: Limit, fully: bool) -> np.ndarray:
    """Which rows of ``lim`` (every other limit as it stands) must stay for the conflict to hold.

    First the rows outside the last dual ray's support are dropped together (one solve); then, if
    ``fully``, the rest are halved until each remaining row is needed. Dropped rows stay dropped.
    """
    keep = np.ones(lim.rows.size, bool)
    support = live.ray_rows()
    if support is not None:
        outside = np.array([int(r) not in support for r in lim.rows])
        if outside.any() and not outside.all():
            live.drop(lim.rows[outside])
            if live.feasible():
                live.restore(lim.rows[outside])
                live.feasible()  # infeasible again: a ray for the next limit
            else:
                keep &= ~outside
    if not fully:
        return keep
    queue = [np.flatnonzero(keep)]
    if queue[0].size <= 1:
        return keep
    first = queue.pop()
    half = first.size // 2
    queue = [first[:half], first[half:]]
    while queue:
        chunk = queue.pop(0)
        live.drop(lim.rows[chunk])
        if not live.feasible():
            keep[chunk] = False
            continue
        live.restore(lim.rows[chunk])
        if chunk.size > 1:
            half = chunk.size // 2
            queue[:0] = [chunk[:half], chunk[half:]]
    live.feasible()  # leave a ray for the next limit
    return keep


def _relaxations(live: LiveModel, candidates: list[Limit], names: "Names") -> list[dict]:
    """(c) For each candidate, the least change that makes the case feasible and the cost then.

    First every least change (zero-cost feasibility LPs, each warm from the last), then every
    cheapest plan: the first from scratch, the rest from the previous one's basis (a few hundred
    iterations each, where a start from a feasibility basis takes tens of thousands).
    """
    cols = [live.add_elastic(lim) for lim in candidates]
    changes: list[float | None] = []
    for j in cols:
        live.bound(j, np.inf)
        live.costs(plan=False, elastic={j: 1.0})
        changes.append(max(0.0, float(live.x()[j])) if live.feasible() else None)
        live.bound(j, 0.0)
    costs: list[float | None] = []
    # report the change the cheapest plan was found with: the least change plus a hair (tolerances)
    changes = [None if c is None else c * (1 + RELAX_SLACK) + FEASIBILITY_TOL for c in changes]
    live.costs(plan=True)
    live.start_from_plan()  # the first cheapest plan from the elastic solve's; later ones from the last
    for j, change in zip(cols, changes):
        if change is None:
            costs.append(None)
            continue
        live.bound(j, change)
        costs.append(live.objective() if live.feasible() else None)
        live.bound(j, 0.0)
    out = [_relaxation_dict(lim, change, cost, names) for lim, change, cost in zip(candidates, changes, costs)]
    ok = [r for r in out if r["change"] is not None and r["total_cost_gbp"] is not None]
    for key, rank in (("total_cost_gbp", "rank_by_cost"), ("relative_change", "rank_by_change")):
        for n, r in enumerate(sorted(ok, key=lambda r: (r[key], r["words"])), 1):
            r[rank] = n
    return sorted(out, key=lambda r: (r["rank_by_cost"] or math.inf, r["words"]))


# --- words -------------------------------------------------------------------------------------

class Names:
    """The case's names for codes, and how each limit reads."""

    def __init__(self, data: ModelData):
        case = data.case
        self.years = data.years
        self.regions = dict(zip(case.table("regions")["region"], case.table("regions")["name"]))
        self.stps = dict(zip(case.table("stps")["stp"], case.table("stps")["name"]))
        self.groups = dict(zip(case.table("staff_groups")["staff_group"], case.table("staff_groups")["name"]))
        progs = case.table("programmes")
        self.programmes = dict(zip(progs["programme"], progs["name"]))
        self.sources = {k: _short(v) for k, v in zip(case.table("recruitment_sources")["source"],
                                                     case.table("recruitment_sources")["name"])}

    def group(self, code) -> str:
        return _lower(self.groups.get(code, code)) if code else "all staff groups"

    def scope(self, stp, region) -> str:
        if stp:
            return self.stps.get(stp, stp)
        if region:
            return self.regions.get(region, region)
        return "England"

    def where(self, stp, region) -> str:
        return "" if not stp and not region else f" in {self.scope(stp, region)}"

    def target(self, t: dict, maximum: bool = False) -> str:
        """A target as a planner says it: 'growth in mental health nurses in England ≥ 8,100 FTE by 2020/21'."""
        groups = split_list(t.get("staff_group"))
        fams = split_list(t.get("family"))
        if groups:
            who = _join([self.group(g) for g in groups])
        elif fams:
            who = _join([{"traditional": "traditional roles", "new_role": "new roles"}.get(f, f) for f in fams])
        else:
            who = "all staff"
        places = [self.stps.get(s, s) for s in split_list(t.get("stp"))] + \
                 [self.regions.get(r, r) for r in split_list(t.get("region"))]
        where = _join(places) if places else "England"
        op, value = ("≤", t["maximum_fte"]) if maximum else ("≥", t["minimum_fte"])
        if t["measure"] == "growth":
            return f"growth in {who} in {where} {op} {_fte(value)} FTE by {t['year']}"
        return f"{who} in post in {where} {op} {_fte(value)} FTE at the end of {t['year']}"

    def limit(self, lim: Limit, with_years: bool = True) -> str:
        """A limit in words, e.g. 'placement capacity in Greater Manchester 2017/18'."""
        years = f" {year_ranges(lim.years, self.years)}" if with_years and lim.years else ""
        where = self.where(lim.stp, lim.region)
        name = lim.name
        if name == "target_minimum":
            return self.target(lim.target)
        if name == "target_maximum":
            return self.target(lim.target, maximum=True)
        if name == "spending_limit":
            b = lim.budget
            lever = "" if b["lever"] == "all" else f"{b['lever']} "
            return f"the {b['budget']} {lever}budget{where} {lim.years[0]} (£{_money(b['limit_gbp'])})"
        if name == "placement_capacity":
            return f"placement capacity{where}{years}"
        if name == "course_places":
            return f"the {_lower(self.programmes.get(lim.item, lim.item))} course capacity{where}{years}"
        if name == "recruitment_pool":
            return f"the {_lower(self.sources.get(lim.item, lim.item))} pool for {self.group(lim.staff_group)}{where}{years}"
        if name == "funded_posts":
            return f"funded posts for {self.group(lim.staff_group)}{where}{years}"
        if lim.family == "commissioning":
            course = _lower(self.programmes.get(lim.item, lim.item))
            what = {"intake_rise": "the limit on how fast the", "intake_fall": "the limit on how fast the",
                    "intake_floor": "the floor under the"}[name]
            how = {"intake_rise": " may rise", "intake_fall": " may fall", "intake_floor": ""}[name]
            return f"{what} {course} intake{where or ' in England'}{how}{years}"
        if name == "absorption_growth":
            return f"how fast services can absorb {self.group(lim.staff_group)}{where}{years}"
        if name == "local_fall":
            return f"how fast {self.group(lim.staff_group)} may fall{where}{years}"
        if name == "workforce_held":
            return f"holding {self.group(lim.staff_group)}{where} at the end-of-plan level in the run-out years{years}"
        if lim.family == "retention":
            return f"the retention limit of {lim.item} for {self.group(lim.staff_group)} (share of leavers it can keep)"
        if lim.family == "mentoring":
            return f"mentoring capacity of {self.group(lim.staff_group)} (share able to mentor)"
        if lim.family == "upskilling_source":
            return f"the cap on {_lower(self.programmes.get(lim.item, lim.item))} starts (share of the source group)"
        return f"{name.replace('_', ' ')}{where}{years}"


def year_ranges(years: list[str], all_years: list[str]) -> str:
    """'2016/17–2017/18, 2019/20': consecutive planning years merged."""
    pos = {y: i for i, y in enumerate(all_years)}
    known = sorted({pos[y] for y in years if y in pos})
    other = [y for y in years if y not in pos]
    runs, start = [], None
    for k, i in enumerate(known):
        if start is None:
            start = i
        if k + 1 == len(known) or known[k + 1] != i + 1:
            runs.append(all_years[start] if start == i else f"{all_years[start]}–{all_years[i]}")
            start = None
    return ", ".join(runs + other)


def conflict_sentence(limits: list[Limit], names: Names) -> str:
    """The conflict set as one sentence: '<targets> conflicts with: <the other limits>'."""
    targets = [lim for lim in limits if lim.family == "targets"]
    others = sorted((lim for lim in limits if lim.family != "targets"),
                    key=lambda lim: (SENTENCE_ORDER.get(lim.family, 9), lim.id))
    parts = _summarise(others, names)
    if targets:
        head = _join([names.limit(t) for t in targets])
        verb = "conflicts" if len(targets) == 1 else "conflict"
        if not parts:
            return (f"{_upper(head)} cannot be met by any plan: the case has no lever that can add these staff in "
                    f"time (the baseline, leavers and pipeline decide them).")
        return f"{_upper(head)} {verb} with: {'; '.join(parts)}."
    if len(parts) == 1:
        return (f"{_upper(parts[0])} cannot be met by any plan: the staff already in post (the baseline, "
                f"less leavers, plus the pipeline) break it.")
    return f"{_upper(parts[0])} conflicts with: {'; '.join(parts[1:])}."


def _summarise(limits: list[Limit], names: Names, most: int = 3) -> list[str]:
    """Limits in words, those alike beyond ``most`` to a group ('recruitment pools: ... for 8 staff groups')."""
    by: dict[tuple, list[Limit]] = {}
    for lim in limits:
        by.setdefault((lim.name, lim.item if lim.family != "retention" else "retention"), []).append(lim)
    out = []
    for (name, item), group in by.items():
        if len(group) <= most:
            out += [names.limit(lim) for lim in group]
            continue
        staff = list(dict.fromkeys(lim.staff_group for lim in group if lim.staff_group))
        scopes = list(dict.fromkeys((lim.stp, lim.region) for lim in group))
        years = list(dict.fromkeys(y for lim in group for y in lim.years))
        who = _join([names.group(g) for g in staff]) if len(staff) <= most else f"{len(staff)} staff groups"
        real = [s for s in scopes if s != (None, None)]
        if not real:
            where = ""
        elif len(real) <= most:
            where = " in " + _join([names.scope(*s) for s in real])
        else:
            kinds = {"STPs" if s[0] else "regions" for s in real}
            where = f" in {len(real)} {'areas' if len(kinds) > 1 else kinds.pop()}"
        when = f" {year_ranges(years, names.years)}" if years else ""
        if name == "recruitment_pool":
            what = f"the {_lower(names.sources.get(item, item))} pools for {who}"
        elif name == "course_places":
            what = f"{_lower(names.programmes.get(item, item))} course capacity"
        elif name == "placement_capacity":
            what = "placement capacity"
        elif name == "funded_posts":
            what = f"funded posts for {who}"
        elif name == "leavers_retained_limit":
            what = f"the retention limits for {who} ({len(group)} segments; shares of leavers they can keep)"
            where = when = ""
        elif name.startswith("mentor_capacity"):
            what = f"mentoring capacity of {who}"
        elif name == "starts_within_source_group":
            what = "caps on upskilling starts (share of the source group)"
        elif name == "spending_limit":
            what = f"{len(group)} budgets"
        else:
            what = f"{len(group)} {name.replace('_', ' ')} limits"
        out.append(f"{what}{where}{when}")
    return out


def _conflict_dict(conflict: dict, names: Names) -> dict:
    limits = conflict["limits"]
    return {
        "sentence": conflict_sentence(limits, names),
        "irreducible": True,
        "narrowed_to_years": conflict["narrowed"],
        "limit_count": len(limits),
        "row_count": int(sum(lim.rows.size for lim in limits)),
        "limits": [_limit_dict(lim, names) for lim in limits],
    }


def _limit_dict(lim: Limit, names: Names) -> dict:
    values = lim.case_values[np.isfinite(lim.case_values)]
    same = values.size == lim.rows.size and values.size and np.allclose(values, values[0])
    return {
        "family": lim.family, "name": lim.name, "item": lim.item, "staff_group": lim.staff_group,
        "stp": lim.stp, "region": lim.region, "years": list(lim.years), "rows": int(lim.rows.size),
        "stps": lim.stps or None, "sense": "≥" if lim.sign[0] > 0 else "≤",
        "limit": float(values[0]) if same else None, "words": names.limit(lim),
    }


def _relaxation_dict(lim: Limit, change: float | None, cost: float | None, names: Names) -> dict:
    label, unit = CHANGE.get(lim.name, (lim.family, ""))
    values = lim.case_values
    before = float(values[0]) if values.size and np.allclose(values, values[0]) else None
    lowering = lim.name == "target_minimum"
    after = None if before is None or change is None else before + (-change if lowering else change)
    scale = float(np.abs(values).max()) if values.size else 1.0
    relative = None if change is None else change / max(scale, 1.0)
    years = year_ranges(lim.years, names.years)
    per_year = lim.rows.size > 1 and lim.name not in ("spending_limit",)
    if change is None:
        words = f"relaxing {names.limit(lim)} alone does not make the case feasible"
        short = f"{label}: not enough alone"
    else:
        amount = f"£{_money(change)}" if unit == "£" else f"{_fte(change)}"
        sign = "−" if lowering else "+"
        short = f"{label} {sign}{amount}" + (" a year" if per_year else "")
        if lim.name == "target_minimum":
            words = f"lower {names.target(lim.target)} by {_fte(change)} FTE (to {_fte(after)})"
        elif lim.name == "target_maximum":
            words = f"raise the maximum of {names.target(lim.target, maximum=True)} by {_fte(change)} FTE"
        elif lim.name == "spending_limit":
            words = f"raise {names.limit(lim)} by £{_money(change)}" + (f" to £{_money(after)}" if after else "")
        else:
            each = f" in each of {years}" if per_year else (f" in {years}" if years else "")
            to = f" (to {_fte(after)})" if after is not None and not per_year else ""
            words = f"add {_fte(change)} {unit} to {names.limit(lim, with_years=False)}{each}{to}"
    return {
        "family": lim.family, "name": lim.name, "item": lim.item, "staff_group": lim.staff_group, "stp": lim.stp,
        "region": lim.region, "years": list(lim.years), "change": change, "unit": unit, "per_year": per_year,
        "limit_before": before, "limit_after": after, "relative_change": relative, "total_cost_gbp": cost,
        "rank_by_cost": None, "rank_by_change": None, "short": short, "words": words,
    }


def _headline(diag: Diagnosis) -> str:
    ok = [r for r in diag.relaxations if r["change"] is not None]
    best = min(ok, key=lambda r: r["rank_by_cost"]) if ok else None
    text = "The case is infeasible. " + diag.conflict.get("sentence", "")
    if best is not None:
        text += f" Cheapest single fix: {best['words']} (total cost £{_money(best['total_cost_gbp'])})."
    return text


def _short(name: str) -> str:
    """A source's name without its parenthesis: 'Experienced domestic hires'."""
    return str(name).split(" (")[0]


def _lower(name: str) -> str:
    name = str(name)
    return name[:1].lower() + name[1:] if len(name) > 1 and not name[1].isupper() else name


def _upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _join(items: list[str]) -> str:
    items = [i for i in items if i]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def _rounded(v):
    if isinstance(v, dict):
        return {k: _rounded(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_rounded(x) for x in v]
    if isinstance(v, (np.floating, float)):
        v = float(v)
        return None if not math.isfinite(v) else round(v, 6) + 0.0
    if isinstance(v, np.integer):
        return int(v)
    if v is not None and not isinstance(v, (str, bool, int)) and pd.isna(v):
        return None
    return v


# --- HiGHS's own IIS, for small models -----------------------------------------------------------

def highs_iis(lp: LinearProgram, strategy: int = 6) -> list[int] | None:
    """Rows of the IIS HiGHS finds for ``lp`` (``iis_strategy``: 2 elasticity filter + 4 irreducible).

    Slow on large models (see the module docstring); for checking small ones. None if HiGHS gives none.
    """
    from optimiser.solvers.highs import HighsSolver

    solver = HighsSolver(lp)
    solver.solve()
    solver.highs.setOptionValue("iis_strategy", strategy)
    status, iis = solver.highs.getIis()
    if status == highspy.HighsStatus.kError or not iis.valid_:
        return None
    return sorted(int(r) for r in iis.row_index_)


# --- soft-target penalties ---------------------------------------------------------------------

def lever_costs_per_fte(data: ModelData) -> pd.DataFrame:
    """Each lever's undiscounted cost of one FTE in post, per staff group and STP, at its best timing.

    Training: cost per place / (completion × take-up), for programmes short enough to qualify inside
    the horizon; recruitment: cost per recruit / first-year retention; retention: cost per avoided
    leaver. Later attrition, lead times and limits only make an FTE dearer, so these are lower
    bounds on what meeting a target through each lever costs at the margin.
    """
    rows = []
    progs = data.programmes
    for _, p in progs.iterrows():
        ce = float(p["completion_rate"]) * float(p["take_up_rate"])
        if ce <= 0 or int(p["duration_years"]) > data.T:
            continue
        for s in range(data.S):
            rows.append((int(p["g"]), s, f"training: {p['programme']}", float(p["cost_per_place_gbp"]) / ce))
    rec = data.recruit
    for i, r in rec.iterrows():
        for s in np.flatnonzero(data.recruit_open[i]):
            v = data.recruit_retention[i, s]
            if v > 0:
                rows.append((int(r["g"]), int(s), f"recruitment: {r['source']}", data.recruit_cost[i, s] / v))
    seg = data.case.table("retention_segments")
    if len(seg):
        g = data.groups.get_indexer(seg["staff_group"])
        s = data.stps.get_indexer(seg["area"])
        for gi, si, j, c in zip(g, s, seg["segment"], seg["cost_per_avoided_leaver_gbp"]):
            rows.append((int(gi), int(si), f"retention: segment {j}", float(c)))
    return pd.DataFrame(rows, columns=["g", "s", "lever", "cost_per_fte"])


def soft_penalty_notes(case: Case) -> pd.DataFrame:
    """Soft targets whose penalty is below the dearest lever for their staff (£ per FTE).

    With such a penalty a shortfall can be cheaper than that lever, so the optimiser may buy the
    shortfall rather than use it: the shortfall is then a choice, not a sign the levers ran out.
    Columns: target, penalty_gbp_per_fte, dearest_lever, dearest_lever_gbp_per_fte.
    """
    from optimiser.model.data import model_data

    tg = case.table("targets").reset_index(drop=True)
    soft = tg[tg["kind"] == "soft"]
    columns = ["target", "penalty_gbp_per_fte", "dearest_lever", "dearest_lever_gbp_per_fte"]
    if soft.empty:
        return pd.DataFrame(columns=columns)
    data = model_data(case)
    levers = lever_costs_per_fte(data)
    cell = levers["g"].to_numpy() * data.S + levers["s"].to_numpy()
    out = []
    default = case.config.default_penalty_gbp_per_fte
    for _, t in soft.iterrows():
        g, s = data.target_cells(t)
        mine = levers[np.isin(cell, g * data.S + s)]
        if mine.empty:
            continue
        dear = mine.loc[mine["cost_per_fte"].idxmax()]
        penalty = float(t["penalty_gbp_per_fte"]) if pd.notna(t["penalty_gbp_per_fte"]) else default
        if penalty < dear["cost_per_fte"]:
            out.append((t["target"], penalty, dear["lever"], float(dear["cost_per_fte"])))
    return pd.DataFrame(out, columns=columns)


# --- printing ------------------------------------------------------------------------------------

def print_diagnosis(diag: Diagnosis, console, most: int = 10) -> None:
    """The diagnosis on a rich console: elastic shortfalls, the conflict and the ranked relaxations."""
    from rich.markup import escape
    from rich.table import Table

    def table(title: str, columns: list[tuple[str, str]], rows: list[list[str]]) -> Table:
        t = Table(title=title, title_justify="left", show_edge=False)
        for name, justify in columns:
            t.add_column(name, justify=justify, overflow="fold")
        for r in rows:
            t.add_row(*[escape(str(c)) for c in r])
        return t

    console.print(f"[bold]Diagnosis of {escape(diag.case_name)}[/]"
                  + (f" + scenario {escape(diag.scenario)}" if diag.scenario else "") + f": [bold]{diag.status}[/]")
    if diag.status != "infeasible":
        console.print(escape(diag.message))
        return
    el = diag.elastic
    console.print(f"[bold](a) Elastic solve.[/] {escape(el['message'])}")
    if el["shortfalls"]:
        console.print(table("Smallest shortfalls that make the case feasible (FTE)",
                            [("target", "left"), ("year", "left"), ("minimum", "right"), ("achievable", "right"),
                             ("shortfall", "right"), ("priority", "right")],
                            [[s["target"], s["year"], _fte(s["minimum_fte"]), _fte(s["achievable_fte"]), _fte(s["shortfall_fte"]),
                              f"{s['priority']:g}"] for s in el["shortfalls"]]))
        if el["total_cost_gbp"] is not None:
            console.print(f"With these shortfalls the cheapest plan costs £{_money(el['total_cost_gbp'])} "
                          "(present value).")
    c = diag.conflict
    console.print(f"[bold](b) Conflict set[/] ({c['limit_count']} limit{'s' if c['limit_count'] != 1 else ''}, "
                  f"{c['row_count']} LP row{'s' if c['row_count'] != 1 else ''}; dropping any one makes the case "
                  "feasible):")
    console.print(escape(c["sentence"]))
    relax = diag.relaxations
    ok = [r for r in relax if r["rank_by_cost"] is not None]
    console.print(f"[bold](c) Single relaxations[/]: {len(ok)} of the {len(relax)} limits tried make the case feasible "
                  "on their own.")
    columns = [("cost rank", "right"), ("change rank", "right"), ("change", "left"), ("relative", "right"),
               ("total cost £", "right"), ("what to change", "left")]

    def rows(rs):
        return [[r["rank_by_cost"], r["rank_by_change"], r["short"],
                 f"{r['relative_change']:.0%}" if r["relative_change"] >= 0.1 else f"{r['relative_change']:.1%}",
                 _money(r["total_cost_gbp"]), r["words"]] for r in rs]

    if ok:
        best: dict[str, dict] = {}
        for r in ok:  # ok is in cost order
            best.setdefault(r["name"], r)
        if len(ok) > len(best):
            console.print(table("The cheapest fix of each kind", columns, rows(best.values())))
        shown = ok[:most]
        console.print(table(f"The {len(shown)} cheapest fixes (relative: the change over the limit)", columns,
                            rows(shown)))
        if len(ok) > most:
            console.print(f"… and {len(ok) - most} more in the JSON (diagnosis.relaxations), ranked by cost and by "
                          "relative change.")
    alone = [r for r in relax if r["change"] is None]
    if alone:
        console.print(f"{len(alone)} limit(s) of the conflict cannot restore feasibility alone (another limit then "
                      "binds): " + escape("; ".join(r["words"].replace("relaxing ", "").replace(
                          " alone does not make the case feasible", "") for r in alone[:5]))
                      + (" …" if len(alone) > 5 else ""))


def soft_shortfalls(targets: pd.DataFrame) -> pd.DataFrame:
    """Soft targets that fall short, dearest penalty first: filters, FTE and £ (``Solution.targets``)."""
    short = targets[(targets["kind"] == "soft") & (targets["shortfall_fte"].fillna(0.0) > 1e-6)]
    where = [", ".join(f"{k.replace('_', ' ')} {v}" for k, v in zip(("family", "staff_group", "region", "stp"),
                                                                  (r.family, r.staff_group, r.region, r.stp)) if v)
             or "all staff, England" for r in short.itertuples()]
    table = pd.DataFrame({"target": short["target"].to_numpy(object), "year": short["year"].to_numpy(object),
                          "counts": where, "minimum_fte": short["minimum_fte"].to_numpy(float),
                          "achieved_fte": short["achieved_fte"].to_numpy(float),
                          "shortfall_fte": short["shortfall_fte"].to_numpy(float),
                          "penalty_gbp_per_fte": short["penalty_gbp_per_fte"].to_numpy(float),
                          "penalty_cost_gbp": short["penalty_cost_gbp"].to_numpy(float)})
    return table.sort_values(["penalty_cost_gbp", "target"], ascending=[False, True], kind="stable").reset_index(drop=True)
