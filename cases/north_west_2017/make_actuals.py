"""Write actuals_2017_18.csv: an ILLUSTRATIVE table of what happened in the North West in 2016/17 and 2017/18,
for the delivery phase (`optimiser replan cases/north_west_2017 --actuals ... --through 2017/18`).

It is not observed data: it is this case's own plan (solved as shipped) with stated departures, so that the
re-plan has something to correct:

- mental health nurses: 2% fewer in post than planned at the end of 2016/17 and 3% fewer at the end of 2017/18
  (turnover above the 14.3% the plan assumes);
- nursing degree and other nursing starts (the intakes into mh_nurse) in 2017/18: 10% below plan (the first
  intake after the bursary was removed; the national case's bursary_removal scenario);
- IAPT PWPs: 5% fewer in post than planned at the end of 2017/18;
- every other figure as planned. Staff in post are rounded to 0.1 FTE, starts to 0.1.

    .venv/bin/python cases/north_west_2017/make_actuals.py
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from optimiser import load_case, solve

HERE = Path(__file__).resolve().parent
YEARS = ["2016/17", "2017/18"]
IN_POST = {("mh_nurse", "2016/17"): 0.98, ("mh_nurse", "2017/18"): 0.97, ("iapt_pwp", "2017/18"): 0.95}
INTAKES = {("mh_nurse", "2017/18"): 0.90}


def main() -> None:
    sol = solve(load_case(HERE))
    wf = sol.workforce[sol.workforce["year"].isin(YEARS)][["stp", "staff_group", "year", "fte"]]
    factor = [IN_POST.get((g, y), 1.0) for g, y in zip(wf["staff_group"], wf["year"])]
    out = wf.assign(fte_in_post=(wf["fte"] * factor).round(1))
    starts = (sol.allocations[sol.allocations["lever"] == "training"]
              .groupby(["stp", "staff_group", "year"])["quantity"].sum())
    out["intakes"] = [round(starts.get((s, g, y), 0.0) * INTAKES[(g, y)], 1) if (g, y) in INTAKES else None
                      for s, g, y in zip(out["stp"], out["staff_group"], out["year"])]
    out = out.drop(columns="fte").sort_values(["year", "stp", "staff_group"])
    out.to_csv(HERE / "actuals_2017_18.csv", index=False, lineterminator="\n")
    print(f"wrote actuals_2017_18.csv: {len(out)} rows")


if __name__ == "__main__":
    main()
