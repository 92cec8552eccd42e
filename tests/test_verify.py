"""``optimiser verify``: an independent check of a solution file against its case.

(a) engine solutions of the two_stp fixture (and a richer copy of it that uses every table) verify;
(b) a tampered solution fails in the right family;
(c) every shipped case and scenario: solve, then verify (an infeasible scenario must say so).
"""
from __future__ import annotations

import copy
import io
import json
from pathlib import Path

import pytest
from rich.console import Console
from rich.table import Table

from optimiser import load_case, solve
from optimiser.verify import FAMILIES, SolutionFileError, render, verify_command, verify_solution
from conftest import FIXTURE, copy_case

# --- fixtures -------------------------------------------------------------------------------------

#: Extra tables for a copy of two_stp that uses every table and lever: upskilling with a pipeline,
#: a course qualifying after the horizon, retention segments, exits with a limit, every limit
#: table, budgets, discounting, level/growth/maximum and soft targets with list filters,
#: commissioning continuity, hard and soft absorption limits (and, in the fixture, a run-out year).
RICH = {
    "programmes.csv": """
        programme,name,staff_group,source_group,duration_years,completion_rate,take_up_rate,cost_per_place_gbp,placement_use,mentor_group,students_per_mentor,max_source_share
        nursing,Nursing degree,nurse,,2,0.8,0.9,50000,1,nurse,2,
        psw_course,PSW course,psw,,1,1,1,3000,0,,,
        psw_to_nurse,PSW to nurse apprenticeship,nurse,psw,2,0.9,1,20000,0.5,nurse,4,0.1
        long_course,Long course qualifying after the horizon,nurse,,4,0.9,0.9,60000,1,nurse,2,
    """,
    "pipeline.csv": """
        stp,programme,qualification_year,students
        A,nursing,2016/17,10
        B,nursing,2017/18,6
        B,psw_to_nurse,2017/18,2
        A,long_course,2019/20,3
    """,
    "retention_segments.csv": """
        area,staff_group,segment,share_of_leavers,cost_per_avoided_leaver_gbp
        england,nurse,1,0.1,4000
        england,nurse,2,0.1,9000
        north,psw,1,0.1,1000
    """,
    "exits.csv": """
        area,staff_group,year,cost_per_exit_gbp,max_exits_fte
        A,psw,,500,3
        B,psw,2016/17,800,
    """,
    "placement_capacity.csv": """
        scope,year,placements
        england,,150
        A,2017/18,40
    """,
    "course_capacity.csv": """
        scope,programme,year,places
        england,nursing,,60
        south,nursing,2016/17,20
    """,
    "establishment.csv": """
        scope,staff_group,year,posts_fte
        B,nurse,,215
        england,psw,2018/19,40
    """,
    "budgets.csv": """
        budget,scope,lever,from_year,to_year,limit_gbp
        all_spend,england,all,,,9000000
        south_training,south,training,2016/17,2017/18,2500000
    """,
    "recruitment_pools.csv": """
        scope,source,staff_group,year,pool_fte
        england,domestic,,,30
        north,domestic,nurse,2017/18,12
    """,
    "targets.csv": """
        target,description,measure,family,staff_group,region,stp,year,minimum_fte,maximum_fte,kind,penalty_gbp_per_fte
        trad,Nurse growth,growth,traditional,,,,2018/19,70,,hard,
        north_nurse,North nurse level,level,,nurse,north,,2017/18,95,,hard,
        psw_cap_a,PSW in A at most,level,,psw,,A,2016/17,0,7,hard,
        psw_b,PSW growth in B,growth,new_role,psw,,B,2018/19,40,,soft,6000
        both,Both STPs nurse growth,growth,,nurse,,A;B,2017/18,5,,soft,
    """,
    "commissioning.csv": """
        scope,programme,baseline_intake,max_rise_share,max_fall_share,opening_allowance,floor_share
        england,nursing,30,1,0.5,10,0.2
        north,psw_course,0,0.5,,20,
    """,
    "absorption.csv": """
        area,staff_group,max_growth_share,max_growth_fte,max_fall_share,kind,penalty_gbp_per_fte
        england,nurse,0.3,5,0.3,hard,
        england,psw,0.2,2,0.5,soft,500
    """,
}


