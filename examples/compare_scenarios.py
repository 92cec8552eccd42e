"""What changes if the international pools halve? Base case against the brexit_pool scenario.

Run:  .venv/bin/python examples/compare_scenarios.py [SCENARIO] [CASE]
"""
import sys
from pathlib import Path

from optimiser import load_case, solve
from optimiser.analysis import compare

ROOT = Path(__file__).resolve().parents[1]
scenario = sys.argv[1] if len(sys.argv) > 1 else "brexit_pool"
folder = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "cases" / "england_2017"
result = compare(solve(load_case(folder)), solve(load_case(folder, scenario)), "base", scenario)
total = result.summary.set_index("measure").loc["total_cost_gbp"]
print(f"total cost: base £{total['a'] / 1e6:,.1f}m, {scenario} £{total['b'] / 1e6:,.1f}m, change £{total['diff'] / 1e6:+,.1f}m")
print(result.allocations_by_lever.round(1).to_string(index=False))
items = result.allocations_by_item
print(items[items["quantity_diff"].abs() > 1].round(1).to_string(index=False))
