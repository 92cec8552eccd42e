"""balance: the plan (reported and recomputed objective) costs at most the least cost ``C*`` plus
``cost_tolerance·max(|C*|, 1)`` (MODEL.md §14), the row ``cost_within_tolerance`` of stage 2."""
from __future__ import annotations

import numpy as np

from optimiser.verify.case import CaseArrays
from optimiser.verify.plan import number
from optimiser.verify.report import ROUNDING, FamilyResult

FAMILY = "balance"


def check(c: CaseArrays, solution: dict, objective: float, allow: float, out: FamilyResult,
          problems: list[str]) -> None:
    """The plan costs at most ``C* + cost_tolerance·max(|C*|, 1)`` (MODEL.md §14), ``C*`` the least cost the
    file reports and the tolerance the case's; both the reported and the recomputed objective."""
    balance = solution.get("balance")
    least = number(balance.get("least_cost_gbp")) if isinstance(balance, dict) else np.nan
    if np.isnan(least):
        return  # stage 2 off, or no least cost reported
    tolerance = c.case.config.balance.cost_tolerance
    if number(balance.get("cost_tolerance")) != tolerance:
        problems.append(f"balance: cost_tolerance {balance.get('cost_tolerance')} is not the case's {tolerance:g}")
    cap = least + tolerance * max(abs(least), 1.0)
    for label, value, allowance in (("objective", number(solution.get("objective")), ROUNDING),
                                    ("recomputed objective", objective, allow)):
        out.add([np.maximum(0.0, value - cap)], [max(abs(value), abs(cap))],
                lambda i, label=label, value=value: f"{label} {value:,.2f} above the cap {cap:,.2f} "
                                                    f"(least cost {least:,.2f} × (1 + {tolerance:g}))",
                allowance + ROUNDING * (1.0 + tolerance))
