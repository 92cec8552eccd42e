"""run_out: in each run-out year each group's staff in post in each region is at least the last
planning year's (MODEL.md §13)."""
from __future__ import annotations

import numpy as np

from optimiser.verify.case import CaseArrays
from optimiser.verify.plan import Figures, Plan
from optimiser.verify.report import FamilyResult
from optimiser.verify.rows import limit

FAMILY = "run_out"


def check(c: CaseArrays, x: Plan, f: Figures, out: FamilyResult) -> None:
    """Each group's staff in post in each region in each run-out year is at least the last planning
    year's (MODEL.md §13)."""
    R = c.T - c.T_plan
    if R <= 0:
        return
    in_region = (c.stp_region[None, :] == c.regions.to_numpy(object)[:, None]).astype(float)  # (regions, S)

    def rows(plan):
        held = np.einsum("rs,gst->grt", in_region, plan.H[:, :, c.T_plan:])  # the last planning year, then run-out
        return np.repeat(held[:, :, :1], R, axis=2), held[:, :, 1:]

    def where(i):
        g, r, u = np.unravel_index(i, (c.G, len(c.regions), R))
        return f"workforce_held: {c.groups[g]}, {c.regions[r]}, {c.years[c.T_plan + u]}"
    limit(out, rows, x, f, where)
