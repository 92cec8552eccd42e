"""Regression fingerprints of the shipped cases (objective, variable count, row count), after Temoa.

These pin the model's size and optimum so that an unintended change to the case data or the
formulation shows up. They are regression values, recorded from a run that `optimiser verify`
passed; correctness is tested elsewhere (hand-solved cases, verify). Every intentional change
updates a value here with a dated comment saying why.

History:
- 2026-11-23: first national case (44 STPs, 14 groups, 5 years) and two_stp fixture.
- 2026-11-23: recruitment sources closed in STPs with no cost row (no change to these cases).
- 2026-11-23: new scenario tight_budget_soft (issue 6: tight_budget with its hard targets soft at the
  default penalty; 12 more shortfall variables than the base case).
- 2026-11-28: issue 11, plans a commissioner can act on. The national case gains commissioning.csv
  (18 intakes: rise ≤ 25% a year, IAPT courses 100%; fall ≤ 10%; floor 90% of the 2015/16 intake)
  and absorption.csv (14 groups), hence 6,400 more rows; its training envelope becomes the plan's
  £1.3bn plus the baseline commissions continued (£3.09bn). The least cost rises to £2.10bn: the
  floors keep commissioning the existing courses, whose cost the old case left out. tight_budget and
  tight_budget_soft cut the envelope to the plan's £1.3bn alone. Without the two tables and with the
  old envelope the engine gives the old optimum (test below). The case also gains six run-out years
  (case.yaml): the values here are for the target years alone (run_out_years 0, ``conftest.national``);
  test_national_case.py pins the case as shipped (£4.11bn, 45,649 variables, 48,891 rows).
- 2026-11-28: issue 12, the planning cycle. New cases north_west_2017 (three STPs, as shipped with its six run-out
  years: it solves in about a second) with its scenario local_retention, and england_2019 (the Long Term Plan,
  2019/20-2023/24; without its run-out years, as the national case): infeasible by design as shipped (the
  diagnosis: 228 FTE short of the +6,090 clinical support staff, the support-worker pools run out), and optimal
  with its scenario wider_support_pool (5% larger pools). Its peer support target is soft and falls 3,323 FTE
  short (£3.3bn of the £5.39bn is that penalty): the case's levers cannot reach 4,730 peer support workers.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from optimiser import load_case, solve
from optimiser.verify import verify_solution

ROOT = Path(__file__).resolve().parents[1]

FINGERPRINTS = {
    # (case folder, scenario): (status, objective £, variables, rows); england_2017 with no run-out years
    ("tests/cases/two_stp", None): ("optimal", 4_448_958.333333333, 36, 22),
    ("cases/england_2017", None): ("optimal", 2_103_238_764.86, 20_833, 22_161),
    ("cases/england_2017", "brexit_pool"): ("optimal", 2_214_282_828.76, 20_833, 22_161),
    ("cases/england_2017", "bursary_removal"): ("optimal", 2_126_442_289.06, 20_833, 22_161),
    ("cases/england_2017", "no_salary_support"): ("optimal", 2_271_460_084.20, 20_833, 22_161),
    ("cases/england_2017", "tight_budget"): ("infeasible", None, 20_833, 22_161),
    ("cases/england_2017", "tight_budget_soft"): ("optimal", 11_135_552_194.33, 20_845, 22_161),
    ("cases/north_west_2017", None): ("optimal", 551_051_197.17, 3_173, 4_249),
    ("cases/north_west_2017", "local_retention"): ("optimal", 547_415_599.83, 3_173, 4_249),
    # infeasible by design: the experienced-hire pools for support workers fall 228 FTE short of +6,090
    ("cases/england_2019", None): ("infeasible", None, 24_315, 25_301),
    ("cases/england_2019", "wider_support_pool"): ("optimal", 5_386_868_925.38, 24_315, 25_301),
}
#: Cases fingerprinted without their run-out years (minutes a solve with them).
QUICK_CASES = ("cases/england_2017", "cases/england_2019")


@pytest.mark.parametrize("folder,scenario", list(FINGERPRINTS), ids=lambda v: str(v))
def test_fingerprint(folder, scenario):
    status, objective, variables, rows = FINGERPRINTS[(folder, scenario)]
    case = load_case(ROOT / folder, scenario, run_out_years=0 if folder in QUICK_CASES else None)
    sol = solve(case, balance=False)  # the least cost; stage 2 keeps it (test_realism)
    assert (sol.status, sol.lp.num_col, sol.lp.num_row) == (status, variables, rows)
    report = verify_solution(case, json.loads(sol.to_json()))  # every shipped scenario's plan verifies
    if objective is None:
        assert sol.objective is None
        assert not report.ok and "no plan" in report.problems[-1]
    else:
        assert sol.objective == pytest.approx(objective, rel=1e-8)
        assert report.ok, [(f.family, f.violation, f.relative, f.where) for f in report.families if not f.ok]


def test_without_the_new_tables_the_national_case_keeps_its_old_optimum():
    """The national case before issue 11: no commissioning or absorption table, the £1.3bn envelope."""
    from dataclasses import replace

    case = load_case(ROOT / "cases/england_2017", run_out_years=0)
    case = replace(case, tables={k: v for k, v in case.tables.items() if k not in ("commissioning", "absorption")})
    case = case.with_changes([{"table": "budgets", "column": "limit_gbp", "set": 1_300_000_000}])
    sol = solve(case)
    assert (sol.status, sol.lp.num_col, sol.lp.num_row) == ("optimal", 20_833, 15_761)
    assert sol.objective == pytest.approx(1_267_482_407.16, rel=1e-8)
