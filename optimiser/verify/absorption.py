"""absorption: hard limits ``H[t] ≤ (1+γ)·H[t-1] + β`` and ``H[t] ≥ (1−λ)·H[t-1] − E[t]`` (MODEL.md §12);
a soft one may be broken, its penalty is checked under costs (:func:`soft_penalties`)."""
from __future__ import annotations

import numpy as np

from optimiser.verify.case import CaseArrays
from optimiser.verify.plan import Figures, Plan, opening_staff
from optimiser.verify.report import ROUNDING, FamilyResult
from optimiser.verify.rows import limit

FAMILY = "absorption"


def _limits(c: CaseArrays, plan) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Each absorption limit as ``lhs ≤ rhs`` per (table row, model year), with the table rows it has:
    growth ``H[t] ≤ (1+γ)·H[t-1] + β`` and fall ``(1−λ)·H[t-1] ≤ H[t] + E[t]``."""
    opening, H, E = opening_staff(plan)[c.ab_g, c.ab_s], plan.H[c.ab_g, c.ab_s, 1:], plan.E[c.ab_g, c.ab_s]
    grow, fall = np.isfinite(c.ab_growth), np.isfinite(c.ab_fall)
    return {"growth": (np.flatnonzero(grow), H[grow], (1 + c.ab_growth[grow, None]) * opening[grow]
                       + plan.constant * c.ab_growth_fte[grow, None]),
            "fall": (np.flatnonzero(fall), (1 - c.ab_fall[fall, None]) * opening[fall], H[fall] + E[fall])}


def check(c: CaseArrays, x: Plan, f: Figures, out: FamilyResult) -> None:
    """Hard absorption and local-fall limits (MODEL.md §12); soft ones are priced under costs."""
    for name, (k, _, _) in _limits(c, x).items():
        hard = ~c.ab_soft[k]

        def rows(plan, name=name, hard=hard):
            _, lhs, rhs = _limits(c, plan)[name]
            return lhs[hard], rhs[hard]

        def where(i, name=name, k=k[hard]):
            r, t = divmod(i, c.T)
            return f"{name}: {c.groups[c.ab_g[k[r]]]}, {c.stps[c.ab_s[k[r]]]}, {c.years[t]}"
        limit(out, rows, x, f, where)


def soft_penalties(c: CaseArrays, x: Plan, f: Figures) -> tuple[float, float]:
    """£ of soft absorption limits broken (FTE beyond × penalty, not discounted), and what the file's
    rounding may move it."""
    total = allow = 0.0
    for (k, lhs, rhs), (_, lhs_n, rhs_n) in zip(_limits(c, x).values(), _limits(c, f).values()):
        penalty = np.where(c.ab_soft[k], c.ab_penalty[k], 0.0)[:, None]
        total += float((penalty * np.maximum(0.0, lhs - rhs)).sum())
        allow += float((penalty * ROUNDING * (np.abs(lhs_n) + np.abs(rhs_n))).sum())
    return total, allow
