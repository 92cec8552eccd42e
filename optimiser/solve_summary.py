"""What ``optimiser solve`` prints after a solve (the plan's summary), and the notes ``optimiser validate`` adds
about soft targets' penalties. Printed on the command line's standard output (optimiser/console.py)."""
from __future__ import annotations

from optimiser.console import _frame, costliest_limits, out
from optimiser.formatting import fte, gap_percent, gbp, share, year_range


def print_summary(sol) -> None:
    """Status, cost by lever and year, growth against the targets, and the costliest binding limits."""
    out.print(f"[bold]{sol.case_name}[/]" + (f" + scenario {sol.scenario}" if sol.scenario else "")
              + f": [bold]{sol.status}[/] ({sol.result.solver} {sol.result.version}, {sol.result.seconds:.2f} s)")
    if sol.data.case.table("targets").empty:
        out.print("[bold yellow]warning[/]: the case has no targets: this plan only keeps the limits at least cost",
                  highlight=False)
    if sol.objective is None:
        return
    out.print(f"Total cost {gbp(sol.objective)} (present value at {share(sol.data.case.config.discount_rate)} a year, "
              f"{sol.data.case.config.price_base_year} prices, penalties included)")
    if sol.mip is not None:
        out.print(mip_line(sol), highlight=False, markup=False)
    out.print(f"Shadow prices and marginal costs: {sol.result.duals_note}", highlight=False)
    run_out = sol.costs.loc[sol.costs["period"] == "run_out", "present_value_gbp"].sum()
    if sol.data.T > sol.data.T_plan:
        last = sol.data.planning_years[-1]
        out.print(f"Of the total, {gbp(run_out)} (present value) is the cost to keep the {last} workforce in post "
                  f"afterwards ({sol.data.T - sol.data.T_plan} run-out years, "
                  f"{year_range(sol.data.years[sol.data.T_plan], sol.data.years[-1])}); the plan years cost "
                  f"{gbp(sol.objective - run_out)} with penalties",
                  highlight=False)
    by = sol.costs.groupby("lever")[["cost_gbp", "present_value_gbp", "outlay_gbp"]].sum().reset_index()
    out.print(_frame(by, "Cost by lever (£)"))
    years = sol.costs.pivot_table(index="year", columns="lever", values="cost_gbp", aggfunc="sum", fill_value=0.0)
    out.print(_frame(years.assign(total=years.sum(axis=1)).reset_index(), "Committed cost by year (£, undiscounted)"))
    wf = sol.workforce
    first, last = wf["year"].iloc[0], sol.data.years[-1]
    fam = wf[wf["year"].isin([first, last])].pivot_table(index="family", columns="year", values="fte", aggfunc="sum")
    fam["growth_fte"] = fam[last] - fam[first]
    out.print(_frame(fam.reset_index(), "Staff in post by family (FTE): baseline, end of horizon, growth"))
    hard = sol.targets[sol.targets["kind"] == "hard"]
    if len(hard):
        out.print(_frame(hard[["target", "year", "measure", "minimum_fte", "achieved_fte", "marginal_cost_per_fte"]],
                         "Hard targets (FTE; marginal cost £ per extra FTE)"))
    soft = sol.targets[sol.targets["kind"] == "soft"]
    if len(soft):
        out.print(f"Soft targets: {int((soft['shortfall_fte'] > 1e-6).sum())} of {len(soft)} short, "
                  f"{soft['shortfall_fte'].sum():,.1f} FTE in all")
        _print_soft_shortfalls(sol)
    _print_balance_and_checks(sol)
    if sol.result.row_dual is None:
        return  # no duals: the line above says why
    out.print(_frame(costliest_limits(sol.constraints), "Ten costliest binding limits, ranked by total effect: shadow "
                     "price (£ change in total cost per extra unit of the limit) × the limit, in £; rows alike but for "
                     "the STP counted once, their effects added"))


