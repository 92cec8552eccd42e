"""Targets (MODEL.md §10): staff in post (``level``) or growth over the baseline (``growth``) within
a minimum and an optional maximum. A soft target's shortfall variable relaxes its minimum at a penalty.
"""
from __future__ import annotations

import numpy as np

from optimiser.model.terms import soft_targets
from optimiser.model.data import ModelData
from optimiser.model.lp import LinearProgram, labels

FAMILY = "targets"


def add(lp: LinearProgram, data: ModelData) -> None:
    tg = data.case.table("targets").reset_index(drop=True)
    H, short = lp.variables["staff_in_post"], lp.variables["target_shortfall"]
    t = data.year_index(tg["year"])
    base = np.zeros(len(tg))
    cells = []
    for i, target in tg.iterrows():
        g, s = data.target_cells(target)
        cells.append((g, s))
        if target["measure"] == "growth":
            base[i] = data.baseline[g, s].sum()
    row_labels = labels(len(tg), item=tg["target"].to_numpy(object), year=tg["year"].to_numpy(object))
    minimum = lp.add_rows(FAMILY, "target_minimum", tg["minimum_fte"].to_numpy(float) + base, np.inf, row_labels, ">=")
    for i, (g, s) in enumerate(cells):
        lp.add_terms(minimum, np.full(g.size, i), H.index(g, s, np.full(g.size, t[i])), 1.0)
    soft = soft_targets(data)
    lp.add_terms(minimum, tg.index[tg["kind"] == "soft"].to_numpy(), short.index(np.arange(len(soft))), 1.0)

    has_max = np.flatnonzero(tg["maximum_fte"].notna().to_numpy())
    if has_max.size:
        upper = tg["maximum_fte"].to_numpy(float)[has_max] + base[has_max]
        maximum = lp.add_rows(FAMILY, "target_maximum", -np.inf, upper, row_labels.iloc[has_max], "<=")
        for r, i in enumerate(has_max):
            g, s = cells[i]
            lp.add_terms(maximum, np.full(g.size, r), H.index(g, s, np.full(g.size, t[i])), 1.0)
