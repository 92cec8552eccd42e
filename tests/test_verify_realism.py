"""``optimiser verify`` on the families of MODEL.md §11–14: commissioning continuity, absorption,
run-out years and the stage-2 cost cap. Each hand-made case of ``test_realism.py`` is solved, written
to JSON and verified; then one figure is changed so that exactly the row under test breaks.
"""
from __future__ import annotations

import copy
import json

import pytest

from optimiser.verify import verify_solution
from tests.test_lp_families import Y1, Y2, Y3, solved
from tests.test_realism import (DOMESTIC, LEVEL_100, NURSE_DEGREE, TWO_STPS, TWO_YEAR, Y4, commission, growth,
                                make)


def solution_of(case) -> dict:
    return json.loads(solved(case).to_json())


def verified(case, solution: dict, edit=None):
    """The report on a copy of ``solution``, after ``edit(copy)`` if given."""
    solution = copy.deepcopy(solution)
    if edit is not None:
        edit(solution)
    return verify_solution(case, solution)


def one(records: list[dict], **match) -> dict:
    hits = [r for r in records if all(r.get(k) == v for k, v in match.items())]
    assert len(hits) == 1, f"expected one row with {match}, got {len(hits)}"
    return hits[0]


def more_starts(solution: dict, year: str, by: float, cost: float = 1000) -> None:
    r = one(solution["allocations"], lever="training", year=year)
    r["quantity"] += by
    r["cost_gbp"] += by * cost


def assert_ok(report):
    assert report.ok, [(f.family, f.violation, f.where) for f in report.families if not f.ok] + report.problems


# --- commissioning continuity (§11) -----------------------------------------------------------------

@pytest.mark.parametrize(("rows", "target", "year", "by", "where"), [
    # baseline 10, rise ≤ 50%: 15 then 22.5 starts; one more start in Y2 breaks the rise row
    (dict(baseline_intake=10, max_rise_share=0.5), 37.5, Y2, 1.0, f"intake_rise: deg, england, {Y2}"),
    # baseline 10, fall ≤ 20%: 8 then 6.4; one fewer in Y2 breaks the fall row
    (dict(baseline_intake=10, max_fall_share=0.2), None, Y2, -1.0, f"intake_fall: deg, england, {Y2}"),
    # baseline 20, floor 50%: 10 a year; one fewer in Y1 breaks the floor (and no other commissioning row)
    (dict(baseline_intake=20, floor_share=0.5), 5, Y1, -1.0, f"intake_floor: deg, england, {Y1}"),
])
def test_commissioning_rows_are_checked(tmp_path, rows, target, year, by, where):
    case = make(tmp_path, programmes=[NURSE_DEGREE], commissioning=[commission(**rows)],
                targets=[growth(target)] if target is not None else [])
    solution = solution_of(case)
    report = verified(case, solution)
    assert_ok(report)
    assert report.family("commissioning").checks == 2  # one row a year

    report = verified(case, solution, lambda s: more_starts(s, year, by))
    assert "commissioning" in report.failed_families
    assert report.family("commissioning").where == where
    assert report.family("commissioning").violation == pytest.approx(1.0, rel=1e-6)


def test_regional_intake_sums_its_stps(tmp_path):
    """North (A and B) commissioned as one intake with a floor of 10 a year: one start fewer in Y1 in
    either STP breaks the region's floor."""
    two = dict(stps=[dict(stp="A", name="Alpha", region="north"), dict(stp="B", name="Beta", region="north")],
               baseline_workforce=[dict(stp="A", staff_group="nurse", fte_in_post=100),
                                   dict(stp="B", staff_group="nurse", fte_in_post=100)])
    case = make(tmp_path, programmes=[NURSE_DEGREE], targets=[growth(4, stp="A")], **two,
                commissioning=[commission(scope="north", baseline_intake=10, floor_share=1.0)])
    solution = solution_of(case)
    assert_ok(verified(case, solution))

    def fewer(s):
        r = next(a for a in s["allocations"] if a["lever"] == "training" and a["year"] == Y1)
        r.update(quantity=r["quantity"] - 1, cost_gbp=r["cost_gbp"] - 1000)
    report = verified(case, solution, fewer)
    assert "commissioning" in report.failed_families
    assert report.family("commissioning").where == f"intake_floor: deg, north, {Y1}"
    assert report.family("commissioning").violation == pytest.approx(1.0, rel=1e-6)


# --- absorption and local continuity (§12) --------------------------------------------------------

GROWTH_LIMIT = dict(area="england", staff_group="nurse", max_growth_share=0.1, max_growth_fte=2)


