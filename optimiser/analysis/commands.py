"""Command-line analysis: ``optimiser sweep``, ``tornado``, ``montecarlo`` and ``compare``.

Registered on the ``optimiser`` app by ``optimiser/cli.py``; thin layers over :mod:`optimiser.analysis`.
"""
from __future__ import annotations

import json
import re
from contextlib import contextmanager
from pathlib import Path
from typing import List, Optional

import pandas as pd
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from rich.markup import escape

from optimiser.case import CaseError
from optimiser.extras import MissingExtra, require
from optimiser.console import (EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, CaseArg, RunOutOpt, ScenarioOpt, _load, err, out,
                               output_path)
from optimiser.console import _frame as _cli_frame
from optimiser.formatting import percent


def _frame(df: pd.DataFrame, title: str):
    """A rich table of ``df``; column names are shown literally (paths hold [filters])."""
    return _cli_frame(df.rename(columns=lambda c: escape(str(c))), escape(title))

ExecutorOpt = typer.Option("local", "--executor", help="local (process pool), serial, or dask (needs --scheduler)")
SchedulerOpt = typer.Option(None, "--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
WorkersOpt = typer.Option(None, "--workers", help="Processes in the local pool [default: CPU cores]")


@contextmanager
def _progress(description: str):
    """A rich progress bar on stderr; yields a callback(done, total)."""
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=err, transient=False) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def tornado_title(loaded, delta: float) -> str:
    """The tornado chart's title: the case's description (to its first full stop), not its code."""
    from optimiser.report.page import title_of

    name = title_of(loaded.config.description) if loaded.config.description else loaded.name
    return f"{name}{f' ({loaded.scenario})' if loaded.scenario else ''}: ±{delta:.0%} on each parameter group"


def _default_out(loaded, what: str) -> Path:
    return Path("out") / (loaded.name + (f"-{loaded.scenario}" if loaded.scenario else "")) / what


def _fail(message: str, code: int = EXIT_BAD_INPUT):
    err.print(f"[bold red]error[/]: {message}", highlight=False)
    raise typer.Exit(code)


def _case_error(exc: CaseError):
    err.print(f"[bold red]{len(exc.problems)} problem(s)[/] with the parameters:")
    for p in exc.problems:
        err.print(f"  • {p}", markup=False, highlight=False)
    raise typer.Exit(EXIT_BAD_INPUT)


def _check_executor(executor: str, scheduler: Optional[str]) -> None:
    if executor not in ("local", "serial", "dask"):
        _fail(f"unknown executor {executor!r}; expected local, serial or dask")
    if executor != "dask":
        return
    try:
        require("distributed", "distributed", "--executor dask")
    except MissingExtra as exc:
        _fail(escape(str(exc)))
    if not scheduler:
        _fail("--executor dask needs --scheduler ADDRESS (start one with `dask scheduler` and `dask worker ADDRESS "
              "--nthreads 1`)")


def _write_table(df: pd.DataFrame, folder: Path, stem: str, extra: dict | None = None, xlsx: bool = False) -> list[Path]:
    """``stem.csv`` and ``stem.json`` (``rows``, after ``extra``), and ``stem.xlsx`` with ``xlsx``: plain column
    names, numbers to 6 decimals."""
    from optimiser.export.atomic import write_atomic
    from optimiser.export.solution import DECIMALS, _records

    folder.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = folder / f"{stem}.csv", folder / f"{stem}.json"
    df = df.rename(columns=plain_header)
    floats = df.select_dtypes("float").columns
    df[floats] = df[floats].round(DECIMALS) + 0.0  # + 0.0: no -0
    write_atomic(csv_path, df.to_csv(index=False, lineterminator="\n"))
    write_atomic(json_path, json.dumps({**(extra or {}), "rows": _records(df)}, indent=1, allow_nan=False) + "\n")
    paths = [csv_path, json_path]
    if xlsx:
        from optimiser.export.workbook import write_workbook

        about = [(k, v if isinstance(v, (str, int, float)) or v is None else json.dumps(v)) for k, v in (extra or {}).items()]
        paths.append(write_workbook(folder / f"{stem}.xlsx", {stem: df}, about))
    return paths


