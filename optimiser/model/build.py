"""Build the allocation LP of a case: variables, then each constraint family in registry order."""
from __future__ import annotations

import numpy as np
import pandas as pd

from optimiser.case import Case
from optimiser.model.data import ModelData, model_data
from optimiser.model.lp import LinearProgram, VariableBlock, labels


def build_lp(case: Case) -> tuple[LinearProgram, ModelData]:
    """Assemble the whole LP of ``case`` (MODEL.md) from arrays."""
    from constraints import FAMILIES

    data = model_data(case)
    lp = LinearProgram()
    define_variables(lp, data)
    for family in FAMILIES:
        family.add(lp, data)
    return lp, data


def grid(*sizes: int) -> list[np.ndarray]:
    """Flat index arrays of every position of an array of ``sizes`` (C order)."""
    return [a.ravel() for a in np.meshgrid(*[np.arange(n) for n in sizes], indexing="ij")]


def define_variables(lp: LinearProgram, data: ModelData) -> None:
    """The decision variables of MODEL.md, each block labelled in the planner's words.

    Costs are present values: the undiscounted £ cost times the year's discount factor.
    """
    G, S, T = data.G, data.S, data.T
    years = np.array(data.years, dtype=object)
    stps, regions = data.stps.to_numpy(object), data.stp_region.astype(object)
    groups = data.groups.to_numpy(object)
    disc = data.discount

    g, s, t = grid(G, S, T)
    lp.add_variables("staff_in_post", (G, S, T), 0.0,
                     labels(g.size, staff_group=groups[g], stp=stps[s], region=regions[s], year=years[t]), "FTE")

    progs = data.programmes
    P = len(progs)
    p, s, t = grid(P, S, T)
    lp.add_variables("training_starts", (P, S, T), progs["cost_per_place_gbp"].to_numpy(float)[:, None, None],
                     labels(p.size, item=progs["programme"].to_numpy(object)[p], staff_group=groups[progs["g"].to_numpy()[p]],
                            stp=stps[s], region=regions[s], year=years[t]), "starts", discount=disc,
                     integer=progs["integer"].to_numpy(bool)[:, None, None])  # whole places (MODEL.md §Integer variant)

    rec = data.recruit
    kg, s, t = grid(len(rec), S, T)
    lp.add_variables("recruits", (len(rec), S, T), data.recruit_cost[:, :, None],
                     labels(kg.size, item=rec["source"].to_numpy(object)[kg], staff_group=rec["staff_group"].to_numpy(object)[kg],
                            stp=stps[s], region=regions[s], year=years[t]), "recruits", discount=disc,
                     upper=np.where(data.recruit_open, np.inf, 0.0)[:, :, None])

    seg = retention_segments(data)
    n, t = grid(len(seg), T)
    lp.add_variables("leavers_retained", (len(seg), T),
                     seg["cost_per_avoided_leaver_gbp"].to_numpy(float)[:, None],
                     labels(n.size, item=("segment " + seg["segment"].astype(str)).to_numpy(object)[n],
                            staff_group=seg["staff_group"].to_numpy(object)[n], stp=seg["area"].to_numpy(object)[n],
                            region=regions[seg["s"].to_numpy()[n]], year=years[t]), "leavers retained",
                     discount=disc)

    ex = planned_exits(data)
    lp.add_variables("planned_exits", (len(ex),), ex["cost_per_exit_gbp"].to_numpy(float),
                     labels(len(ex), item="exits", staff_group=ex["staff_group"].to_numpy(object), stp=ex["area"].to_numpy(object),
                            region=regions[ex["s"].to_numpy()], year=ex["year"].to_numpy(object)), "FTE",
                     discount=disc[ex["t"].to_numpy()], upper=ex["max_exits_fte"].astype(float).fillna(np.inf).to_numpy())

    soft = soft_targets(data)
    lp.add_variables("target_shortfall", (len(soft),), soft["penalty"].to_numpy(float),
                     labels(len(soft), item=soft["target"].to_numpy(object), year=soft["year"].to_numpy(object)), "FTE")


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
