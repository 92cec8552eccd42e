"""How likely are the headline targets? Monte Carlo over the case's uncertainty file.

Run:  .venv/bin/python examples/monte_carlo.py [DRAWS] [CASE]

Uses CASE/uncertainty.yaml (seeded). Draws are saved in out/examples/montecarlo as they finish:
interrupt it and run it again to carry on; asking for more draws extends the same run.
"""
import sys
from pathlib import Path

from optimiser import load_case
from optimiser.analysis import run_montecarlo

ROOT = Path(__file__).resolve().parents[1]
draws = int(sys.argv[1]) if len(sys.argv) > 1 else 40
folder = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "cases" / "england_2017"
case = load_case(folder)
result = run_montecarlo(case, folder / "uncertainty.yaml", ROOT / "out" / "examples" / "montecarlo", draws=draws,
                        progress=lambda done, total: print(f"\r{done}/{total} draws", end="", flush=True))
s = result.summary
print(f"\n{case.name}: {s['draws_solved']} of {s['draws']} draws solved (seed {s['seed']})")
cost = s["total_cost_gbp"]
print(f"total cost £m: 5% {cost['p05'] / 1e6:,.0f}, median {cost['p50'] / 1e6:,.0f}, 95% {cost['p95'] / 1e6:,.0f}")
short = s["hard_shortfall_fte"]
print(f"shortfall against the hard targets (FTE): median {short['p50']:,.0f}, 95% {short['p95']:,.0f}")
for t in s["headline_targets"]:
    print(f"P({t} met) = {s['probability_met'][t]:.0%}")
print(f"P(both headline targets met) = {s['probability_all_headline_met']:.0%} "
      f"(standard error {100 * s['probability_all_headline_met_se']:.1f} percentage points, {s['sampler']} draws)")