XlsxOpt = typer.Option(False, "--xlsx", help="Also write the table to an Excel workbook beside the CSV")


def _about(loaded) -> dict:
    """What every analysis output says about its case."""
    return {"case": loaded.name, "description": loaded.config.description, "scenario": loaded.scenario,
            "case_sha256": loaded.content_hash}


def plain_header(name: str) -> str:
    """A column name of letters, digits and '_', with its unit last: ``targets.minimum_fte[target=trad]`` ->
    ``targets_minimum_fte_where_target_trad``, ``marginal_cost.trad`` -> ``marginal_cost_trad_gbp_per_fte``,
    ``budget_value.b`` -> ``budget_value_b_gbp_per_gbp``, ``cost.training_gbp`` -> ``cost_training_gbp``."""
    for prefix, unit in (("marginal_cost.", "_gbp_per_fte"), ("budget_value.", "_gbp_per_gbp")):
        if name.startswith(prefix):
            name += unit
    name = name.replace("[", "_where_").replace("|", "_or_")
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")


def sweep(case: Path = CaseArg, scenario: Optional[str] = ScenarioOpt, run_out: Optional[int] = RunOutOpt,
          set_: List[str] = typer.Option([], "--set", help="PATH=v1,v2,... or PATH=start:stop:count; the values replace "
                                                            "the case's (twice for a grid of two)"),
          scale: List[str] = typer.Option([], "--scale", help="PATH=f1,f2,...: multiply the case's values instead"),
          marginal: List[str] = typer.Option([], "--marginal", help="Target whose marginal cost to report "
                                                                    "[default: every hard target]"),
          elastic: Optional[float] = typer.Option(None, "--elastic", help="Make hard targets soft at this penalty "
                                                                          "(£/FTE): shortfalls instead of infeasible"),
          out_dir: Optional[Path] = typer.Option(None, "--out", help="Folder for sweep.csv and sweep.json "
                                                                     "[default: out/CASE[-SCENARIO]/sweep]"),
          executor: str = ExecutorOpt, scheduler: Optional[str] = SchedulerOpt, workers: Optional[int] = WorkersOpt,
          xlsx: bool = XlsxOpt):
    """Re-solve a case over the values of one parameter (or a grid of two), re-using the built LP and
    warm-starting from the last basis; write a tidy table as CSV and JSON.

    Paths name a table column, optionally filtered: targets.minimum_fte[target=traditional_growth_2020_21],
    budgets.limit_gbp, recruitment_pools.pool_fte[source=international], leaver_rates.leaver_rate[region=north].
    """
    from optimiser.analysis.sweep import parse_assignment, sweep as run_sweep

    _check_executor(executor, scheduler)
    loaded = _load(case, scenario, run_out)
    target = output_path(out_dir or _default_out(loaded, "sweep"), folder=True)
    params: dict = {}
    scaled = []
    try:
        for text, how in [(t, "set") for t in set_] + [(t, "scale") for t in scale]:
            p, values = parse_assignment(text)
            params[str(p)] = values
            if how == "scale":
                scaled.append(str(p))
    except ValueError as exc:
        _fail(str(exc))
    if not 1 <= len(params) <= 2:
        _fail("give one --set/--scale PATH=values, or two for a grid")
    try:
        with _progress("sweep") as progress:
            df = run_sweep(loaded, params, scale=scaled, marginals=marginal or None, elastic=elastic,
                           executor=executor, scheduler=scheduler, workers=workers, progress=progress)
    except CaseError as exc:
        _case_error(exc)
    except ValueError as exc:
        _fail(str(exc))
    paths = _write_table(df, target, "sweep", {**_about(loaded),
                                                "parameters": {k: ("scale" if k in scaled else "set") for k in params},
                                                "columns": {k: plain_header(k) for k in params}},
                         xlsx)
    shown = list(params) + ["status", "total_cost_gbp", "shortfall_fte"] + \
        [c for c in df.columns if c.startswith("marginal_cost.")][:3] + [c for c in df.columns if c.startswith("budget_value.")][:1]
    out.print(_frame(df[shown].head(40), f"Sweep of {len(df)} point(s)" + (" (first 40 shown)" if len(df) > 40 else "")))
    out.print("wrote " + ", ".join(str(p) for p in paths))
    raise typer.Exit(EXIT_OK if (df["status"] != "invalid").all() else EXIT_BAD_INPUT)


