"""recruitment_pools: ``Σ_{g, s∈scope} Rec[k,g,s,t] ≤ Pool``."""
from __future__ import annotations

import numpy as np
import pandas as pd

from optimiser.verify.case import CaseArrays
from optimiser.verify.plan import Figures, Plan
from optimiser.verify.report import FamilyResult
from optimiser.verify.rows import limit, rows_where, scope_row_labels

FAMILY = "recruitment_pools"


def check(c: CaseArrays, x: Plan, f: Figures, out: FamilyResult) -> None:
    pools = c.case.table("recruitment_pools").reset_index(drop=True)
    if pools.empty:
        return
    k, t = c.sources.get_indexer(pools["source"]), c.year_index(pools["year"])
    group = pools["staff_group"].to_numpy(object)
    # a named group counts that group; a blank one every group (recruits of a group the source is
    # not open to are reported under bounds)
    sel = ((group[:, None] == c.groups.to_numpy(object)[None, :]) | pd.isna(pools["staff_group"]).to_numpy()[:, None])
    members = c.members(pools["scope"]).astype(float)

    def rows(plan):
        rec = np.moveaxis(plan.Rec, 0, 2)[:, :, k, t]  # (G, S, rows)
        return np.einsum("rg,rs,gsr->r", sel.astype(float), members, rec), plan.constant * pools["pool_fte"].to_numpy(float)
    limit(out, rows, x, f, rows_where(scope_row_labels(pools, ["source", "staff_group", "scope", "year"])))
