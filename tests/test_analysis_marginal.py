"""Marginal analysis: duals and HiGHS ranging on a case solved by hand, degeneracy flags, and
marginal costs checked against finite differences (re-solves with the target raised a little)."""
from __future__ import annotations

import pytest

from optimiser import load_case, solve
from optimiser.analysis import Assignment, LiveModel, Parameter, marginal_analysis
from test_lp_families import Y1, make_case, rec, tgt

from conftest import FIXTURE, national


def approx(v, rel=1e-9, abs=1e-6):
    return pytest.approx(v, rel=rel, abs=abs)


def two_sources(tmp_path, pool: float):
    """One STP, nurses H0 = 100 (a = 0); target: level ≥ 150 at the end of Y1.

    Domestic recruits cost £5,000 from a pool of ``pool`` a year; international ones £8,000, unlimited.
    """
    return make_case(tmp_path, recruitment_costs=[rec(5_000, source="dom"), rec(8_000, source="intl")],
                     recruitment_pools=[dict(scope="england", source="dom", pool_fte=pool)],
                     targets=[tgt("y1", Y1, 150)])


def test_ranging_on_a_case_solved_by_hand(tmp_path):
    """Pool 30: recruit the 30 domestic (£150,000) and 20 international (£160,000): £310,000.

    - Target: one more FTE is one more international recruit, £8,000. That holds while international
      recruits are used: for a minimum from 130 (below it the pool alone suffices) upwards without end.
    - Pool (Y1): one more domestic recruit replaces an international one, saving £3,000; that holds
      from a pool of 0 (all international) to 50 (no international left).
    - Lever costs: domestic stays in the plan while it costs at most £8,000 (dearer than international
      it would be dropped); international while it costs at least £5,000 (cheaper than domestic it
      would replace it, the pool no longer binding).
    - Nothing is degenerate: both duals hold for a step either way.
    """
    report = marginal_analysis(two_sources(tmp_path, 30))
    assert report.solution.objective == approx(310_000)
    t = report.targets.set_index("target").loc["y1"]
    assert t["marginal_cost_per_fte"] == approx(8_000)
    assert t["range_low_fte"] == approx(130)
    assert t["range_high_fte"] == float("inf")
    assert t["dual_holds"] == "both"

    res = report.resources
    pool = res[(res["family"] == "recruitment_pools") & (res["year"] == Y1)].iloc[0]
    assert pool["unit"] == "pool recruit"
    assert pool["limit"] == approx(30) and pool["used"] == approx(30) and pool["binding"]
    assert pool["value_per_unit"] == approx(3_000)
    assert pool["range_low"] == approx(0)
    assert pool["range_high"] == approx(50)
    assert pool["dual_holds"] == "both"
    later = res[(res["family"] == "recruitment_pools") & (res["year"] != Y1)].iloc[0]
    assert later["value_per_unit"] == approx(0) and not later["binding"]

    cols = report.lever_cost_ranges
    dom = cols[(cols["item"] == "dom") & (cols["year"] == Y1)].iloc[0]
    intl = cols[(cols["item"] == "intl") & (cols["year"] == Y1)].iloc[0]
    assert dom["quantity"] == approx(30) and intl["quantity"] == approx(20)
    assert dom["cost_high_gbp"] == approx(8_000)
    assert intl["cost_low_gbp"] == approx(5_000)
    assert intl["cost_high_gbp"] == float("inf")
    assert report.degeneracy["duals_unique"]

    unused = report.unused_levers
    y2_intl = unused[(unused["item"] == "intl") & (unused["year"] != Y1)].iloc[0]
    assert y2_intl["reduced_cost_gbp"] == approx(8_000)  # nothing needs a Y2 recruit


