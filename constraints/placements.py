"""Placements (MODEL.md §4): students in training need placement places.

``Σ_{s∈scope} Σ_p w_p·ST[p,s,t] ≤ PC[scope,t]``, students from the pipeline included.
"""
from __future__ import annotations

import numpy as np

from constraints._scope import scope_labels
from optimiser.model.terms import students_in_training
from optimiser.model.data import ModelData
from optimiser.model.lp import LinearProgram, labels

FAMILY = "placements"


def add(lp: LinearProgram, data: ModelData) -> None:
    cap = data.case.table("placement_capacity").reset_index(drop=True)
    if cap.empty:
        return
    t_row = data.year_index(cap["year"])
    row, s = data.scope_matrix(cap["scope"])
    rows, cols, vals, pipeline = students_in_training(
        data, lp.variables["training_starts"], row, s, t_row[row], data.programmes["placement_use"].to_numpy(float))
    upper = cap["placements"].to_numpy(float) - np.bincount(row, pipeline, minlength=len(cap))
    block = lp.add_rows(FAMILY, "placement_capacity", -np.inf, upper,
                        labels(len(cap), item="placements", year=cap["year"].to_numpy(object), **scope_labels(data, cap["scope"])), "<=")
    lp.add_terms(block, rows, cols, vals)
