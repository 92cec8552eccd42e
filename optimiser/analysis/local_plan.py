"""The outputs of the local planning process (NHS England and HEE North, 2017) that come before and after a solve:

- **diagnostic** (:func:`diagnostic`): the baseline, leavers a year and the pipeline by STP and staff group with
  the regional aggregate; funded posts against staff in post (the gap); the pressure points (the largest leaver
  flows); and the course places by programme and scope;
- **trajectories** (:func:`trajectories`): the staff in post a plan requires by STP, staff group and year, with
  the regional aggregate, from a solution.

Planning is the solve, delivery ``optimiser replan``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from optimiser.case import Case
from optimiser.model.data import model_data

#: How many (STP, staff group) cells the diagnostic names as pressure points.
PRESSURE_POINTS = 5


def diagnostic(case: Case) -> dict[str, pd.DataFrame]:
    """The diagnostic tables of a case, before any solve.

    Returns:
        ``workforce``: per STP and staff group, and per region (``stp`` = ``all``): ``baseline_fte``,
        ``leaver_rate`` (share a year), ``leavers_fte_a_year`` (rate × baseline), ``pipeline_fte`` (staff the
        pipeline qualifies into the group within the planning years, after completion and take-up);
        ``posts``: funded posts in the first planning year by scope and group against the baseline in post
        there: ``gap_fte`` and ``vacancy_share``; ``pressure_points``: the cells with the most leavers a year;
        ``courses``: places a year by programme and scope (first and last planning year) and the baseline intake.
    """
    data = model_data(case)
    g, s = np.meshgrid(np.arange(data.G), np.arange(data.S), indexing="ij")
    progs = data.programmes
    pipe = data.pipeline[data.pipeline["q"] < data.T_plan]
    joined = np.zeros((data.G, data.S))
    gain = (progs["completion_rate"] * progs["take_up_rate"]).to_numpy()
    np.add.at(joined, (progs["g"].to_numpy()[pipe["p"]], pipe["s"].to_numpy()), gain[pipe["p"]] * pipe["students"].to_numpy())
    cells = pd.DataFrame({
        "stp": data.stps.to_numpy(object)[s.ravel()], "region": data.stp_region[s.ravel()],
        "staff_group": data.groups.to_numpy(object)[g.ravel()], "family": data.family[g.ravel()],
        "baseline_fte": data.baseline.ravel(), "leaver_rate": data.leaver_rate.ravel(),
        "leavers_fte_a_year": (data.leaver_rate * data.baseline).ravel(), "pipeline_fte": joined.ravel()})
    sums = ["baseline_fte", "leavers_fte_a_year", "pipeline_fte"]
    region = cells.groupby(["region", "staff_group", "family"], as_index=False, sort=False)[sums].sum()
    region = region.assign(stp="all", leaver_rate=region["leavers_fte_a_year"] / region["baseline_fte"].where(
        region["baseline_fte"] > 0))
    workforce = pd.concat([cells, region[cells.columns]], ignore_index=True)

    first = case.years[0]
    est = case.table("establishment")
    est = est[est["year"] == first]
    in_post = [float(data.baseline[data.groups.get_loc(gr), data.members(sc)].sum())
               for sc, gr in zip(est["scope"], est["staff_group"])]
    posts = est[["scope", "staff_group", "posts_fte"]].assign(year=first, baseline_fte=in_post)
    posts = posts.assign(gap_fte=posts["posts_fte"] - posts["baseline_fte"],
                         vacancy_share=(posts["posts_fte"] - posts["baseline_fte"]) / posts["posts_fte"].where(
                             posts["posts_fte"] > 0)).reset_index(drop=True)

    pressure = cells.sort_values("leavers_fte_a_year", ascending=False, kind="stable").head(PRESSURE_POINTS)
    cap = case.table("course_capacity")
    last = case.years[-1]
    courses = (cap[cap["year"].isin([first, last])].pivot_table(index=["programme", "scope"], columns="year",
                                                                values="places", aggfunc="sum")
               .rename(columns={first: f"places_{first}", last: f"places_{last}"}).reset_index())
    com = case.table("commissioning")[["programme", "scope", "baseline_intake"]]
    courses = courses.merge(com, on=["programme", "scope"], how="left")
    return {"workforce": workforce, "posts": posts, "pressure_points": pressure.reset_index(drop=True),
            "courses": courses}


def trajectories(solution: dict) -> pd.DataFrame:
    """Staff in post (FTE) a plan requires, one row per STP (and ``all`` per region) and staff group, one column
    per year from the baseline to the last planning year."""
    wf = pd.DataFrame(solution["workforce"])
    wf = wf[wf["period"] != "run_out"]
    region = wf.groupby(["region", "staff_group", "year"], as_index=False, sort=False)["fte"].sum().assign(stp="all")
    both = pd.concat([wf[["region", "stp", "staff_group", "year", "fte"]], region], ignore_index=True)
    table = both.pivot_table(index=["region", "stp", "staff_group"], columns="year", values="fte", aggfunc="sum",
                             sort=False).reset_index()
    table.columns.name = None
    return table


def _csv(df: pd.DataFrame) -> str:
    return df.round(6).to_csv(index=False, lineterminator="\n")


def diagnostic_command(case: Case, out_dir, console) -> list:
    """Print the diagnostic and write one CSV per table into ``out_dir``; return the files written."""
    from optimiser.console import _frame
    from optimiser.export.atomic import write_atomic

    tables = diagnostic(case)
    wf = tables["workforce"]
    region = wf[wf["stp"] == "all"].drop(columns=["stp"])
    console.print(f"[bold]Diagnostic of {case.name}[/] (baseline: staff in post before {case.years[0]}; case sha256 "
                  f"{case.content_hash[:12]})")
    console.print(_frame(region, "Baseline, leavers a year and pipeline by region and staff group (FTE; per STP in the CSV)"))
    console.print(_frame(tables["posts"], f"Funded posts against staff in post, {case.years[0]} (FTE)"))
    console.print(_frame(tables["pressure_points"][["stp", "staff_group", "baseline_fte", "leaver_rate",
                                                    "leavers_fte_a_year"]],
                         f"Pressure points: the {PRESSURE_POINTS} largest leaver flows (FTE a year)"))
    console.print(_frame(tables["courses"], "Course places a year by programme and scope, and the baseline intake (starts)"))
    written = []
    for name, df in tables.items():
        path = out_dir / f"diagnostic_{name}.csv"
        write_atomic(path, _csv(df))
        written.append(path)
    return written


def trajectories_command(solution: dict, out_file, console) -> None:
    """Print the regional trajectories and write every STP's and region's to ``out_file`` (CSV)."""
    from optimiser.console import _frame
    from optimiser.export.atomic import write_atomic

    table = trajectories(solution)
    console.print(f"[bold]Trajectories of {solution['case']['name']}[/]: staff in post required (FTE) by staff group "
                  f"and year; the regional aggregate here, every STP in {out_file}")
    for region, part in table[table["stp"] == "all"].groupby("region", sort=False):
        console.print(_frame(part.drop(columns=["region", "stp"]), f"Region {region}"))
    write_atomic(out_file, _csv(table))
