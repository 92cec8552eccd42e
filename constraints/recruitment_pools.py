"""Recruitment pools (MODEL.md §7): ``Σ_{g∈k, s∈scope} Rec[k,g,s,t] ≤ Pool[k,scope,t]``.

A pool row with a staff group counts only that group; a blank one every group the source is open to.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from constraints._scope import scope_labels
from optimiser.model.data import ModelData
from optimiser.model.lp import LinearProgram, labels

FAMILY = "recruitment_pools"


def add(lp: LinearProgram, data: ModelData) -> None:
    pools = data.case.table("recruitment_pools").reset_index(drop=True)
    if pools.empty:
        return
    Rec = lp.variables["recruits"]
    t_row = data.year_index(pools["year"])
    # each pool row with the open (source, group) pairs it counts: a blank group counts them all
    pairs = data.recruit[["source", "staff_group"]].assign(kg=np.arange(len(data.recruit)))
    rows = pools[["source", "staff_group"]].assign(row=np.arange(len(pools)))
    named = rows[rows["staff_group"].notna()].merge(pairs, on=["source", "staff_group"])
    blank = rows[rows["staff_group"].isna()].drop(columns="staff_group").merge(pairs, on="source")
    counted = pd.concat([named, blank], ignore_index=True)[["row", "kg"]]
    # ... and with the STPs of its scope
    row_of_scope, s_of_scope = data.scope_matrix(pools["scope"])
    cells = counted.merge(pd.DataFrame({"row": row_of_scope, "s": s_of_scope}), on="row")
    row, kg, s = (cells[c].to_numpy() for c in ("row", "kg", "s"))
    block = lp.add_rows(FAMILY, "recruitment_pool", -np.inf, pools["pool_fte"].to_numpy(float),
                        labels(len(pools), item=pools["source"].to_numpy(object), staff_group=pools["staff_group"].to_numpy(object),
                               year=pools["year"].to_numpy(object), **scope_labels(data, pools["scope"])), "<=")
    lp.add_terms(block, row, Rec.index(kg, s, t_row[row]), 1.0)
