"""costs: each allocation's cost = quantity × the case's unit cost; costs by lever, year and region
(committed, present value, outlay) add up to the allocations; total, objective and penalties (soft targets
and soft absorption limits) equal the recomputed objective.

No constraint family of its own: these are the objective and the cost figures the file reports."""
from __future__ import annotations

import numpy as np
import pandas as pd

from optimiser.verify.absorption import soft_penalties
from optimiser.verify.case import CaseArrays
from optimiser.verify.plan import Figures, Plan, few, number, records
from optimiser.verify.report import ROUNDING, FamilyResult, SolutionFileError

FAMILY = "costs"
COSTS = ["cost_gbp", "present_value_gbp", "outlay_gbp"]


def check(c: CaseArrays, x: Plan, f: Figures, solution: dict, tm: pd.DataFrame, out: FamilyResult,
          problems: list[str]) -> tuple[float, float]:
    """Check every cost figure; return the recomputed objective and what the file's rounding may move it."""
    al = x.allocations
    q, cost, unit = al["quantity"].fillna(0.0).to_numpy(), al["cost_gbp"].to_numpy(float), x.unit_cost
    labels = [f"{r.lever} {r.item}, {r.staff_group}, {r.stp}, {r.year}" for r in al.itertuples(index=False)]
    expect = q * unit
    out.add(np.abs(cost - expect), np.maximum(np.abs(cost), np.abs(expect)), lambda i: f"allocation cost: {labels[i]}",
            ROUNDING * (unit + 1.0))

    # costs by lever, year and region, recomputed from quantity × the case's unit cost
    t = al["t"].to_numpy(np.int64)
    region = c.stp_region[al["s"].to_numpy(np.int64)]
    lever = al["lever"].to_numpy(object)
    allow = ROUNDING * (unit + 1.0)  # what the rounding of one allocation's figures may move a sum
    committed = pd.DataFrame({"lever": lever, "year": np.array(c.years, object)[t], "region": region,
                              "cost_gbp": expect, "present_value_gbp": expect * c.discount[t], "outlay_gbp": 0.0,
                              "allow": allow})
    # outlay: a training start's cost spread evenly over its course years inside the model years
    training = lever == "training"
    d = np.append(c.duration, 1)[np.where(training, al["i"], -1)]  # 1 for the other levers
    row = np.repeat(np.arange(len(al)), d)
    lag = np.arange(row.size) - np.repeat(np.cumsum(d) - d, d)
    year = t[row] + lag
    inside = year < c.T
    row, year = row[inside], year[inside]
    spread = pd.DataFrame({"lever": lever[row], "year": np.array(c.years, object)[year], "region": region[row],
                           "cost_gbp": 0.0, "present_value_gbp": 0.0, "outlay_gbp": expect[row] / d[row],
                           "allow": allow[row]})
    lines = pd.concat([committed, spread], ignore_index=True)
    costs = solution.get("costs")
    if not isinstance(costs, dict):
        raise SolutionFileError("'costs' must be an object")
    for key, by in (("by_lever_year_region", ["lever", "year", "region"]), ("by_lever", ["lever"]),
                    ("by_year", ["year"]), ("by_region", ["region"])):
        rep = records(costs, key, by + COSTS, COSTS)
        if rep.duplicated(by).any():
            problems.append(f"costs.{key}: duplicated lines: {few(rep.loc[rep.duplicated(by), by].itertuples(index=False))}")
        rec = lines.groupby(by)[COSTS + ["allow"]].sum()
        both = rec.join(rep.groupby(by)[COSTS].sum(), how="outer", rsuffix="_reported").fillna(0.0)
        names = [", ".join(map(str, k if isinstance(k, tuple) else (k,))) for k in both.index]
        for col in COSTS:
            a, b = both[col].to_numpy(), both[col + "_reported"].to_numpy()
            out.add(np.abs(a - b), np.maximum(np.abs(a), np.abs(b)), lambda i, col=col, key=key: f"costs.{key} {col}: {names[i]}",
                    both["allow"].to_numpy() + ROUNDING)

    # the objective: discounted committed cost (quantity × the case's unit cost) plus the penalties of
    # soft targets and soft absorption limits (not discounted)
    absorbed, absorbed_allow = soft_penalties(c, x, f)
    penalties = float((tm["penalty"] * tm["shortfall_fte"]).sum()) + absorbed
    pen_allow = float((tm["penalty"] * ROUNDING * (tm["cells"] + 1.0)).sum()) + absorbed_allow
    pv, pv_allow = expect * c.discount[t], ROUNDING * unit * c.discount[t]
    objective = float(pv.sum()) + penalties
    allow = ROUNDING * (float((unit * c.discount[t]).sum()) + 1.0) + pen_allow
    run_out = t >= c.T_plan
    checks = [("costs.total_gbp", costs.get("total_gbp"), objective, allow),
              ("objective", solution.get("objective"), objective, allow),
              ("costs.penalties_gbp", costs.get("penalties_gbp"), penalties, pen_allow + ROUNDING)]
    checks += [(f"costs.{key}", costs[key], float(pv[part].sum()), float(pv_allow[part].sum()) + ROUNDING)
               for key, part in (("plan_gbp", ~run_out), ("run_out_gbp", run_out)) if costs.get(key) is not None]
    for label, value, expected, allowance in checks:
        v = number(value)
        out.add([abs(v - expected)], [max(abs(expected), abs(v) if np.isfinite(v) else 0.0)],
                lambda i, label=label, v=v, expected=expected: f"{label} {v:,.2f} vs recomputed {expected:,.2f}",
                allowance)
    return objective, allow
