"""Build the allocation LP of a case: variables, then each constraint family in registry order."""
from __future__ import annotations

import numpy as np

from constraints import FAMILIES
from optimiser.case import Case
from optimiser.model.data import ModelData, model_data
from optimiser.model.lp import LinearProgram, labels
from optimiser.model.terms import grid, planned_exits, retention_segments, soft_targets


def build_lp(case: Case) -> tuple[LinearProgram, ModelData]:
    """Assemble the whole LP of ``case`` (MODEL.md) from arrays."""
    data = model_data(case)
    lp = LinearProgram()
    define_variables(lp, data)
    for family in FAMILIES:
        family.add(lp, data)
    return lp, data


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
