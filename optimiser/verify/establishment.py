"""establishment: ``Σ_{s∈scope} H[g,s,t] ≤ posts``."""
from __future__ import annotations

from optimiser.verify.case import CaseArrays
from optimiser.verify.plan import Figures, Plan
from optimiser.verify.report import FamilyResult
from optimiser.verify.rows import limit, rows_where, scope_row_labels

FAMILY = "establishment"


def check(c: CaseArrays, x: Plan, f: Figures, out: FamilyResult) -> None:
    posts = c.case.table("establishment").reset_index(drop=True)
    if posts.empty:
        return
    g, t, members = c.groups.get_indexer(posts["staff_group"]), c.year_index(posts["year"]), c.members(posts["scope"])

    def rows(plan):
        return (members * plan.H[g, :, t + 1]).sum(axis=1), plan.constant * posts["posts_fte"].to_numpy(float)
    limit(out, rows, x, f, rows_where(scope_row_labels(posts, ["staff_group", "scope", "year"])))
