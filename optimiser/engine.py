"""Solve a case: build the LP once, hand it to a backend, read the answer back as tables.

Two stages (MODEL.md §14): stage 1 finds the least cost ``C*``; stage 2 finds, among plans costing
at most ``C*·(1 + cost_tolerance)``, the most balanced one (:mod:`constraints.balance`). The plan,
workforce and costs come from stage 2; shadow prices, marginal costs and reduced costs from stage 1.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from optimiser.case import Case
from optimiser.model.build import build_lp
from optimiser.model.data import ModelData
from optimiser.model.lp import LinearProgram
from optimiser.solution import Solution, extract
from optimiser.solvers import solve_lp
from optimiser.solvers.base import ModelArrays, SolverResult

#: Deviation row blocks of stage 2, in the order they are reported.
IMBALANCE_TERMS = ("growth_share", "intake_change", "starts_spread", "recruits_region_spread", "recruits_spread",
                   "retention_spread")

#: Backends whose stage 2 another backend solves, and why (said in the output). PDLP, a first-order
#: method, converges very slowly on stage 2's degenerate set of least-cost plans (over 10 minutes on the
#: national case, against seconds for simplex); the pdlp backend already relies on HiGHS for crossover.
STAGE_TWO_BACKEND = {"pdlp": ("highs", "PDLP converges too slowly on stage 2; HiGHS (its crossover solver) solves it")}

#: A cost tolerance at or below this is a pure tie-break: stage 2 keeps stage 1's least cost exactly.
TIE_BREAK = 1e-6


@dataclass
class Balance:
    """What stage 2 did (MODEL.md §14).

    Attributes:
        status: ``balanced`` (stage 2 ran), or why not: ``off`` (case.yaml ``balance.enabled: false``),
            ``whole_cohorts`` (a MIP: single stage), ``no_plan`` (stage 1 found none), ``no_duals`` (the
            backend gave stage 1 no duals, which stage 2 needs: SCIP through OR-Tools), ``approximate``
            (PDLP without crossover: its duals are approximate) or the failed
            stage 2's status (the stage-1 plan is then reported).
        note: the status in words.
        cost_tolerance: the share of ``C*`` stage 2 could spend on balance.
        least_cost_gbp: ``C*``, stage 1's objective (£ present value, penalties included).
        cost_gbp: the reported plan's objective (£); ``cost_gbp − least_cost_gbp`` is spent on balance.
        imbalance_before, imbalance_after: weighted imbalance of the stage-1 and the reported plan, per
            term of :data:`IMBALANCE_TERMS` (unweighted, in its unit: FTE or starts or recruits) and ``total``
            (weighted).
        seconds: wall time of stage 2 (s; not reproducible).
    """

    status: str
    note: str
    cost_tolerance: float
    least_cost_gbp: float | None = None
    cost_gbp: float | None = None
    imbalance_before: dict | None = None
    imbalance_after: dict | None = None
    seconds: float = 0.0

    @property
    def spent_gbp(self) -> float | None:
        """£ spent on balance: the reported plan's cost less the least cost."""
        if self.cost_gbp is None or self.least_cost_gbp is None:
            return None
        return self.cost_gbp - self.least_cost_gbp


def solve(case: Case, solver: str | None = None, diagnose: bool = False, balance: bool | None = None,
          **options) -> Solution:
    """Minimum-cost allocation of a case, then the most balanced plan of (about) that cost.

    Args:
        case: a loaded case (``load_case``).
        solver: backend name; defaults to the case's ``solver.name`` (``highs``).
        diagnose: if the case is infeasible, explain why (``sol.diagnosis``, written to the JSON;
            ``optimiser.analysis.diagnosis``).
        balance: run stage 2 (MODEL.md §14); default the case's ``balance.enabled``.
        **options: solver options overriding the case's: ``time_limit_seconds``, ``mip_gap``,
            ``threads``, ``random_seed``, ``crossover`` (pdlp).

    Returns:
        A :class:`Solution`; check ``status`` before reading the plan. ``sol.balance`` says what stage 2 did.
    """
    settings = case.config.solver.model_copy(update={k: v for k, v in options.items() if v is not None})
    if solver is not None:
        settings = settings.model_copy(update={"name": solver})
    timings = {}
    start = time.perf_counter()
    lp, data = build_lp(case)
    timings["build"] = time.perf_counter() - start
    result = solve_lp(lp, settings)
    timings["solve"] = result.seconds
    result, report = _stage_two(lp, data, result, settings, case.config.balance.enabled if balance is None else balance)
    timings["balance"] = report.seconds
    start = time.perf_counter()
    sol = extract(lp, data, result)
    timings["extract"] = time.perf_counter() - start
    sol.timings = timings
    sol.lp = lp
    sol.balance = report
    if diagnose and sol.status in ("infeasible", "infeasible_or_unbounded"):
        from optimiser.analysis.diagnosis import diagnose as explain

        start = time.perf_counter()
        sol.diagnosis = explain(case)
        timings["diagnosis"] = time.perf_counter() - start
    return sol


