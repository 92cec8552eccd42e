"""retention: ``R[g,s,t,j] ≤ φ_j·a[g,s]·H[g,s,t-1]`` for every segment the case offers."""
from __future__ import annotations

import numpy as np

from optimiser.verify.case import CaseArrays
from optimiser.verify.plan import Figures, Plan, opening_staff
from optimiser.verify.report import FamilyResult
from optimiser.verify.rows import limit

FAMILY = "retention"


def check(c: CaseArrays, x: Plan, f: Figures, out: FamilyResult) -> None:
    g, s, t, j = np.nonzero(np.broadcast_to(c.seg_exists[:, :, None, :], x.R.shape))
    share = c.seg_share[g, s, j] * c.leaver_rate[g, s]

    def rows(plan):
        return plan.R[g, s, t, j], share * opening_staff(plan)[g, s, t]
    limit(out, rows, x, f, lambda i: f"{c.groups[g[i]]}, {c.stps[s[i]]}, {c.years[t[i]]}, segment {c.segments[j[i]]}")
