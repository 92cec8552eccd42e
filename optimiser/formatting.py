"""Numbers in the planner's words, one way everywhere: the solve summary (cli.py), the diagnosis's sentences
and tables (analysis/diagnosis.py) and the HTML report (report.py).

A missing value (None or NaN) reads "—" in the report's formatters (``gbp``, ``fte``).
"""
from __future__ import annotations

import math

MISSING = "—"


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def gbp(v: float | None, millions: bool = False) -> str:
    """Money: '£1,234,567', '−£1,234' (a true minus sign), or '£1.2m' with ``millions``."""
    if _missing(v):
        return MISSING
    v = float(v)
    text = f"£{abs(v) / 1e6:,.1f}m" if millions else f"£{abs(v):,.0f}"
    return f"−{text}" if v < 0 and text not in ("£0", "£0.0m") else text


def pounds(v: float) -> str:
    """Whole pounds without the sign, for a column headed '£' or a sentence that writes '£' itself: '1,234'."""
    return f"{float(v):,.0f}"


def fte(v: float | None) -> str:
    """Staff in a table or chart: whole FTE, '1,235'."""
    return MISSING if _missing(v) else f"{float(v):,.0f}"


def fte_words(v: float) -> str:
    """Staff in a sentence: whole FTE, or one decimal where the tenth matters (below 1,000 and not whole): '5,634',
    '227.9', '20'."""
    v = float(v)
    return f"{v:,.0f}" if abs(v - round(v)) < 0.05 or abs(v) >= 1000 else f"{v:,.1f}"


def share(v: float, decimals: int = 1) -> str:
    """A share 0–1 as a percentage: share(0.035) is '3.5%', share(0.5, 0) is '50%'."""
    return f"{float(v):.{decimals}%}"


def gap_percent(v: float) -> str:
    """A small share (a MIP gap) as a percentage to three significant figures: 0.0001 is '0.01%'."""
    pct = abs(float(v)) * 100
    return "0%" if pct == 0 else "under 0.0001%" if pct < 1e-4 else f"{pct:.3g}%"


def year_range(first: str, last: str) -> str:
    """Financial years from first to last: '2016/17–2020/21', or one year alone."""
    return first if first == last else f"{first}–{last}"
