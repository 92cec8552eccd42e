"""Primal or dual simplex per change (issue 16): the method is chosen by what changed, and no reported
figure depends on which one ran.

The tie case: two STPs of 100 nurses each, no leavers, two years; one domestic pool of 6 FTE a year
(12 in all) at £10,000 a recruit; two soft targets of 110 nurses at the end of year 2 (one in each
STP), each at £50,000 per FTE short. Every recruit is cheaper than a shortfall, so all 12 are taken,
and 20 − 12 = 8 FTE fall short: cost 12 × 10,000 + 8 × 50,000 = £520,000 (£544,000 with recruits at
£12,000). Which target is short is a tie: any split of the 8 FTE costs the same. The tie-break
(``TIE_BREAK``) settles it by the targets' order in the table: the second one listed is short.
"""
from __future__ import annotations

import pytest

from optimiser.analysis import Assignment, LiveModel, Parameter
from optimiser.analysis import diagnosis
from optimiser.analysis.diagnosis import diagnose
from test_diagnosis import budget_case
from test_lp_families import TWO_STPS, Y2, make_case, rec, tgt

RECRUIT_COST = Parameter.parse("recruitment_costs.cost_per_recruit_gbp")
POOL = Parameter.parse("recruitment_pools.pool_fte")


def tie_case(tmp_path, order: str):
    targets = {t: tgt(t, Y2, 110, stp=stp, staff_group="nurse", kind="soft", penalty_gbp_per_fte=50_000)
               for t, stp in (("a", "A"), ("b", "B"))}
    return make_case(tmp_path, name=order, stps=TWO_STPS,
                     baseline_workforce=[dict(stp=s, staff_group="nurse", fte_in_post=100) for s in "AB"],
                     recruitment_costs=[rec(10_000)],
                     recruitment_pools=[dict(scope="england", source="dom", pool_fte=6)],
                     targets=[targets[t] for t in order])


@pytest.mark.parametrize("order", ["ab", "ba"])
@pytest.mark.parametrize("start", ["base", "previous"])
def test_tied_shortfalls_do_not_depend_on_the_simplex_method(tmp_path, order, start):
    case = tie_case(tmp_path, order)
    first, second = order
    for simplex in ("dual", "by_change"):
        model = LiveModel(case, simplex=simplex)
        base = model.solve([], start=start)
        for scale, cost in ((1.2, 544_000), (1.0, 520_000)):
            point = model.solve([Assignment(RECRUIT_COST, scale, "scale")], start=start)
            assert point.simplex == ("primal" if simplex == "by_change" else "dual")
            assert point.objective == pytest.approx(cost, abs=1e-6)  # at the case's costs, no tie-break left
            assert model.target_shortfalls(point) == pytest.approx({first: 0.0, second: 8.0}, abs=1e-6)
        assert model.target_shortfalls(base) == pytest.approx({first: 0.0, second: 8.0}, abs=1e-6)
        assert model.summary(point)["penalties_gbp"] == pytest.approx(400_000, abs=1e-6)


def test_limit_changes_run_dual_simplex_cost_changes_primal(tmp_path):
    """A pool of 7 FTE a year: 14 recruits, 6 FTE short (the second target), £440,000."""
    model = LiveModel(tie_case(tmp_path, "ab"))
    model.solve([], start="previous")  # cold
    point = model.solve([Assignment(POOL, 7, "set")], start="previous")
    assert point.simplex == "dual"
    assert point.objective == pytest.approx(14 * 10_000 + 6 * 50_000, abs=1e-6)
    assert model.target_shortfalls(point) == pytest.approx({"a": 0.0, "b": 6.0}, abs=1e-6)
    point = model.solve([Assignment(POOL, 7, "set"), Assignment(RECRUIT_COST, 0.5, "scale")], start="previous")
    assert point.simplex == "primal"
    assert point.objective == pytest.approx(14 * 5_000 + 6 * 50_000, abs=1e-6)
    assert model.solve([Assignment(POOL, 7, "set")], start="base").simplex == "dual"


def test_diagnosis_is_the_same_with_primal_or_dual_cheapest_plans(tmp_path, monkeypatch):
    case = budget_case(tmp_path)
    with_primal = diagnose(case)
    monkeypatch.setattr(diagnosis.LiveModel, "primal_for_costs", False)
    with_dual = diagnose(case)
    assert with_primal.status == "infeasible"
    assert with_primal.to_dict() == with_dual.to_dict()
    assert with_primal.elastic["total_cost_gbp"] is not None


@pytest.mark.parametrize("path,value,method", [
    ("programmes.completion_rate", 0.9, "primal"),  # coefficients only (starts → later staff)
    ("recruitment_costs.first_year_retention", 0.8, "primal"),
    ("leaver_rates.leaver_rate", 1.2, "primal"),  # the limits too (the baseline's survivors are constants): still primal
    ("programmes.placement_use", 0.5, "primal"),
])
def test_coefficient_changes_pick_the_method_by_what_changed_and_match_a_cold_solve(tmp_path, path, value, method):
    from test_analysis_sweep import rich_case

    case = rich_case(tmp_path)
    warm, cold = LiveModel(case), LiveModel(case)
    warm.solve([], start="previous")
    a = [Assignment(Parameter.parse(path), value, "scale")]
    for start in ("previous", "base"):
        point = warm.solve(a, start=start)
        assert point.simplex == method
        reference = cold.solve(a, start="cold")
        assert point.status == reference.status == "optimal"
        assert point.objective == pytest.approx(reference.objective, rel=1e-9)
