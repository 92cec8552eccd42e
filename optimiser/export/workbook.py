"""Excel workbooks (openpyxl): a solution's summary and tables, and the tables of sweeps, tornado and Monte Carlo.

Each table is a sheet with a bold, frozen header row and a filter; money columns (``*_gbp``, marginal
costs, shadow prices) show as £ with thousands separators, FTE and other quantities to one decimal,
shares (rates, probabilities, gaps) as percentages.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from optimiser.export.atomic import write_atomic

GBP = '"£"#,##0;-"£"#,##0'
FTE = "#,##0.0"
SHARE = "0.0%"
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")


def number_format(column: str) -> str | None:
    """The Excel number format for a column, from its name (None: as it is)."""
    c = column.lower()
    if c.endswith("_gbp") or "_gbp_" in c or "cost_per_fte" in c or c.startswith("shadow_price") \
            or c.startswith("marginal_cost") or c.endswith("_gbp_per_fte") or "value_per" in c:
        return GBP
    if c.startswith("probability") or c.endswith("_share") or c in ("mip_gap", "gap", "gap_tolerance") \
            or c.endswith("_factor"):
        return SHARE if not c.endswith("_factor") else "0.00"
    if c.endswith("_fte") or "_fte_" in c or c in ("fte", "quantity", "slack"):
        return FTE
    return None


def add_sheet(wb: Workbook, title: str, df: pd.DataFrame) -> None:
    """``df`` as a sheet ``title`` (at most 31 characters): bold frozen header, filter, formats, widths."""
    ws = wb.create_sheet(title[:31])
    columns = [str(c) for c in df.columns]
    ws.append(columns)
    for row in df.itertuples(index=False):
        ws.append([_cell(v) for v in row])
    for i, c in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        fmt = number_format(c)
        if fmt and len(df):
            for (cell,) in ws.iter_rows(min_row=2, max_row=len(df) + 1, min_col=i, max_col=i):
                cell.number_format = fmt
        width = max([len(c)] + [len(str(v)) for v in df.iloc[:200, i - 1].tolist()]) if len(df) else len(c)
        ws.column_dimensions[get_column_letter(i)].width = min(60, max(9, width + 2))
    ws.freeze_panes = "A2"
    if columns:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(1, len(df) + 1)}"


def _cell(v):
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return None
    if isinstance(v, (list, tuple)):
        return "; ".join(map(str, v))
    if hasattr(v, "item"):  # numpy scalars
        return v.item()
    return v


def tables_workbook(tables: dict[str, pd.DataFrame], summary: list[tuple[str, object]] | None = None) -> Workbook:
    """A workbook with an optional summary sheet (label, value rows) and one sheet per table."""
    wb = Workbook()
    wb.remove(wb.active)
    if summary is not None:
        ws = wb.create_sheet("summary")
        for label, value in summary:
            ws.append([label, _cell(value)])
            if isinstance(value, float) and label.endswith("(£)"):
                ws.cell(row=ws.max_row, column=2).number_format = GBP
            elif isinstance(value, float) and label.endswith("(FTE)"):
                ws.cell(row=ws.max_row, column=2).number_format = FTE
            if value is None and label:
                ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
        ws.column_dimensions["A"].width = 48
        ws.column_dimensions["B"].width = 90
    for name, df in tables.items():
        add_sheet(wb, name, df)
    return wb


def write_workbook(path: Path, tables: dict[str, pd.DataFrame], summary: list[tuple[str, object]] | None = None) -> Path:
    """Write :func:`tables_workbook` to ``path`` atomically."""
    return write_atomic(Path(path), lambda tmp: tables_workbook(tables, summary).save(tmp))


def solution_summary(solution: dict) -> list[tuple[str, object]]:
    """The summary sheet: the case, status, cost, each hard target (met or not) and the plan checks."""
    case, solver, costs = solution.get("case") or {}, solution.get("solver") or {}, solution.get("costs") or {}
    rows: list[tuple[str, object]] = [
        ("Case", case.get("name")), ("Description", case.get("description")),
        ("Scenario", case.get("scenario") or "base case"),
        ("Years", f"{case.get('first_year')}–{case.get('last_year')}"
                  + (f", then {case['run_out_years']} run-out years" if case.get("run_out_years") else "")),
        ("Prices", f"{case.get('price_base_year')} prices; present value at {case.get('discount_rate', 0):.1%} a year"),
        ("Case sha256", case.get("sha256")),
        ("Engine", f"{(solution.get('engine') or {}).get('name')} {(solution.get('engine') or {}).get('version')}"),
        ("Solver", f"{solver.get('name')} {solver.get('version')}"),
        ("Status", solution.get("status")),
        ("Total cost, present value, penalties included (£)", costs.get("total_gbp")),
        ("Planning years' levers, present value (£)", costs.get("plan_gbp")),
        ("Run-out years' levers, present value (£)", costs.get("run_out_gbp")),
        ("Penalties (£)", costs.get("penalties_gbp")),
        ("", ""), ("Targets", None),
    ]
    for t in solution.get("targets") or []:
        if t.get("kind") != "hard" and not (t.get("shortfall_fte") or 0) > 1e-6:
            continue
        met = t.get("achieved_fte") is not None and t["achieved_fte"] >= t["minimum_fte"] - 1e-6
        rows.append((f"{t['description']} ({t['year']})",
                     f"{'met' if met else 'NOT met'}: {_fte(t.get('achieved_fte'))} of {_fte(t['minimum_fte'])} FTE"
                     + (f"; marginal cost £{t['marginal_cost_per_fte']:,.0f} per FTE"
                        if t.get("marginal_cost_per_fte") is not None else "")))
    checks = solution.get("plan_checks") or []
    rows += [("", ""), (f"Plan checks: {sum(c['passed'] for c in checks)} of {len(checks)} pass", None)]
    for c in checks:
        rows.append((f"{'pass' if c['passed'] else 'FAIL'}: {c['description']}",
                     f"{c['offenders']} offender(s); {c['threshold']}" + (f"; {c['worst'][0]}" if c["worst"] else "")))
    return rows


def _fte(v) -> str:
    return "—" if v is None else f"{v:,.0f}"


def solution_workbook(solution: dict, tables: dict[str, pd.DataFrame]) -> Workbook:
    """The solution as a workbook: a summary sheet and one sheet per table."""
    return tables_workbook(tables, solution_summary(solution))
