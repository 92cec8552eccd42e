"""whole_cohorts: an integer programme's starts are whole, and none below its minimum cohort (MODEL.md
§Integer variant)."""
from __future__ import annotations

import numpy as np

from optimiser.verify.case import CaseArrays
from optimiser.verify.plan import Plan
from optimiser.verify.report import ROUNDING, TOLERANCE, FamilyResult

FAMILY = "whole_cohorts"


def check(c: CaseArrays, x: Plan, out: FamilyResult) -> None:
    whole = np.flatnonzero(c.integer)
    if not whole.size:
        return
    Xw = x.X[whole]
    frac = np.abs(Xw - np.round(Xw))
    below = np.where((Xw > TOLERANCE) & (Xw < c.min_cohort[whole, None, None]), c.min_cohort[whole, None, None] - Xw, 0.0)

    def where(i, what):
        p, s, t = np.unravel_index(i, Xw.shape)
        return f"{what}: {c.programmes[whole[p]]}, {c.stps[s]}, {c.years[t]}"
    out.add(frac, 1.0, lambda i: where(i, "starts not whole"), ROUNDING)  # whole to within 1e-6 of a start
    out.add(below, np.maximum(np.abs(Xw), c.min_cohort[whole, None, None]), lambda i: where(i, "cohort below minimum"))
