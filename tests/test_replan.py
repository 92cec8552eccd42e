"""``optimiser replan``: re-planning from actuals on a case solved by hand (tests/cases/replan_tiny).

The case: one STP, nurses only, 100 in post, 10% leave a year; recruits cost £1,000 (20 a year at most), a
two-year nursing place £2,000 (every student completes and takes a post); 100 in post at the end of 2016/17
and 2017/18, growth of 30 by 2018/19; discount 3.5% a year.

By hand: the cheapest plan recruits 20 a year (a recruit costs less per FTE at 2018/19 than a place, even
two years ahead: £1,000/0.81 = £1,235 against £2,000/1.035 = £1,932) and trains the rest in 2017/18:
H = 110, 119, then 0.9 × 119 + 20 + x = 130, so x = 2.9 starts.
"""
from __future__ import annotations

import io
import json
import subprocess
import sys

import pandas as pd
import pytest
from rich.console import Console

from conftest import ROOT, TESTS, copy_case
from optimiser import load_case, solve
from optimiser.replan.command import replan_command
from optimiser.verify import verify_solution

TINY = TESTS / "cases" / "replan_tiny"
RATE = 1.035


@pytest.fixture(scope="module")
def plan_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("plan") / "solution.json"
    sol = solve(load_case(TINY))
    assert sol.status == "optimal"
    path.write_text(sol.to_json(), encoding="utf-8")
    return path


def write_actuals(path, rows, columns=("stp", "staff_group", "year", "fte_in_post")):
    pd.DataFrame(rows, columns=list(columns)).to_csv(path, index=False)
    return path


def run(tmp_path, actuals, through, plan=None, case=TINY):
    """Run the command; return (exit code, stdout, stderr, output folder)."""
    out, err = io.StringIO(), io.StringIO()
    folder = tmp_path / "replan"
    code = replan_command(case, actuals, through, plan, folder, None, Console(file=out, width=200),
                          Console(file=err, width=200))
    return code, " ".join(out.getvalue().split()), " ".join(err.getvalue().split()), folder


def report(folder) -> dict:
    return json.loads((folder / "replan.json").read_text(encoding="utf-8"))


def allocations(folder_or_file, after: str | None = None) -> dict:
    path = folder_or_file / "solution.json" if folder_or_file.is_dir() else folder_or_file
    rows = json.loads(path.read_text(encoding="utf-8"))["allocations"]
    return {(r["lever"], r["item"], r["year"]): r["quantity"] for r in rows if after is None or r["year"] > after}


@pytest.mark.parametrize("through,remaining_gbp", [
    # what the plan spends after 2016/17, discounted to 2017/18: 20 recruits in 2017/18, 20 in 2018/19, 2.9 starts
    ("2016/17", 20_000 + 20_000 / RATE + 2.9 * 2_000),
    ("2017/18", 20_000),  # after 2017/18: 20 recruits in 2018/19; the 2.9 students are the pipeline
])
def test_actuals_equal_to_the_plan_give_the_plan_of_the_remaining_years(tmp_path, plan_file, through, remaining_gbp):
    staff = {"2016/17": 110, "2017/18": 119}
    years = ["2016/17"] if through == "2016/17" else ["2016/17", "2017/18"]
    actuals = write_actuals(tmp_path / "actuals.csv", [("A", "nurse", y, staff[y]) for y in years])
    code, out, err, folder = run(tmp_path, actuals, through, plan_file)
    assert code == 0, err
    assert allocations(folder) == pytest.approx(allocations(plan_file, after=through))
    costs = report(folder)["costs"]
    assert costs["original_remaining_gbp"] == pytest.approx(remaining_gbp, rel=1e-9)
    assert costs["replan_gbp"] == pytest.approx(remaining_gbp, rel=1e-9)
    assert costs["extra_cost_gbp"] == pytest.approx(0, abs=1e-3)
    assert f"Re-plan of replan_tiny after {through} from actuals.csv: optimal" in out


