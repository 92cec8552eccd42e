"""The ``optimiser`` command line: a thin layer over the Python API."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from optimiser.case import CaseError, load_case

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="NHS mental health workforce allocation: validate, solve and check cases.")
out = Console()
err = Console(stderr=True)

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT, EXIT_INFEASIBLE = 0, 1, 2, 3

CaseArg = typer.Argument(..., help="Case folder (holding case.yaml)", show_default=False)
ScenarioOpt = typer.Option(None, "--scenario", "-s", help="Scenario name (CASE/scenarios/NAME.yaml)")


def _load(case: Path, scenario: Optional[str]):
    try:
        return load_case(case, scenario)
    except CaseError as exc:
        err.print(f"[bold red]{len(exc.problems)} problem(s) in case {case}[/]" + (f" with scenario {scenario}" if scenario else ""))
        for p in exc.problems:
            err.print(f"  • {p}", markup=False, highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None


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
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.3g}"
    return str(v)


@app.command()
def validate(case: Path = CaseArg, scenario: Optional[str] = ScenarioOpt):
    """Check a case and print a one-screen summary; exit 2 listing every problem if it is not valid."""
    from optimiser.case.summary import case_summary

    loaded = _load(case, scenario)
    s = case_summary(loaded)
    out.print(f"[bold green]valid[/]  {loaded.name}" + (f" + scenario {scenario}" if scenario else ""))
    out.print(f"years {s['years']}; baseline {s['baseline_fte']:,.0f} FTE in post; case sha256 {loaded.content_hash[:12]}")
    out.print(_frame(s["regions"], "STPs by region"))
    families = s["families"].groupby("family").agg(groups=("staff_group", "size"), baseline_fte=("baseline_fte", "sum"))
    out.print(_frame(families.reset_index(), "Staff groups by family"))
    out.print(", ".join(f"{r.staff_group} ({r.family})" for r in s["families"].itertuples()), highlight=False)
    out.print(_frame(s["programmes"], f"Programmes ({len(s['programmes'])})"))
    out.print(_frame(s["sources"], f"Recruitment sources ({len(s['sources'])})"))
    targets = s["targets"]
    shown = targets[targets["kind"] == "hard"]
    out.print(_frame(shown, f"Targets: {len(shown)} hard shown, {len(targets) - len(shown)} soft"))


@app.callback()
def _root() -> None:
    """NHS mental health workforce allocation: validate, solve and check cases."""


def main() -> None:
    """Entry point. Usage errors exit 2 (from click); unexpected errors exit 1 with a message, not a traceback."""
    try:
        app()
    except Exception as exc:  # noqa: BLE001 - last resort for bugs, reported plainly
        err.print(f"[bold red]internal error[/]: {type(exc).__name__}: {exc}", highlight=False)
        err.print("Please report this with the case and the command you ran.")
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":
    main()