def _solved(case):
    sol = solve(case)
    assert sol.status == "optimal", sol.result.message
    return json.loads(sol.to_json())


@pytest.fixture(scope="module")
def two_stp():
    case = load_case(FIXTURE)
    return case, _solved(case)


@pytest.fixture(scope="module")
def rich(tmp_path_factory):
    copy = copy_case(FIXTURE, tmp_path_factory.mktemp("rich") / "two_stp")
    copy.set_yaml("discount_rate", 0.035)
    copy.set_yaml("run_out_years", 1)
    for file, text in RICH.items():
        copy.write(file, text)
    case = copy.load()
    return case, _solved(case)


def check(case, solution: dict, edit=None):
    """Verify a copy of ``solution``, after ``edit(copy)`` if given."""
    solution = copy.deepcopy(solution)
    if edit is not None:
        edit(solution)
    return verify_solution(case, solution)


def row(records: list[dict], **match) -> dict:
    hits = [r for r in records if all(r.get(k) == v for k, v in match.items())]
    assert len(hits) == 1, f"expected one row with {match}, got {len(hits)}"
    return hits[0]


# --- (a) engine solutions verify ------------------------------------------------------------------

def test_two_stp_solution_verifies(two_stp):
    case, solution = two_stp
    report = verify_solution(case, solution)
    assert report.ok, report.problems + [f for f in report.failed_families]
    assert [f.family for f in report.families] == FAMILIES
    assert report.problems == []
    counts = {f.family: f.checks for f in report.families}
    assert counts["stock_flow"] == 2 * 2 * 3  # groups × STPs × years
    assert counts["mentoring"] == 2 * 3  # one mentor group × STPs × years
    assert counts["recruitment_pools"] == 3  # one national pool a year
    assert counts["baseline"] == 4
    assert all(f.relative <= 1e-6 for f in report.families)


def test_rich_solution_verifies_with_every_family_checked(rich):
    case, solution = rich
    report = verify_solution(case, solution)
    assert report.ok, [(f.family, f.violation, f.where) for f in report.families if not f.ok] + report.problems
    # every family but whole_cohorts (no integer programme here: its own test below checks it)
    assert all(f.checks > 0 for f in report.families if f.family != "whole_cohorts"), \
        {f.family: f.checks for f in report.families}
    levers = {a["lever"] for a in solution["allocations"]}
    assert levers == {"training", "recruitment", "retention", "exit"}  # every lever is exercised
    assert any(t["shortfall_fte"] > 0 for t in solution["targets"])  # a soft target pays a penalty
    assert solution["costs"]["penalties_gbp"] > 0


def test_solution_of_a_scenario_verifies_only_against_that_scenario(tmp_path):
    copy = copy_case(FIXTURE, tmp_path / "two_stp")
    name = copy.scenario("dearer", {"table": "programmes", "column": "cost_per_place_gbp", "scale": 1.5},
                         {"setting": "discount_rate", "set": 0.035})
    case = copy.load(name)
    solution = _solved(case)
    assert verify_solution(case, solution).ok
    base = verify_solution(copy.load(), solution)
    assert not base.ok
    assert any("sha256" in p and "scenario 'dearer'" in p for p in base.problems), base.problems


def test_render_is_a_table_with_a_row_per_family(two_stp):
    case, solution = two_stp
    table = render(verify_solution(case, solution))
    assert isinstance(table, Table)
    assert table.row_count == len(FAMILIES)
    text = _printed(table)
    assert "verified" in text and "NOT verified" not in text
    assert [c.header for c in table.columns][:5] == ["family", "checks", "largest violation", "relative", "where"]


# --- (b) tampering -------------------------------------------------------------------------------

