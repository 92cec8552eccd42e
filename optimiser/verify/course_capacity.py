"""course_capacity: ``Σ_{s∈scope} X[p,s,t] ≤ CC``."""
from __future__ import annotations

from optimiser.verify.case import CaseArrays
from optimiser.verify.plan import Figures, Plan
from optimiser.verify.report import FamilyResult
from optimiser.verify.rows import limit, rows_where, scope_row_labels

FAMILY = "course_capacity"


def check(c: CaseArrays, x: Plan, f: Figures, out: FamilyResult) -> None:
    cap = c.case.table("course_capacity").reset_index(drop=True)
    if cap.empty:
        return
    p, t, members = c.programmes.get_indexer(cap["programme"]), c.year_index(cap["year"]), c.members(cap["scope"])

    def rows(plan):
        return (members * plan.X[p, :, t]).sum(axis=1), plan.constant * cap["places"].to_numpy(float)
    limit(out, rows, x, f, rows_where(scope_row_labels(cap, ["programme", "scope", "year"])))
