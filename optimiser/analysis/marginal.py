"""Marginal analysis from one solve: what the next unit of each target, limit and lever is worth.

From the duals of one optimal basis:

- the marginal cost per FTE of each target (£ of total cost per extra FTE required);
- the budget's value (£ of cost saved per extra £ of budget);
- the value of one more placement, mentor, course place, pool recruit or funded post, by scope
  (STP, region or England) and year (£ saved per extra unit);
- the reduced costs of unused levers (how far a lever's cost must fall before it is used).

HiGHS ranging adds, for each target and limit, the range of its value over which its dual holds,
and for each lever cost the range over which the plan stays optimal.

**Degeneracy.** Where a basic variable sits at a bound, the duals are not unique: a limit's
shadow price can differ for a step up and a step down. This is read from the ranging: where the
range of a limit ends at its current value, the dual holds in one direction only, and
``dual_holds`` says which (``increase`` or ``decrease``); with ``check_degenerate`` the other
one-sided value of each target and budget is measured by re-solving a step away
(``value_other_side``). Nonbasic variables
with a zero reduced cost mean other plans cost the same (alternative optima); they are counted
in ``degeneracy``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import highspy
import numpy as np
import pandas as pd

from optimiser.case import Case
from optimiser.analysis.live import LiveModel
from optimiser.analysis.point import Point
from optimiser.analysis.params import Assignment, Parameter
from optimiser.solution import LEVERS, Solution

#: Row families whose limits are resources a planner could buy more of, and the unit of one more.
RESOURCES = {
    "placements": "placement place",
    "mentoring": "mentor",
    "course_capacity": "course place",
    "recruitment_pools": "pool recruit",
    "establishment": "funded post",
}
TOL = 1e-7


@dataclass
class MarginalReport:
    """Marginal values of a solved case. Every table is a pandas DataFrame.

    Attributes:
        solution: the full solution (as ``solve`` returns it).
        targets: per target: minimum, achieved, ``marginal_cost_per_fte`` (£ per extra FTE required;
            the dual of its minimum), ``range_low_fte``/``range_high_fte`` (minimum values over which
            that marginal cost holds), ``dual_holds`` (``both``, ``increase``, ``decrease`` or
            ``neither``) and, where it holds one way only, ``value_other_side`` (the marginal cost
            for a step the other way, measured by a re-solve).
        budgets: per budget: limit, outlay, ``value_per_gbp`` (£ of cost saved per extra £ of budget)
            and its range and flags as above.
        resources: one row per placement, mentor, course, pool and establishment limit: family,
            ``unit``, scope and year labels, limit, used, ``value_per_unit`` (£ saved per extra unit),
            range and flags.
        lever_costs: per lever, item and staff group: options, used options, quantity, unit cost (£);
            ``used_cost_low_gbp``/``used_cost_high_gbp``, the unit cost range over which every used
            option keeps its place in the plan (one option's cost changed at a time);
            ``used_options_fixed``, used options whose range is empty on one side (the plan is
            not unique: an equally cheap plan takes over at once); ``unused_enter_below_gbp``, the
            unit cost below which the first unused option would be worth using.
        lever_cost_ranges: per open option (LP column): quantity, unit cost, ``cost_low_gbp``,
            ``cost_high_gbp`` and ``range_holds`` (as ``dual_holds``).
        unused_levers: per unused option (STP and year): its reduced cost (£ present value per unit
            its cost must fall before it is worth using). Options closed by the case are left out.
        degeneracy: counts of primal-degenerate basic variables and of nonbasic variables with zero
            reduced cost, and a note.
    """

    solution: Solution
    targets: pd.DataFrame
    budgets: pd.DataFrame
    resources: pd.DataFrame
    lever_costs: pd.DataFrame
    lever_cost_ranges: pd.DataFrame
    unused_levers: pd.DataFrame
    degeneracy: dict = field(default_factory=dict)


def marginal_analysis(case: Case, *, ranging: bool = True, check_degenerate: bool = True,
                      model: LiveModel | None = None) -> MarginalReport:
    """Solve ``case`` once and report marginal costs, shadow prices, ranges and degeneracy.

    Args:
        case: the case (unchanged).
        ranging: add HiGHS ranging (ranges of limits and of lever costs).
        check_degenerate: for each target, budget and binding resource whose dual holds one way only,
            measure the other one-sided value by re-solving a small step away (warm, on the same LP).
        model: a live model of ``case`` to use (one is built otherwise).

    Raises:
        RuntimeError: if the case has no optimal solution (see ``solve`` for why).
    """
    model = model or LiveModel(case)
    point = model.solve([], start="previous")
    if point.status != "optimal":
        raise RuntimeError(f"no optimal solution to analyse: {point.status} ({point.message})")
    if point.row_dual is None:
        raise RuntimeError("the solver gave no duals: this case has whole-cohort (integer) programmes, so it is a MIP; "
                           "marginal analysis needs an LP (set integer: false, or use solve(), whose duals come from "
                           "the LP with the cohorts fixed)")
    sol = model.solution(point)
    h = model.highs
    rng = None
    if ranging and point.row_dual is not None:
        status, rng = h.getRanging()
        if status != status.kOk:
            rng = None
    lp, arrays = point.lp, point.arrays
    col_status, row_status = _statuses(h, point)
    row_info = _row_ranges(point, rng, row_status)

    # targets -------------------------------------------------------------------------------------------
    tg = sol.targets.copy()
    lay = model.layout
    rows = lay.target_rows
    base = arrays.row_lower[rows] - tg["minimum_fte"].to_numpy(float)
    tg["range_low_fte"] = row_info["low"][rows] - base
    tg["range_high_fte"] = row_info["high"][rows] - base
    tg["dual_holds"] = row_info["holds"][rows]
    targets = tg[["target", "kind", "year", "measure", "minimum_fte", "achieved_fte", "shortfall_fte",
                  "marginal_cost_per_fte", "range_low_fte", "range_high_fte", "dual_holds"]].copy()

    # budgets --------------------------------------------------------------------------------------------
    budgets_table = case.table("budgets").reset_index(drop=True)
    if len(lay.budget_rows):
        b = lay.budget_rows
        budgets = pd.DataFrame({
            "budget": lay.budgets, "scope": budgets_table["scope"], "lever": budgets_table["lever"],
            "limit_gbp": arrays.row_upper[b], "outlay_gbp": point.row_activity[b],
            "value_per_gbp": -point.row_dual[b], "range_low_gbp": row_info["low"][b],
            "range_high_gbp": row_info["high"][b], "dual_holds": row_info["holds"][b]})
    else:
        budgets = pd.DataFrame(columns=["budget", "scope", "lever", "limit_gbp", "outlay_gbp", "value_per_gbp",
                                        "range_low_gbp", "range_high_gbp", "dual_holds"])

    # resources -------------------------------------------------------------------------------------------
    parts = []
    for block in lp.row_blocks:
        if block.family not in RESOURCES:
            continue
        r = block.rows
        offset = _limit_offset(case, block, point)
        parts.append(block.labels.assign(
            family=block.family, name=block.name, unit=RESOURCES[block.family],
            limit=arrays.row_upper[r] + offset, used=point.row_activity[r] + offset,
            value_per_unit=-point.row_dual[r], range_low=row_info["low"][r] + offset,
            range_high=row_info["high"][r] + offset, dual_holds=row_info["holds"][r],
            binding=row_info["binding"][r]))
    resources = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if len(resources):
        resources = resources[["family", "name", "unit", "stp", "region", "staff_group", "item", "year", "limit", "used",
                               "binding", "value_per_unit", "range_low", "range_high", "dual_holds"]]

    # lever costs and unused levers ----------------------------------------------------------------------
    lever_cost_ranges, lever_costs = _lever_costs(point, rng)
    unused = _unused(point)

    report = MarginalReport(sol, targets, budgets, resources, lever_costs, lever_cost_ranges, unused,
                            _degeneracy(point, col_status, row_status))
    if check_degenerate and rng is not None:
        _other_sides(model, case, report)
    return report


def _statuses(h, point: Point) -> tuple[np.ndarray, np.ndarray]:
    """Basis status codes of the columns and rows (``highspy.HighsBasisStatus`` values)."""
    basis = h.getBasis()
    cols = np.fromiter((int(s) for s in basis.col_status), np.int64, count=len(point.x))
    rows = np.fromiter((int(s) for s in basis.row_status), np.int64, count=len(point.row_activity))
    return cols, rows


def _row_ranges(point: Point, rng, row_status: np.ndarray) -> dict[str, np.ndarray]:
    """For every row: its active bound, the range of that bound over which the dual holds, and which way.

    A nonbinding row's dual (0) holds until the bound reaches the row's activity; a binding one's
    range comes from HiGHS ranging. A binding row that is basic (degenerate) has a zero dual that
    holds only for loosening the limit.
    """
    a = point.arrays
    lo, up, dual, act = a.row_lower, a.row_upper, point.row_dual, point.row_activity
    active = np.where(lo == up, lo, np.where(dual > TOL, lo, np.where(dual < -TOL, up,
                      np.where(np.abs(act - up) <= np.abs(act - lo), up, lo))))
    active = np.where(np.isfinite(active), active, np.where(np.isfinite(up), up, lo))
    lower_active = (active == lo) & (lo != up)
    scale = np.maximum(1.0, np.abs(np.nan_to_num(active, posinf=0, neginf=0)))
    binding = np.abs(act - active) <= 1e-6 * scale
    n = len(lo)
    basic = row_status == int(highspy.HighsBasisStatus.kBasic)
    # a nonbinding (or basic) row: the bound may move freely until it meets the activity
    low = np.where(lower_active, -np.inf, act)
    high = np.where(lower_active, act, np.inf)
    holds = np.where(binding & basic, np.where(lower_active, "decrease", "increase"), "both").astype(object)
    if rng is not None:
        r_high = np.asarray(rng.row_bound_up.value_[:n], float)
        r_low = np.asarray(rng.row_bound_dn.value_[:n], float)
        tol = 1e-7 * scale
        up_ok = r_high > active + tol
        dn_ok = r_low < active - tol
        r_holds = np.where(up_ok & dn_ok, "both", np.where(up_ok, "increase", np.where(dn_ok, "decrease", "neither")))
        low = np.where(basic, low, r_low)
        high = np.where(basic, high, r_high)
        holds = np.where(basic, holds, r_holds).astype(object)
    else:
        low = np.where(basic, low, np.nan)
        high = np.where(basic, high, np.nan)
        holds = np.where(basic, holds, None).astype(object)
    return {"low": low, "high": high, "holds": holds, "binding": binding, "active": active}


def _limit_offset(case: Case, block, point: Point) -> np.ndarray:
    """What to add to a row's bound and activity to read them in the case's terms.

    Placements: the rows hold places net of pipeline students. Mentoring: the rows hold mentors
    needed less mentors available (``Σ ST/ρ − μ·H[t-1] ≤ −pipeline``, or ``≤ μ·H0 − pipeline`` in the
    first year); adding ``μ·H[t-1]`` plus the pipeline reads them as mentors available and needed.
    """
    r = block.rows
    arrays = point.arrays
    if block.family == "placements":
        cap = case.table("placement_capacity").reset_index(drop=True)
        return cap["placements"].to_numpy(float) - arrays.row_upper[r]
    if block.family == "mentoring":
        data = point.data
        labels = block.labels
        g = data.groups.get_indexer(labels["staff_group"])
        s = data.stps.get_indexer(labels["stp"])
        t = data.year_index(labels["year"])
        mu = data.mentor_share[g]
        H = point.lp.variables["staff_in_post"]
        prev = np.where(t == 0, data.baseline[g, s], point.x[H.index(g, s, np.maximum(t - 1, 0))])
        available = mu * prev
        return available - arrays.row_upper[r]
    return np.zeros(block.size)


def _lever_costs(point: Point, rng) -> tuple[pd.DataFrame, pd.DataFrame]:
    lp, cost = point.lp, point.arrays.cost
    per_col, agg = [], []
    for name, (lever, unit) in LEVERS.items():
        block = lp.variables[name]
        sl = slice(block.offset, block.offset + block.size)
        c = cost[sl]
        with np.errstate(divide="ignore", invalid="ignore"):
            disc = np.where(block.unit_cost != 0, c / block.unit_cost, np.nan)
        open_ = point.arrays.col_upper[sl] > 0
        if rng is not None:
            n = lp.num_col
            hi = np.asarray(rng.col_cost_up.value_[:n], float)[sl] / disc
            lo = np.asarray(rng.col_cost_dn.value_[:n], float)[sl] / disc
        else:
            hi = lo = np.full(block.size, np.nan)
        q = point.x[sl]
        tol = 1e-7 * np.maximum(1.0, np.abs(block.unit_cost))
        up_ok, dn_ok = hi > block.unit_cost + tol, lo < block.unit_cost - tol
        holds = np.where(up_ok & dn_ok, "both", np.where(up_ok, "increase", np.where(dn_ok, "decrease", "neither")))
        df = block.labels.assign(lever=lever, quantity=q, used=q > 1e-7, unit_cost_gbp=block.unit_cost,
                                 cost_low_gbp=lo, cost_high_gbp=hi, range_holds=holds)[open_]
        per_col.append(df[["lever", "item", "stp", "region", "staff_group", "year", "quantity", "used", "unit_cost_gbp",
                           "cost_low_gbp", "cost_high_gbp", "range_holds"]])
    cols = pd.concat(per_col, ignore_index=True)
    keys = ["lever", "item", "staff_group"]
    used, unused = cols[cols["used"]], cols[~cols["used"]]
    agg = (cols.groupby(keys, sort=False, dropna=False)
           .agg(options=("quantity", "size"), used_options=("used", "sum"), quantity=("quantity", "sum"),
                unit_cost_min_gbp=("unit_cost_gbp", "min"), unit_cost_max_gbp=("unit_cost_gbp", "max")))
    agg = agg.join(used.groupby(keys, sort=False, dropna=False)
                   .agg(used_cost_low_gbp=("cost_low_gbp", "max"), used_cost_high_gbp=("cost_high_gbp", "min"),
                        used_options_fixed=("range_holds", lambda h: int((h != "both").sum()))))
    agg = agg.join(unused.groupby(keys, sort=False, dropna=False).agg(unused_enter_below_gbp=("cost_low_gbp", "max")))
    return cols, agg.reset_index()


def _unused(point: Point) -> pd.DataFrame:
    parts = []
    for name, (lever, unit) in LEVERS.items():
        block = point.lp.variables[name]
        sl = slice(block.offset, block.offset + block.size)
        q = point.x[sl]
        open_ = point.arrays.col_upper[sl] > 0
        rc = point.col_dual[sl] if point.col_dual is not None else np.full(block.size, np.nan)
        keep = (q <= 1e-7) & open_
        parts.append(block.labels[keep].assign(lever=lever, unit=unit, reduced_cost_gbp=rc[keep]))
    out = pd.concat(parts, ignore_index=True)
    return out[["lever", "item", "stp", "region", "staff_group", "year", "unit", "reduced_cost_gbp"]]


def _degeneracy(point: Point, col_status: np.ndarray, row_status: np.ndarray) -> dict:
    """Counts that say whether the duals, and the plan, are unique."""
    basic = int(highspy.HighsBasisStatus.kBasic)
    a = point.arrays
    x, act = point.x, point.row_activity

    def at_bound(v, lo, up):
        scale = np.maximum(1.0, np.abs(v))
        return (np.abs(v - lo) <= 1e-9 * scale) | (np.abs(v - up) <= 1e-9 * scale)

    primal_cols = int(((col_status == basic) & at_bound(x, a.col_lower, a.col_upper)).sum())
    primal_rows = int(((row_status == basic) & at_bound(act, a.row_lower, a.row_upper)).sum())
    free_col = a.col_lower < a.col_upper
    dual_cols = int(((col_status != basic) & free_col & (np.abs(point.col_dual) <= 1e-9)).sum())
    free_row = a.row_lower < a.row_upper
    dual_rows = int(((row_status != basic) & free_row & (np.abs(point.row_dual) <= 1e-9)).sum())
    primal = primal_cols + primal_rows
    dual = dual_cols + dual_rows
    notes = []
    if primal:
        notes.append(f"{primal} basic variables sit at a bound (primal degenerate): some shadow prices hold "
                     f"for a step one way only; see dual_holds")
    if dual:
        notes.append(f"{dual} nonbasic variables have zero reduced cost (dual degenerate): other plans may cost the same")
    return {"primal_degenerate": primal, "dual_degenerate": dual, "duals_unique": primal == 0,
            "plan_unique": dual == 0, "note": "; ".join(notes) or "duals and plan are unique"}


def _other_sides(model: LiveModel, case: Case, report: MarginalReport) -> None:
    """Measure the one-sided marginal value the dual does not give, where it holds one way only."""
    def step(value: float) -> float:
        return max(1e-3, 1e-6 * abs(value))

    base_obj = report.solution.objective

    def slope(parameter: Parameter, value: float, direction: int) -> float:
        d = step(value) * direction
        p = model.solve([Assignment(parameter, value + d)], start="previous")
        return (p.objective - base_obj) / d if p.objective is not None else np.inf * direction

    tg = report.targets
    other = np.full(len(tg), np.nan)
    for i, r in tg.iterrows():
        if r["dual_holds"] in ("increase", "decrease", "neither"):
            par = Parameter.parse(f"targets.minimum_fte[target={r['target']}]")
            other[i] = slope(par, r["minimum_fte"], -1 if r["dual_holds"] == "increase" else 1)
    tg["value_other_side"] = other

    bu = report.budgets
    other = np.full(len(bu), np.nan)
    for i, r in bu.iterrows():
        if r["dual_holds"] in ("increase", "decrease", "neither"):
            par = Parameter.parse(f"budgets.limit_gbp[budget={r['budget']}]")
            other[i] = -slope(par, r["limit_gbp"], -1 if r["dual_holds"] == "increase" else 1)
    bu["value_other_side"] = other
    model.solve([], start="previous")  # leave the live model at the base case


__all__ = ["MarginalReport", "marginal_analysis"]