def test_raised_workforce_fails_stock_flow(two_stp):
    case, solution = two_stp

    def edit(s):
        row(s["workforce"], stp="A", staff_group="nurse", year="2017/18")["fte"] += 1.0
    report = check(case, solution, edit)
    assert not report.ok
    assert "stock_flow" in report.failed_families
    assert report.family("stock_flow").where.startswith("nurse, A, 2017/18") or \
        report.family("stock_flow").where.startswith("nurse, A, 2018/19")
    assert report.family("stock_flow").violation == pytest.approx(1.0, rel=0.2)


def test_dropped_allocation_fails_stock_flow_and_costs(two_stp):
    case, solution = two_stp

    def edit(s):
        s["allocations"].remove(row(s["allocations"], lever="training", item="nursing", stp="B"))
    report = check(case, solution, edit)
    assert {"stock_flow", "costs"} <= set(report.failed_families)
    assert report.family("stock_flow").where == "nurse, B, 2018/19"  # the cohort qualifies at the end of 2018/19


def test_recruits_beyond_the_pool_fail_recruitment_pools(two_stp):
    case, solution = two_stp

    def edit(s):
        r = row(s["allocations"], lever="recruitment", item="domestic", stp="A", year="2017/18")
        r["quantity"] += 5.0
        r["cost_gbp"] += 5.0 * 10000
    report = check(case, solution, edit)
    assert "recruitment_pools" in report.failed_families
    pools = report.family("recruitment_pools")
    assert pools.violation == pytest.approx(5.0) and "2017/18" in pools.where


def test_changed_allocation_cost_fails_costs_only(two_stp):
    case, solution = two_stp

    def edit(s):
        row(s["allocations"], lever="training", item="nursing", stp="B")["cost_gbp"] += 1000.0
    report = check(case, solution, edit)
    assert report.failed_families == ["costs"]
    assert "nursing" in report.family("costs").where


def test_changed_total_cost_fails_costs_only(two_stp):
    case, solution = two_stp

    def edit(s):
        s["costs"]["total_gbp"] += 10.0
    report = check(case, solution, edit)
    assert report.failed_families == ["costs"]
    assert report.family("costs").where.startswith("costs.total_gbp")
    assert report.family("costs").violation == pytest.approx(10.0, abs=0.1)  # less the file's rounding


def test_changed_cost_line_fails_costs(two_stp):
    case, solution = two_stp

    def edit(s):
        s["costs"]["by_region"][0]["outlay_gbp"] += 50.0
    report = check(case, solution, edit)
    assert report.failed_families == ["costs"]
    assert "by_region outlay_gbp" in report.family("costs").where


def test_changed_sha256_is_a_clear_failure(two_stp):
    case, solution = two_stp

    def edit(s):
        s["case"]["sha256"] = "0" * 64
    report = check(case, solution, edit)
    assert not report.ok
    assert report.failed_families == []  # the plan itself still adds up
    assert len(report.problems) == 1 and "sha256 differs" in report.problems[0]


def test_changed_baseline_fails_baseline(two_stp):
    case, solution = two_stp

    def edit(s):
        row(s["workforce"], stp="B", staff_group="psw", year="2015/16")["fte"] = 25.0
    report = check(case, solution, edit)
    assert report.failed_families == ["baseline"]
    assert report.family("baseline").where == "psw, B, 2015/16"


def test_changed_achieved_fails_targets(two_stp):
    case, solution = two_stp

    def edit(s):
        s["targets"][0]["achieved_fte"] += 0.5
    report = check(case, solution, edit)
    assert report.failed_families == ["targets"]
    assert report.family("targets").where == "trad reported achieved_fte"


def test_understated_shortfall_fails_targets(rich):
    case, solution = rich

    def edit(s):
        row(s["targets"], target="psw_b")["shortfall_fte"] -= 1.0
    report = check(case, solution, edit)
    assert report.failed_families == ["targets"]
    assert report.family("targets").where in ("psw_b minimum", "psw_b reported shortfall")


def test_negative_quantity_fails_bounds(two_stp):
    case, solution = two_stp

    def edit(s):
        s["allocations"].append({**row(s["allocations"], lever="training", item="nursing", stp="B"),
                                 "item": "psw_course", "staff_group": "psw", "quantity": -1.0, "cost_gbp": -3000.0})
    report = check(case, solution, edit)
    assert "bounds" in report.failed_families
    assert report.family("bounds").where.startswith("negative quantity: training psw_course")


