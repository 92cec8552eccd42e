"""The ``optimiser`` command line: a thin layer over the Python API."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal, Optional

import typer

from optimiser.case import CaseError, load_case
from optimiser.case.config import SolverName
from optimiser.console import (EXIT_BAD_INPUT, EXIT_INFEASIBLE, EXIT_INTERNAL, EXIT_OK, CaseArg, RunOutOpt, ScenarioOpt,
                               _case_problems, _explain_into, _frame, _load, err, out, output_path)
from optimiser.formatting import fte
from optimiser.solve_summary import print_penalty_notes, print_summary

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="NHS mental health workforce allocation: validate, solve and check cases.")


SolverOpt = typer.Option(None, "--solver",
                         help="Backend (see docs/solvers.md); default: the case's, else highs")


@app.command()
def validate(case: Path = CaseArg, scenario: Optional[str] = ScenarioOpt, run_out: Optional[int] = RunOutOpt):
    """Check a case and print a one-screen summary; exit 2 listing every problem if it is not valid."""
    from optimiser.case.summary import case_summary

    loaded = _load(case, scenario, run_out)
    s = case_summary(loaded)
    out.print(f"[bold green]valid[/]  {loaded.name}" + (f" + scenario {scenario}" if scenario else ""))
    out.print(f"years {s['years']}; baseline {fte(s['baseline_fte'])} FTE in post; case sha256 {loaded.content_hash[:12]}")
    out.print(_frame(s["regions"], "STPs by region"))
    families = s["families"].groupby("family").agg(groups=("staff_group", "size"), baseline_fte=("baseline_fte", "sum"))
    out.print(_frame(families.reset_index(), "Staff groups by family"))
    out.print(", ".join(f"{r.staff_group} ({r.family})" for r in s["families"].itertuples()), highlight=False)
    out.print(_frame(s["programmes"], f"Programmes ({len(s['programmes'])})"))
    out.print(_frame(s["sources"], f"Recruitment sources ({len(s['sources'])})"))
    targets = s["targets"]
    shown = targets[targets["kind"] == "hard"]
    out.print(_frame(shown, f"Targets: {len(shown)} hard shown, {len(targets) - len(shown)} soft"))
    print_penalty_notes(loaded)


@app.command()
def solve(case: Path = CaseArg, scenario: Optional[str] = ScenarioOpt, run_out: Optional[int] = RunOutOpt,
          out_dir: Optional[Path] = typer.Option(None, "--out", help="Folder for solution.json [default: out/CASE[-SCENARIO]]"),
          solver: Optional[SolverName] = SolverOpt,
          time_limit: Optional[float] = typer.Option(None, "--time-limit", min=0.001, help="Solver time limit (s)"),
          mip_gap: Optional[float] = typer.Option(
              None, "--mip-gap", min=0.0, max=1.0,
              help="Relative MIP gap for whole-cohort cases; default: the case's, else 1e-4"),
          threads: Optional[int] = typer.Option(None, "--threads", min=1, help="Solver threads"),
          seed: Optional[int] = typer.Option(None, "--seed", min=0, help="Solver random seed"),
          crossover: Optional[bool] = typer.Option(
              None, "--crossover/--no-crossover",
              help="pdlp only: finish at an exact vertex with HiGHS's simplex method [default: the case's, else on]"),
          explain: bool = typer.Option(True, "--explain/--no-explain",
                                       help="Diagnose an infeasible case (as optimiser explain) into solution.json"),
          balance: Optional[bool] = typer.Option(
              None, "--balance/--no-balance",
              help="Stage 2: the most balanced of the least-cost plans [default: the case's balance.enabled, else on]"),
          formats: str = typer.Option(
              "json", "--format",
              help="Comma-separated: json (always written), csv and parquet (one file per table beside solution.json, "
                   "named with their columns in datapackage.json), xlsx (solution.xlsx)"),
          constraints: bool = typer.Option(True, "--constraints/--no-constraints",
                                           help="Include every LP row and its shadow price (large; null when left out)")):
    """Solve a case for the minimum-cost allocation and write solution.json.

    Exit codes: 0 optimal, 3 infeasible, 2 bad input, 1 internal error.
    """
    import json

    from optimiser.engine import solve as solve_case
    from optimiser.export.atomic import write_atomic

    from optimiser.export.tables import parse_formats, pyarrow_or_raise, write_tables
    from optimiser.extras import MissingExtra

    try:
        output_formats = parse_formats(formats)
        if "parquet" in output_formats:
            pyarrow_or_raise()
    except (ValueError, MissingExtra) as exc:
        err.print(f"[bold red]--format[/]: {exc}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    loaded = _load(case, scenario, run_out)
    target = output_path(out_dir or Path("out") / (loaded.name + (f"-{scenario}" if scenario else "")), folder=True)
    with err.status(f"solving {loaded.name}…"):
        sol = solve_case(loaded, solver, balance=balance, time_limit_seconds=time_limit, mip_gap=mip_gap,
                         threads=threads, random_seed=seed, crossover=crossover)
    if explain and sol.status in ("infeasible", "infeasible_or_unbounded"):
        _explain_into(sol, loaded)  # the diagnosis goes into solution.json
    text = sol.to_json(constraints=constraints)
    write_atomic(target / "solution.json", text)
    # the tables are read back from the JSON only when a format beside it asks for them
    extra = write_tables(json.loads(text), target, output_formats) if set(output_formats) - {"json"} else []
    print_summary(sol)
    out.print(f"wrote {target / 'solution.json'}" + (f" and {len(extra)} table file(s): "
                                                     + ", ".join(p.name for p in extra) if extra else ""),
              highlight=False)
    if sol.status == "optimal":
        raise typer.Exit(EXIT_OK)
    if sol.status in ("infeasible", "infeasible_or_unbounded"):
        if sol.diagnosis is not None:
            from optimiser.analysis.diagnosis import print_diagnosis

            print_diagnosis(sol.diagnosis, out)
        err.print("[bold red]infeasible[/]: the hard targets cannot all be met within the limits of this case "
                  "(capacities, pools, budgets, establishment)"
                  + (": see the diagnosis above and in solution.json." if sol.diagnosis is not None else "."))
        raise typer.Exit(EXIT_INFEASIBLE)
    err.print(f"[bold red]{sol.status}[/]: {sol.result.message}; no plan to act on.")
    raise typer.Exit(EXIT_INTERNAL)


@app.command()
def verify(case: Path = CaseArg,
           solution: Path = typer.Argument(..., help="solution.json written by optimiser solve", show_default=False),
           scenario: Optional[str] = typer.Option(None, "--scenario", "-s",
                                                  help="Scenario name; default: the one recorded in SOLUTION.json (a "
                                                       "different one is refused)")):
    """Check a solution against the case without a solver: stock flows, limits, budgets, targets and costs
    recomputed from the case data and the exported allocations.

    Exit codes: 0 every check within 1e-6 relative, 1 violations, 2 bad input.
    """
    from optimiser.verify import verify_command

    raise typer.Exit(verify_command(case, solution, scenario, console=out, err_console=err))


@app.command()
def explain(case: Path = CaseArg, scenario: Optional[str] = ScenarioOpt, run_out: Optional[int] = RunOutOpt,
            out_dir: Optional[Path] = typer.Option(None, "--out",
                                                   help="Folder for diagnosis.json [default: out/CASE[-SCENARIO]]")):
    """Explain why a case is infeasible: the smallest target shortfalls that make it feasible, the limits
    that conflict (an irreducible set, in words) and the single relaxations that fix it, ranked.

    Exit codes: 0 the case is feasible (nothing to explain), 3 infeasible (diagnosis printed and written
    to diagnosis.json), 2 bad input, 1 internal error.
    """
    import json

    from optimiser.analysis.diagnosis import diagnose, print_diagnosis
    from optimiser.export.atomic import write_atomic

    loaded = _load(case, scenario, run_out)
    target = output_path(out_dir or Path("out") / (loaded.name + (f"-{scenario}" if scenario else "")), folder=True)
    with err.status(f"explaining {loaded.name}…"):
        diag = diagnose(loaded)
    print_diagnosis(diag, out)
    if diag.status == "feasible":
        raise typer.Exit(EXIT_OK)
    write_atomic(target / "diagnosis.json", json.dumps(diag.to_dict(), ensure_ascii=False, indent=1) + "\n")
    out.print(f"wrote {target / 'diagnosis.json'}")
    raise typer.Exit(EXIT_INFEASIBLE)


@app.command("export-model")
def export_model(case: Path = CaseArg, scenario: Optional[str] = ScenarioOpt, run_out: Optional[int] = RunOutOpt,
                 model_format: Optional[Literal["mps", "lp"]] = typer.Option(
                     None, "--format", help="File format; default: from the suffix (.lp: lp, else mps)"),
                 out_file: Path = typer.Option(..., "--out", help="File to write", show_default=False),
                 stage: int = typer.Option(1, "--stage", min=1, max=2,
                                           help="1: minimise cost; 2: minimise imbalance within the cost tolerance "
                                                "(solves stage 1 first for its least cost)")):
    """Write the case's model (stage 1: minimise cost, £ present value) as an MPS or LP file with readable
    names, for solvers outside this engine (Gurobi, CPLEX, Xpress, ...).

    Exit codes: 0 written, 2 bad input or no stage 2 (whole cohorts, or stage 1 not optimal).
    """
    from optimiser.export.model_file import write_model
    from optimiser.model.build import build_lp

    loaded = _load(case, scenario, run_out)
    output_path(out_file, folder=False)
    if stage == 2:
        from optimiser.engine import stage_two_model

        try:
            lp = stage_two_model(loaded)
        except ValueError as exc:
            err.print(f"[red]no stage 2 to export:[/] {exc}")
            raise typer.Exit(EXIT_BAD_INPUT)
    else:
        lp, _ = build_lp(loaded)
    path = write_model(lp, out_file, model_format)
    whole = int(lp.integrality.sum())
    out.print(f"wrote {path}: {lp.num_col:,} columns" + (f" ({whole:,} integer)" if whole else "")
              + f", {lp.num_row:,} rows", highlight=False)


@app.command()
def convert(case: Path = CaseArg,
            to: Literal["xlsx", "csv"] = typer.Option(..., "--to", help="xlsx: one workbook; csv: a case folder"),
            out_path: Path = typer.Option(..., "--out", help="The workbook (.xlsx) or the folder to write; it must not "
                                                             "exist yet", show_default=False)):
    """Write a case in the other form: a case folder as one workbook, or a workbook as a case folder.

    The case is checked first (base case and every scenario). The copy loads to the same case (same case
    sha256, checked after writing). Exit codes: 0 written, 2 bad input or an existing output.
    """
    from optimiser.case.convert import read_content, write_folder, write_workbook

    _new_output(out_path, to == "xlsx")
    try:
        content = read_content(case)
        original = load_case(case).content_hash
    except CaseError as exc:
        _case_problems(case, None, exc)
    try:
        write_workbook(content, out_path) if to == "xlsx" else write_folder(content, out_path)
    except ValueError as exc:
        err.print(f"[bold red]cannot write {out_path}[/]: {exc}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    copy = load_case(out_path).content_hash
    if copy != original:  # a bug, not the planner's: say so and exit 1 (the copy is left to inspect)
        err.print(f"[bold red]internal error[/]: {out_path} loads to case sha256 {copy[:12]}…, not {original[:12]}…")
        raise typer.Exit(EXIT_INTERNAL)
    out.print(f"wrote {out_path}: {len(content.tables)} tables, {len(content.scenarios)} scenario(s); case sha256 "
              f"{copy[:12]}, the same as {case}'s", highlight=False)
    if content.notes:
        out.print(f"not case content, so not copied: {', '.join(content.notes)} (copy them by hand if you need them)",
                  highlight=False)


@app.command("new-case")
def new_case(folder: Path = typer.Argument(..., help="Folder to create (with --xlsx: the folder for NAME.xlsx, or "
                                                     "the workbook's path if it ends .xlsx)", show_default=False),
             xlsx: bool = typer.Option(False, "--xlsx", help="Write the case as one workbook instead of CSV files")):
    """Write a new case to start from: every table with its columns and an example row, documented (README.md
    or the workbook's _about sheet), and drop-down lists of codes in the workbook. It validates and solves.

    Exit codes: 0 written, 2 the output exists already.
    """
    from optimiser.case.template import new_case as write_template

    target = folder if not xlsx or folder.suffix.lower() == ".xlsx" else folder / f"{folder.name}.xlsx"
    _new_output(target, xlsx)
    name = "".join(c if c.isalnum() or c in "_-." else "_" for c in target.stem) or "new_case"
    write_template(target, name, xlsx)
    out.print(f"wrote {target}: a new case '{name}' with an example row in every table (every number an "
              f"illustrative assumption; see {'its _about sheet' if xlsx else 'README.md and SOURCES.md'})",
              highlight=False)
    out.print(f"next: optimiser validate {target}; optimiser solve {target}", highlight=False)


def _new_output(path: Path, workbook: bool) -> None:
    """Exit 2 unless ``path`` can be created: a workbook ``.xlsx`` that does not exist, or a new or empty folder."""
    if workbook and path.suffix.lower() != ".xlsx":
        problem = f"{path}: a workbook's name ends .xlsx"
    elif path.exists() and (workbook or not path.is_dir() or any(path.iterdir())):
        problem = f"{path} exists already; choose a new name (a case is never written over)"
    else:
        output_path(path, folder=not workbook)
        return
    err.print(f"[bold red]cannot write output[/]: {problem}", highlight=False)
    raise typer.Exit(EXIT_BAD_INPUT)


@app.command()
def report(source: Path = typer.Argument(..., help="solution.json, sweep.json, tornado.json, or a Monte Carlo "
                                                   "summary.json (with draws.csv beside it)", show_default=False),
           case: Optional[Path] = typer.Option(None, "--case", help="The case folder: adds each STP's reference share "
                                                                     "and spend per head, and the case's description"),
           scenario: Optional[str] = ScenarioOpt,
           out_file: Path = typer.Option(..., "--out", help="HTML file to write", show_default=False)):
    """Write one self-contained HTML report (opens offline: charts are inline SVG) of a solution, a sweep, a
    tornado or a Monte Carlo run.

    Exit codes: 0 written, 2 bad input.
    """
    from optimiser.export.atomic import write_atomic
    from optimiser.report import ReportError, report_html

    output_path(out_file, folder=False)
    if not source.is_file():
        err.print(f"[bold red]cannot read[/] {source}: no such file", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    loaded = None
    if case is not None:
        run_out = None
        try:
            import json

            run_out = (json.loads(source.read_text(encoding="utf-8")).get("case") or {}).get("run_out_years")
        except (OSError, ValueError, AttributeError):
            pass  # report_html says what is wrong with the file
        loaded = _load(case, scenario, run_out if isinstance(run_out, int) else None)
    try:
        text = report_html(source, loaded)
    except ReportError as exc:
        err.print(f"[bold red]cannot report[/]: {exc}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    write_atomic(out_file, text)
    out.print(f"wrote {out_file}", highlight=False)


# Analysis commands (sweep, tornado, montecarlo, compare) are registered by optimiser/analysis/commands.py.
@app.command()
def replan(case: Path = CaseArg,
           actuals: Path = typer.Option(..., "--actuals", help="CSV of observed staff in post (and optionally intakes, "
                                                              "recruits, leavers) by STP, staff group and year",
                                        show_default=False),
           through: str = typer.Option(..., "--through", help="Last year of the actuals, e.g. 2017/18; the years "
                                                              "after it are re-planned", show_default=False),
           plan: Optional[Path] = typer.Option(None, "--plan", help="The original plan's solution.json [default: "
                                                                    "solve the case]"),
           run_out: Optional[int] = RunOutOpt,
           out_dir: Optional[Path] = typer.Option(None, "--out", help="Folder for case/, solution.json and replan.json "
                                                                      "[default: out/CASE-replan-YEAR]")):
    """Re-plan the years after --through from what happened: the observed workforce as the baseline, training
    already started as the pipeline, the targets still standing; print and write the variance against the plan.

    Exit codes: 0 optimal, 3 infeasible, 2 bad input, 1 internal error.
    """
    from optimiser.replan.command import replan_command

    target = output_path(out_dir, folder=True) if out_dir is not None else None
    raise typer.Exit(replan_command(case, actuals, through, plan, target, run_out, out, err))


@app.command()
def diagnostic(case: Path = CaseArg, scenario: Optional[str] = ScenarioOpt,
               out_dir: Optional[Path] = typer.Option(None, "--out", help="Folder for the diagnostic_*.csv tables "
                                                                          "[default: out/CASE[-SCENARIO]]")):
    """The diagnostic phase of local planning: baseline, leavers a year and pipeline by STP and group with the
    regional aggregate, funded posts against staff in post, pressure points and course places; print and write CSVs.
    """
    from optimiser.analysis.local_plan import diagnostic_command

    loaded = _load(case, scenario)
    target = output_path(out_dir or Path("out") / (loaded.name + (f"-{scenario}" if scenario else "")), folder=True)
    written = diagnostic_command(loaded, target, out)
    out.print(f"wrote {', '.join(str(p) for p in written)}")


@app.command()
def trajectories(solution: Path = typer.Argument(..., help="solution.json written by optimiser solve", show_default=False),
                 out_file: Optional[Path] = typer.Option(None, "--out", help="CSV file [default: trajectories.csv "
                                                                             "beside the solution]")):
    """The trajectories phase of local planning: staff in post a plan requires by STP, staff group and year, with
    the regional aggregate; print the regions and write every row as CSV."""
    from optimiser.analysis.local_plan import trajectories_command
    from optimiser.verify import SolutionFileError, read_solution

    try:
        data = read_solution(solution)
        if data.get("status") != "optimal" or not isinstance(data.get("workforce"), list):
            raise SolutionFileError(f"{solution} holds no plan (status {data.get('status')!r})")
    except SolutionFileError as exc:
        err.print(f"[bold red]bad solution file[/]: {exc}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    target = output_path(out_file or solution.parent / "trajectories.csv", folder=False)
    trajectories_command(data, target, out)
    out.print(f"wrote {target}")


from optimiser.analysis.commands import COMMANDS as _ANALYSIS_COMMANDS  # noqa: E402 - after the core commands, in help order

for _command in _ANALYSIS_COMMANDS:
    app.command()(_command)


def _show_version(show: bool) -> None:
    """``--version``: the engine's version, then each solver backend's (as solution.json records them)."""
    if not show:
        return
    import platform
    from importlib import import_module

    from optimiser import __version__
    from optimiser.solvers import BACKENDS

    out.print(f"mh-workforce-optimiser {__version__} (Python {platform.python_version()})", highlight=False)
    out.print("solver backends (--solver):", highlight=False)
    for name, (module, cls) in BACKENDS.items():
        try:
            version = getattr(import_module(module), cls).version()
        except Exception as exc:  # noqa: BLE001 - a backend whose package is missing or broken is said, not fatal
            version = f"not available ({type(exc).__name__}: {exc})"
        out.print(f"  {name:<11} {version}", highlight=False, markup=False)
    raise typer.Exit(EXIT_OK)


@app.callback()
def _root(version: bool = typer.Option(False, "--version", is_eager=True, callback=_show_version,
                                       help="Show the engine's and the solvers' versions, and exit")) -> None:
    """NHS mental health workforce allocation: validate, solve and check cases."""


def main() -> None:
    """Entry point. Usage errors exit 2 (from click); unexpected errors exit 1 with a message, not a traceback.

    Click runs outside its standalone mode, so that a closed pipe and Ctrl-C reach ``optimiser.entry``
    (exit 0 quietly, and 130) instead of click's exit 1.
    """
    from typer._click.exceptions import ClickException  # typer 0.29 carries its own click, not the package

    try:
        code = app(standalone_mode=False)  # Ctrl-C: typer returns 130
    except typer.Abort:
        raise KeyboardInterrupt from None  # end of input at a prompt
    except ClickException as exc:  # usage errors: click's own message, exit 2
        exc.show()
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, BrokenPipeError):
        raise  # optimiser.entry exits 130, or quietly for a closed pipe (an OSError with EPIPE is one)
    except Exception as exc:  # noqa: BLE001 - last resort for bugs, reported plainly
        _internal_error(exc)
    sys.exit(code if isinstance(code, int) else EXIT_OK)


def _internal_error(exc: Exception) -> None:
    err.print(f"[bold red]internal error[/]: {type(exc).__name__}: {exc}", highlight=False)
    err.print("Please report this with the case and the command you ran.")
    sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":
    main()
