"""Absorption and local continuity (MODEL.md §12): how fast a service can grow, and fall, in an STP.

``H[g,s,t] ≤ (1+γ)·H[g,s,t−1] + β`` (``absorption_growth``) and ``H[g,s,t] ≥ (1−λ)·H[g,s,t−1] − E[g,s,t]``
(``local_fall``), with ``H[g,s,-1]`` the baseline, in every model year, for each group and STP the
absorption table covers. A soft limit may be broken at a penalty per FTE (column ``absorption_excess``,
not discounted, like a soft target's shortfall).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from constraints._ramp import ramp_rows
from optimiser.model.terms import planned_exits
from optimiser.model.data import ModelData
from optimiser.model.lp import LinearProgram, labels

FAMILY = "absorption"


def absorption_rows(data: ModelData) -> pd.DataFrame:
    """The absorption table resolved to STPs, with group and STP indices ``g`` and ``s``."""
    ab = data.case.table("absorption").reset_index(drop=True)
    return ab.assign(g=data.groups.get_indexer(ab["staff_group"]), s=data.stps.get_indexer(ab["area"]))


def add(lp: LinearProgram, data: ModelData) -> None:
    ab = absorption_rows(data)
    if ab.empty:
        return
    H, T = lp.variables["staff_in_post"], data.T
    default = data.case.config.default_penalty_gbp_per_fte
    for name, column, sense, mult in (("absorption_growth", "max_growth_share", "<=", 1.0),
                                      ("local_fall", "max_fall_share", ">=", -1.0)):
        share = ab[column].astype(float).to_numpy()
        rows = ab[np.isfinite(share)].reset_index(drop=True)
        if rows.empty:
            continue
        g, s, k = rows["g"].to_numpy(), rows["s"].to_numpy(), np.arange(len(rows))
        kk, t = np.repeat(k, T), np.tile(np.arange(T), len(rows))
        lab = labels(kk.size, item="growth" if sense == "<=" else "fall",
                     staff_group=rows["staff_group"].to_numpy(object)[kk], stp=rows["area"].to_numpy(object)[kk],
                     region=data.stp_region.astype(object)[s[kk]], year=np.array(data.years, object)[t])
        allowance = rows["max_growth_fte"].to_numpy(float) if sense == "<=" else np.zeros(len(rows))
        block = ramp_rows(lp, FAMILY, name, k, lambda t, g=g, s=s: H.index(g, s, t), data.baseline[g, s],
                          1.0 + mult * share[np.isfinite(share)], allowance, sense, lab, T)
        if sense == ">=":  # planned exits do not count as a fall
            ex = planned_exits(data)
            unit = pd.MultiIndex.from_arrays([g, s]).get_indexer(pd.MultiIndex.from_arrays([ex["g"], ex["s"]]))
            on = unit >= 0
            lp.add_terms(block, unit[on] * T + ex["t"].to_numpy()[on], lp.variables["planned_exits"].index(
                np.flatnonzero(on)), 1.0)
        soft = np.flatnonzero(np.repeat((rows["kind"] == "soft").to_numpy(), T))
        if soft.size:
            penalty = np.repeat(rows["penalty_gbp_per_fte"].astype(float).fillna(default).to_numpy(), T)[soft]
            excess = lp.add_variables(f"{name}_excess", (soft.size,), penalty, lab.iloc[soft], "FTE")
            lp.add_terms(block, soft, excess.index(np.arange(soft.size)), -mult)
