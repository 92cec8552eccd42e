"""upskilling_source: ``X[p,s,t] ≤ σ_p·H[f(p),s,t-1]``."""
from __future__ import annotations

import numpy as np

from optimiser.verify.case import CaseArrays
from optimiser.verify.plan import Figures, Plan, opening_staff
from optimiser.verify.report import FamilyResult
from optimiser.verify.rows import limit

FAMILY = "upskilling_source"


def check(c: CaseArrays, x: Plan, f: Figures, out: FamilyResult) -> None:
    drawn = np.flatnonzero(c.prog_source >= 0)
    if not drawn.size:
        return

    def rows(plan):
        return plan.X[drawn], c.source_share[drawn, None, None] * opening_staff(plan)[c.prog_source[drawn]]

    def where(i):
        p, s, t = np.unravel_index(i, (drawn.size, c.S, c.T))
        return f"{c.programmes[drawn[p]]} from {c.groups[c.prog_source[drawn[p]]]}, {c.stps[s]}, {c.years[t]}"
    limit(out, rows, x, f, where)
