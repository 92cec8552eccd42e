"""Write actuals_2016_17_to_2018_19.csv: staff in post by STP, staff group and year, 2016/17 to 2018/19, from which
`derive_tables.py` re-plans the national case to the Long Term Plan's baseline (SOURCES.md, "The 2018/19 baseline").

No staff in post by STP and staff group were published for these years in the sources this case draws on
(REFERENCE.md). So, an ***assumption***: every group grew as the national plan (cases/england_2017, solved as
shipped) planned, except where a published figure says otherwise:

- peer support workers: 862 in post in 2019 (University of Sheffield; REFERENCE.md, **M**), taken as the end of
  2018/19; 2016/17 and 2017/18 on a straight line from the national case's baseline of 500; each STP's share as
  in the plan.

    .venv/bin/python cases/england_2019/make_actuals.py [england_2017 solution.json]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
NATIONAL = HERE.parent / "england_2017"
YEARS = ["2016/17", "2017/18", "2018/19"]
PSW_BASELINE, PSW_2018_19 = 500.0, 862.0  # england_2017 baseline (its SOURCES.md); University of Sheffield, 2019


def national_plan(path: str | None) -> dict:
    if path:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    from optimiser import load_case, solve

    return json.loads(solve(load_case(NATIONAL)).to_json())


def main() -> None:
    plan = national_plan(sys.argv[1] if len(sys.argv) > 1 else None)
    wf = pd.DataFrame(plan["workforce"])
    wf = wf[wf["year"].isin(YEARS)][["stp", "staff_group", "year", "fte"]].copy()
    psw = wf["staff_group"] == "peer_support_worker"
    for k, year in enumerate(YEARS, start=1):
        total = PSW_BASELINE + (PSW_2018_19 - PSW_BASELINE) * k / len(YEARS)
        rows = psw & (wf["year"] == year)
        wf.loc[rows, "fte"] = wf.loc[rows, "fte"] / wf.loc[rows, "fte"].sum() * total
    out = wf.assign(fte_in_post=wf["fte"].round(1)).drop(columns="fte").sort_values(["year", "stp", "staff_group"])
    out.to_csv(HERE / "actuals_2016_17_to_2018_19.csv", index=False, lineterminator="\n")
    print(f"wrote actuals_2016_17_to_2018_19.csv: {len(out)} rows; plan sha256 {plan['case']['sha256'][:12]}")


if __name__ == "__main__":
    main()