def test_hard_absorption_limit_is_checked(tmp_path):
    """H1 = 111.818 against the cap 1.1·100 + 2 = 112: one more FTE in post in Y1 breaks it by 0.818."""
    case = make(tmp_path, recruitment_costs=[DOMESTIC], targets=[growth(25)], discount_rate=0.1,
                absorption=[GROWTH_LIMIT])
    solution = solution_of(case)
    report = verified(case, solution)
    assert_ok(report)
    assert report.family("absorption").checks == 2

    report = verified(case, solution, lambda s: one(s["workforce"], year=Y1).update(fte=123 / 1.1 + 1))
    assert "absorption" in report.failed_families
    assert report.family("absorption").where == f"growth: nurse, A, {Y1}"
    assert report.family("absorption").violation == pytest.approx(1 - 0.2 / 1.1, rel=1e-5)


def test_local_fall_is_checked(tmp_path):
    """Fall ≤ 10%: H2 ≥ 0.9·90 = 81, and H2 is 81; one FTE fewer in Y2 breaks it."""
    case = make(tmp_path, recruitment_costs=[DOMESTIC], absorption=[dict(area="england", staff_group="nurse",
                                                                          max_fall_share=0.1)],
                leaver_rates=[dict(area="england", staff_group="nurse", leaver_rate=0.3)])
    solution = solution_of(case)
    assert_ok(verified(case, solution))
    report = verified(case, solution, lambda s: one(s["workforce"], year=Y2).update(fte=80.0))
    assert "absorption" in report.failed_families
    assert report.family("absorption").where == f"fall: nurse, A, {Y2}"


def test_soft_absorption_excess_is_priced_in_the_objective(tmp_path):
    """The soft limit is broken by e1 = 4.8/1.1 FTE in Y1 at £100 each: that penalty is in penalties_gbp
    and the objective, and a file that leaves it out of both fails costs."""
    case = make(tmp_path, recruitment_costs=[DOMESTIC], targets=[growth(30)], discount_rate=0.1,
                absorption=[dict(GROWTH_LIMIT, kind="soft", penalty_gbp_per_fte=100)])
    solution = solution_of(case)
    excess = 100 * 4.8 / 1.1
    assert solution["costs"]["penalties_gbp"] == pytest.approx(excess, rel=1e-6)
    report = verified(case, solution)
    assert_ok(report)
    assert report.family("absorption").checks == 0  # a soft limit may be broken

    def unpriced(s):
        s["objective"] -= excess
        s["costs"]["total_gbp"] -= excess
        s["costs"]["penalties_gbp"] -= excess
    report = verified(case, solution, unpriced)
    assert report.failed_families == ["costs"]
    assert report.family("costs").failed == 3  # total, objective and penalties


# --- run-out years (§13) ---------------------------------------------------------------------------

RUN_OUT = dict(programmes=[TWO_YEAR], recruitment_costs=[dict(DOMESTIC, cost_per_recruit_gbp=150)],
               leaver_rates=[dict(area="england", staff_group="nurse", leaver_rate=0.2)], targets=LEVEL_100,
               last_year=Y3)
#: One-year course at £100, leavers 20%, level ≥ 100 a year and one run-out year: 20 starts in each of
#: Y1..Y4, £2,000 a year; the run-out year's £2,000 is reported apart (test_realism).
ONE_YEAR = dict(settings={"run_out_years": 1}, programmes=[dict(NURSE_DEGREE, cost_per_place_gbp=100)], last_year=Y3,
                leaver_rates=[dict(area="england", staff_group="nurse", leaver_rate=0.2)], targets=LEVEL_100)


def test_run_out_years_are_verified_and_the_hold_is_checked(tmp_path):
    """With one run-out year the plan trains 20 in Y3 to keep 100 in post in Y4 (test_realism): the run-out
    year's staff, starts and costs are checked, and one FTE fewer in Y4 breaks the regional hold."""
    case = make(tmp_path, settings={"run_out_years": 1}, **RUN_OUT)
    solution = solution_of(case)
    assert {r["period"] for r in solution["workforce"] if r["year"] == Y4} == {"run_out"}
    report = verified(case, solution)
    assert_ok(report)
    assert report.family("stock_flow").checks == 4  # three planning years and the run-out year
    assert report.family("run_out").checks == 2  # nurse in north and in south (no STPs: 0 ≥ 0)

    report = verified(case, solution, lambda s: one(s["workforce"], year=Y4).update(fte=99.0))
    assert "run_out" in report.failed_families
    assert report.family("run_out").where == f"workforce_held: nurse, north, {Y4}"
    assert report.family("run_out").violation == pytest.approx(1.0, rel=1e-6)