def balanced_lp(lp: LinearProgram, data: ModelData, least_cost: float) -> tuple[LinearProgram, np.ndarray]:
    """Stage 2's LP: ``lp`` (not changed) with the balance rows and columns and the cost cap; and its objective."""
    from constraints import balance

    tolerance = data.case.config.balance.cost_tolerance
    stage_two = lp.copy()
    weights = balance.add(stage_two, data, least_cost + tolerance * max(abs(least_cost), 1.0))
    return stage_two, weights


def stage_two_model(case: Case, solver: str | None = None) -> LinearProgram:
    """Stage 2 as a model to export: minimise the imbalance (its objective) subject to every limit and the
    cost cap ``C*·(1 + cost_tolerance)``, with ``C*`` from solving stage 1 (MODEL.md §14).

    Raises:
        ValueError: when stage 1 has no least cost (not optimal) or the case is a whole-cohort MIP.
    """
    lp, data = build_lp(case)
    if lp.integrality.any():
        raise ValueError("a whole-cohort case (a MIP) has no stage 2")
    settings = case.config.solver if solver is None else case.config.solver.model_copy(update={"name": solver})
    result = solve_lp(lp, settings)
    if result.status != "optimal":
        raise ValueError(f"stage 1 ended '{result.status}': stage 2 needs its least cost")
    stage_two, weights = balanced_lp(lp, data, result.objective)
    return stage_two.with_cost(weights)


def _stage_two(lp: LinearProgram, data: ModelData, result: SolverResult, settings, enabled: bool):
    tolerance = data.case.config.balance.cost_tolerance
    if not enabled:
        return result, Balance("off", "stage 2 is off (balance.enabled: false, or --no-balance): the plan is the "
                                      "solver's minimum-cost vertex, one of possibly many of the same cost", tolerance)
    if lp.integrality.any():
        return result, Balance("whole_cohorts", "single stage: a whole-cohort case is a MIP, and stage 2 with its "
                                                "binaries is not run; the plan is the MIP's", tolerance,
                               result.objective, result.objective)
    if result.status != "optimal":
        return result, Balance("no_plan", f"stage 1 ended '{result.status}': no plan to balance", tolerance)
    if settings.name == "pdlp" and not settings.crossover:
        return result, Balance("approximate", "single stage: PDLP's own plan without crossover is approximate, and "
                                              "stage 2 keeps to the least-cost plans through exact duals; the plan is "
                                              "PDLP's", tolerance, result.objective, result.objective)
    if result.row_dual is None or result.col_dual is None:
        return result, Balance("no_duals", f"single stage: {result.solver} gave no duals ({result.duals_note}), and "
                                           "stage 2 keeps to the least-cost plans through them; the plan is the "
                                           "solver's minimum-cost vertex", tolerance, result.objective, result.objective)
    start = time.perf_counter()
    stage_two, weights = balanced_lp(lp, data, result.objective)
    arrays = ModelArrays.of(stage_two)
    backend, why = STAGE_TWO_BACKEND.get(settings.name, (settings.name, ""))
    second = solve_lp(_restricted(replace(arrays, cost=weights), lp, result, arrays.row_upper[lp.num_row],
                                   tolerance <= TIE_BREAK), settings.model_copy(update={"name": backend}))
    seconds = time.perf_counter() - start
    n = lp.num_col
    rows = arrays.a.tocsr()  # row-wise once, for both plans
    before = imbalance(stage_two, rows, arrays.row_lower, weights, result.x)
    if second.status != "optimal":
        return result, Balance(second.status, f"stage 2 ended '{second.status}' ({second.message}); the plan is "
                                              "stage 1's minimum-cost vertex", tolerance, result.objective,
                               result.objective, before, None, seconds)
    x = second.x[:n]
    cost = float(lp.cost @ x)
    after = imbalance(stage_two, rows, arrays.row_lower, weights, x)
    merged = replace(result, x=x, row_activity=arrays.a[: lp.num_row, :n] @ x, objective=cost,
                     seconds=result.seconds + second.seconds,
                     message=f"{result.message}; stage 2 (balance): {second.message}")
    words = (f"stage 2 chose the most balanced plan costing at most {tolerance:g} × more than the least cost "
             "(the plan, workforce and costs); shadow prices, marginal and reduced costs are stage 1's"
             + (f"; {why}" if why else ""))
    return merged, Balance("balanced", words, tolerance, result.objective, cost, before, after, seconds)


