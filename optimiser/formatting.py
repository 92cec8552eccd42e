"""Numbers in the planner's words, one way everywhere: the solve summary (solve_summary.py), the diagnosis's
sentences and tables (analysis/diagnosis/), the analysis commands (analysis/commands.py) and the HTML report
(report.py).

A missing value (None or NaN) reads "—" in the report's formatters (``gbp``, ``fte``).
"""
from __future__ import annotations

MISSING = "—"


def _missing(v) -> bool:
    return v is None or v != v  # None or NaN (of any float type)


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


def percent(v: float | None, points: bool = False) -> str:
    """A probability 0–1 to a tenth of a percent, '73.4%' (with ``points``, its standard error in percentage
    points, '1.2 pp'); 'n/a' where it cannot be estimated (None or NaN)."""
    return "n/a" if _missing(v) else f"{100 * float(v):.1f}" + (" pp" if points else "%")


def gap_percent(v: float) -> str:
    """A small share (a MIP gap) as a percentage to three significant figures: 0.0001 is '0.01%'."""
    pct = abs(float(v)) * 100
    return "0%" if pct == 0 else "under 0.0001%" if pct < 1e-4 else f"{pct:.3g}%"


def year_range(first: str, last: str) -> str:
    """Financial years from first to last: '2016/17–2020/21', or one year alone."""
    return first if first == last else f"{first}–{last}"


def year_ranges(years: list[str], all_years: list[str]) -> str:
    """Some of ``all_years`` with consecutive years merged: '2016/17–2017/18, 2019/20'; years not in
    ``all_years`` last, as given."""
    pos = {y: i for i, y in enumerate(all_years)}
    known = sorted({pos[y] for y in years if y in pos})
    other = [y for y in years if y not in pos]
    runs, start = [], None
    for k, i in enumerate(known):
        if start is None:
            start = i
        if k + 1 == len(known) or known[k + 1] != i + 1:
            runs.append(year_range(all_years[start], all_years[i]))
            start = None
    return ", ".join(runs + other)
