"""targets: minimum (with the soft shortfall) and maximum of every target; the reported achieved,
shortfall, minimum, maximum and penalty cost equal the recomputed ones."""
from __future__ import annotations

import numpy as np
import pandas as pd

from optimiser.case.tables import split_list
from optimiser.verify.case import CaseArrays
from optimiser.verify.plan import Plan, few, records
from optimiser.verify.report import ROUNDING, FamilyResult

FAMILY = "targets"
TARGET_FTE = ["minimum_fte", "maximum_fte", "achieved_fte", "shortfall_fte"]


def target_measures(c: CaseArrays, x: Plan) -> pd.DataFrame:
    """Each case target with its recomputed measure, shortfall, penalty and magnitude."""
    tg = c.case.table("targets").reset_index(drop=True)
    n = len(tg)
    gsel, ssel = np.ones((n, c.G), bool), np.ones((n, c.S), bool)
    for i, r in tg.iterrows():
        fams, grps, regs, stps = (split_list(r[k]) for k in ("family", "staff_group", "region", "stp"))
        if fams:
            gsel[i] &= np.isin(c.family, fams)
        if grps:
            gsel[i] &= np.isin(c.groups, grps)
        if regs:
            ssel[i] &= np.isin(c.stp_region, regs)
        if stps:
            ssel[i] &= np.isin(c.stps, stps)
    t = c.year_index(tg["year"])
    level = np.einsum("ig,is,gsi->i", gsel.astype(float), ssel.astype(float), x.H[:, :, t + 1])
    size = np.einsum("ig,is,gsi->i", gsel.astype(float), ssel.astype(float), np.abs(x.H[:, :, t + 1]))
    base = np.einsum("ig,is,gs->i", gsel.astype(float), ssel.astype(float), c.baseline)
    growth = (tg["measure"] == "growth").to_numpy()
    measure = level - np.where(growth, base, 0.0)
    soft = (tg["kind"] == "soft").to_numpy()
    minimum = tg["minimum_fte"].to_numpy(float)
    penalty = tg["penalty_gbp_per_fte"].astype(float).fillna(c.case.config.default_penalty_gbp_per_fte).to_numpy()
    cells = gsel.sum(axis=1) * ssel.sum(axis=1)
    return tg.assign(measure_fte=measure, shortfall_fte=np.where(soft, np.maximum(0.0, minimum - measure), 0.0),
                     penalty=np.where(soft, penalty, 0.0), magnitude=size + np.where(growth, base, 0.0), cells=cells)


def check(c: CaseArrays, x: Plan, solution: dict, tm: pd.DataFrame, out: FamilyResult,
          problems: list[str]) -> None:
    rep = records(solution, "targets", ["target", "kind", "year", "measure"] + TARGET_FTE, TARGET_FTE)
    dup = rep["target"].duplicated()
    if dup.any():
        problems.append(f"targets: duplicated target(s): {few(rep.loc[dup, 'target'])}")
    rep = rep[~dup].set_index("target")
    missing = sorted(set(tm["target"]) - set(rep.index))
    extra = sorted(set(rep.index) - set(tm["target"]))
    if missing:
        problems.append(f"targets: {len(missing)} target(s) of the case not reported: {few(missing)}")
    if extra:
        problems.append(f"targets: {len(extra)} target(s) reported that the case does not have: {few(extra)}")
    r = rep.reindex(tm["target"])
    for col in ("kind", "year", "measure"):
        wrong = r[col].notna().to_numpy() & (r[col].to_numpy(object) != tm[col].to_numpy(object))
        if wrong.any():
            problems.append(f"targets: {wrong.sum()} target(s) reported with a {col} other than the case's: "
                            + few(tm.loc[wrong, "target"]))
    ids = tm["target"].tolist()
    soft = (tm["kind"] == "soft").to_numpy()
    minimum, maximum = tm["minimum_fte"].to_numpy(float), tm["maximum_fte"].astype(float).to_numpy()
    measure, mag = tm["measure_fte"].to_numpy(), tm["magnitude"].to_numpy()
    # the plan meets each minimum (a soft one with its reported shortfall) and maximum
    short = np.where(soft, r["shortfall_fte"].fillna(0.0).to_numpy(float), 0.0)
    scale = np.maximum.reduce([mag, np.abs(minimum), np.nan_to_num(np.abs(maximum))])
    allowance = ROUNDING * (tm["cells"].to_numpy() + 1.0)
    out.add(np.maximum(0.0, minimum - measure - short), scale, lambda i: f"{ids[i]} minimum", allowance)
    has_max = ~np.isnan(maximum)
    out.add(np.maximum(0.0, measure - maximum)[has_max], scale[has_max],
            lambda i: f"{np.array(ids, object)[has_max][i]} maximum", allowance[has_max])
    # the reported figures are the recomputed ones
    present = r["kind"].notna().to_numpy()
    shown = np.array(ids, object)[present]
    for col, value, size, allow in (("minimum_fte", minimum, np.abs(minimum), ROUNDING),
                                    ("maximum_fte", maximum, np.nan_to_num(np.abs(maximum)), ROUNDING),
                                    ("achieved_fte", measure, scale, allowance),
                                    ("shortfall_fte", tm["shortfall_fte"].to_numpy(), scale, allowance)):
        reported = r[col].to_numpy(float)
        both_blank = np.isnan(reported) & np.isnan(value) if col == "maximum_fte" else np.zeros(len(tm), bool)
        viol = np.where(both_blank, 0.0, np.abs(reported - value))
        out.add(viol[present], size[present], lambda i, col=col: f"{shown[i]} reported {col}",
                np.broadcast_to(allow, viol.shape)[present])
    # a soft target's reported penalty cost (where the file gives one) is its shortfall × its penalty
    pen = records(solution, "targets", ["target", "penalty_cost_gbp"], ["penalty_cost_gbp"])
    pen = pen[~pen["target"].duplicated()].set_index("target").reindex(tm["target"])["penalty_cost_gbp"].to_numpy(float)
    has = soft & ~np.isnan(pen)
    expect = (tm["penalty"] * tm["shortfall_fte"]).to_numpy(float)
    out.add(np.abs(pen - expect)[has], np.abs(expect)[has],
            lambda i: f"{np.array(ids, object)[has][i]} reported penalty cost",
            (tm["penalty"].to_numpy(float) * allowance + ROUNDING)[has])
