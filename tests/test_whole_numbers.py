"""The whole-number model CP-SAT solves (optimiser.solvers.whole_numbers), checked by hand."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from optimiser.model.build import build_lp
from optimiser.solvers.base import ModelArrays, solve_lp
from optimiser.case.config import SolverSettings
from optimiser.solvers.whole_numbers import (COLUMN_CAP_FTE, FTE_UNIT, nearest_whole_decisions, start_plan,
                                             whole_number_model)
from test_solvers import one_cohort
from test_whole_cohorts import cohort_case


def test_rows_become_whole_numbers_with_half_a_unit_of_room_per_continuous_term():
    w = whole_number_model(one_cohort())
    assert FTE_UNIT == 1e-4
    # recruits r are counted in 1/10,000 FTE; starts and the cohort switch keep their unit
    assert w.unit.tolist() == [1.0, 1.0, 1e-4]
    assert w.col_upper.tolist() == [50.0, 1.0, COLUMN_CAP_FTE / 1e-4]  # r had no upper bound
    # 0.75 x + 1e-4 r' ≥ 10.3 is whole after × 10^4: 7,500 x + r' ≥ 103,000, less half a unit of r' (rounded up: 1)
    assert w.matrix.toarray()[0].tolist() == [7500.0, 0.0, 1.0]
    assert (w.row_lower[0], w.row_upper[0]) == (103_000 - 1, np.inf)
    # the cohort rows hold only whole columns: exact, no room
    assert w.matrix.toarray()[1:].tolist() == [[1.0, -50.0, 0.0], [1.0, -12.0, 0.0]]
    assert w.row_lower[1:].tolist() == [-np.inf, 0.0] and w.row_upper[1:].tolist() == [0.0, np.inf]
    # the cost per unit: £1.5 per FTE is £0.00015 per 1/10,000 FTE
    assert w.cost == pytest.approx([1.0, 0.0, 1.5e-4])


def feasible(w, z) -> bool:
    act = w.matrix @ z
    return bool(np.all(act >= w.row_lower) and np.all(act <= w.row_upper)
                and np.all(z >= w.col_lower) and np.all(z <= w.col_upper))


def test_every_feasible_plan_rounded_to_whole_units_stays_feasible(tmp_path):
    """The whole-number model contains the rounding of each feasible plan, so CP-SAT's bound is a bound."""
    case = cohort_case(tmp_path).load()
    lp, _ = build_lp(case)
    model = ModelArrays.of(lp)
    plans = [solve_lp(model, SolverSettings(name=n, mip_gap=g)).x for n, g in (("highs", 0.0), ("scip", 0.05))]
    assert all(x is not None for x in plans)
    w = whole_number_model(model)
    for x in plans:
        assert feasible(w, np.round(x / w.unit))
    # the start given to the model is feasible once rounded, by construction of its room
    ws = whole_number_model(model, plans[1])
    assert feasible(ws, ws.start)


@pytest.mark.parametrize("starts, expect", [
    (1.5, [0.0, 0.0]),   # not run: |1.5| + |0.15| = 1.65 against |1.5 - 12| + |0.15 - 1| = 11.35
    (3.0, [0.0, 0.0]),   # still nearer to not running (3.3 against 9.7)
    (8.0, [12.0, 1.0]),  # 8.16 against |8 - 12| + |0.16 - 1| = 4.84: run at the minimum
    (20.4, [20.0, 1.0]),  # runs: the nearest whole number of starts
])
def test_nearest_whole_decisions_round_a_relaxed_cohort_by_hand(starts, expect):
    """One cohort of at most 50 and at least 12 starts; the LP relaxation sets y = x / 50."""
    model = one_cohort()
    x = np.array([starts, starts / 50, 0.0])
    assert nearest_whole_decisions(model, x).tolist() == expect


def test_start_plan_is_feasible_and_whole():
    start = start_plan(one_cohort()); x, how = start.x, start.how
    # relaxation: x = 13.733 (y = 0.27) costs 13.733; nearest whole cohort: x = 14, y = 1, then r = 0
    assert x == pytest.approx([14.0, 1.0, 0.0], abs=1e-9)
    assert "£14.00" in how


