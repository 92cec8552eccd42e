"""The North West case (cases/north_west_2017) and the four phases of the local planning process.

The subcase test solves the national case once (run-out 0, ``conftest.national``).
"""
from __future__ import annotations

import io
import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from conftest import ROOT, national
from optimiser import load_case, solve
from optimiser.analysis.local_plan import diagnostic, trajectories
from optimiser.replan.command import replan_command
from optimiser.verify import verify_solution

NW_CASE = ROOT / "cases" / "north_west_2017"
NW = ["E54000007", "E54000008", "E54000048"]


@pytest.fixture(scope="module")
def nw():
    return load_case(NW_CASE, run_out_years=0)


def test_the_region_has_its_population_share_of_the_national_targets_and_courses(nw):
    targets = nw.table("targets").set_index("target")
    # 11,000 and 8,000 × 6.9 / 55.55 million (REFERENCE.md populations), to 0.1 FTE
    assert targets.at["nw_traditional_growth_2020_21", "minimum_fte"] == round(11_000 * 6.9 / 55.55, 1) == 1366.3
    assert targets.at["nw_new_role_growth_2020_21", "minimum_fte"] == round(8_000 * 6.9 / 55.55, 1)
    assert set(nw.table("course_capacity")["scope"]) == set(nw.table("commissioning")["scope"]) == {"north_west"}
    # the North's nursing degree intake of 1,159 starts × 6.9 / 15.42
    com = nw.table("commissioning").set_index("programme")
    assert com.at["nursing_degree", "baseline_intake"] == round(1_159 * 6.9 / 15.42, 1)


def test_the_diagnostic_names_the_largest_leaver_flows(nw):
    base = pd.read_csv(NW_CASE / "baseline_workforce.csv").set_index(["stp", "staff_group"])["fte_in_post"]
    rates = pd.read_csv(NW_CASE / "leaver_rates.csv").set_index("staff_group")["leaver_rate"]
    leavers = (base * base.index.get_level_values("staff_group").map(rates).to_numpy()).sort_values(ascending=False)
    tables = diagnostic(nw)
    top = tables["pressure_points"]
    assert list(zip(top["stp"], top["staff_group"])) == list(leavers.index[:5])
    assert top["leavers_fte_a_year"].to_numpy() == pytest.approx(leavers.to_numpy()[:5])
    wf = tables["workforce"]
    region = wf[(wf["stp"] == "all") & (wf["staff_group"] == "mh_nurse")].iloc[0]
    assert region["baseline_fte"] == pytest.approx(base.xs("mh_nurse", level="staff_group").sum())
    posts = tables["posts"].set_index("staff_group")
    est = pd.read_csv(NW_CASE / "establishment.csv")
    sw_posts = est[(est["staff_group"] == "support_worker") & (est["year"] == "2016/17")]["posts_fte"].item()
    assert posts.at["support_worker", "gap_fte"] == pytest.approx(sw_posts - base.xs("support_worker", level="staff_group").sum())


def test_trajectories_add_the_stps_up_to_the_region(nw):
    sol = json.loads(solve(nw).to_json())
    table = trajectories(sol).set_index(["stp", "staff_group"])
    wf = pd.DataFrame(sol["workforce"])
    nurses = wf[(wf["staff_group"] == "mh_nurse") & (wf["year"] == "2020/21")]
    assert table.loc[("all", "mh_nurse"), "2020/21"] == pytest.approx(nurses["fte"].sum())
    assert table.loc[("E54000007", "mh_nurse"), "2020/21"] == pytest.approx(nurses.set_index("stp").at["E54000007", "fte"])
    assert list(table.columns[-6:]) == ["2015/16", "2016/17", "2017/18", "2018/19", "2019/20", "2020/21"]