def test_exits_above_their_limit_fail_bounds(rich):
    case, solution = rich

    def edit(s):
        r = row(s["allocations"], lever="exit", stp="A", year="2018/19")
        r["cost_gbp"] += 500.0 * (4.0 - r["quantity"])
        r["quantity"] = 4.0
    report = check(case, solution, edit)
    assert "bounds" in report.failed_families
    assert report.family("bounds").where == "exits above their limit: psw, A, 2018/19"


def test_spending_beyond_a_budget_fails_budget(rich):
    case, solution = rich

    def edit(s):
        r = row(s["allocations"], lever="training", item="nursing", stp="B", year="2017/18")
        r["quantity"] *= 10
        r["cost_gbp"] *= 10
    report = check(case, solution, edit)
    assert "budget" in report.failed_families
    assert report.family("budget").failed == 2  # the national limit and the south's training limit
    assert report.family("budget").where.startswith("south_training")


def test_lever_the_case_does_not_offer_fails_bounds(rich):
    case, solution = rich

    def edit(s):  # the case allows exits of psw in B only in 2016/17
        s["allocations"].append({"lever": "exit", "item": "exits", "stp": "B", "region": "south", "staff_group": "psw",
                                 "year": "2018/19", "quantity": 1.0, "unit": "FTE", "cost_gbp": 0.0})
    report = check(case, solution, edit)
    assert "bounds" in report.failed_families
    assert report.family("bounds").where.startswith("lever not offered by the case: exit exits, psw, B, 2018/19")


def test_recruits_where_the_source_is_not_open_fail_bounds(tmp_path):
    """International recruits of nurses are open in the south (STP B) only; a plan recruiting them
    in A is not a plan of this case, whatever the engine made of it."""
    copy = copy_case(FIXTURE, tmp_path / "two_stp")
    copy.add_row("recruitment_sources.csv", source="intl", name="International")
    copy.add_row("recruitment_costs.csv", area="south", source="intl", staff_group="nurse",
                 cost_per_recruit_gbp=50000, first_year_retention=0.8)
    case = copy.load()
    solution = json.loads(solve(case).to_json())

    def edit(s):
        s["allocations"] = [a for a in s["allocations"] if not (a["item"] == "intl" and a["stp"] == "A")]
        s["allocations"].append({"lever": "recruitment", "item": "intl", "stp": "A", "region": "north",
                                 "staff_group": "nurse", "year": "2016/17", "quantity": 1.0, "unit": "recruits",
                                 "cost_gbp": 0.0})
    report = check(case, solution, edit)
    assert "bounds" in report.failed_families
    assert report.family("bounds").where == "lever not offered by the case: recruitment intl, nurse, A, 2016/17"


def test_integer_programme_needs_whole_starts_and_its_minimum_cohort(tmp_path):
    copy = copy_case(FIXTURE, tmp_path / "two_stp")
    copy.add_column("programmes.csv", "integer", "false").add_column("programmes.csv", "min_cohort", "0")
    copy.set_cell("programmes.csv", 2, "integer", "true").set_cell("programmes.csv", 2, "min_cohort", 5)
    case = copy.load()
    solution = json.loads(solve(case).to_json())

    start = row(solution["allocations"], lever="training", item="nursing")  # whole: the engine solves the MIP
    report = verify_solution(case, solution)
    assert report.ok and report.family("whole_cohorts").checks == 2 * 2 * 3  # (whole, minimum) × STPs × years

    def fractional(s):
        r = row(s["allocations"], lever="training", item="nursing")
        r["quantity"] = 70.5
        r["cost_gbp"] = 70.5 * 50000
    report = check(case, solution, fractional)
    assert "whole_cohorts" in report.failed_families
    assert report.family("whole_cohorts").where == f"starts not whole: nursing, {start['stp']}, {start['year']}"

    def small(s):
        s["allocations"].append({"lever": "training", "item": "nursing", "stp": "A", "region": "north",
                                 "staff_group": "nurse", "year": "2016/17", "quantity": 2.0, "unit": "starts",
                                 "cost_gbp": 100000.0})
    report = check(case, solution, small)
    assert "whole_cohorts" in report.failed_families
    assert "cohort below minimum: nursing, A, 2016/17" in report.family("whole_cohorts").where