def test_fewer_staff_than_planned_cost_what_training_them_costs(tmp_path, plan_file):
    """5 FTE fewer at the end of 2016/17 are 5 × 0.9² = 4.05 fewer in 2018/19; recruits are at their pool, so
    4.05 more places start in 2017/18, at £2,000 each (the first re-plan year: not discounted): £8,100."""
    actuals = write_actuals(tmp_path / "actuals.csv", [("A", "nurse", "2016/17", 105)])
    code, out, err, folder = run(tmp_path, actuals, "2016/17", plan_file)
    assert code == 0, err
    assert report(folder)["costs"]["extra_cost_gbp"] == pytest.approx(8_100, rel=1e-9)
    assert allocations(folder)[("training", "nursing", "2017/18")] == pytest.approx(2.9 + 4.05)
    rows = {r["year"]: r for r in report(folder)["variance"]}
    assert (rows["2016/17"]["period"], rows["2016/17"]["planned_fte"], rows["2016/17"]["fte"],
            rows["2016/17"]["fte_change"]) == ("actual", 110, 105, -5)
    # re-planned 2017/18: 0.9 × 105 + 20 = 114.5 against the plan's 119; leavers 10.5 against 11
    assert (rows["2017/18"]["period"], rows["2017/18"]["fte"], rows["2017/18"]["fte_change"]) == \
        ("replan", pytest.approx(114.5), pytest.approx(-4.5))
    assert (rows["2017/18"]["planned_leavers"], rows["2017/18"]["leavers"]) == (pytest.approx(11), pytest.approx(10.5))
    assert rows["2018/19"]["fte"] == pytest.approx(130)


def test_the_replan_case_starts_from_what_happened(tmp_path, plan_file):
    """Through 2017/18 with 8 starts observed instead of 2.9: they are the pipeline; the growth target becomes a
    level of 130; the budget loses 20,000 + 20,000 of recruits and the 8 places (£16,000); the intake of 2017/18
    is the baseline intake."""
    actuals = write_actuals(tmp_path / "actuals.csv", [("A", "nurse", "2016/17", 110, ""), ("A", "nurse", "2017/18", 119, 8)],
                            ("stp", "staff_group", "year", "fte_in_post", "intakes"))
    code, out, err, folder = run(tmp_path, actuals, "2017/18", plan_file)
    assert code == 0, err
    case = load_case(folder / "case")
    assert case.years == ["2018/19"]
    assert case.table("baseline_workforce")[["stp", "staff_group", "fte_in_post"]].values.tolist() == [["A", "nurse", 119]]
    assert case.table("pipeline")[["programme", "qualification_year", "students"]].values.tolist() == \
        [["nursing", "2018/19", 8]]
    assert case.table("targets")[["target", "measure", "minimum_fte"]].values.tolist() == [["grow", "level", 130]]
    assert case.table("budgets")["limit_gbp"].tolist() == [100_000 - 40_000 - 16_000]
    assert case.table("commissioning")["baseline_intake"].tolist() == [8]
    # 0.9 × 119 + 8 = 115.1 in 2018/19 without recruits: 14.9 recruits re-planned, against 20 planned
    assert allocations(folder) == {("recruitment", "domestic", "2018/19"): pytest.approx(14.9)}
    assert report(folder)["costs"]["extra_cost_gbp"] == pytest.approx(-5_100)
    sol = json.loads((folder / "solution.json").read_text(encoding="utf-8"))
    assert verify_solution(case, sol).ok


def test_a_budget_ending_before_the_replan_goes(tmp_path, plan_file):
    copy = copy_case(TINY, tmp_path / "case")
    copy.add_row("budgets.csv", budget="first_year", scope="england", lever="recruitment", from_year="2016/17",
                 to_year="2016/17", limit_gbp=50_000)
    plan = tmp_path / "plan.json"
    plan.write_text(solve(copy.load()).to_json(), encoding="utf-8")
    actuals = write_actuals(tmp_path / "actuals.csv", [("A", "nurse", "2016/17", 110)])
    code, out, err, folder = run(tmp_path, actuals, "2016/17", plan, case=copy.path)
    assert code == 0, err
    assert load_case(folder / "case").table("budgets")[["budget", "limit_gbp"]].values.tolist() == [["plan", 80_000]]
    assert "budget first_year ends by 2016/17 and is not re-planned" in out


