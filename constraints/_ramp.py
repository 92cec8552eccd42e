"""Year-on-year rows shared by commissioning continuity (§11) and absorption (§12).

For each unit ``k`` (a commissioned intake, or a staff group in an STP) with quantity ``Q[k,t]``
(a sum of columns) and its value ``Q[k,-1]`` before the first year (a constant):
``Q[k,t] − m[k]·Q[k,t−1]  (≤ or ≥)  allowance[k]``, for every model year ``t``.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from optimiser.model.lp import LinearProgram, RowBlock


def ramp_rows(lp: LinearProgram, family: str, name: str, members: np.ndarray,
              columns: Callable[[np.ndarray], np.ndarray], opening: np.ndarray, multiplier: np.ndarray,
              allowance: np.ndarray, sense: str, labels: pd.DataFrame, T: int) -> RowBlock:
    """Add the rows ``(k, t)`` (row ``k·T + t``) of ``Q[k,t] − m[k]·Q[k,t−1] sense allowance[k]``.

    Args:
        members: unit of each member column group (a member contributes one column a year).
        columns: ``columns(t)`` gives each member's column in year ``t`` (array of model years, one per member).
        opening: ``Q[k,-1]`` per unit; multiplier ``m[k]``; allowance per unit (row units).
        labels: one label row per (k, t) row, in row order.
    """
    K = len(opening)
    rhs = np.tile(allowance[:, None], (1, T)).astype(float)
    rhs[:, 0] += multiplier * opening
    rhs = rhs.ravel()
    lower, upper = (rhs, np.inf) if sense == ">=" else (-np.inf, rhs)
    block = lp.add_rows(family, name, lower, upper, labels, sense)
    for t in range(T):
        year = np.full(members.size, t)
        lp.add_terms(block, members * T + t, columns(year), 1.0)
        if t:
            lp.add_terms(block, members * T + t, columns(year - 1), -multiplier[members])
    assert block.size == K * T
    return block
