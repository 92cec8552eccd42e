"""placements: ``Σ_{s∈scope} Σ_p w_p·ST[p,s,t] ≤ PC`` (pipeline students included)."""
from __future__ import annotations

import numpy as np

from optimiser.verify.case import CaseArrays
from optimiser.verify.plan import Figures, Plan, students
from optimiser.verify.report import FamilyResult
from optimiser.verify.rows import limit, rows_where, scope_row_labels

FAMILY = "placements"


def check(c: CaseArrays, x: Plan, f: Figures, out: FamilyResult) -> None:
    cap = c.case.table("placement_capacity").reset_index(drop=True)
    if cap.empty:
        return
    t, members = c.year_index(cap["year"]), c.members(cap["scope"])

    def rows(plan):
        load = np.einsum("p,pst->st", c.placement_use, students(c, plan))
        return (members * load[:, t].T).sum(axis=1), plan.constant * cap["placements"].to_numpy(float)
    limit(out, rows, x, f, rows_where(scope_row_labels(cap, ["scope", "year"])))
