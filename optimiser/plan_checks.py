"""Plan checks (MODEL.md "Plan checks"): what a planner looks at before trusting a plan.

Each check has a threshold from the case (``plan_checks`` in case.yaml), passes or fails, and names
its worst offenders in words. A failed check is a finding about the plan, not an error. Only planning
years are checked: run-out years exist to price the plan honestly, not to be commissioned.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: Limit blocks whose rows are a lever's amount: used to 100% in every planning year is a finding.
LEVER_LIMITS = {"placement_capacity": "placement capacity", "course_places": "course places",
                "recruitment_pool": "recruitment pool", "funded_posts": "funded posts"}
WORST = 5


@dataclass
class PlanCheck:
    """One check: its name, what it looks for, its threshold, whether it passed and the worst offenders."""

    check: str
    description: str
    threshold: str
    passed: bool
    offenders: int
    worst: list[str] = field(default_factory=list)


def plan_checks(sol) -> list[PlanCheck]:
    """Run every plan check on a solved plan (an empty list without a plan)."""
    if sol.result.x is None or sol.allocations is None:
        return []
    from optimiser.analysis.diagnosis import Names

    names = Names(sol.data)
    intake, growth = commissioned_intakes(sol), _growth(sol)
    return [_intake_jumps(sol, intake, names), _late_collapse(sol, intake, names), _growth_shares(sol, growth, names),
            _local_shrink(sol, growth, names), _levers_at_limit(sol, names)]


def commissioned_intakes(sol) -> pd.DataFrame:
    """Starts by commissioned intake: programme, scope, baseline_intake, opening_allowance, then one column a year.

    An intake of commissioning.csv sums its scope's STPs; a programme it does not name is one national intake.
    """
    from constraints.commissioning import intake_scopes

    data = sol.data
    scopes = intake_scopes(data)
    unit, stp = data.scope_matrix(scopes["scope"])
    tr = sol.allocations[sol.allocations["lever"] == "training"]
    starts = tr.groupby(["item", "stp", "year"])["quantity"].sum().unstack("year")
    starts = starts.reindex(columns=data.planning_years, fill_value=0.0).fillna(0.0)
    key = pd.MultiIndex.from_arrays([scopes["programme"].to_numpy()[unit], data.stps.to_numpy()[stp]])
    values = starts.reindex(key, fill_value=0.0).to_numpy()
    by_intake = np.zeros((len(scopes), len(data.planning_years)))
    np.add.at(by_intake, unit, values)
    out = pd.DataFrame(by_intake, columns=data.planning_years)
    out.insert(0, "programme", scopes["programme"])
    out.insert(1, "scope", scopes["scope"])
    out.insert(2, "baseline_intake", scopes["baseline_intake"].astype(float))
    out.insert(3, "opening_allowance", scopes["opening_allowance"].astype(float))
    return out


def _where(names, scope: str) -> str:
    return "England" if scope == "england" else names.scope(scope if scope in names.stps else None,
                                                            scope if scope in names.regions else None)


def _programme(names, code: str) -> str:
    return names.programmes.get(code, code)


def _intake_jumps(sol, intake: pd.DataFrame, names) -> PlanCheck:
    limit = sol.data.case.config.plan_checks.max_intake_change_share
    years = sol.data.planning_years
    found = []
    for _, r in intake.iterrows():
        series = [r["baseline_intake"]] + [r[y] for y in years]
        for i in range(1, len(series)):
            before, now = series[i - 1], series[i]
            if not np.isfinite(before):
                continue
            if before > 0.5 and now < 0.5:
                found.append((np.inf, f"{_programme(names, r['programme'])}, {_where(names, r['scope'])}: "
                                      f"{before:,.0f} → {now:,.0f} starts in {years[i - 1]} (vanishes)"))
            elif before > 0.5 and abs(now - before) > limit * before + (now > before) * r["opening_allowance"] + 1e-6:
                change = (now - before) / before
                found.append((abs(change), f"{_programme(names, r['programme'])}, {_where(names, r['scope'])}: "
                                           f"{before:,.0f} → {now:,.0f} starts in {years[i - 1]} ({change:+.0%})"))
            elif before <= 0.5 and now > 0.5 and any(v > 0.5 for v in series[:i - 1] if np.isfinite(v)):
                found.append((np.inf, f"{_programme(names, r['programme'])}, {_where(names, r['scope'])}: "
                                      f"switched back on in {years[i - 1]} ({now:,.0f} starts after none)"))
    return _result("intake_jumps", "commissioned intakes that change by more than the threshold from one year to "
                                   "the next (a rise may add the intake's opening allowance), vanish, or switch off "
                                   "and on", f"±{limit:.0%} a year", found)


def _late_collapse(sol, intake: pd.DataFrame, names) -> PlanCheck:
    share = sol.data.case.config.plan_checks.min_final_intake_share
    years = sol.data.planning_years
    found = []
    for _, r in intake.iterrows():
        earlier = np.array([r[y] for y in years[:-1]], float)
        reference = earlier.mean() if earlier.size else r["baseline_intake"]
        if np.isfinite(reference) and reference > 0.5 and r[years[-1]] < share * reference - 1e-6:
            ratio = r[years[-1]] / reference
            found.append((1 - ratio, f"{_programme(names, r['programme'])}, {_where(names, r['scope'])}: "
                                     f"{r[years[-1]]:,.0f} starts in {years[-1]}, {ratio:.0%} of the "
                                     f"{reference:,.0f} a year in the years before"))
    return _result("late_intake_collapse", "intakes in the last planning year below the threshold share of the "
                                           "average of the earlier planning years",
                   f"last year ≥ {share:.0%} of the earlier average", found)


def _growth(sol) -> pd.DataFrame:
    """Growth (FTE) over the plan by family or group and STP: columns key, stp, growth."""
    data = sol.data
    wf = sol.workforce
    first, last = wf["year"].iloc[0], data.planning_years[-1]
    fte = wf[wf["year"].isin([first, last])].groupby(["family", "staff_group", "stp", "year"])["fte"].sum().unstack("year")
    return fte.assign(growth=fte[last] - fte[first], baseline=fte[first]).reset_index()


def _growth_shares(sol, growth: pd.DataFrame, names) -> PlanCheck:
    cfg = sol.data.case.config.plan_checks
    ratio = cfg.growth_share_ratio
    share = pd.Series(sol.data.reference_share, index=sol.data.stps)
    by = growth.groupby(["family", "stp"])["growth"].sum()
    found = []
    for family, g in by.groupby(level=0):
        total = g.sum()
        if total < cfg.min_growth_share_fte:
            continue
        r = (g.droplevel(0) / total) / share
        for stp, v in r.items():
            if v > ratio + 1e-9 or v < 1 / ratio - 1e-9:
                words = {"traditional": "traditional", "new_role": "new-role"}.get(family, family)
                found.append((abs(np.log(max(v, 1e-6))), f"{names.stps.get(stp, stp)}: {g[(family, stp)] / total:.1%} "
                                                         f"of England's {words} growth against a reference share of "
                                                         f"{share[stp]:.1%} ({v:.2f}×)"))
    return _result("stp_growth_share", "STPs whose share of a family's growth is far from their reference share "
                                       "(need, else population)", f"between 1/{ratio:g} and {ratio:g} × the "
                                                                  "reference share", found)


def _local_shrink(sol, g: pd.DataFrame, names) -> PlanCheck:
    limit = sol.data.case.config.plan_checks.max_local_shrink_share
    national = g.groupby("staff_group")["growth"].sum()
    shrinks = (g["staff_group"].map(national) > 0) & (g["baseline"] > 0) & (g["growth"] < -limit * g["baseline"] - 1e-6)
    found = []
    for _, r in g[shrinks].iterrows():
        fall = -r["growth"] / r["baseline"]
        found.append((fall, f"{names.group(r['staff_group'])} in {names.stps.get(r['stp'], r['stp'])}: "
                            f"{r['baseline']:,.0f} → {r['baseline'] + r['growth']:,.0f} FTE (−{fall:.0%}) while "
                            f"England grows by {national[r['staff_group']]:,.0f}"))
    return _result("local_shrink", "staff groups that shrink in an STP while they grow nationally",
                   f"fall ≤ {limit:.0%} over the plan", found)


def _levers_at_limit(sol, names) -> PlanCheck:
    c = sol.constraints
    planning = set(sol.data.planning_years)
    c = c[c["name"].isin(list(LEVER_LIMITS)) & c["year"].isin(planning)]
    keys = ["name", "item", "staff_group", "stp", "region"]
    grouped = c.fillna({k: "" for k in keys}).groupby(keys, sort=True)["binding"].agg(["all", "size"]).reset_index()
    always = grouped[grouped["all"] & (grouped["size"] == len(planning))]
    found = []
    for _, r in always.iterrows():
        what = LEVER_LIMITS[r["name"]]
        item = names.sources.get(r["item"]) or _programme(names, r["item"]) if r["item"] else ""
        who = f" for {names.group(r['staff_group'])}" if r["staff_group"] else ""
        found.append((0.0, f"{what} {item}{who} in {names.scope(r['stp'] or None, r['region'] or None)}".replace("  ", " ")))
    return _result("levers_at_limit", "pools, course places, placements and posts used to 100% in every planning "
                                      "year: the plan leans on a limit that has no room left",
                   "not at 100% in every planning year", found)


def _result(check: str, description: str, threshold: str, found: list[tuple[float, str]]) -> PlanCheck:
    ranked = [w for _, w in sorted(found, key=lambda f: (-f[0], f[1]))]
    return PlanCheck(check, description, threshold, not found, len(found), ranked[:WORST])
