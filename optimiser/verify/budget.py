"""budget: cash outlay (training spread over the course years inside the model years, recruitment,
retention, exits; undiscounted) within each budget row (a blank ``to_year`` ends at the last planning year)."""
from __future__ import annotations

import numpy as np

from optimiser.verify.case import CaseArrays
from optimiser.verify.plan import Figures, Plan
from optimiser.verify.report import FamilyResult
from optimiser.verify.rows import limit, rows_where, scope_row_labels

FAMILY = "budget"


def _outlay(c: CaseArrays, x) -> dict[str, np.ndarray]:
    """Cash outlay (£, undiscounted) by lever, STP and year, as budgets count it: a start's committed
    cost spread evenly over its course years (only model years count)."""
    spend = c.place_cost[:, None, None] / c.duration[:, None, None] * x.X
    csum = np.cumsum(spend, axis=2)
    running = csum.copy()
    for p, d in enumerate(c.duration):
        if d < c.T:
            running[p, :, d:] -= csum[p, :, :-d]
    return {
        "training": running.sum(axis=0),
        "recruitment": np.einsum("kgs,kgst->st", c.rec_cost, x.Rec),
        "retention": np.einsum("gsj,gstj->st", c.seg_cost, x.R),
        "exit": (c.exit_cost * x.E).sum(axis=0),
    }


def check(c: CaseArrays, x: Plan, f: Figures, out: FamilyResult) -> None:
    budgets = c.case.table("budgets").reset_index(drop=True)
    if budgets.empty:
        return
    t0 = c.year_index(budgets["from_year"].fillna(c.years[0]))
    t1 = c.year_index(budgets["to_year"].fillna(c.planning_years[-1]))  # run-out years only where named
    members = c.members(budgets["scope"])

    def rows(plan):
        outlay = _outlay(c, plan)
        lhs = np.zeros(len(budgets))
        for i, lever in enumerate(budgets["lever"]):
            spend = sum(outlay.values()) if lever == "all" else outlay[lever]
            lhs[i] = (members[i][:, None] * spend[:, t0[i]:t1[i] + 1]).sum()
        return lhs, plan.constant * budgets["limit_gbp"].to_numpy(float)
    limit(out, rows, x, f, rows_where(scope_row_labels(budgets, ["budget", "lever", "scope", "from_year", "to_year"])))