def tornado(case: Path = CaseArg, scenario: Optional[str] = ScenarioOpt, run_out: Optional[int] = RunOutOpt,
            delta: float = typer.Option(0.1, "--delta", help="Vary each group by this share (0.1 = ±10%)"),
            hard: bool = typer.Option(False, "--hard", help="Keep hard targets hard (a variation that cannot be met "
                                                            "is infeasible) instead of elastic"),
            out_dir: Optional[Path] = typer.Option(None, "--out", help="Folder for tornado.csv/.json/.png/.svg "
                                                                       "[default: out/CASE[-SCENARIO]/tornado]"),
            executor: str = ExecutorOpt, scheduler: Optional[str] = SchedulerOpt, workers: Optional[int] = WorkersOpt,
            xlsx: bool = XlsxOpt):
    """Vary each parameter group (leaver rates, completion rates, costs by lever, pools, capacities) by ±delta
    and rank the groups by their effect on total cost and on shortfall; write a table and a chart (PNG, SVG)."""
    from optimiser.analysis.tornado import tornado as run_tornado, tornado_chart

    _check_executor(executor, scheduler)
    if not 0 < delta < 1:
        _fail("--delta must be between 0 and 1, e.g. 0.1 for ±10%")
    loaded = _load(case, scenario, run_out)
    target = output_path(out_dir or _default_out(loaded, "tornado"), folder=True)
    with _progress("tornado") as progress:
        df = run_tornado(loaded, delta, elastic=None if hard else 1e7, executor=executor, scheduler=scheduler,
                         workers=workers, progress=progress)
    paths = _write_table(df, target, "tornado", {**_about(loaded), "delta": delta,
                                                  "elastic_penalty_gbp_per_fte": None if hard else 1e7}, xlsx)
    paths += tornado_chart(df, target / "tornado", title=tornado_title(loaded, delta))
    show = df[["rank_cost", "group", "total_cost_low_gbp", "total_cost_high_gbp", "cost_effect_gbp", "rank_shortfall",
               "shortfall_low_fte", "shortfall_high_fte"]]
    out.print(_frame(show, f"Tornado ±{delta:.0%}: base total cost £{df['base_total_cost_gbp'].iloc[0]:,.0f}"))
    out.print("wrote " + ", ".join(str(p) for p in paths))


