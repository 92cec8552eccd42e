"""Budget (MODEL.md §9): cash outlay over a scope, lever and run of years within a limit.

Outlay in year ``t`` is training (a start's committed cost spread evenly over its course years,
counting only years the model runs), recruitment, retention and exit spend, undiscounted. A blank
``to_year`` ends at the last planning year: run-out years are budgeted only where a row names them.
"""
from __future__ import annotations

import numpy as np

from constraints._scope import scope_labels
from optimiser.model.terms import grid, planned_exits, retention_segments
from optimiser.model.data import ModelData
from optimiser.model.lp import LinearProgram, labels

FAMILY = "budget"


def outlay_terms(lp: LinearProgram, data: ModelData, lever: str, in_scope: np.ndarray, t0: int, t1: int):
    """Columns and £ coefficients of the outlay of ``lever`` in STPs ``in_scope`` (bool, S) in years t0..t1."""
    cols, vals = [], []
    if lever in ("all", "training"):
        progs = data.programmes
        p, s, u = grid(len(progs), data.S, data.T)
        d = progs["duration_years"].to_numpy()[p]
        years = np.minimum(u + d - 1, t1) - np.maximum(u, t0) + 1
        ok = (years > 0) & in_scope[s]
        cols.append(lp.variables["training_starts"].index(p[ok], s[ok], u[ok]))
        vals.append(progs["cost_per_place_gbp"].to_numpy()[p[ok]] / d[ok] * years[ok])
    if lever in ("all", "recruitment"):
        kg, s, t = grid(len(data.recruit), data.S, data.T)
        ok = in_scope[s] & (t >= t0) & (t <= t1)
        cols.append(lp.variables["recruits"].index(kg[ok], s[ok], t[ok]))
        vals.append(data.recruit_cost[kg[ok], s[ok]])
    if lever in ("all", "retention"):
        seg = retention_segments(data)
        n, t = grid(len(seg), data.T)
        ok = in_scope[seg["s"].to_numpy()[n]] & (t >= t0) & (t <= t1)
        cols.append(lp.variables["leavers_retained"].index(n[ok], t[ok]))
        vals.append(seg["cost_per_avoided_leaver_gbp"].to_numpy()[n[ok]])
    if lever in ("all", "exit"):
        ex = planned_exits(data)
        ok = in_scope[ex["s"].to_numpy()] & (ex["t"].to_numpy() >= t0) & (ex["t"].to_numpy() <= t1)
        cols.append(lp.variables["planned_exits"].index(np.flatnonzero(ok)))
        vals.append(ex["cost_per_exit_gbp"].to_numpy()[ok])
    return np.concatenate(cols), np.concatenate(vals)


def add(lp: LinearProgram, data: ModelData) -> None:
    budgets = data.case.table("budgets").reset_index(drop=True)
    if budgets.empty:
        return
    t0 = data.year_index(budgets["from_year"].fillna(data.years[0]))
    t1 = data.year_index(budgets["to_year"].fillna(data.planning_years[-1]))  # run-out years only when named
    block = lp.add_rows(FAMILY, "spending_limit", -np.inf, budgets["limit_gbp"].to_numpy(float),
                        labels(len(budgets), item=(budgets["budget"] + " (" + budgets["lever"] + ")").to_numpy(object),
                               year=[data.years[a] + ("" if a == b else "–" + data.years[b]) for a, b in zip(t0, t1)],
                               **scope_labels(data, budgets["scope"])), "<=")
    for i, b in budgets.iterrows():
        in_scope = np.zeros(data.S, bool)
        in_scope[data.members(b["scope"])] = True
        cols, vals = outlay_terms(lp, data, b["lever"], in_scope, t0[i], t1[i])
        lp.add_terms(block, np.full(cols.size, i), cols, vals)