def test_degenerate_solution_is_flagged_with_both_one_sided_values(tmp_path):
    """Pool 50: the 50 domestic recruits meet the target exactly; international recruits are 0.

    The plan sits on a corner where two limits meet, so the target's dual is not unique: one more FTE
    needs an international recruit (£8,000), one FTE fewer saves a domestic one (£5,000). The report
    must say the dual holds one way only and give the other one-sided value from a re-solve.
    """
    report = marginal_analysis(two_sources(tmp_path, 50))
    assert report.solution.objective == approx(250_000)
    t = report.targets.set_index("target").loc["y1"]
    assert t["dual_holds"] in ("increase", "decrease")
    up, down = ((t["marginal_cost_per_fte"], t["value_other_side"]) if t["dual_holds"] == "increase"
                else (t["value_other_side"], t["marginal_cost_per_fte"]))
    assert up == approx(8_000, rel=1e-6)
    assert down == approx(5_000, rel=1e-6)
    assert not report.degeneracy["duals_unique"]
    assert "one way only" in report.degeneracy["note"]


def test_budget_value_per_pound(tmp_path):
    """A training budget that binds: courses (£10,000, 1 year) are cheaper than recruits (£20,000).

    Target level ≥ 130 at the end of Y1 (H0 = 100, a = 0); budget £200,000 for training in Y1.
    20 starts use the budget, 10 recruits cost £200,000: £400,000. One more £ of budget buys 1/10,000
    of a start, replacing 1/10,000 of a recruit (£2): 2 − 1 = £1 saved per £ of budget.
    """
    case = make_case(tmp_path, programmes=[dict(programme="course", name="course", staff_group="nurse", duration_years=1,
                                                completion_rate=1, take_up_rate=1, cost_per_place_gbp=10_000)],
                     recruitment_costs=[rec(20_000)], targets=[tgt("y1", Y1, 130)],
                     budgets=[dict(budget="train", scope="england", lever="training", from_year=Y1, to_year=Y1,
                                   limit_gbp=200_000)])
    report = marginal_analysis(case)
    assert report.solution.objective == approx(400_000)
    b = report.budgets.iloc[0]
    assert b["value_per_gbp"] == approx(1.0)
    assert b["range_low_gbp"] == approx(0)
    assert b["range_high_gbp"] == approx(300_000)  # then courses alone meet the target
    assert b["dual_holds"] == "both"


def test_marginal_costs_match_finite_differences_two_stp():
    """Raise each target a little, re-solve from scratch: the cost rises by the marginal cost times the step."""
    case = load_case(FIXTURE)
    report = marginal_analysis(case)
    for _, t in report.targets.iterrows():
        step = min(0.5, (t["range_high_fte"] - t["minimum_fte"]) / 2)
        raised = case.with_changes([{"table": "targets", "column": "minimum_fte", "set": t["minimum_fte"] + step,
                                     "where": {"target": t["target"]}}])
        finite = (solve(raised).objective - report.solution.objective) / step
        assert finite == approx(t["marginal_cost_per_fte"], rel=1e-6, abs=1e-3)


def test_marginal_costs_match_finite_differences_national():
    """The headline targets of the national case, re-solved warm a step within their ranges."""
    case = national()
    model = LiveModel(case)
    report = marginal_analysis(case, model=model, check_degenerate=False)
    base = report.solution.objective
    for name in ("traditional_growth_2020_21", "new_role_growth_2020_21"):
        t = report.targets.set_index("target").loc[name]
        step = min(1.0, (t["range_high_fte"] - t["minimum_fte"]) / 2)
        p = Parameter.parse(f"targets.minimum_fte[target={name}]")
        point = model.solve([Assignment(p, t["minimum_fte"] + step)])
        assert point.status == "optimal"
        assert (point.objective - base) / step == approx(t["marginal_cost_per_fte"], rel=1e-4)
    mentors = report.resources[report.resources["family"] == "mentoring"]
    assert (mentors["value_per_unit"] >= -1e-6).all()  # one more mentor never costs money
    assert report.degeneracy["primal_degenerate"] >= 0


def test_analysis_leaves_the_case_unchanged():
    case = load_case(FIXTURE)
    before = case.content_hash
    marginal_analysis(case)
    assert load_case(FIXTURE).content_hash == before == case.content_hash
