"""mentoring: ``Σ_{p: m(p)=m} ST[p,s,t]/ρ_p ≤ μ_m·H[m,s,t-1]``."""
from __future__ import annotations

import numpy as np

from optimiser.verify.case import CaseArrays
from optimiser.verify.plan import Figures, Plan, opening_staff, students
from optimiser.verify.report import FamilyResult
from optimiser.verify.rows import limit

FAMILY = "mentoring"


def check(c: CaseArrays, x: Plan, f: Figures, out: FamilyResult) -> None:
    for m in sorted(set(c.prog_mentor[c.prog_mentor >= 0].tolist())):
        mentored = c.prog_mentor == m
        weight = np.where(mentored, 1.0 / np.where(mentored, c.per_mentor, 1.0), 0.0)

        def rows(plan, m=m, weight=weight):
            return np.einsum("p,pst->st", weight, students(c, plan)), c.mentor_share[m] * opening_staff(plan)[m]

        def where(i, m=m):
            s, t = np.unravel_index(i, (c.S, c.T))
            return f"mentors from {c.groups[m]}, {c.stps[s]}, {c.years[t]}"
        limit(out, rows, x, f, where)
