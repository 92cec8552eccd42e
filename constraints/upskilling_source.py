"""Upskilling source (MODEL.md §3): starts of a programme that draws on a staff group are at most a
share of that group's opening staff. ``X[p,s,t] ≤ σ_p·H[f(p),s,t-1]``.
"""
from __future__ import annotations

import numpy as np

from optimiser.model.terms import grid
from optimiser.model.data import ModelData
from optimiser.model.lp import LinearProgram

FAMILY = "upskilling_source"


def add(lp: LinearProgram, data: ModelData) -> None:
    H, X = lp.variables["staff_in_post"], lp.variables["training_starts"]
    progs = data.programmes
    drawn = np.flatnonzero(progs["f"].to_numpy() >= 0)
    i, s, t = grid(len(drawn), data.S, data.T)
    p = drawn[i]
    f = progs["f"].to_numpy()[p]
    share = progs["max_source_share"].to_numpy()[p]
    upper = np.where(t == 0, share * data.baseline[f, s], 0.0)
    cols = X.index(p, s, t)
    block = lp.add_rows(FAMILY, "starts_within_source_group", -np.inf, upper,
                        X.labels.iloc[cols - X.offset], "<=")
    rows = np.arange(p.size)
    lp.add_terms(block, rows, cols, 1.0)
    later = t > 0
    lp.add_terms(block, rows[later], H.index(f[later], s[later], t[later] - 1), -share[later])
