"""``optimiser report``: one self-contained HTML file for a solution, a sweep, a tornado or a Monte Carlo run.

Charts are static SVG drawn by matplotlib (already a dependency) and written into the page, so the file
opens offline, prints, and needs no JavaScript library; a few lines of inline script only sort the STP
table when a heading is clicked.

The package: ``page.py`` (the page, tables, figures), ``solution.py`` (a solution's report, with
``charts.py`` and ``stps.py`` for its charts and its STP table) and ``analysis.py`` (sweep, tornado and
Monte Carlo reports).
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from optimiser.case import Case
from optimiser.formatting import gbp
from optimiser.report.analysis import montecarlo_report, sweep_report, tornado_report
from optimiser.report.page import esc, figure, page, table
from optimiser.report.solution import COSTLIEST_RANKING, headline_targets, solution_report
from optimiser.report.stps import stp_table

__all__ = ["COSTLIEST_RANKING", "ReportError", "esc", "figure", "gbp", "headline_targets", "montecarlo_report", "page",
           "report_html", "solution_report", "stp_table", "sweep_report", "table", "tornado_report"]


class ReportError(ValueError):
    """The file given is not a solution, sweep, tornado or Monte Carlo output (the message says why)."""


def report_html(path: Path, case: Case | None = None) -> str:
    """The report for ``path``: a ``solution.json``, ``sweep.json``, ``tornado.json`` or a Monte Carlo
    ``summary.json`` (with ``draws.csv`` beside it). ``case`` adds reference shares, spend per head and
    the case's description where the file does not carry them."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"{path}: cannot be read as JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ReportError(f"{path}: expected a JSON object")
    if "workforce" in data and "schema_version" in data:
        from optimiser.export.solution import schema_problem

        if (problem := schema_problem(data)) is not None:
            raise ReportError(f"{path}: {problem}")
        return solution_report(data, case)
    if "rows" in data and "delta" in data:
        return tornado_report(data, case)
    if "rows" in data and "parameters" in data:
        return sweep_report(data, case)
    if "probability_met" in data and "draws" in data:
        draws = path.parent / "draws.csv"
        return montecarlo_report(data, pd.read_csv(draws) if draws.is_file() else None, case)
    raise ReportError(f"{path}: not a solution.json, sweep.json, tornado.json or Monte Carlo summary.json")