@pytest.mark.parametrize("rows,through,expected", [
    ([("Z", "nurse", "2016/17", 110)], "2016/17",
     ["actuals.csv, row 2, column 'stp': 'Z' — unknown STP; expected one of A",
      "actuals.csv — missing year: no row for STP A, staff group nurse, year 2016/17"]),
    ([("A", "nurse", "2016/17", 110), ("A", "doctor", "2016/17", 3)], "2016/17",
     ["actuals.csv, row 3, column 'staff_group': 'doctor' — unknown staff group; expected one of nurse"]),
    ([("A", "nurse", "2016/17", 110), ("A", "nurse", "2017/18", 119)], "2016/17",
     ["actuals.csv, row 3, column 'year': '2017/18' — a year after --through 2016/17"]),
    ([("A", "nurse", "2017/18", 119)], "2017/18",
     ["actuals.csv — missing year: no row for STP A, staff group nurse, year 2016/17; the actuals need staff in post "
      "for every STP and staff group in every year from 2016/17 to 2017/18"]),
    ([("A", "nurse", "2016/17", "lots")], "2016/17",
     ["actuals.csv, row 2, column 'fte_in_post': 'lots' — not a number; expected Staff in post observed"]),
    ([("A", "nurse", "2016/17", 110), ("A", "nurse", "2016/17", 111)], "2016/17",
     ["actuals.csv, row 3 — STP A, staff group nurse, year 2016/17 given twice (also row 2)"]),
    ([("A", "nurse", "2016/17", 110)], "2018/19",
     ["--through: '2018/19' — expected a planning year from 2016/17 to 2017/18"]),
    ([("A", "nurse", "2016/17", 110)], "2016-17", ["--through: '2016-17' — expected a financial year written like"]),
])
def test_bad_actuals_are_refused_with_file_row_and_column(tmp_path, plan_file, rows, through, expected):
    actuals = write_actuals(tmp_path / "actuals.csv", rows)
    code, out, err, folder = run(tmp_path, actuals, through, plan_file)
    assert code == 2
    for message in expected:
        assert message in err
    assert not folder.exists()  # nothing written


def test_a_plan_of_another_case_is_refused(tmp_path, plan_file):
    copy = copy_case(TINY, tmp_path / "case")
    copy.set_cell("leaver_rates.csv", 2, "leaver_rate", "0.12")
    actuals = write_actuals(tmp_path / "actuals.csv", [("A", "nurse", "2016/17", 110)])
    code, out, err, folder = run(tmp_path, actuals, "2016/17", plan_file, case=copy.path)
    assert code == 2 and "is the plan of another case" in err


def test_the_command_line_writes_a_replan_that_verifies(tmp_path, plan_file):
    actuals = write_actuals(tmp_path / "actuals.csv", [("A", "nurse", "2016/17", 105)])
    bad = write_actuals(tmp_path / "bad.csv", [("A", "nurse", "2017/18", 105)])
    cli = [sys.executable, "-m", "optimiser"]
    refused = subprocess.run(cli + ["replan", str(TINY), "--actuals", str(bad), "--through", "2016/17", "--plan",
                                    str(plan_file)], capture_output=True, text=True, cwd=tmp_path)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "bad.csv, row 2, column 'year'" in " ".join(refused.stderr.split())
    done = subprocess.run(cli + ["replan", str(TINY), "--actuals", str(actuals), "--through", "2016/17"],
                          capture_output=True, text=True, cwd=tmp_path)  # no --plan: solves the case first
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "out" / "replan_tiny-replan-2016_17"
    checked = subprocess.run(cli + ["verify", str(folder / "case"), str(folder / "solution.json")],
                             capture_output=True, text=True, cwd=ROOT)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_commissioning_floor_keeps_its_starts(tmp_path):
    """A floor of 50% of a baseline intake of 2 is 1 start a year; with 8 starts observed in 2017/18 (the re-plan's
    baseline intake) it is a floor share of 1/8. Rows keep the planner's order (the region's row first here)."""
    copy = copy_case(TINY, tmp_path / "case")
    copy.write("commissioning.csv", """
        scope,programme,baseline_intake,floor_share
        north,nursing,2,0.5
        england,nursing,0,
    """)
    plan = tmp_path / "plan.json"
    plan.write_text(solve(copy.load()).to_json(), encoding="utf-8")
    actuals = write_actuals(tmp_path / "actuals.csv", [("A", "nurse", "2016/17", 110, 1), ("A", "nurse", "2017/18", 119, 8)],
                            ("stp", "staff_group", "year", "fte_in_post", "intakes"))
    code, out, err, folder = run(tmp_path, actuals, "2017/18", plan, case=copy.path)
    assert code == 0, err
    assert (folder / "case" / "commissioning.csv").read_text().splitlines() == [
        "scope,programme,baseline_intake,floor_share", "north,nursing,8,0.125", "england,nursing,8,"]
