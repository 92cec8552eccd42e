"""Sustainability at the horizon's end (MODEL.md §13): in each run-out year, each group's staff in
post in each region is at least its level at the end of the last planning year,
``Σ_{s∈r} H[g,s,T+u] ≥ Σ_{s∈r} H[g,s,T]`` for ``u = 1..R``.
"""
from __future__ import annotations

import numpy as np

from optimiser.model.terms import grid
from optimiser.model.data import ModelData
from optimiser.model.lp import LinearProgram, labels

FAMILY = "run_out"


def add(lp: LinearProgram, data: ModelData) -> None:
    R = data.T - data.T_plan
    if R <= 0:
        return
    H = lp.variables["staff_in_post"]
    regions = data.regions.to_numpy(object)
    g, r, u = grid(data.G, len(regions), R)
    block = lp.add_rows(FAMILY, "workforce_held", 0.0, np.inf,
                        labels(g.size, staff_group=data.groups.to_numpy(object)[g], region=regions[r],
                               year=np.array(data.years, object)[data.T_plan + u]), ">=")
    region_of = data.regions.get_indexer(data.stp_region)
    row = (g * len(regions) + r) * R + u
    for s in range(data.S):
        on = region_of[s] == r
        lp.add_terms(block, row[on], H.index(g[on], s, data.T_plan + u[on]), 1.0)
        lp.add_terms(block, row[on], H.index(g[on], s, data.T_plan - 1), -1.0)