def test_unknown_labels_and_missing_rows_are_problems(two_stp):
    case, solution = two_stp

    def edit(s):
        row(s["allocations"], lever="training", item="nursing", stp="B")["item"] = "no_such_programme"
        s["workforce"].remove(row(s["workforce"], stp="A", staff_group="psw", year="2018/19"))
    report = check(case, solution, edit)
    assert not report.ok
    assert any("no_such_programme" in p for p in report.problems), report.problems
    assert any("no staff in post" in p and "A psw 2018/19" in p for p in report.problems), report.problems


def test_a_solution_without_a_plan_is_not_verified(two_stp):
    case, solution = two_stp

    def edit(s):
        s["status"] = "infeasible"
    report = check(case, solution, edit)
    assert not report.ok and report.families == []
    assert "no plan" in report.problems[0]


def test_not_a_solution_raises(two_stp):
    case, _ = two_stp
    with pytest.raises(SolutionFileError, match="workforce"):
        verify_solution(case, {"case": {}, "status": "optimal", "costs": {}, "targets": [], "allocations": []})


# --- the command ----------------------------------------------------------------------------------

def _printed(renderable) -> str:
    buf = io.StringIO()
    Console(file=buf, width=200).print(renderable)
    return buf.getvalue()


def _command(case, path: Path, scenario=None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = verify_command(case, path, scenario, console=Console(file=out, width=200),
                          err_console=Console(file=err, width=200))
    return code, out.getvalue(), err.getvalue()


def test_command_exit_codes(two_stp, tmp_path):
    _, solution = two_stp
    good = tmp_path / "good.json"
    good.write_text(json.dumps(solution), encoding="utf-8")
    code, out, _ = _command(FIXTURE, good)
    assert code == 0 and "verified" in out and "stock_flow" in out

    tampered = copy.deepcopy(solution)
    tampered["workforce"][-1]["fte"] += 3.0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(tampered), encoding="utf-8")
    code, out, _ = _command(FIXTURE, bad)
    assert code == 1 and "NOT verified" in out

    broken = tmp_path / "broken.json"
    broken.write_text('{"status": "optimal", ', encoding="utf-8")
    code, out, err = _command(FIXTURE, broken)
    assert code == 2 and "not valid JSON" in err and out == ""

    code, _, err = _command(FIXTURE, tmp_path / "missing.json")
    assert code == 2 and "cannot read" in err

    listing = tmp_path / "list.json"
    listing.write_text("[1, 2]", encoding="utf-8")
    code, _, err = _command(FIXTURE, listing)
    assert code == 2 and "not a solution file" in err

    other = tmp_path / "other.json"
    other.write_text(json.dumps({"hello": "world"}), encoding="utf-8")
    code, _, err = _command(FIXTURE, other)
    assert code == 2 and "optimiser solve" in err

    code, _, err = _command(tmp_path / "no_case", good)
    assert code == 2 and "problem(s) in case" in err


def test_the_command_uses_the_scenario_recorded_in_the_solution_and_refuses_another(tmp_path):
    """Issue 13: verify ignored solution.json's scenario and said NOT verified unless --scenario was repeated."""
    case = load_case(FIXTURE, "pool_halved")
    path = tmp_path / "solution.json"
    path.write_text(json.dumps(_solved(case)), encoding="utf-8")
    code, out, _ = _command(FIXTURE, path)
    assert code == 0 and "verified" in out and "pool_halved" in out
    assert _command(FIXTURE, path, "pool_halved")[0] == 0
    code, out, err = _command(FIXTURE, path, "north_leavers")
    err = " ".join(err.split())
    assert code == 2 and out == "" and ("was solved with scenario 'pool_halved', not 'north_leavers'; leave out "
                                        "--scenario to verify it against the case it was solved with") in err
