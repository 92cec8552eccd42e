"""commissioning: each commissioned intake ``I[t] = Σ_{s∈scope} X[p,s,t]`` (``I[-1]`` the baseline
intake): ``I[t] ≤ (1+rise)·I[t-1] + opening``, ``I[t] ≥ (1−fall)·I[t-1]``, ``I[t] ≥ floor·I[-1]``, where the
case gives the share (MODEL.md §11)."""
from __future__ import annotations

import numpy as np

from optimiser.verify.case import CaseArrays
from optimiser.verify.plan import Figures, Plan
from optimiser.verify.report import FamilyResult
from optimiser.verify.rows import limit, scope_row_labels

FAMILY = "commissioning"


def check(c: CaseArrays, x: Plan, f: Figures, out: FamilyResult) -> None:
    """Each commissioned intake's rise, fall and floor rows (MODEL.md §11), in every model year."""
    com = c.commissioning
    if com.empty:
        return
    base = com["baseline_intake"].to_numpy(float)[:, None]
    opening = com["opening_allowance"].fillna(0.0).to_numpy(float)[:, None]
    shares = {name: com[column].to_numpy(float)[:, None] for name, column in (
        ("intake_rise", "max_rise_share"), ("intake_fall", "max_fall_share"), ("intake_floor", "floor_share"))}
    names = scope_row_labels(com, ["programme", "scope"])

    def limits(plan):
        """``(lhs, rhs)`` of each kind of row, ``lhs ≤ rhs``, per (intake, model year)."""
        now = np.einsum("ks,kst->kt", c.com_members, plan.X[c.com_p])
        before = np.concatenate([plan.constant * base, now[:, :-1]], axis=1)
        return {"intake_rise": (now, (1 + shares["intake_rise"]) * before + plan.constant * opening),
                "intake_fall": ((1 - shares["intake_fall"]) * before, now),
                "intake_floor": (np.broadcast_to(plan.constant * shares["intake_floor"] * base, now.shape), now)}

    for name, share in shares.items():
        on = np.flatnonzero(np.isfinite(share[:, 0]))

        def rows(plan, name=name, on=on):
            lhs, rhs = limits(plan)[name]
            return lhs[on], rhs[on]

        def where(i, name=name, on=on):
            k, t = divmod(i, c.T)
            return f"{name}: {names[on[k]]}, {c.years[t]}"
        limit(out, rows, x, f, where)
