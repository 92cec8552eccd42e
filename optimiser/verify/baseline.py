"""baseline: the baseline year's staff in post equal the case's.

No constraint family of its own: the baseline is the fixed opening of the stock flow."""
from __future__ import annotations

import numpy as np

from optimiser.verify.case import CaseArrays
from optimiser.verify.plan import Plan
from optimiser.verify.report import ROUNDING, FamilyResult

FAMILY = "baseline"


def check(c: CaseArrays, x: Plan, out: FamilyResult) -> None:
    H0 = x.H[:, :, 0]
    out.add(np.abs(H0 - c.baseline), np.maximum(np.abs(H0), np.abs(c.baseline)),
            lambda i: (lambda g, s: f"{c.groups[g]}, {c.stps[s]}, {c.base_year}")(*np.unravel_index(i, H0.shape)),
            ROUNDING)
