"""Recruitment pools (MODEL.md §7): ``Σ_{g∈k, s∈scope} Rec[k,g,s,t] ≤ Pool[k,scope,t]``.

A pool row with a staff group counts only that group; a blank one every group the source is open to.
"""
from __future__ import annotations

import numpy as np

from constraints._scope import scope_labels
from optimiser.model.data import ModelData
from optimiser.model.lp import LinearProgram, labels

FAMILY = "recruitment_pools"


def add(lp: LinearProgram, data: ModelData) -> None:
    pools = data.case.table("recruitment_pools").reset_index(drop=True)
    if pools.empty:
        return
    Rec = lp.variables["recruits"]
    rec = data.recruit
    t_row = data.year_index(pools["year"])
    rows, cols = [], []
    row_of_scope, s_of_scope = data.scope_matrix(pools["scope"])
    for i, (source, group) in enumerate(zip(pools["source"], pools["staff_group"])):
        kg = np.flatnonzero((rec["source"] == source).to_numpy() & ((rec["staff_group"] == group).to_numpy() | (group is None)))
        s = s_of_scope[row_of_scope == i]
        kk, ss = np.meshgrid(kg, s, indexing="ij")
        rows.append(np.full(kk.size, i))
        cols.append(Rec.index(kk.ravel(), ss.ravel(), np.full(kk.size, t_row[i])))
    block = lp.add_rows(FAMILY, "recruitment_pool", -np.inf, pools["pool_fte"].to_numpy(float),
                        labels(len(pools), item=pools["source"].to_numpy(object), staff_group=pools["staff_group"].to_numpy(object),
                               year=pools["year"].to_numpy(object), **scope_labels(data, pools["scope"])), "<=")
    lp.add_terms(block, np.concatenate(rows), np.concatenate(cols), 1.0)