def montecarlo(case: Path = CaseArg, scenario: Optional[str] = ScenarioOpt, run_out: Optional[int] = RunOutOpt,
               spec: Optional[Path] = typer.Option(None, "--spec", help="Uncertainty YAML [default: CASE/uncertainty.yaml]"),
               draws: Optional[int] = typer.Option(None, "--draws", help="Number of draws [default: the spec's]"),
               sampler: Optional[str] = typer.Option(None, "--sampler", help="random (plain Monte Carlo), sobol "
                                                     "(scrambled Sobol) or lhs (Latin hypercube) [default: the spec's, "
                                                     "else random]"),
               replicates: Optional[int] = typer.Option(None, "--replicates", help="sobol, lhs: independent scrambles, "
                                                        "whose spread gives the standard error [default: the spec's, else 8]"),
               out_dir: Optional[Path] = typer.Option(None, "--out", help="Folder for the draws and summary "
                                                                          "[default: out/CASE[-SCENARIO]/montecarlo]"),
               executor: str = ExecutorOpt, scheduler: Optional[str] = SchedulerOpt, workers: Optional[int] = WorkersOpt,
               xlsx: bool = XlsxOpt):
    """Solve seeded draws of the uncertain parameters; report quantiles of cost and shortfall and the
    probability that each target is met, with its standard error. Draws are saved as they finish: run the
    same command again to resume an interrupted run (the result is the same as an uninterrupted one)."""
    from pydantic import ValidationError

    from optimiser.analysis.montecarlo import MonteCarloSpec, load_spec, run_montecarlo

    _check_executor(executor, scheduler)
    loaded = _load(case, scenario, run_out)
    target = output_path(out_dir or _default_out(loaded, "montecarlo"), folder=True)
    spec_path = spec or case / "uncertainty.yaml"
    if not spec_path.is_file():
        _fail(f"no uncertainty file {spec_path}; give one with --spec (format: docs/sensitivity.md, 'Monte Carlo')" if spec or
              case.is_dir() else "a case workbook holds no uncertainty.yaml; give one with --spec (format: "
                                 "docs/sensitivity.md, 'Monte Carlo')")
    try:
        parsed = load_spec(spec_path)
    except ValueError as exc:
        _fail(str(exc))
    if draws is not None and draws < 1:
        _fail("--draws must be at least 1")
    if sampler is not None and sampler not in ("random", "sobol", "lhs"):
        _fail(f"unknown sampler {sampler!r}; expected random, sobol or lhs")
    if replicates is not None and replicates < 2:
        _fail("--replicates must be at least 2 (their spread gives the standard error)")
    changes = {k: v for k, v in {"sampler": sampler, "replicates": replicates}.items() if v is not None}
    if changes:
        try:
            parsed = MonteCarloSpec.model_validate(parsed.model_dump(by_alias=True) | changes)
        except ValidationError as exc:
            _fail(escape(str(exc)))
    asked = draws or parsed.draws
    if parsed.design_draws(asked) != asked:
        how = ("a power of 2 each, for the balance of Sobol points" if parsed.sampler == "sobol"
               else "the same number each")
        err.print(f"note: {parsed.sampler}: {asked} draws rounded up to {parsed.design_draws(asked)} = "
                  f"{parsed.replicates} replicates × {parsed.design_draws(asked) // parsed.replicates} ({how})",
                  highlight=False)
    try:
        with _progress("draws") as progress:
            result = run_montecarlo(loaded, parsed, target, draws=draws, executor=executor, scheduler=scheduler,
                                    workers=workers, progress=progress)
    except CaseError as exc:
        _case_error(exc)
    except ValueError as exc:
        _fail(str(exc))
    s = result.summary
    sampled = s["sampler"] + (f", {s['replicates']} replicates" if "replicates" in s else "")
    out.print(f"[bold]{loaded.name}[/]: {s['draws_done']} of {s['draws']} draws ({sampled}), seed {s['seed']}; "
              f"{s.get('draws_solved', 0)} solved")
    rows = []
    for key, label, unit in [("total_cost_gbp", "total cost", "£"), ("shortfall_fte", "shortfall, all targets", "FTE"),
                             ("hard_shortfall_fte", "shortfall, hard targets", "FTE")]:
        if key in s:
            rows.append({"measure": f"{label} ({unit})", **{k: v for k, v in s[key].items()}})
    if rows:
        out.print(_frame(pd.DataFrame(rows), "Quantiles over the draws"))
    prob = s.get("probability_met", {})
    headline = s.get("headline_targets", [])
    hard = loaded.table("targets").query("kind == 'hard'")["target"]
    shown = [t for t in prob if t in set(hard)]
    if shown:
        se, ci = s["probability_met_se"], s["probability_met_ci95"]
        out.print(_frame(pd.DataFrame({"target": shown, "probability met": [percent(prob[t]) for t in shown],
                                       "standard error": [percent(se[t], points=True) for t in shown],
                                       "95% interval": [f"{percent(ci[t][0])}–{percent(ci[t][1])}" for t in shown]}),
                         "Probability each hard target is met"))
    if headline and "probability_all_headline_met" in s:
        out.print(f"Probability all of {', '.join(headline)} are met: "
                  f"[bold]{percent(s['probability_all_headline_met'])}[/] ± "
                  f"{percent(s['probability_all_headline_met_se'], points=True)} "
                  f"(standard error); 95% interval {percent(s['probability_all_headline_met_ci95'][0])}–"
                  f"{percent(s['probability_all_headline_met_ci95'][1])}")
    if prob:
        out.print(f"standard errors: {s['standard_error']}", highlight=False)
    out.print(f"draws in {target / 'draws.jsonl'}" + (f"; summary in {target / 'summary.json'}" if result.complete else
                                                     " (incomplete: run again to resume)"))
    if xlsx and result.complete:
        from optimiser.export.workbook import write_workbook

        quantiles = pd.DataFrame([{"measure": k, **v} for k, v in s.items() if isinstance(v, dict) and k.endswith(("_gbp", "_fte"))])
        probability = pd.DataFrame({"target": list(prob), "probability_met": list(prob.values())})
        about = [(k, v) for k, v in _about(loaded).items()] + [(k, s[k]) for k in ("draws", "seed",
                                                                                   "probability_all_headline_met") if k in s]
        path = write_workbook(target / "montecarlo.xlsx", {"draws": result.draws, "quantiles": quantiles,
                                                            "probability_met": probability}, about)
        out.print(f"wrote {path}")


