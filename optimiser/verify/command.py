"""``optimiser verify CASE SOLUTION.json``: read the solution file, verify it and print the table."""
from __future__ import annotations

import json
from pathlib import Path

from optimiser.case import Case, CaseError, load_case
from optimiser.verify.report import TOLERANCE, SolutionFileError, VerifyReport
from optimiser.verify.solution_check import verify_solution

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def render(report: VerifyReport):
    """A rich Table of the report: family, checks, largest violation (absolute, relative) and where."""
    from rich.markup import escape
    from rich.table import Table

    verdict = "[bold green]verified[/]" if report.ok else "[bold red]NOT verified[/]"
    title = (f"{verdict}  {report.case_name}" + (f" + scenario {report.scenario}" if report.scenario else "")
             + f": status {report.status}, {report.checks:,} checks within {TOLERANCE:g} relative")
    table = Table(title=title, title_justify="left", show_edge=False)
    table.add_column("family")
    table.add_column("checks", justify="right")
    table.add_column("largest violation", justify="right")
    table.add_column("relative", justify="right")
    table.add_column("where")
    table.add_column("", justify="center")
    for f in report.families:
        table.add_row(f.family, f"{f.checks:,}", f"{f.violation:.3g}" if f.checks else "",
                      f"{f.relative:.2g}" if f.checks else "", escape(f.where) or ("no rows" if not f.checks else ""),
                      ("[green]ok[/]" if f.ok else f"[bold red]{f.failed:,} failed[/]"))
    if report.problems:
        table.caption = "\n".join(f"[red]✗ {escape(p)}[/]" for p in report.problems)
        table.caption_justify = "left"
    return table


def read_solution(path: str | Path) -> dict:
    """The parsed solution JSON.

    Raises:
        SolutionFileError: if the file cannot be read or is not JSON.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SolutionFileError(f"cannot read {path}: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SolutionFileError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise SolutionFileError(f"{path} is not a solution file (expected a JSON object)")
    return data


def verify_command(case: str | Path | Case, solution_path: str | Path, scenario: str | None = None,
                   console=None, err_console=None) -> int:
    """``optimiser verify CASE SOLUTION.json [--scenario S]``: print the report table; return the exit code.

    The case is loaded with the scenario recorded in the solution (its ``case.scenario``); a ``scenario``
    given that differs is refused (exit 2) rather than reported as another case.

    Exit codes: 0 verified; 1 not verified (a violation, another case, or no optimal plan);
    2 the case or the solution file cannot be read. ``console`` (stdout) gets the table,
    ``err_console`` (stderr) the reasons a file cannot be read.
    """
    from rich.console import Console

    console = console or Console()
    errors = err_console or Console(stderr=True)
    try:
        solution = read_solution(solution_path)
    except SolutionFileError as exc:
        errors.print(f"[bold red]bad solution file[/]: {exc}", highlight=False)
        return EXIT_BAD_INPUT
    if isinstance(case, Case):
        loaded = case
    else:
        info = solution.get("case")
        recorded = info.get("scenario") if isinstance(info, dict) else None
        if recorded is not None and not isinstance(recorded, str):
            errors.print(f"[bold red]bad solution file[/]: its case.scenario is {recorded!r}; expected a scenario's "
                         "name or null", highlight=False)
            return EXIT_BAD_INPUT
        if scenario is not None and scenario != recorded:
            solved = f"with scenario '{recorded}'" if recorded else "without a scenario (the base case)"
            errors.print(f"[bold red]scenario mismatch[/]: {solution_path} was solved {solved}, not '{scenario}'; "
                         "leave out --scenario to verify it against the case it was solved with", highlight=False)
            return EXIT_BAD_INPUT
        scenario = recorded  # the scenario the solution was solved with (solution.json case.scenario)
        run_out = (solution.get("case") or {}).get("run_out_years")  # as solved (solve --run-out-years)
        try:
            loaded = load_case(case, scenario, run_out if isinstance(run_out, int) else None)
        except CaseError as exc:
            errors.print(f"[bold red]{len(exc.problems)} problem(s) in case {case}[/]"
                         + (f" with scenario {scenario}" if scenario else ""))
            for p in exc.problems:
                errors.print(f"  • {p}", markup=False, highlight=False)
            return EXIT_BAD_INPUT
    try:
        report = verify_solution(loaded, solution)
    except SolutionFileError as exc:
        errors.print(f"[bold red]bad solution file[/]: {exc}", highlight=False)
        return EXIT_BAD_INPUT
    console.print(render(report))
    return EXIT_OK if report.ok else EXIT_FAILED
