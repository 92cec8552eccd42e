"""Which uncertainties matter most? A ±10% tornado on the national case.

Run:  .venv/bin/python examples/tornado_ranking.py [CASE]   (chart in out/examples/tornado.png and .svg)
"""
import sys
from pathlib import Path

from optimiser import load_case
from optimiser.analysis import tornado, tornado_chart

ROOT = Path(__file__).resolve().parents[1]
case = load_case(sys.argv[1] if len(sys.argv) > 1 else ROOT / "cases" / "england_2017")
df = tornado(case, delta=0.10)
print(f"Base total cost £{df['base_total_cost_gbp'].iloc[0] / 1e6:,.1f}m; each group varied by ±10%\n")
print(f"{'rank':>4} {'group':<20} {'cost at -10%':>13} {'cost at +10%':>13} {'shortfall -10%':>15} {'shortfall +10%':>15}")
for _, r in df.iterrows():
    print(f"{r['rank_cost']:>4} {r['group']:<20} £{r['total_cost_low_gbp'] / 1e6:>10,.1f}m £{r['total_cost_high_gbp'] / 1e6:>10,.1f}m "
          f"{r['shortfall_low_fte']:>11,.0f} FTE {r['shortfall_high_fte']:>11,.0f} FTE")
paths = tornado_chart(df, ROOT / "out" / "examples" / "tornado", title=f"{case.name}: ±10% on each parameter group")
print("\nchart: " + ", ".join(str(p) for p in paths))