def test_cp_sat_on_the_fixture_cohort_case_matches_highs(tmp_path):
    case = cohort_case(tmp_path).load()
    lp, _ = build_lp(case)
    model = ModelArrays.of(lp)
    exact = solve_lp(model, SolverSettings(name="highs", mip_gap=0.0))
    sat = solve_lp(model, SolverSettings(name="cp-sat", mip_gap=1e-5))
    assert sat.status == exact.status == "optimal", sat.message
    assert exact.objective <= sat.objective <= exact.objective * (1 + 1e-5)
    j = np.flatnonzero(model.integrality)
    assert np.all(np.abs(sat.x[j] - np.round(sat.x[j])) < 1e-9)


def mentor_limited() -> ModelArrays:
    """Columns: starts x (whole), recruits r (FTE, £5 each), mentor time m (FTE, at least 0.1).
    min x + 5 r  s.t.  x + r ≥ 11.6 (FTE needed),  x + m ≤ 10.7 (mentor capacity).

    By hand: the LP relaxation takes x = 10.6 (m at its least), r = 1.0: £15.60. The nearest whole
    x = 11 breaks the mentor row by 0.4 (11 + 0.1 > 10.7), a row the rounding cannot see (it holds
    the continuous m). Mended: x ≤ 10, so x = 10, r = 1.6: £18.00, which is also the MIP optimum
    (every whole x ≤ 10 and x = 10 is cheapest)."""
    a = sp.csc_matrix(np.array([[1.0, 1.0, 0.0], [1.0, 0.0, 1.0]]))
    return ModelArrays(np.array([1.0, 5.0, 0.0]), np.array([0.0, 0.0, 0.1]), np.full(3, np.inf),
                       np.array([True, False, False]), np.array([11.6, -np.inf]), np.array([np.inf, 10.7]), a,
                       column_year=np.array([0, 0, 0]))


def test_a_rounding_that_breaks_a_limit_is_mended_by_hand():
    start = start_plan(mentor_limited())
    assert start.lp_bound == pytest.approx(15.6)
    assert start.x == pytest.approx([10.0, 1.6, 0.1])
    assert "1 re-roundings" in start.how and "£18.00" in start.how


def test_a_start_within_the_gap_of_the_lp_bound_ends_the_mip_without_branch_and_bound():
    # start £18.00 against the LP bound £15.60: 13.3% apart
    loose = solve_lp(mentor_limited(), SolverSettings(name="highs", mip_gap=0.2))
    assert loose.status == "optimal" and "branch and bound was not needed" in loose.message
    assert loose.objective == pytest.approx(18.0) and loose.best_bound == pytest.approx(15.6)
    tight = solve_lp(mentor_limited(), SolverSettings(name="highs", mip_gap=0.01))
    assert tight.status == "optimal" and "branch and bound was not needed" not in tight.message
    assert tight.objective == pytest.approx(18.0) and tight.best_bound == pytest.approx(18.0)


def test_relax_and_fix_goes_year_by_year():
    """Two years of starts x1 (£1) and x2 (£1.10), whole, and recruits r (£10): x1 + x2 + r ≥ 21.
    Year 1's mentors allow x1 + m1 ≤ 10.5 (m1 ≥ 0); year 2's allow x2 + m2 ≤ 11.5 (m2 ≥ 0).
    Relaxation: x1 = 10.5 (the cheaper), x2 = 10.5: £22.05. Year 1 is fixed first at a whole number
    ≤ 10 (11 breaks its mentor row); the re-solve then moves year 2 up to 11, so no recruits are
    needed: £10 + £12.10 = £22.10, the MIP optimum. Rounding both years at once from the
    relaxation would give x2 = 10 or 11 with nothing to say which."""
    a = sp.csc_matrix(np.array([[1.0, 1.0, 1.0, 0, 0], [1.0, 0, 0, 1.0, 0], [0, 1.0, 0, 0, 1.0]]))
    model = ModelArrays(np.array([1.0, 1.1, 10.0, 0, 0]), np.zeros(5), np.full(5, np.inf),
                        np.array([True, True, False, False, False]), np.array([21.0, -np.inf, -np.inf]),
                        np.array([np.inf, 10.5, 11.5]), a, column_year=np.array([0, 1, -1, 0, 1]))
    start = start_plan(model)
    assert start.x[:3] == pytest.approx([10.0, 11.0, 0.0])
    assert start.lp_bound == pytest.approx(22.05)
    assert float(model.cost @ start.x) == pytest.approx(22.1)