def compare(first: Path = typer.Argument(..., help="solution.json A, or a case folder or workbook", show_default=False),
            second: Optional[Path] = typer.Argument(None, help="solution.json B (when FIRST is a solution)",
                                                    show_default=False),
            scenario: List[str] = typer.Option([], "--scenario", "-s", help="With a case folder: one scenario (compared "
                                                                            "with the base case) or two (A then B)"),
            json_out: Optional[Path] = typer.Option(None, "--json", help="Write the comparison as JSON to this file")):
    """Compare two solutions (two solution.json files, or two scenarios of one case): differences in cost,
    growth, and allocations by lever, region and staff group, as tables and JSON."""
    from optimiser.analysis.compare import compare as run_compare
    from optimiser.case.workbook import is_workbook

    if first.is_dir() or is_workbook(first):
        if second is not None:
            _fail("give either two solution files, or a case folder with --scenario")
        if not 1 <= len(scenario) <= 2:
            _fail("with a case folder give --scenario once (compared with the base case) or twice")
        from optimiser.engine import solve as solve_case

        names = [None, scenario[0]] if len(scenario) == 1 else list(scenario)
        sols = []
        for name in names:
            loaded = _load(first, name)
            with err.status(f"solving {loaded.name}" + (f" + {name}" if name else "") + "…"):
                sols.append(solve_case(loaded))
        labels = [n or "base" for n in names]
        result = run_compare(sols[0], sols[1], labels[0], labels[1])
    else:
        if second is None:
            _fail("give two solution.json files, or a case folder with --scenario")
        for p in (first, second):
            if not p.is_file():
                _fail(f"{p}: no such file")
        try:
            result = run_compare(first, second)
        except json.JSONDecodeError as exc:
            _fail(f"not a solution file written by optimiser solve (not JSON: {exc})")
        except (ValueError, KeyError, TypeError) as exc:  # ValueError: what the schema check found
            _fail(str(exc) if isinstance(exc, ValueError) else f"not a solution file written by optimiser solve: {exc}")
    out.print(f"[bold]A[/] = {result.label_a}   [bold]B[/] = {result.label_b}   (differences are B − A)")
    for note in result.notes:
        out.print(f"[yellow]note[/]: {note}")
    out.print(_frame(result.summary, "Total"))
    pv = ["lever", "present_value_gbp_a", "present_value_gbp_b", "present_value_gbp_diff"]
    if len(result.costs_by_lever):
        out.print(_frame(result.costs_by_lever[pv], "Cost by lever (£, present value)"))
    titles = {"growth_by_family": "Growth by family (FTE, end of horizon over baseline)",
              "allocations_by_lever": "Allocations by lever", "allocations_by_item": "Allocations by lever and item",
              "allocations_by_region": "Allocations by lever and region",
              "allocations_by_staff_group": "Allocations by lever and staff group"}
    for name, title in titles.items():
        df = getattr(result, name)
        if len(df):
            out.print(_frame(df, title))
    if json_out:
        from optimiser.export.atomic import write_atomic

        write_atomic(json_out, result.to_json())
        out.print(f"wrote {json_out}")
    raise typer.Exit(EXIT_OK)


__all__ = ["compare", "montecarlo", "sweep", "tornado", "EXIT_INTERNAL"]


#: The analysis commands, registered on the command line by optimiser/cli.py.
COMMANDS = (sweep, tornado, montecarlo, compare)
