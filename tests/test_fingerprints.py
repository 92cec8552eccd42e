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
"""
from __future__ import annotations

from pathlib import Path

import pytest

from optimiser import load_case, solve

ROOT = Path(__file__).resolve().parents[1]

FINGERPRINTS = {
    # (case folder, scenario): (status, objective £, variables, rows)
    ("tests/cases/two_stp", None): ("optimal", 4_448_958.333333333, 36, 22),
    ("cases/england_2017", None): ("optimal", 1_267_482_407.16, 20_833, 15_761),
    ("cases/england_2017", "brexit_pool"): ("optimal", 1_556_705_635.44, 20_833, 15_761),
    ("cases/england_2017", "bursary_removal"): ("optimal", 1_340_328_287.25, 20_833, 15_761),
    ("cases/england_2017", "no_salary_support"): ("optimal", 1_472_499_283.95, 20_833, 15_761),
    ("cases/england_2017", "tight_budget"): ("infeasible", None, 20_833, 15_761),
    ("cases/england_2017", "tight_budget_soft"): ("optimal", 6_661_628_374.18, 20_845, 15_761),
}


@pytest.mark.parametrize("folder,scenario", list(FINGERPRINTS), ids=lambda v: str(v))
def test_fingerprint(folder, scenario):
    status, objective, variables, rows = FINGERPRINTS[(folder, scenario)]
    sol = solve(load_case(ROOT / folder, scenario), balance=False)  # the least cost; stage 2 keeps it (test_realism)
    assert (sol.status, sol.lp.num_col, sol.lp.num_row) == (status, variables, rows)
    if objective is None:
        assert sol.objective is None
    else:
        assert sol.objective == pytest.approx(objective, rel=1e-8)
