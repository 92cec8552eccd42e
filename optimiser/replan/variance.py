"""Variance of what happened and of the re-plan against the original plan, by STP, staff group and year, and the
re-plan's extra cost.

For each STP, staff group and planning year of the original case: the planned staff in post, starts (on the
programmes that qualify into the group), recruits and leavers; what happened, for the years up to ``--through``
(staff in post always, the others where the actuals give them); and what the re-plan now needs, for the years
after. Leavers of a plan are the leaver rate times the staff in post at the start of the year, less the leavers
retained.

Costs compare like with like: the original plan's levers in the years after ``--through`` and the re-plan's, both
as present values discounted to the re-plan's first year at the case's rate (£ at the case's price base year).
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from optimiser.case import Case
from optimiser.export.solution import _clean, _records
from optimiser.model.data import model_data

#: Version of the replan.json layout.
REPLAN_SCHEMA_VERSION = "1.0"

KEYS = ["stp", "staff_group", "year"]
FIGURES = ["fte", "starts", "recruits", "leavers"]


def plan_figures(case: Case, workforce: pd.DataFrame, allocations: pd.DataFrame) -> pd.DataFrame:
    """Staff in post, starts, recruits and leavers of a plan by STP, staff group and year (its planning years).

    ``workforce`` has stp, staff_group, year, fte (the year before the first as the baseline); ``allocations``
    lever, stp, staff_group, year, quantity.
    """
    data = model_data(case)
    rate = pd.DataFrame({"stp": np.tile(data.stps, data.G), "staff_group": np.repeat(data.groups, data.S),
                         "leaver_rate": data.leaver_rate.ravel()})
    wf = workforce[KEYS + ["fte"]]
    years = list(dict.fromkeys(wf["year"]))
    opening = wf.assign(year=wf["year"].map(dict(zip(years, years[1:])))).dropna(subset=["year"]) \
        .rename(columns={"fte": "opening_fte"})
    out = wf[wf["year"].isin(years[1:])].merge(opening, on=KEYS, how="left").merge(rate, on=["stp", "staff_group"])
    sums = {lever: allocations[allocations["lever"] == lever].groupby(KEYS)["quantity"].sum()
            for lever in ("training", "recruitment", "retention")}
    idx = pd.MultiIndex.from_frame(out[KEYS])
    out["starts"] = sums["training"].reindex(idx, fill_value=0.0).to_numpy()
    out["recruits"] = sums["recruitment"].reindex(idx, fill_value=0.0).to_numpy()
    retained = sums["retention"].reindex(idx, fill_value=0.0).to_numpy()
    out["leavers"] = out["leaver_rate"] * out["opening_fte"] - retained
    return out[KEYS + FIGURES]


def variance_table(case: Case, plan: dict, actuals: pd.DataFrame, replan_sol, through: str) -> pd.DataFrame:
    """One row per STP, staff group and planning year: planned, actual (to ``through``) or re-planned (after)."""
    years = case.years
    planned = plan_figures(case, pd.DataFrame(plan["workforce"]), pd.DataFrame(plan["allocations"]))
    planned = planned[planned["year"].isin(years)]
    happened = actuals[KEYS + ["fte_in_post", "intakes", "recruits", "leavers"]] \
        .rename(columns={"fte_in_post": "fte", "intakes": "starts"})
    if replan_sol is not None and replan_sol.result.x is not None:
        replanned = plan_figures(replan_sol.data.case, replan_sol.workforce, replan_sol.allocations)
        replanned = replanned[replanned["year"].isin(years)]
    else:
        replanned = pd.DataFrame(columns=KEYS + FIGURES)
    after = pd.concat([happened.assign(period="actual"), replanned.assign(period="replan")], ignore_index=True)
    table = planned.rename(columns={f: f"planned_{f}" for f in FIGURES}).merge(after, on=KEYS, how="left")
    table["period"] = np.where(table["year"].map(years.index) <= years.index(through), "actual", "replan")
    table["fte_change"] = table["fte"] - table["planned_fte"]
    stps = case.table("stps").set_index("stp")["region"]
    family = case.table("staff_groups").set_index("staff_group")["family"]
    table["region"] = table["stp"].map(stps)
    table["family"] = table["staff_group"].map(family)
    order = ["stp", "region", "staff_group", "family", "year", "period", "planned_fte", "fte", "fte_change",
             "planned_starts", "starts", "planned_recruits", "recruits", "planned_leavers", "leavers"]
    return table[order].astype({c: float for c in order[6:]})


def by_group(table: pd.DataFrame) -> pd.DataFrame:
    """The variance summed over STPs, per staff group and year (a figure not observed in any STP stays blank)."""
    numbers = [c for c in table.columns if pd.api.types.is_float_dtype(table[c])]
    g = table.groupby(["staff_group", "family", "year", "period"], sort=False)[numbers]
    return g.sum(min_count=1).reset_index()


def costs_compared(case: Case, plan: dict, replan_json: dict | None, through: str) -> dict:
    """The re-plan's cost against the original plan's for the same years, both discounted to the re-plan's first
    year (£ present value at the case's price base year)."""
    years = case.config.model_years
    start = years.index(through) + 1
    rate = case.config.discount_rate
    remaining = sum(line["cost_gbp"] * (1 + rate) ** -(years.index(line["year"]) - start)
                    for line in plan["costs"]["by_year"] if years.index(line["year"]) >= start)
    penalties = sum((t.get("penalty_cost_gbp") or 0.0) for t in plan["targets"]
                    if t["year"] in years and years.index(t["year"]) >= start)
    out = {"discounted_to": years[start], "original_remaining_gbp": remaining, "original_penalties_gbp": penalties,
           "replan_gbp": None, "replan_penalties_gbp": None, "extra_cost_gbp": None,
           "extra_cost_with_penalties_gbp": None}
    if replan_json is not None and replan_json["objective"] is not None:
        c = replan_json["costs"]
        levers = c["plan_gbp"] + c["run_out_gbp"]
        out.update(replan_gbp=levers, replan_penalties_gbp=c["penalties_gbp"], extra_cost_gbp=levers - remaining,
                   extra_cost_with_penalties_gbp=levers + c["penalties_gbp"] - remaining - penalties)
    return {k: _clean(v) for k, v in out.items()}


def replan_report(case: Case, plan: dict, actuals: pd.DataFrame, actuals_path: Path, through: str, replan_sol,
                  replan_json: dict | None, derived) -> tuple[dict, pd.DataFrame]:
    """The replan.json content, and the variance table it holds."""
    from optimiser import __version__

    table = variance_table(case, plan, actuals, replan_sol, through)
    report = {
        "schema_version": REPLAN_SCHEMA_VERSION,
        "case": plan["case"],
        "replan_case": None if replan_json is None else replan_json["case"],
        "engine": {"name": "mh-workforce-optimiser", "version": __version__},
        "solver": None if replan_json is None else {k: replan_json["solver"][k] for k in ("name", "version")},
        "through_year": through,
        "actuals": {"file": actuals_path.name, "sha256": hashlib.sha256(actuals_path.read_bytes()).hexdigest()},
        "status": "invalid" if replan_sol is None else replan_sol.status,
        "costs": costs_compared(case, plan, replan_json, through),
        "variance": _records(table),
        "variance_by_group": _records(by_group(table)),
        "derivation": {"outlay_before_gbp": {k: _clean(v) for k, v in sorted(derived.outlay_before_gbp.items())},
                       "starts_observed": int(derived.starts["observed"].sum()),
                       "starts_planned": int((~derived.starts["observed"]).sum()),
                       "notes": derived.notes},
    }
    return report, table
