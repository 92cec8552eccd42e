"""``optimiser replan CASE --actuals FILE --through YEAR [--plan solution.json]``."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from rich.console import Console

from optimiser.case import CaseError, load_case
from optimiser.replan.actuals import read_actuals
from optimiser.replan.derive import derive_replan_case
from optimiser.replan.variance import replan_report
from optimiser.verify import SolutionFileError, read_solution

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT, EXIT_INFEASIBLE = 0, 1, 2, 3


def replan_command(case_path: Path, actuals_path: Path, through: str, plan_path: Path | None, out_dir: Path | None,
                   run_out: int | None, console: Console, errors: Console) -> int:
    """Re-plan the years after ``through`` from the actuals; write ``case/``, ``solution.json`` and ``replan.json``
    into the output folder and print the variance. Returns the exit code (0 optimal, 3 infeasible, 2 bad input)."""
    from optimiser.engine import solve
    from optimiser.export.atomic import write_atomic

    def bad(title: str, problems) -> int:
        errors.print(f"[bold red]{title}[/]")
        for p in problems:
            errors.print(f"  • {p}", markup=False, highlight=False)
        return EXIT_BAD_INPUT

    plan = None
    if plan_path is not None:
        try:
            plan = read_solution(plan_path)
        except SolutionFileError as exc:
            errors.print(f"[bold red]bad plan file[/]: {exc}", highlight=False)
            return EXIT_BAD_INPUT
        solved_with = (plan.get("case") or {}).get("run_out_years")
        run_out = solved_with if isinstance(solved_with, int) else run_out
    try:
        case = load_case(case_path, None, run_out)
    except CaseError as exc:
        return bad(f"{len(exc.problems)} problem(s) in case {case_path}", exc.problems)
    if plan is None:
        with errors.status(f"solving {case.name} for the original plan…"):
            original = solve(case)
        if original.status != "optimal":
            errors.print(f"[bold red]{original.status}[/]: {case.name} has no plan to re-plan from "
                         "(optimiser solve explains why)")
            return EXIT_INFEASIBLE
        plan = json.loads(original.to_json())
    elif (plan.get("case") or {}).get("sha256") != case.content_hash:
        errors.print(f"[bold red]bad plan file[/]: {plan_path} is the plan of another case (or of this one before an "
                     f"edit): its case sha256 is {str((plan.get('case') or {}).get('sha256'))[:12]}, the case's "
                     f"{case.content_hash[:12]}; solve the case again", highlight=False)
        return EXIT_BAD_INPUT
    elif plan.get("status") != "optimal" or not isinstance(plan.get("allocations"), list):
        errors.print(f"[bold red]bad plan file[/]: {plan_path} holds no plan (status {plan.get('status')!r})")
        return EXIT_BAD_INPUT
    try:
        actuals = read_actuals(actuals_path, case, through)
    except CaseError as exc:
        return bad(f"{len(exc.problems)} problem(s) in the actuals {actuals_path}", exc.problems)

    folder = out_dir or Path("out") / f"{case.name}-replan-{through.replace('/', '_')}"
    derived = derive_replan_case(case, plan, actuals, through, folder / "case")
    try:
        replan_case = load_case(folder / "case", None, case.config.run_out_years)
    except CaseError as exc:
        return bad(f"the re-plan case derived from the actuals ({folder / 'case'}) is not valid", exc.problems)
    with errors.status(f"re-planning {case.name} after {through}…"):
        sol = solve(replan_case)
    if sol.status in ("infeasible", "infeasible_or_unbounded"):
        from optimiser.console import _explain_into

        _explain_into(sol, replan_case)
    sol_json = json.loads(sol.to_json())
    report, table = replan_report(case, plan, actuals, Path(actuals_path), through, sol, sol_json, derived)
    write_atomic(folder / "solution.json", sol.to_json())
    write_atomic(folder / "replan.json", json.dumps(report, separators=(",", ":"), ensure_ascii=False,
                                                    allow_nan=False) + "\n")
    print_replan(report, table, sol, case.years, through, console)
    console.print(f"wrote {folder / 'case'}, {folder / 'solution.json'} and {folder / 'replan.json'}")
    if sol.status == "optimal":
        return EXIT_OK
    if sol.status in ("infeasible", "infeasible_or_unbounded"):
        if sol.diagnosis is not None:
            from optimiser.analysis.diagnosis import print_diagnosis

            print_diagnosis(sol.diagnosis, console)
        errors.print("[bold red]infeasible[/]: from what happened to "
                     f"{through}, the targets after it cannot all be met within the case's limits")
        return EXIT_INFEASIBLE
    errors.print(f"[bold red]{sol.status}[/]: {sol.result.message}")
    return EXIT_INTERNAL


def print_replan(report: dict, table: pd.DataFrame, sol, years: list[str], through: str, console: Console) -> None:
    """The re-plan's cost against the plan, staff in post against the plan by group, and the targets."""
    from optimiser.console import _frame

    c = report["costs"]
    console.print(f"[bold]Re-plan of {report['case']['name']} after {through}[/] from {report['actuals']['file']}: "
                  f"{report['status']}")
    money = (lambda v: "—" if v is None else f"£{v / 1e6:,.2f}m" if abs(v) >= 1e6 else f"£{v:,.0f}")
    console.print(f"cost of the years after {through} (£ present value at {c['discounted_to']}): original plan "
                  f"{money(c['original_remaining_gbp'])}, re-plan {money(c['replan_gbp'])}, "
                  f"extra cost {money(c['extra_cost_gbp'])}"
                  + (f"; penalties: original {money(c['original_penalties_gbp'])}, re-plan "
                     f"{money(c['replan_penalties_gbp'])}" if (c["original_penalties_gbp"] or c["replan_penalties_gbp"])
                     else ""), highlight=False)
    last = years[-1]
    g = table.groupby("staff_group", sort=False)
    at = (lambda year, col: table[table["year"] == year].groupby("staff_group", sort=False)[col].sum())
    after = table[table["period"] == "replan"].groupby("staff_group", sort=False)
    rows = pd.DataFrame({
        f"planned {through}": at(through, "planned_fte"), f"actual {through}": at(through, "fte"),
        f"planned {last}": at(last, "planned_fte"), f"re-plan {last}": at(last, "fte"),
        "starts planned": after["planned_starts"].sum(), "starts re-plan": after["starts"].sum(),
        "recruits planned": after["planned_recruits"].sum(), "recruits re-plan": after["recruits"].sum(),
    }).reindex(list(g.groups))
    rows.insert(2, f"change {through}", rows[f"actual {through}"] - rows[f"planned {through}"])
    rows.insert(5, f"change {last}", rows[f"re-plan {last}"] - rows[f"planned {last}"])
    total = rows.sum().rename("total")
    console.print(_frame((pd.concat([rows, total.to_frame().T]).round(1) + 0.0).rename_axis("staff group").reset_index(),
                         f"Staff in post (FTE) against the plan: actual to {through}, re-planned after; starts and "
                         f"recruits in the years after {through}"))
    if sol is not None and sol.result.x is not None and len(sol.targets):
        shown = sol.targets[(sol.targets["kind"] == "hard") | (sol.targets["shortfall_fte"] > 1e-6)]
        t = shown[["target", "year", "measure", "minimum_fte", "achieved_fte", "shortfall_fte"]]
        console.print(_frame(t, f"Re-plan targets: the {len(t)} hard or short of {len(sol.targets)} (growth targets of "
                                "the original read as levels; all in solution.json)"))
    for note in report["derivation"]["notes"]:
        console.print(f"note: {note}", highlight=False)

