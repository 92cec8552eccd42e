"""Soft targets: which short ones cost what (the solve summary), and whose penalty is below the dearest lever for
their staff, so that a shortfall may be bought rather than forced (``optimiser validate`` and the summary)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from optimiser.case import Case
from optimiser.model.data import ModelData, model_data


def lever_costs_per_fte(data: ModelData) -> pd.DataFrame:
    """Each lever's undiscounted cost of one FTE in post, per staff group and STP, at its best timing.

    Training: cost per place / (completion × take-up), for programmes short enough to qualify inside
    the horizon; recruitment: cost per recruit / first-year retention; retention: cost per avoided
    leaver. Later attrition, lead times and limits only make an FTE dearer, so these are lower
    bounds on what meeting a target through each lever costs at the margin.
    """
    rows = []
    progs = data.programmes
    for _, p in progs.iterrows():
        ce = float(p["completion_rate"]) * float(p["take_up_rate"])
        if ce <= 0 or int(p["duration_years"]) > data.T:
            continue
        for s in range(data.S):
            rows.append((int(p["g"]), s, f"training: {p['programme']}", float(p["cost_per_place_gbp"]) / ce))
    rec = data.recruit
    for i, r in rec.iterrows():
        for s in np.flatnonzero(data.recruit_open[i]):
            v = data.recruit_retention[i, s]
            if v > 0:
                rows.append((int(r["g"]), int(s), f"recruitment: {r['source']}", data.recruit_cost[i, s] / v))
    seg = data.case.table("retention_segments")
    if len(seg):
        g = data.groups.get_indexer(seg["staff_group"])
        s = data.stps.get_indexer(seg["area"])
        for gi, si, j, c in zip(g, s, seg["segment"], seg["cost_per_avoided_leaver_gbp"]):
            rows.append((int(gi), int(si), f"retention: segment {j}", float(c)))
    return pd.DataFrame(rows, columns=["g", "s", "lever", "cost_per_fte"])


def soft_penalty_notes(case: Case) -> pd.DataFrame:
    """Soft targets whose penalty is below the dearest lever for their staff (£ per FTE).

    With such a penalty a shortfall can be cheaper than that lever, so the optimiser may buy the
    shortfall rather than use it: the shortfall is then a choice, not a sign the levers ran out.
    Columns: target, penalty_gbp_per_fte, dearest_lever, dearest_lever_gbp_per_fte.
    """
    tg = case.table("targets").reset_index(drop=True)
    soft = tg[tg["kind"] == "soft"]
    columns = ["target", "penalty_gbp_per_fte", "dearest_lever", "dearest_lever_gbp_per_fte"]
    if soft.empty:
        return pd.DataFrame(columns=columns)
    data = model_data(case)
    levers = lever_costs_per_fte(data)
    cell = levers["g"].to_numpy() * data.S + levers["s"].to_numpy()
    out = []
    default = case.config.default_penalty_gbp_per_fte
    for _, t in soft.iterrows():
        g, s = data.target_cells(t)
        mine = levers[np.isin(cell, g * data.S + s)]
        if mine.empty:
            continue
        dear = mine.loc[mine["cost_per_fte"].idxmax()]
        penalty = float(t["penalty_gbp_per_fte"]) if pd.notna(t["penalty_gbp_per_fte"]) else default
        if penalty < dear["cost_per_fte"]:
            out.append((t["target"], penalty, dear["lever"], float(dear["cost_per_fte"])))
    return pd.DataFrame(out, columns=columns)



def soft_shortfalls(targets: pd.DataFrame) -> pd.DataFrame:
    """Soft targets that fall short, dearest penalty first: filters, FTE and £ (``Solution.targets``)."""
    short = targets[(targets["kind"] == "soft") & (targets["shortfall_fte"].fillna(0.0) > 1e-6)]
    where = [", ".join(f"{k.replace('_', ' ')} {v}" for k, v in zip(("family", "staff_group", "region", "stp"),
                                                                  (r.family, r.staff_group, r.region, r.stp)) if v)
             or "all staff, England" for r in short.itertuples()]
    table = pd.DataFrame({"target": short["target"].to_numpy(object), "year": short["year"].to_numpy(object),
                          "counts": where, "minimum_fte": short["minimum_fte"].to_numpy(float),
                          "achieved_fte": short["achieved_fte"].to_numpy(float),
                          "shortfall_fte": short["shortfall_fte"].to_numpy(float),
                          "penalty_gbp_per_fte": short["penalty_gbp_per_fte"].to_numpy(float),
                          "penalty_cost_gbp": short["penalty_cost_gbp"].to_numpy(float)})
    return table.sort_values(["penalty_cost_gbp", "target"], ascending=[False, True], kind="stable").reset_index(drop=True)
