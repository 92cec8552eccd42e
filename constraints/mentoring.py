"""Mentoring (MODEL.md §5): students need mentors from the mentor group's opening staff.

For each mentor group ``m``: ``Σ_{p: m(p)=m} ST[p,s,t]/ρ_p ≤ μ_m·H[m,s,t-1]``, pipeline students included.
"""
from __future__ import annotations

import numpy as np

from optimiser.model.terms import grid, students_in_training
from optimiser.model.data import ModelData
from optimiser.model.lp import LinearProgram, labels

FAMILY = "mentoring"


def add(lp: LinearProgram, data: ModelData) -> None:
    progs = data.programmes
    H = lp.variables["staff_in_post"]
    S, T = data.S, data.T
    for m in sorted(set(progs["m"]) - {-1}):
        mentored = (progs["m"].to_numpy() == m)
        weight = np.where(mentored, 1.0 / progs["students_per_mentor"].to_numpy(float), 0.0)
        s, t = grid(S, T)
        row = np.arange(s.size)
        rows, cols, vals, pipeline = students_in_training(data, lp.variables["training_starts"], row, s, t, weight)
        mu = data.mentor_share[m]
        upper = np.where(t == 0, mu * data.baseline[m, s], 0.0) - pipeline
        group = data.groups[m]
        block = lp.add_rows(FAMILY, f"mentor_capacity_{group}", -np.inf, upper,
                            labels(s.size, item=f"mentors from {group}", staff_group=group, stp=data.stps.to_numpy(object)[s],
                                   region=data.stp_region.astype(object)[s], year=np.array(data.years, object)[t]), "<=")
        lp.add_terms(block, rows, cols, vals)
        later = t > 0
        lp.add_terms(block, row[later], H.index(np.full(later.sum(), m), s[later], t[later] - 1), -mu)