def _restricted(arrays: ModelArrays, lp: LinearProgram, result: SolverResult, cap: float,
                tie_break: bool) -> ModelArrays:
    """Stage 2 with the bounds that no plan within the cost cap can pass (from stage 1's duals).

    With stage 1's optimal duals, ``cost(x) = C* + Σ_j d_j·(x_j − x*_j) + Σ_i y_i·(a_i x − a_i x*)`` for every
    plan ``x``, each term ≥ 0 where ``x`` is feasible. So a column with reduced cost ``d_j ≠ 0`` moves at most
    ``(cap − C*)/|d_j|`` from its bound, and a row with dual ``y_i ≠ 0`` at most ``(cap − C*)/|y_i|``.

    Within the tie-break tolerance (:data:`TIE_BREAK`) those columns and rows are held at their bound: the
    plans left are exactly the plans of least cost (the optimal face; any optimal dual gives the same face),
    and the LP solver's presolve removes what is held. Above it they are bounded by that room (loosened by
    0.1% for the duals' own tolerance), which leaves the set of plans within the cap unchanged.
    """
    n, m = lp.num_col, lp.num_row
    room = 0.0 if tie_break else (cap - result.objective) * (1 + 1e-3) + 1e-6
    small = 1e-7 * max(1.0, float(np.abs(lp.cost).max(initial=0.0)))  # a dual below this is zero
    lower, upper = arrays.col_lower.copy(), arrays.col_upper.copy()
    _hold(lower[:n], upper[:n], result.col_dual, small, room)
    row_lower, row_upper = arrays.row_lower.copy(), arrays.row_upper.copy()
    free = row_upper[:m] > row_lower[:m]
    _hold(row_lower[:m], row_upper[:m], np.where(free, result.row_dual, 0.0), small, room)
    return replace(arrays, col_lower=lower, col_upper=upper, row_lower=row_lower, row_upper=row_upper)


def _hold(lower: np.ndarray, upper: np.ndarray, dual: np.ndarray, small: float, room: float) -> None:
    """In place: where ``dual > small`` the value sits at ``lower`` and may rise by ``room / dual``; where
    ``dual < −small`` it sits at ``upper`` and may fall by ``room / |dual|``."""
    up, down = dual > small, dual < -small
    upper[up] = np.minimum(upper[up], lower[up] + room / dual[up])
    lower[down] = np.maximum(lower[down], upper[down] - room / -dual[down])


def imbalance(stage_two: LinearProgram, a: sp.csr_matrix, row_lower: np.ndarray, weights: np.ndarray,
              x: np.ndarray) -> dict:
    """The imbalance terms of a plan ``x`` (stage-1 columns): each term's sum of absolute deviations, and
    the weighted total, computed from the stage-2 rows (``a``, row-wise, and their right-hand sides
    ``row_lower``) with the totals implied by ``x``."""
    z = np.zeros(a.shape[1])
    z[:x.size] = x
    for block in stage_two.row_blocks:  # totals, in the order defined: total − Σ members = 0
        if block.family == "balance" and block.name in stage_two.variables:
            col = stage_two.variables[block.name]
            z[col.offset:col.offset + col.size] = -(a[block.rows] @ z)
    out, total = {}, 0.0
    for name in IMBALANCE_TERMS:
        block = next(b for b in stage_two.row_blocks if b.name == name)
        deviation = np.abs(a[block.rows] @ z - row_lower[block.rows])
        above = stage_two.variables[f"{name}_above"]
        out[name] = float(deviation.sum())
        total += float(weights[above.offset] * deviation.sum()) if above.size else 0.0
    out["total"] = total
    return out
