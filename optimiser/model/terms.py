"""Pieces of the LP that the variables and several constraint families share: index grids, the rows
of retention segments, planned exits and soft targets, and students in training."""
from __future__ import annotations

import numpy as np
import pandas as pd

from optimiser.model.data import ModelData
from optimiser.model.lp import VariableBlock


def grid(*sizes: int) -> list[np.ndarray]:
    """Flat index arrays of every position of an array of ``sizes`` (C order)."""
    return [a.ravel() for a in np.meshgrid(*[np.arange(n) for n in sizes], indexing="ij")]


def retention_segments(data: ModelData) -> pd.DataFrame:
    """Retention segment rows resolved to STPs, with group and STP indices ``g`` and ``s``."""
    seg = data.case.table("retention_segments").reset_index(drop=True)
    return seg.assign(g=data.groups.get_indexer(seg["staff_group"]), s=data.stps.get_indexer(seg["area"]))


def planned_exits(data: ModelData) -> pd.DataFrame:
    """Rows where planned exits are allowed, with indices ``g``, ``s`` and ``t``."""
    ex = data.case.table("exits").reset_index(drop=True)
    return ex.assign(g=data.groups.get_indexer(ex["staff_group"]), s=data.stps.get_indexer(ex["area"]),
                     t=data.year_index(ex["year"]))


def soft_targets(data: ModelData) -> pd.DataFrame:
    """Soft targets in table order, with the penalty that applies (£ per FTE short)."""
    tg = data.case.table("targets")
    soft = tg[tg["kind"] == "soft"].reset_index(drop=True)
    default = data.case.config.default_penalty_gbp_per_fte
    return soft.assign(penalty=soft["penalty_gbp_per_fte"].astype(float).fillna(default))


def students_in_training(data: ModelData, starts: VariableBlock, row: np.ndarray, s: np.ndarray, t: np.ndarray,
                         weight: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Terms of ``Σ_p weight[p]·ST[p,s,t]`` for each (row, s, t) triple.

    ``ST[p,s,t]`` counts students in training in year ``t``: starts of the last ``d_p`` years.

    Returns:
        (rows, columns, coefficients) of the starts, and the students already in training from
        the pipeline, weighted, per triple (a constant to move to the right-hand side).
    """
    d = data.programmes["duration_years"].to_numpy(np.int64)
    rows, cols, vals = [], [], []
    for p in np.flatnonzero(weight):
        for lag in range(d[p]):
            ok = t - lag >= 0
            rows.append(row[ok])
            cols.append(starts.index(np.full(ok.sum(), p), s[ok], t[ok] - lag))
            vals.append(np.full(ok.sum(), weight[p]))
    pipe = data.pipeline
    pipe = pipe[weight[pipe["p"].to_numpy()] != 0]
    constant = np.zeros(len(row))
    if len(pipe):
        # a pipeline cohort is in training from the first year until its qualification year
        w = weight[pipe["p"].to_numpy()] * pipe["students"].to_numpy()
        last = np.minimum(pipe["q"].to_numpy(), data.T - 1)
        change = np.zeros((data.S, data.T + 1))
        np.add.at(change, (pipe["s"].to_numpy(), 0), w)
        np.add.at(change, (pipe["s"].to_numpy(), last + 1), -w)
        load = np.cumsum(change, axis=1)[:, : data.T]
        constant = load[s, t]
    cat = (lambda xs, dt: np.concatenate(xs) if xs else np.zeros(0, dt))
    return cat(rows, np.int64), cat(cols, np.int64), cat(vals, float), constant
