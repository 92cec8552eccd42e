"""One plan among equals (MODEL.md §14): the rows and columns of stage 2.

Stage 1 finds the least cost ``C*``. Stage 2 keeps every limit, caps the cost at
``C*·(1 + cost_tolerance)`` (row ``cost_within_tolerance``) and minimises the imbalance ``D``,
a weighted sum of absolute deviations, each written ``L − above + below = 0`` with
``above, below ≥ 0`` (columns ``NAME_above`` and ``NAME_below``):

- ``growth_share`` (``growth_weight`` per FTE): in every planning year, each STP's growth of a group
  against its reference share of the group's national growth,
  ``(H[g,s,t] − H0[g,s]) − share[s]·Σ_{s'}(H[g,s',t] − H0[g,s'])`` (MODEL.md measures the last year;
  the earlier years pin the path to it);
- ``intake_change`` (``intake_weight`` per start): each commissioned intake's change from the year
  before, ``I[p,c,t] − I[p,c,t−1]`` (``I[p,c,−1] = B[p,c]``); a programme the commissioning table
  does not name is one national intake, smoothed from its second year;
- ``starts_spread``, ``recruits_spread`` and ``retention_spread`` (``spread_weight`` per unit): each
  STP's starts of a programme against its reference share of its intake; each region's recruits from
  a source into a group against its share of England's, and each STP's against its share of its
  region's; each STP's leavers retained by a segment against its share of England's.

Last, a fixed tie-break (:data:`TIE_BREAK_WEIGHT`) tells apart plans that ``D`` rates the same.

Totals are columns of their own (``intake_total``, ``recruits_total``, ...), each defined by a row
``total − Σ members = 0``, so that every deviation row has a handful of terms. The reference share is
the STP's ``need`` weight, else its population, else equal, normalised within the parent
(:func:`optimiser.model.data.reference_share`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from constraints.commissioning import intake_scopes
from optimiser.model.terms import grid, retention_segments
from optimiser.model.data import ModelData
from optimiser.model.lp import LinearProgram, RowBlock, VariableBlock, labels

FAMILY = "balance"
#: The last tie-break: plans equally balanced by ``D`` (absolute values tie easily) are told apart by a
#: weight of ``TIE_BREAK_WEIGHT × u_j`` per unit of every stage-1 column, ``u_j`` uniform on [1, 2] from a
#: fixed seed: far below the smallest weight of ``D`` (0.01), far above solvers' optimality tolerances, so
#: every solver picks the same plan.
TIE_BREAK_WEIGHT = 1e-4
TIE_BREAK_SEED = 20170701


def add(lp: LinearProgram, data: ModelData, cost_cap: float) -> np.ndarray:
    """Add stage 2's rows and columns to the stage-1 LP ``lp``; return the stage-2 objective (one weight per column).

    ``cost_cap`` is the most the plan may cost (£, the stage-1 objective's units).
    """
    cfg = data.case.config.balance
    cost = lp.cost
    stage_one = lp.num_col
    cap = lp.add_rows(FAMILY, "cost_within_tolerance", -np.inf, cost_cap, labels(1, item="total cost"), "<=")
    paid = np.flatnonzero(cost)
    lp.add_terms(cap, np.zeros(paid.size, np.int64), paid, cost[paid])
    terms = [(_growth_shares(lp, data), cfg.growth_weight)]
    terms += [(block, cfg.intake_weight if block.name == "intake_change" else cfg.spread_weight)
              for block in _intakes(lp, data)]
    terms += [(block, cfg.spread_weight) for block in _recruits(lp, data) + [_retention(lp, data)]]

    # last, a fixed tie-break among equally balanced plans: a tiny seeded weight on every stage-1 column
    objective = [np.zeros(lp.num_col)]
    objective[0][:stage_one] = TIE_BREAK_WEIGHT * np.random.default_rng(TIE_BREAK_SEED).uniform(1.0, 2.0, stage_one)
    for block, weight in terms:
        for side, sign in (("above", -1.0), ("below", 1.0)):
            dev = lp.add_variables(f"{block.name}_{side}", (block.size,), 0.0, block.labels, "deviation")
            lp.add_terms(block, np.arange(block.size), dev.index(np.arange(block.size)), sign)
            objective.append(np.full(block.size, weight))
    return np.concatenate(objective)


def _year_labels(data: ModelData, t) -> np.ndarray:
    return np.array(data.years, object)[t]


def _total(lp: LinearProgram, name: str, size: int, parent: np.ndarray, members: np.ndarray,
           lab: pd.DataFrame, unit: str) -> VariableBlock:
    """Total columns (one per parent), each defined by ``total − Σ members = 0``."""
    total = lp.add_variables(name, (size,), 0.0, lab, unit)
    defn = lp.add_rows(FAMILY, name, 0.0, 0.0, lab, "=")
    lp.add_terms(defn, np.arange(size), total.index(np.arange(size)), 1.0)
    lp.add_terms(defn, parent, members, -1.0)
    return total


def _deviation(lp: LinearProgram, name: str, members: np.ndarray, totals: np.ndarray, within: np.ndarray,
               lab: pd.DataFrame, rhs=0.0) -> RowBlock:
    """Rows ``member − within·total = rhs`` (the deviation columns are added by :func:`add`)."""
    block = lp.add_rows(FAMILY, name, rhs, rhs, lab, "=")
    rows = np.arange(members.size)
    lp.add_terms(block, rows, members, 1.0)
    lp.add_terms(block, rows, totals, -within)
    return block


def _growth_shares(lp: LinearProgram, data: ModelData) -> RowBlock:
    H, share = lp.variables["staff_in_post"], data.reference_share
    g, t = grid(data.G, data.T_plan)
    total = _total(lp, "staff_total", g.size, *_members(H, g, t, data.S),
                   labels(g.size, staff_group=data.groups.to_numpy(object)[g], year=_year_labels(data, t)), "FTE")
    g, s, t = grid(data.G, data.S, data.T_plan)
    rhs = data.baseline[g, s] - share[s] * data.baseline.sum(axis=1)[g]
    return _deviation(lp, "growth_share", H.index(g, s, t), total.index(g * data.T_plan + t), share[s],
                      labels(g.size, staff_group=data.groups.to_numpy(object)[g], stp=data.stps.to_numpy(object)[s],
                             region=data.stp_region.astype(object)[s], year=_year_labels(data, t)), rhs)


def _members(block: VariableBlock, g: np.ndarray, t: np.ndarray, S: int):
    """(parent, column) pairs: every STP's column of ``block[g, s, t]`` under parent ``(g, t)``."""
    parent = np.repeat(np.arange(g.size), S)
    s = np.tile(np.arange(S), g.size)
    return parent, block.index(np.repeat(g, S), s, np.repeat(t, S))


def _intakes(lp: LinearProgram, data: ModelData) -> list[RowBlock]:
    X, T, share = lp.variables["training_starts"], data.T, data.reference_share
    scopes = intake_scopes(data)
    p = scopes["p"].to_numpy()
    unit, stp = data.scope_matrix(scopes["scope"])
    k, t = grid(len(scopes), T)
    scope = scopes["scope"].to_numpy(object)
    lab = labels(k.size, item=scopes["programme"].to_numpy(object)[k], year=_year_labels(data, t),
                 region=np.where(np.isin(scope, data.regions), scope, None)[k],
                 stp=np.where(np.isin(scope, data.stps), scope, None)[k])
    uu, ss, tt = np.repeat(unit, T), np.repeat(stp, T), np.tile(np.arange(T), unit.size)
    total = _total(lp, "intake_total", k.size, uu * T + tt, X.index(p[uu], ss, tt), lab, "starts")

    base = scopes["baseline_intake"].to_numpy(float)
    keep = (t > 0) | np.isfinite(base)[k]
    kk, tk = k[keep], t[keep]
    change = lp.add_rows(FAMILY, "intake_change", np.where(tk == 0, base[kk], 0.0), np.where(tk == 0, base[kk], 0.0),
                         lab[keep], "=")
    rows = np.arange(kk.size)
    lp.add_terms(change, rows, total.index(kk * T + tk), 1.0)
    later = tk > 0
    lp.add_terms(change, rows[later], total.index(kk[later] * T + tk[later] - 1), -1.0)

    within = share[stp] / np.bincount(unit, weights=share[stp], minlength=len(scopes))[unit]
    spread = _deviation(lp, "starts_spread", X.index(p[uu], ss, tt), total.index(uu * T + tt), np.repeat(within, T),
                        labels(uu.size, item=scopes["programme"].to_numpy(object)[uu], stp=data.stps.to_numpy(object)[ss],
                               region=data.stp_region.astype(object)[ss], year=_year_labels(data, tt)))
    return [change, spread]


def _recruits(lp: LinearProgram, data: ModelData) -> list[RowBlock]:
    """Recruits by region against England's, and by STP against the region's (STPs the source is open in)."""
    Rec, rec, T = lp.variables["recruits"], data.recruit, data.T
    region_of = data.regions.get_indexer(data.stp_region)
    R, KG = len(data.regions), len(data.recruit)
    weight = np.where(data.recruit_open, data.reference_share[None, :], 0.0)  # (KG, S)
    region_weight = np.zeros((KG, R))
    np.add.at(region_weight, (slice(None), region_of), weight)
    source, group = rec["source"].to_numpy(object), rec["staff_group"].to_numpy(object)

    kg, s, t = grid(KG, data.S, T)
    on = data.recruit_open[kg, s]
    kg, s, t = kg[on], s[on], t[on]
    r = region_of[s]
    k2, r2, t2 = grid(KG, R, T)
    regional = _total(lp, "recruits_total", k2.size, (kg * R + r) * T + t, Rec.index(kg, s, t),
                      labels(k2.size, item=source[k2], staff_group=group[k2], region=data.regions.to_numpy(object)[r2],
                             year=_year_labels(data, t2)), "recruits")
    k1, t1 = grid(KG, T)
    national = _total(lp, "recruits_england", k1.size, k2 * T + t2, regional.index(np.arange(k2.size)),
                      labels(k1.size, item=source[k1], staff_group=group[k1], year=_year_labels(data, t1)), "recruits")
    whole = region_weight.sum(axis=1)
    open_r = region_weight[k2, r2] > 0
    by_region = _deviation(lp, "recruits_region_spread", regional.index(np.flatnonzero(open_r)),
                           national.index(k2[open_r] * T + t2[open_r]), (region_weight[k2, r2] / whole[k2])[open_r],
                           regional.labels.iloc[np.flatnonzero(open_r)])
    by_stp = _deviation(lp, "recruits_spread", Rec.index(kg, s, t), regional.index((kg * R + r) * T + t),
                        weight[kg, s] / region_weight[kg, r],
                        labels(kg.size, item=source[kg], staff_group=group[kg], stp=data.stps.to_numpy(object)[s],
                               region=data.stp_region.astype(object)[s], year=_year_labels(data, t)))
    return [by_region, by_stp]


def _retention(lp: LinearProgram, data: ModelData) -> RowBlock:
    """Leavers retained by STP against its share of England's, per group, segment number and year."""
    R, T = lp.variables["leavers_retained"], data.T
    seg = retention_segments(data)
    key = pd.MultiIndex.from_frame(seg[["staff_group", "segment"]])
    parents, parent = np.unique(key.to_numpy(), return_inverse=True)
    n, t = grid(len(seg), T)
    P = len(parents)
    p2, t2 = grid(P, T)
    total = _total(lp, "retained_total", p2.size, parent[n] * T + t, R.index(n, t),
                   labels(p2.size, item=np.array([f"segment {j}" for _, j in parents], object)[p2],
                          staff_group=np.array([g for g, _ in parents], object)[p2], year=_year_labels(data, t2)),
                   "leavers retained")
    w = data.reference_share[seg["s"].to_numpy()]
    within = w / np.bincount(parent, weights=w, minlength=P)[parent]
    return _deviation(lp, "retention_spread", R.index(n, t), total.index(parent[n] * T + t), within[n],
                      R.labels)
