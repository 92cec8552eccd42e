"""Retention (MODEL.md §2): leavers kept by segment ``j`` are at most its share of expected leavers.

``R[g,s,t,j] ≤ φ_j·a[g,s]·H[g,s,t-1]``.
"""
from __future__ import annotations

import numpy as np

from optimiser.model.terms import grid, retention_segments
from optimiser.model.data import ModelData
from optimiser.model.lp import LinearProgram

FAMILY = "retention"


def add(lp: LinearProgram, data: ModelData) -> None:
    T = data.T
    H, R = lp.variables["staff_in_post"], lp.variables["leavers_retained"]
    seg = retention_segments(data)
    n, t = grid(len(seg), T)
    g, s = seg["g"].to_numpy()[n], seg["s"].to_numpy()[n]
    share = seg["share_of_leavers"].to_numpy()[n] * data.leaver_rate[g, s]
    upper = np.where(t == 0, share * data.baseline[g, s], 0.0)
    block = lp.add_rows(FAMILY, "leavers_retained_limit", -np.inf, upper, R.labels, "<=")
    rows = np.arange(n.size)
    lp.add_terms(block, rows, R.index(n, t), 1.0)
    later = t > 0
    lp.add_terms(block, rows[later], H.index(g[later], s[later], t[later] - 1), -share[later])
