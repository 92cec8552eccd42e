"""Checking rows ``lhs ≤ rhs`` of a plan with the file's rounding allowed for, and naming them."""
from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from optimiser.verify.case import CaseArrays
from optimiser.verify.plan import Figures, Plan
from optimiser.verify.report import ROUNDING, FamilyResult


def where_gst(c: CaseArrays, shape, extra: str = "") -> Callable[[int], str]:
    def where(i: int) -> str:
        g, s, t = np.unravel_index(i, shape)
        return f"{extra}{c.groups[g]}, {c.stps[s]}, {c.years[t]}"
    return where


def rows_where(labels: list[str]) -> Callable[[int], str]:
    return lambda i: labels[i]


def scope_row_labels(df: pd.DataFrame, columns: list[str]) -> list[str]:
    return [", ".join(str(v) for v in r if v is not None and not (isinstance(v, float) and np.isnan(v)))
            for r in df[columns].itertuples(index=False)]


def limit(out: FamilyResult, rows: Callable, x: Plan, figures: Figures, where: Callable[[int], str]) -> None:
    """Check ``lhs ≤ rhs`` row by row; ``rows(plan)`` gives (lhs, rhs) for the plan or its figures."""
    lhs, rhs = rows(x)
    lhs_n, rhs_n = rows(figures)
    out.add(np.maximum(0.0, lhs - rhs), np.maximum(np.abs(lhs), np.abs(rhs)), where,
            ROUNDING * (np.abs(lhs_n) + np.abs(rhs_n)))
