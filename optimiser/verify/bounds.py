"""bounds: quantities, staff in post and shortfalls ≥ 0; exits within their limit; levers used only where
the case offers them.

No constraint family of its own: these are the columns' bounds (``optimiser.model.build``)."""
from __future__ import annotations

import numpy as np

from optimiser.verify.case import CaseArrays
from optimiser.verify.plan import Plan, records
from optimiser.verify.report import FamilyResult
from optimiser.verify.rows import where_gst

FAMILY = "bounds"


def check(c: CaseArrays, x: Plan, solution: dict, out: FamilyResult) -> None:
    al = x.allocations
    q = al["quantity"].fillna(0.0).to_numpy()
    labels = [f"{r.lever} {r.item}, {r.staff_group}, {r.stp}, {r.year}" for r in al.itertuples(index=False)]
    out.add(np.maximum(0.0, -q), np.abs(q), lambda i: f"negative quantity: {labels[i]}")
    H = x.H[:, :, 1:]
    out.add(np.maximum(0.0, -H), np.abs(H), where_gst(c, H.shape, "negative staff in post: "))
    short = records(solution, "targets", ["target", "shortfall_fte"], ["shortfall_fte"])
    s = short["shortfall_fte"].fillna(0.0).to_numpy()
    ids = short["target"].tolist()
    out.add(np.maximum(0.0, -s), np.abs(s), lambda i: f"negative shortfall: {ids[i]}")

    # levers used only where the case offers them
    L, a_s, a_g, a_t, a_i = (al[k].to_numpy() for k in ("lever", "s", "g", "t", "i"))
    offered = np.ones(len(al), bool)
    m = L == "recruitment"
    offered[m] = c.rec_open[a_i[m].astype(int), a_g[m].astype(int), a_s[m].astype(int)]
    m = L == "retention"
    offered[m] = c.seg_exists[a_g[m].astype(int), a_s[m].astype(int), a_i[m].astype(int)]
    m = L == "exit"
    offered[m] = c.exit_allowed[a_g[m].astype(int), a_s[m].astype(int), a_t[m].astype(int)]
    out.add(np.where(offered, 0.0, np.abs(q)), np.abs(q), lambda i: f"lever not offered by the case: {labels[i]}")

    # exit limits
    out.add(np.maximum(0.0, x.E - c.exit_max), np.maximum(np.abs(x.E), np.nan_to_num(c.exit_max, posinf=0.0)),
            where_gst(c, x.E.shape, "exits above their limit: "))