def test_run_out_costs_are_checked_apart(tmp_path):
    case = make(tmp_path, **ONE_YEAR)
    solution = solution_of(case)
    assert solution["costs"]["run_out_gbp"] == pytest.approx(2000)
    assert_ok(verified(case, solution))

    def moved(s):  # the same total, but £100 of run-out cost reported as plan cost
        s["costs"]["run_out_gbp"] -= 100
        s["costs"]["plan_gbp"] += 100
    report = verified(case, solution, moved)
    assert report.failed_families == ["costs"]
    assert report.family("costs").failed == 2
    assert report.family("costs").where.startswith("costs.")


def test_a_wrong_period_is_a_problem(tmp_path):
    case = make(tmp_path, settings={"run_out_years": 1}, **RUN_OUT)
    report = verified(case, solution_of(case), lambda s: one(s["workforce"], year=Y4).update(period="plan"))
    assert not report.ok and report.failed_families == []
    assert any("period other than their year's" in p for p in report.problems), report.problems


def test_budget_with_blank_to_year_ends_at_the_last_planning_year(tmp_path):
    """ONE_YEAR spends £2,000 in each planning year and in the run-out year. A £6,000 budget with a blank
    to_year covers Y1–Y3 only, so the plan keeps it; £1 more in Y3 breaks it, £1 more in Y4 does not."""
    case = make(tmp_path, **ONE_YEAR, budgets=[dict(budget="all", scope="england", lever="all", limit_gbp=6000)])
    solution = solution_of(case)
    assert one(solution["allocations"], year=Y4)["cost_gbp"] == pytest.approx(2000)
    report = verified(case, solution)
    assert_ok(report)

    report = verified(case, solution, lambda s: more_starts(s, Y3, 0.01, cost=100))
    assert "budget" in report.failed_families
    report = verified(case, solution, lambda s: more_starts(s, Y4, 0.01, cost=100))
    assert "budget" not in report.failed_families


# --- one plan among equals (§14) -------------------------------------------------------------------

def _tolerance_case(tmp_path):
    """Least cost £400 (all 40 recruits in A); with a 10% tolerance stage 2 spends £40 on balance."""
    costs = [dict(DOMESTIC), dict(DOMESTIC, area="B", cost_per_recruit_gbp=12)]
    return make(tmp_path, settings={"balance": {"cost_tolerance": 0.1}}, recruitment_costs=costs,
                targets=[growth(40, year=Y1)], **TWO_STPS)


def test_balance_cost_within_the_cap_verifies(tmp_path):
    case = _tolerance_case(tmp_path)
    solution = solution_of(case)
    assert solution["objective"] == pytest.approx(440) and solution["balance"]["least_cost_gbp"] == pytest.approx(400)
    report = verified(case, solution)
    assert_ok(report)
    assert report.family("balance").checks == 2  # the reported and the recomputed objective


def test_plan_above_the_stage_two_cap_fails(tmp_path):
    """A least cost of £390 caps the plan at £429: the £440 plan is £11 above it."""
    case = _tolerance_case(tmp_path)
    solution = solution_of(case)
    report = verified(case, solution, lambda s: s["balance"].update(least_cost_gbp=390.0))
    assert report.failed_families == ["balance"]
    assert report.family("balance").violation == pytest.approx(11.0, rel=1e-6)
    assert "above the cap 429.00" in report.family("balance").where


def test_objective_raised_above_the_cap_fails(tmp_path):
    """Ten recruits more in B (£120) and a total to match: the plan adds up but costs £560 > £440."""
    case = _tolerance_case(tmp_path)
    solution = solution_of(case)

    def dearer(s):
        r = one(s["allocations"], lever="recruitment", stp="B")
        r["quantity"] += 10
        r["cost_gbp"] += 120
        for w in s["workforce"]:
            if w["stp"] == "B" and w["year"] == Y1:
                w["fte"] += 10
        s["objective"] += 120
        s["costs"]["total_gbp"] += 120
    report = verified(case, solution, dearer)
    assert "balance" in report.failed_families
    assert report.family("balance").violation == pytest.approx(120.0, rel=1e-6)


def test_reported_cost_tolerance_must_be_the_cases(tmp_path):
    case = _tolerance_case(tmp_path)
    report = verified(case, solution_of(case), lambda s: s["balance"].update(cost_tolerance=0.5))
    assert any("cost_tolerance" in p for p in report.problems), report.problems
