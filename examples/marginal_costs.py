"""What does the next FTE cost, and what is one more mentor worth? (national case, one solve)

Run:  .venv/bin/python examples/marginal_costs.py [CASE]

Prints the marginal cost of the 11,000th traditional FTE and of the 8,000th new-role FTE (the dual
of each headline target, the range over which it holds, and a check by re-solving one FTE lower),
the value of one more mentor in the STP where mentors are scarcest, and the budget's value.
"""
import sys
from pathlib import Path

from optimiser import load_case
from optimiser.analysis import Assignment, LiveModel, Parameter, marginal_analysis

ROOT = Path(__file__).resolve().parents[1]
case = load_case(sys.argv[1] if len(sys.argv) > 1 else ROOT / "cases" / "england_2017")
model = LiveModel(case)                        # built once; every re-solve below is warm
report = marginal_analysis(case, model=model)  # one solve, duals, ranging, degeneracy
print(f"{case.name}: total cost £{report.solution.objective:,.0f} (present value)")
print(f"degeneracy: {report.degeneracy['note']}\n")

targets = report.targets.set_index("target")
for name, label in [("traditional_growth_2020_21", "traditional"), ("new_role_growth_2020_21", "new-role")]:
    t = targets.loc[name]
    n = int(t["minimum_fte"])
    # the cost of the n-th FTE: total cost at n less total cost at n - 1 (a warm re-solve of the same LP)
    below = model.solve([Assignment(Parameter.parse(f"targets.minimum_fte[target={name}]"), n - 1)])
    nth = report.solution.objective - below.objective
    print(f"The {n:,}th {label} FTE costs £{nth:,.0f} "
          f"(dual £{t['marginal_cost_per_fte']:,.0f} per FTE, holding for a minimum between "
          f"{t['range_low_fte']:,.1f} and {t['range_high_fte']:,.1f} FTE; holds for a step {t['dual_holds']})")

mentors = report.resources[report.resources["family"] == "mentoring"]
model.solve([])  # back to the base case
names = dict(zip(case.table("stps")["stp"], case.table("stps")["name"]))
per_stp = (mentors.groupby(["stp", "staff_group"])["value_per_unit"].sum().reset_index()
           .sort_values("value_per_unit", ascending=False))
top = per_stp.iloc[0]
best_year = mentors[(mentors["stp"] == top["stp"]) & (mentors["staff_group"] == top["staff_group"])] \
    .sort_values("value_per_unit", ascending=False).iloc[0]
print(f"\nTightest STP for mentors: {names[top['stp']]} ({top['stp']}), {top['staff_group']} mentors.")
print(f"  One more {top['staff_group']} mentor there for every year of the plan saves £{top['value_per_unit']:,.0f}; "
      f"in {best_year['year']} alone £{best_year['value_per_unit']:,.0f} "
      f"({best_year['used']:.1f} of {best_year['limit']:.1f} mentors in use; holds for a step {best_year['dual_holds']}).")

for _, b in report.budgets.iterrows():
    print(f"\nBudget {b['budget']}: £{b['outlay_gbp']:,.0f} of £{b['limit_gbp']:,.0f} spent; "
          f"one more £ saves £{b['value_per_gbp']:.2f}")
pools = report.resources[report.resources["family"] == "recruitment_pools"]
top_pool = pools.sort_values("value_per_unit", ascending=False).iloc[0]
print(f"Most valuable pool recruit: {top_pool['item']} {top_pool['staff_group']} in {top_pool['region'] or 'England'}, "
      f"{top_pool['year']}: £{top_pool['value_per_unit']:,.0f} saved per extra recruit")
