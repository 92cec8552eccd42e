"""Stock flow (MODEL.md §1): staff in post at the end of each year, for every group, STP and year.

``H[g,s,t] = (1-a)·H[g,s,t-1] + Σ_j R + Σ_k v·Rec + Σ_{g(p)=g} e·c·X[p,s,t-d+1] + Q
- Σ_{f(p)=g} c·X[p,s,t-d+1] - E``, with ``H[g,s,-1]`` the baseline.
"""
from __future__ import annotations

import numpy as np

from optimiser.model.terms import grid, planned_exits, retention_segments
from optimiser.model.data import ModelData
from optimiser.model.lp import LinearProgram, labels

FAMILY = "stock_flow"


def add(lp: LinearProgram, data: ModelData) -> None:
    G, S, T = data.G, data.S, data.T
    H, X, Rec = lp.variables["staff_in_post"], lp.variables["training_starts"], lp.variables["recruits"]
    R, E = lp.variables["leavers_retained"], lp.variables["planned_exits"]
    keep = 1.0 - data.leaver_rate  # (G, S)

    def row(g, s, t):
        return (np.asarray(g) * S + np.asarray(s)) * T + np.asarray(t)

    rhs = np.zeros((G, S, T))
    rhs[:, :, 0] = keep * data.baseline
    progs = data.programmes
    c, e = progs["completion_rate"].to_numpy(), progs["take_up_rate"].to_numpy()
    gp, fp = progs["g"].to_numpy(), progs["f"].to_numpy()
    pipe = data.pipeline[data.pipeline["q"] < T]
    p_, s_, q_, n_ = (pipe[k].to_numpy() for k in ("p", "s", "q", "students"))
    np.add.at(rhs, (gp[p_], s_, q_), e[p_] * c[p_] * n_)
    up = fp[p_] >= 0
    np.add.at(rhs, (fp[p_][up], s_[up], q_[up]), -c[p_][up] * n_[up])

    g, s, t = grid(G, S, T)
    block = lp.add_rows(FAMILY, "staff_in_post_balance", rhs.ravel(), rhs.ravel(),
                        labels(g.size, staff_group=data.groups.to_numpy(object)[g], stp=data.stps.to_numpy(object)[s],
                               region=data.stp_region.astype(object)[s], year=np.array(data.years, object)[t]), "=")
    lp.add_terms(block, row(g, s, t), H.index(g, s, t), 1.0)
    later = t > 0
    lp.add_terms(block, row(g, s, t)[later], H.index(g[later], s[later], t[later] - 1), -keep[g[later], s[later]])

    seg = retention_segments(data)
    n, t = grid(len(seg), T)
    lp.add_terms(block, row(seg["g"].to_numpy()[n], seg["s"].to_numpy()[n], t), R.index(n, t), -1.0)

    kg, s, t = grid(len(data.recruit), S, T)
    lp.add_terms(block, row(data.recruit["g"].to_numpy()[kg], s, t), Rec.index(kg, s, t),
                 -data.recruit_retention[kg, s])

    p, s, u = grid(len(progs), S, T)
    t = u + progs["duration_years"].to_numpy()[p] - 1  # year at whose end the cohort qualifies
    inside = t < T
    p, s, u, t = p[inside], s[inside], u[inside], t[inside]
    lp.add_terms(block, row(gp[p], s, t), X.index(p, s, u), -e[p] * c[p])
    up = fp[p] >= 0
    lp.add_terms(block, row(fp[p][up], s[up], t[up]), X.index(p[up], s[up], u[up]), c[p][up])

    ex = planned_exits(data)
    lp.add_terms(block, row(ex["g"].to_numpy(), ex["s"].to_numpy(), ex["t"].to_numpy()), E.index(np.arange(len(ex))), 1.0)
