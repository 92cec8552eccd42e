"""The cost curve as the training budget falls (national case, warm sweeps of one LP).

Run:  .venv/bin/python examples/budget_curve.py [CASE]

Two sweeps of the budget: one with the case's hard targets (the cost of meeting them, until the
budget is too small and the case is infeasible), and one with the hard targets made elastic (soft
at £10m per FTE short), which shows how many FTE the plan falls short by below that point.
"""
import sys
from pathlib import Path

import numpy as np

from optimiser import load_case
from optimiser.analysis import sweep

ROOT = Path(__file__).resolve().parents[1]
case = load_case(sys.argv[1] if len(sys.argv) > 1 else ROOT / "cases" / "england_2017")
budget = float(case.table("budgets")["limit_gbp"].iloc[0])
values = np.linspace(budget, 0.25 * budget, 16)
path = "budgets.limit_gbp"
hard = sweep(case, {path: values}, marginals=[])
elastic = sweep(case, {path: values}, marginals=[], elastic=1e7)
value_col = [c for c in hard.columns if c.startswith("budget_value.")][0]
print(f"{'training budget':>16} {'status':>11} {'total cost':>12} {'training':>10} {'recruitment':>12} "
      f"{'£ saved/£':>9}   {'elastic: FTE short':>18} {'training':>10}")
for (_, h), (_, e) in zip(hard.iterrows(), elastic.iterrows()):
    cost = (f"£{h['total_cost_gbp'] / 1e6:>9,.1f}m £{h['cost.training_gbp'] / 1e6:>7,.1f}m £{h['cost.recruitment_gbp'] / 1e6:>9,.1f}m "
            f"{h[value_col]:>9.2f}" if h["status"] == "optimal" else f"{'':>46}")
    print(f"£{h[path] / 1e6:>13,.0f}m {h['status']:>11} {cost}   {e['hard_shortfall_fte']:>18,.0f} "
          f"£{e['cost.training_gbp'] / 1e6:>7,.1f}m")
print(f"\n{2 * len(values)} solves, {hard['iterations'].sum() + elastic['iterations'].sum():,} simplex iterations in all "
      "(warm re-solves; costs are present values)")
short = elastic[hard["status"] != "optimal"]
if len(short) >= 2:
    slope = np.polyfit(short[path] / 1e6, short["hard_shortfall_fte"], 1)[0]
    print(f"Below the last feasible budget the hard targets cannot be met: each £1m less leaves about "
          f"{-slope:,.1f} FTE short.")
