"""Whole cohorts (MODEL.md §Integer variant): a programme with ``min_cohort`` runs in an STP and year
either not at all or with at least ``min_cohort`` starts.

For each such programme ``p``, STP ``s`` and year ``t`` a binary ``cohort_runs[p,s,t]`` (``y``) says
whether the cohort runs, with two rows:

- ``cohort_upper``:   ``X[p,s,t] - M[p,s,t]·y[p,s,t] ≤ 0`` (no starts unless the cohort runs);
- ``cohort_minimum``: ``X[p,s,t] - min_cohort_p·y[p,s,t] ≥ 0`` (a running cohort is at least the minimum).

``M[p,s,t]`` bounds the starts; it is the smallest of:

- the places of every ``course_capacity`` row of ``p`` and ``t`` whose scope holds ``s`` (the STP's
  starts are part of the row's sum);
- ``PC / w_p`` for every ``placement_capacity`` row whose scope holds ``s``, in each year the
  cohort is in training (its students use ``w_p`` places each; every other term of the row is ≥ 0);
- where neither exists, ``UNBOUNDED_COHORT_CAP`` starts, a documented cap far above any real intake
  (a cohort with no upper limit at all cannot be written with a binary: MIP formulations need a
  finite bound).

Where ``M`` is below the minimum the cohort cannot run, and ``y`` is fixed at 0.

The starts themselves are whole (``integer: true`` sets their integrality in
``optimiser.model.build``); ``y`` costs nothing, so the objective is unchanged.
"""
from __future__ import annotations

import numpy as np

from optimiser.model.terms import grid
from optimiser.model.data import ModelData
from optimiser.model.lp import LinearProgram, labels

FAMILY = "whole_cohorts"


#: Starts per STP and year assumed possible where no course or placement capacity bounds a
#: cohort: an assumption, far above any real intake (the national case's largest is about 650).
UNBOUNDED_COHORT_CAP = 100_000.0


def cohort_bound(data: ModelData) -> np.ndarray:
    """``M[p,s,t]``: the tightest course or placement capacity bound on each programme's starts in
    each STP and year (``UNBOUNDED_COHORT_CAP`` where none applies)."""
    progs = data.programmes
    P, S, T = len(progs), data.S, data.T
    bound = np.full((P, S, T), np.inf)
    cap = data.case.table("course_capacity")
    if cap is not None and not cap.empty:
        cap = cap.reset_index(drop=True)
        row, s = data.scope_matrix(cap["scope"])
        p = progs.set_index("programme").index.get_indexer(cap["programme"])[row]
        t = data.year_index(cap["year"])[row]
        np.minimum.at(bound, (p, s, t), cap["places"].to_numpy(float)[row])
    places = data.case.table("placement_capacity")
    use = progs["placement_use"].to_numpy(float)
    if places is not None and not places.empty and (use > 0).any():
        places = places.reset_index(drop=True)
        row, s = data.scope_matrix(places["scope"])
        when = data.year_index(places["year"])[row]
        limit = np.maximum(places["placements"].to_numpy(float)[row], 0.0)
        duration = progs["duration_years"].to_numpy(np.int64)
        for p in np.flatnonzero(use > 0):
            for lag in range(duration[p]):  # a start in year t is in training in years t .. t+d-1
                ok = when - lag >= 0
                np.minimum.at(bound[p], (s[ok], when[ok] - lag), limit[ok] / use[p])
    return np.where(np.isfinite(bound), bound, UNBOUNDED_COHORT_CAP)


def add(lp: LinearProgram, data: ModelData) -> None:
    progs = data.programmes
    minimum = progs["min_cohort"].to_numpy(float)
    cohort = np.flatnonzero(progs["integer"].to_numpy(bool) & (minimum > 0))
    if cohort.size == 0:
        return
    X = lp.variables["training_starts"]
    S, T = data.S, data.T
    bound = cohort_bound(data)[cohort]
    stps, regions = data.stps.to_numpy(object), data.stp_region.astype(object)
    years = np.array(data.years, dtype=object)
    names = progs["programme"].to_numpy(object)[cohort]
    groups = data.groups.to_numpy(object)[progs["g"].to_numpy()[cohort]]
    i, s, t = grid(len(cohort), S, T)
    cell_labels = labels(i.size, item=names[i], staff_group=groups[i], stp=stps[s], region=regions[s], year=years[t])
    runs_upper = np.where(bound >= minimum[cohort, None, None], 1.0, 0.0)
    y = lp.add_variables("cohort_runs", (len(cohort), S, T), 0.0, cell_labels, "cohorts", upper=runs_upper,
                         integer=True)
    x_cols = X.index(cohort[i], s, t)
    y_cols = y.index(i, s, t)
    n = np.arange(i.size)

    upper = lp.add_rows(FAMILY, "cohort_upper", -np.inf, 0.0, cell_labels, "<=")
    lp.add_terms(upper, n, x_cols, 1.0)
    lp.add_terms(upper, n, y_cols, -bound.ravel())
    low = lp.add_rows(FAMILY, "cohort_minimum", 0.0, np.inf, cell_labels, ">=")
    lp.add_terms(low, n, x_cols, 1.0)
    lp.add_terms(low, n, y_cols, -minimum[cohort][i])
