"""Tornado figures do not depend on how each bar is solved (issue 16).

The case is ``test_analysis_simplex``'s tie case: two STPs of 100 nurses, no leavers, two years; a
domestic pool of 6 FTE a year at £10,000 a recruit; two soft targets of 110 nurses (one per STP) at
£50,000 per FTE short. Every recruit is cheaper than a shortfall, so the pool is used up:

- base: 12 recruits, 20 − 12 = 8 FTE short: 12 × 10,000 + 8 × 50,000 = £520,000;
- recruitment costs ×0.9 / ×1.1: 12 × 9,000 + 400,000 = £508,000 / 12 × 11,000 + 400,000 = £532,000
  (shortfall 8 either way);
- recruitment pools ×0.9 / ×1.1: 10.8 recruits, 9.2 short: 108,000 + 460,000 = £568,000 /
  13.2 recruits, 6.8 short: 132,000 + 340,000 = £472,000;
- leaver rates are 0, so ×0.9 and ×1.1 change nothing.

Ranked by cost effect: pools (£48,000), recruitment costs (£12,000), leaver rates (0).
"""
from __future__ import annotations

import pytest

from optimiser.analysis import live
from optimiser.analysis.tornado import tornado
from test_analysis_simplex import tie_case

EXPECTED = {  # group: (low cost, high cost, low shortfall, high shortfall)
    "recruitment pools": (568_000, 472_000, 9.2, 6.8),
    "recruitment costs": (508_000, 532_000, 8.0, 8.0),
    "leaver rates": (520_000, 520_000, 8.0, 8.0),
}


def _table(case, monkeypatch, simplex: str):
    monkeypatch.setattr(live, "DEFAULT_SIMPLEX", simplex)
    return tornado(case, executor="serial").set_index("group")


@pytest.mark.parametrize("simplex", ["by_change", "dual"])
def test_tornado_figures_by_hand(tmp_path, monkeypatch, simplex):
    df = _table(tie_case(tmp_path, "ab"), monkeypatch, simplex)
    assert list(df.index) == list(EXPECTED)
    for group, (low, high, short_low, short_high) in EXPECTED.items():
        r = df.loc[group]
        assert r["base_total_cost_gbp"] == pytest.approx(520_000, abs=1e-6)
        assert (r["total_cost_low_gbp"], r["total_cost_high_gbp"]) == pytest.approx((low, high), abs=1e-6)
        assert (r["shortfall_low_fte"], r["shortfall_high_fte"]) == pytest.approx((short_low, short_high), abs=1e-6)
        assert r["base_shortfall_fte"] == pytest.approx(8.0, abs=1e-6)
    assert df.loc["recruitment pools", "cost_effect_gbp"] == pytest.approx(48_000, abs=1e-6)


def test_tornado_table_is_the_same_by_either_simplex_method(tmp_path, monkeypatch):
    case = tie_case(tmp_path, "ba")
    by_change = _table(case, monkeypatch, "by_change")
    dual = _table(case, monkeypatch, "dual")
    numbers = by_change.select_dtypes("number").columns
    assert (by_change.drop(columns=numbers) == dual.drop(columns=numbers)).all().all()
    assert by_change[numbers].to_numpy() == pytest.approx(dual[numbers].to_numpy(), rel=1e-9, abs=1e-6)
