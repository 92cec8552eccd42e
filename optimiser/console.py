"""What every command shares: the consoles (standard output and error), the exit codes, the CASE, --scenario
and --run-out-years arguments, loading a case with its problems listed, checking --out, rich tables of
DataFrames, constraint rows in words and the infeasible solve's diagnosis.

The command modules (optimiser/cli.py, optimiser/analysis/commands.py, optimiser/replan/command.py) import
from here; optimiser/cli.py assembles them into one typer app. Nothing here imports a command module.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from optimiser.case import CaseError, load_case


class _Stdout(Console):
    """Standard output: a reader that goes away (``optimiser solve … | head -1``) is not an error."""

    def on_broken_pipe(self) -> None:
        raise BrokenPipeError  # optimiser.entry exits 0 quietly (rich would exit 1)

def _width(stream) -> int | None:
    """Output width: COLUMNS where it is set, else the terminal's (``None``), else 132 columns for a file or pipe."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    return None if stream.isatty() else 132

out = _Stdout(width=_width(sys.stdout))

err = Console(stderr=True, width=_width(sys.stderr))

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT, EXIT_INFEASIBLE = 0, 1, 2, 3

CaseArg = typer.Argument(..., help="Case folder (holding case.yaml), or a case workbook (.xlsx)", show_default=False)

ScenarioOpt = typer.Option(None, "--scenario", "-s", help="Scenario name (CASE/scenarios/NAME.yaml)")

RunOutOpt = typer.Option(None, "--run-out-years", min=0,
                         help="Years run on after the targets, instead of case.yaml's run_out_years (0: quicker, "
                              "prices nothing after the target years)")

def _load(case: Path, scenario: Optional[str], run_out_years: Optional[int] = None):
    try:
        return load_case(case, scenario, run_out_years)
    except CaseError as exc:
        _case_problems(case, scenario, exc)

def _case_problems(case: Path, scenario: Optional[str], exc: CaseError):
    """Print a case's problems and exit 2."""
    err.print(f"[bold red]{len(exc.problems)} problem(s) in case {case}[/]" + (f" with scenario {scenario}" if scenario else ""))
    for p in exc.problems:
        err.print(f"  • {p}", markup=False, highlight=False)
    raise typer.Exit(EXIT_BAD_INPUT) from None

def output_path(path: Path, folder: bool) -> Path:
    """``path`` if the command can write there (a folder, or a file), else exit 2 saying why."""
    if folder and path.exists() and not path.is_dir():
        problem = f"{path} is a file; --out takes a folder"
    elif not folder and path.is_dir():
        problem = f"{path} is a folder; --out takes a file name"
    else:
        parent = next((p for p in path.parents if p.exists()), None)
        problem = None if parent is None or parent.is_dir() else f"{parent} is a file, so nothing can be written under it"
    if problem:
        err.print(f"[bold red]cannot write output[/]: {problem}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    return path

def _frame(df: pd.DataFrame, title: str) -> Table:
    table = Table(title=title, title_justify="left", show_edge=False)
    for c in df.columns:
        table.add_column(str(c), justify="right" if pd.api.types.is_numeric_dtype(df[c]) else "left")
    for row in df.itertuples(index=False):
        table.add_row(*[_cell(v) for v in row])
    return table

def _cell(v) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    if isinstance(v, float):
        if abs(v) < 1e-9:
            return "0"  # zero, the solver's -0.0, or its rounding noise: never '-0'
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.3g}"
    return str(v)

def describe_row(row) -> str:
    """A constraint row in words: its name, then where, who and when."""
    where = row["stp"] or row["region"] or "England"
    parts = [str(row["name"]).replace("_", " "), row["item"], row["staff_group"], where, row["year"]]
    return ", ".join(str(p) for p in dict.fromkeys(parts) if p)

def costliest_limits(constraints: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The ``n`` binding limits of the largest total effect, in words: shadow price × the limit (£ per unit ×
    units = £), so that a budget in £ and a pool in FTE rank on one scale (``report.COSTLIEST_RANKING``).

    Rows that differ only by STP and share a shadow price are shown once with a count, their effects added.
    """
    c = constraints[constraints["binding"] & ~constraints["family"].isin(["stock_flow", "targets"])
                    & constraints["shadow_price"].notna() & (constraints["shadow_price"].abs() > 1e-9)]
    c = c.assign(price=c["shadow_price"].round(2), effect=c["shadow_price"] * c["limit"].fillna(0.0))
    keys = ["name", "item", "staff_group", "year", "price"]
    grouped = c.fillna({k: "" for k in ["item", "staff_group", "year"]}).groupby(keys, sort=False)
    top = grouped.agg(stps=("stp", "nunique"), first_stp=("stp", "first"), region=("region", "first"),
                      effect=("effect", "sum")).reset_index()
    top = top.assign(size=top["effect"].abs()).sort_values(["size", "price", "name"], ascending=[False, False, True],
                                                           kind="stable").head(n)
    words = []
    for _, r in top.iterrows():
        where = f"{r['stps']} STPs" if r["stps"] > 1 else (r["first_stp"] or r["region"] or "England")
        words.append(describe_row({"name": r["name"], "item": r["item"], "staff_group": r["staff_group"],
                                   "stp": where, "region": None, "year": r["year"]}))
    return pd.DataFrame({"constraint": words, "shadow_price_gbp_per_unit": top["price"].to_numpy(float),
                         "effect_gbp": top["effect"].to_numpy(float)})

def _explain_into(sol, loaded) -> None:
    """Diagnose an infeasible solve (``optimiser.analysis.diagnosis``) into ``sol.diagnosis``."""
    from optimiser.analysis.diagnosis import diagnose

    try:
        with err.status(f"{loaded.name} is infeasible; explaining why…"):
            sol.diagnosis = diagnose(loaded)
    except Exception as exc:  # noqa: BLE001 - the solve's answer (infeasible, exit 3) stands without it
        err.print(f"[yellow]warning[/]: the diagnosis failed ({type(exc).__name__}: {exc}); "
                  "solution.json has none.", highlight=False)
