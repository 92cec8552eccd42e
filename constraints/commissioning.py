"""Commissioning continuity (MODEL.md §11): a commissioned intake cannot be switched off and on.

The intake of programme ``p`` in commissioning scope ``c`` is ``I[p,c,t] = Σ_{s∈c} X[p,s,t]``, with
``I[p,c,-1] = B[p,c]`` the baseline intake (commissioning.csv). In every model year:
``I[t] ≤ (1+up)·I[t−1] + open`` (``intake_rise``), ``I[t] ≥ (1−down)·I[t−1]`` (``intake_fall``) and
``I[t] ≥ floor·B`` (``intake_floor``), each only where the case gives its share.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from constraints._ramp import ramp_rows
from constraints._scope import scope_labels
from optimiser.model.data import ModelData
from optimiser.model.lp import LinearProgram, labels

FAMILY = "commissioning"


def intakes(data: ModelData) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Commissioned intakes: the table with programme index ``p``, and (intake, STP) member pairs."""
    com = data.case.table("commissioning").reset_index(drop=True)
    com["p"] = pd.Index(data.programmes["programme"]).get_indexer(com["programme"])
    unit, s = data.scope_matrix(com["scope"])
    return com, unit, s


def intake_scopes(data: ModelData) -> pd.DataFrame:
    """Every programme's commissioned intakes: the commissioning table's rows, then one national intake for each
    programme it does not name (baseline intake unknown, no opening allowance). Columns programme, scope,
    baseline_intake, opening_allowance and ``p``."""
    com, _, _ = intakes(data)
    extra = data.programmes.loc[~data.programmes["programme"].isin(set(com["programme"])), ["programme"]]
    extra = extra.assign(scope="england", baseline_intake=np.nan, opening_allowance=0.0)
    columns = ["programme", "scope", "baseline_intake", "opening_allowance"]
    scopes = pd.concat([com[columns], extra], ignore_index=True) if len(com) else extra.reset_index(drop=True)
    scopes["baseline_intake"] = scopes["baseline_intake"].astype(float)
    scopes["p"] = pd.Index(data.programmes["programme"]).get_indexer(scopes["programme"])
    return scopes


def row_labels(data: ModelData, com: pd.DataFrame) -> pd.DataFrame:
    """One label row per (intake, model year), intake-major."""
    T, n = data.T, len(com)
    k, t = np.repeat(np.arange(n), T), np.tile(np.arange(T), n)
    groups = data.programmes["staff_group"].to_numpy(object)
    return labels(n * T, item=com["programme"].to_numpy(object)[k], staff_group=groups[com["p"].to_numpy()[k]],
                  year=np.array(data.years, object)[t],
                  **{key: v[k] for key, v in scope_labels(data, com["scope"]).items()})


def add(lp: LinearProgram, data: ModelData) -> None:
    com, unit, s = intakes(data)
    if com.empty:
        return
    X = lp.variables["training_starts"]
    base = com["baseline_intake"].to_numpy(float)
    for name, column, sense, mult in (
            ("intake_rise", "max_rise_share", "<=", lambda v: 1.0 + v),
            ("intake_fall", "max_fall_share", ">=", lambda v: 1.0 - v),
            ("intake_floor", "floor_share", ">=", None)):
        share = com[column].astype(float).to_numpy()
        keep = np.flatnonzero(np.isfinite(share))
        if not keep.size:
            continue
        renumber = np.full(len(com), -1)
        renumber[keep] = np.arange(keep.size)
        on = renumber[unit] >= 0
        members, stp = renumber[unit][on], s[on]
        p = com["p"].to_numpy()[unit][on]
        cols = lambda t, p=p, stp=stp: X.index(p, stp, t)  # noqa: E731
        lab = row_labels(data, com.iloc[keep].reset_index(drop=True))
        if mult is None:  # a floor: I[t] ≥ floor·B, the same in every year
            ramp_rows(lp, FAMILY, name, members, cols, np.zeros(keep.size), np.zeros(keep.size),
                      share[keep] * base[keep], sense, lab, data.T)
        else:
            allowance = com["opening_allowance"].to_numpy(float)[keep] if sense == "<=" else np.zeros(keep.size)
            ramp_rows(lp, FAMILY, name, members, cols, base[keep], mult(share[keep]), allowance, sense, lab, data.T)
