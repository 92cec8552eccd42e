"""(a) The elastic shortfalls and (c) the single relaxations: how far limits must give for a plan to exist.

(a) Every hard target's minimum may fall short; minimise the priority-weighted shortfall (FTE ×
``priority``) with every other limit in force, then, holding each shortfall, minimise cost. The result is
the smallest shortfalls that make the case feasible and the cost of the plan that meets the rest. If even
this is infeasible, no target is to blame.

(c) For each limit of the conflict set that is a quantity (budget, pool, capacity, placements, posts,
target) and each hard target that falls short in (a): the least change of that one limit (the same amount
in each of its years) that makes the case feasible, then the cost of the cheapest plan with that change.
Ranked by cost and by relative change. A limit outside the conflict set cannot restore feasibility on its
own (the set still conflicts), so none is tried. Share limits are not offered: raising a share is not a
change of a limit's amount.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from optimiser.analysis.diagnosis.model import Limit, LiveModel

#: A relaxation is fixed at its least value times (1 + this) when the cheapest plan is sought.
RELAX_SLACK = 1e-7
FEASIBILITY_TOL = 1e-6


@dataclass
class Shortfalls:
    """What (a) found. ``weighted`` is None when no plan exists even with every hard target short."""

    hard: bool  # the case has a hard target
    weighted: float | None = None  # the least priority-weighted shortfall (FTE)
    cost: float | None = None  # the cheapest plan with these shortfalls (£, present value)
    short: list[tuple[Limit, float]] = field(default_factory=list)  # each target short, and by how much (FTE)


def elastic_shortfalls(live: LiveModel, limits: list[Limit]) -> Shortfalls:
    """(a) Least priority-weighted shortfall of the hard targets, then the cheapest plan at it."""
    hard = [lim for lim in limits if lim.name == "target_minimum"]
    if not hard:
        return Shortfalls(hard=False)
    cols = {live._col(lim): float(lim.target["priority"]) for lim in hard}
    live.bound(list(cols), np.inf)
    live.costs(plan=False, elastic=cols)
    try:
        if not live.feasible():
            return Shortfalls(hard=True)
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
    short = [(lim, float(x[live._col(lim)])) for lim in hard]
    short = [(lim, s) for lim, s in short if s > FEASIBILITY_TOL * max(1.0, abs(float(lim.target["minimum_fte"])))]
    return Shortfalls(True, weighted, cost, short)


def single_relaxations(live: LiveModel, candidates: list[Limit]) -> list[tuple[float | None, float | None]]:
    """(c) For each candidate, the least change that makes the case feasible and the cost then (None: not alone).

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
    return list(zip(changes, costs))


def ranked(relaxations: list[dict]) -> list[dict]:
    """The relaxations with ``rank_by_cost`` and ``rank_by_change`` set (those that work; ties by their words),
    cheapest first, then those that do not work."""
    ok = [r for r in relaxations if r["change"] is not None and r["total_cost_gbp"] is not None]
    for key, rank in (("total_cost_gbp", "rank_by_cost"), ("relative_change", "rank_by_change")):
        for n, r in enumerate(sorted(ok, key=lambda r: (r[key], r["words"])), 1):
            r[rank] = n
    return sorted(relaxations, key=lambda r: (r["rank_by_cost"] or math.inf, r["words"]))