def test_delivery_replans_from_the_shipped_2017_18_actuals(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    code = replan_command(NW_CASE, NW_CASE / "actuals_2017_18.csv", "2017/18", None, tmp_path / "replan", None,
                          Console(file=out, width=200), Console(file=err, width=200))
    assert code == 0, err.getvalue()
    report = json.loads((tmp_path / "replan" / "replan.json").read_text(encoding="utf-8"))
    rows = pd.DataFrame(report["variance"])
    nurses = rows[(rows["staff_group"] == "mh_nurse") & (rows["year"] == "2017/18")]
    # the illustrative actuals: 3% fewer nurses than planned at the end of 2017/18 (to 0.1 FTE per STP)
    assert nurses["fte"].sum() == pytest.approx(0.97 * nurses["planned_fte"].sum(), abs=0.2)
    assert report["costs"]["extra_cost_gbp"] > 0  # fewer staff than planned cost more to bring back
    case = load_case(tmp_path / "replan" / "case")
    sol = json.loads((tmp_path / "replan" / "solution.json").read_text(encoding="utf-8"))
    assert verify_solution(case, sol).ok


def test_the_region_plans_the_national_outcome_for_no_more_than_the_national_plan_spends_there(nw):
    """``subcase``: the regional case with the national plan's outcome in the North West as its targets (staff in
    post of every group in every year) costs no more than the national plan spends in the region: the national
    plan's North West part is one plan of the regional case, and the regional optimum re-optimises its levers.

    That holds only where the region's share of each national limit admits the national plan's own use there.
    At the population share it does not: the national plan puts more support workers in the North West (11,075
    FTE in 2020/21) than its population share of funded posts, and recruits more than its share of 72 national
    pools. So, as a subcase built from the national solution would, the region's share of a national pool, course
    or funded posts is here the larger of its population share and the national plan's use in the region.
    (Placements, mentors, retention and absorption are limits of each STP, the same in both cases; the region's
    commissioning limits happen to admit the national plan's intakes.)
    """
    nat = solve(national())
    assert nat.status == "optimal"
    alloc = nat.allocations[nat.allocations["stp"].isin(NW)]
    national_spend = alloc["present_value_gbp"].sum()
    wf = nat.workforce[nat.workforce["stp"].isin(NW) & (nat.workforce["period"] == "plan")]
    level = wf.groupby(["staff_group", "year"])["fte"].sum()

    t = dict(nw.tables)
    t["targets"] = pd.DataFrame({
        "target": [f"national_{g}_{y.replace('/', '_')}" for g, y in level.index], "description": "national outcome",
        "measure": "level", "family": None, "staff_group": level.index.get_level_values(0), "region": None, "stp": None,
        "year": level.index.get_level_values(1), "minimum_fte": level.to_numpy() * (1 - 1e-9), "maximum_fte": None,
        "kind": "hard", "penalty_gbp_per_fte": None, "priority": 1.0, "_file": "national", "_row": 0})
    est = t["establishment"]
    t["establishment"] = est.assign(posts_fte=np.maximum(est["posts_fte"], [level.get((g, y), 0.0) for g, y in
                                                                            zip(est["staff_group"], est["year"])]))
    rec = alloc[alloc["lever"] == "recruitment"]
    pools = t["recruitment_pools"]
    used = [rec[(rec["item"] == k) & (rec["year"] == y) & ((rec["staff_group"] == g) if g else True)]["quantity"].sum()
            for k, g, y in zip(pools["source"], pools["staff_group"], pools["year"])]
    t["recruitment_pools"] = pools.assign(pool_fte=np.maximum(pools["pool_fte"], used))
    starts = alloc[alloc["lever"] == "training"]
    cap = t["course_capacity"]
    used = [starts[(starts["item"] == p) & (starts["year"] == y)]["quantity"].sum() for p, y in zip(cap["programme"], cap["year"])]
    t["course_capacity"] = cap.assign(places=np.maximum(cap["places"], used))

    regional = solve(replace(nw, tables=t))
    assert regional.status == "optimal"
    assert regional.objective <= national_spend * (1 + 1e-9)