def _print_balance_and_checks(sol) -> None:
    """What stage 2 did, and the plan checks, in words."""
    from optimiser.plan_checks import plan_checks

    b = sol.balance
    if b is not None:
        line = f"Plan: {b.note}"
        if b.status == "balanced" and b.imbalance_before is not None:
            line += (f". Imbalance {b.imbalance_before['total']:,.0f} → {b.imbalance_after['total']:,.0f} "
                     f"(weighted; growth away from STP shares {fte(b.imbalance_before['growth_share'])} → "
                     f"{fte(b.imbalance_after['growth_share'])} FTE)")
            if b.spent_gbp and b.spent_gbp > 0.5:
                line += f" for {gbp(b.spent_gbp)} more than the least cost"
        out.print(line, highlight=False)
    checks = plan_checks(sol)
    if checks:
        failed = [c for c in checks if not c.passed]
        out.print(f"Plan checks: {len(checks) - len(failed)} of {len(checks)} pass", highlight=False)
        for c in failed:
            out.print(f"  ✗ {c.check} ({c.threshold}): {c.offenders} — " + "; ".join(c.worst[:3]), highlight=False,
                      markup=False)


def mip_line(sol) -> str:
    """A whole-cohort (MIP) solve in a planner's words: the plan's cost, the proven bound and the gap."""
    mip = sol.mip
    if mip.objective_gbp is None:
        return f"Whole cohorts (MIP): {sol.result.message}"
    found = f"Whole cohorts (MIP): the solver's best cohort plan costs {gbp(mip.objective_gbp)}"
    tolerance = f"tolerance asked for {gap_percent(mip.gap_tolerance)}"
    if mip.gap is None:
        return (f"{found}; {sol.result.solver} gives no lower bound, so how far it may be above the cheapest possible "
                f"plan is not known here ({tolerance}; the solver's status: {sol.result.message})")
    bound = f"no plan can cost less than {gbp(mip.best_bound_gbp)} (the proven bound)"
    gap = f"gap {gap_percent(mip.gap)}, {tolerance}{'' if mip.gap <= mip.gap_tolerance else ': outside the tolerance'}"
    above = abs(mip.objective_gbp - mip.best_bound_gbp)
    if round(above) == 0:
        return f"{found}; {bound}, so it is the cheapest possible, to the pound ({gap})"
    return f"{found}; {bound}, so it is at most {gbp(above)} above the cheapest possible ({gap})"


def _print_soft_shortfalls(sol, most: int = 15) -> None:
    """Soft targets that fall short: what each counts, FTE short and the penalty it costs."""
    from optimiser.analysis.diagnosis import soft_penalty_notes, soft_shortfalls

    short = soft_shortfalls(sol.targets).rename(columns={
        "minimum_fte": "minimum", "achieved_fte": "achieved", "shortfall_fte": "short", "penalty_gbp_per_fte": "£/FTE",
        "penalty_cost_gbp": "penalty £"})
    if short.empty:
        return
    out.print(_frame(short.head(most), "Soft-target shortfalls (FTE; penalty £ per FTE and £, in the total cost)"
                     + (f": {most} of {len(short)} shown" if len(short) > most else "")))
    cheap = soft_penalty_notes(sol.data.case)
    cheap = cheap[cheap["target"].isin(short["target"])]
    if len(cheap):
        first = cheap.iloc[0]
        out.print(f"[yellow]note[/]: {len(cheap)} short soft target(s) have a penalty below the dearest lever for "
                  f"their staff (e.g. {first['target']}: {gbp(first['penalty_gbp_per_fte'])} < "
                  f"{gbp(first['dearest_lever_gbp_per_fte'])} per FTE by {first['dearest_lever']}): their shortfall "
                  "may be bought instead of that lever, not forced by the limits.", highlight=False)


def print_penalty_notes(loaded, most: int = 5) -> None:
    """Soft targets whose penalty is below the dearest lever for their staff (a note, not a problem), and
    a case with no target at all (a warning: its plan only keeps the limits, most likely a mistake)."""
    from optimiser.analysis.diagnosis import soft_penalty_notes

    if loaded.table("targets").empty:
        out.print(f"[bold yellow]warning[/]: {loaded.config.tables.targets} has no targets: the plan only keeps the "
                  "limits (floors, holds) at least cost. Add a target, unless that is what you meant.", highlight=False)

    notes = soft_penalty_notes(loaded)
    if notes.empty:
        return
    out.print(f"[yellow]note[/]: {len(notes)} soft target(s) have a penalty below the dearest lever for their staff, "
              "so a shortfall may be cheaper than that lever:", highlight=False)
    for r in notes.head(most).itertuples():
        out.print(f"  • {r.target}: {gbp(r.penalty_gbp_per_fte)} per FTE < {gbp(r.dearest_lever_gbp_per_fte)} "
                  f"by {r.dearest_lever}", highlight=False)
    if len(notes) > most:
        out.print(f"  … and {len(notes) - most} more", highlight=False)
