"""stock_flow: ``H[g,s,t]`` equals the flow of MODEL.md §1 for every group, STP and model year."""
from __future__ import annotations

import numpy as np

from optimiser.verify.case import CaseArrays
from optimiser.verify.plan import Plan
from optimiser.verify.report import ROUNDING, FamilyResult
from optimiser.verify.rows import where_gst

FAMILY = "stock_flow"


def check(c: CaseArrays, x: Plan, out: FamilyResult) -> None:
    G, S, T = c.G, c.S, c.T
    H = x.H[:, :, 1:]
    opening = np.concatenate([c.baseline[:, :, None], x.H[:, :, 1:T]], axis=2)  # H[t-1]; the case's baseline first
    keep = (1.0 - c.leaver_rate)[:, :, None]
    terms = [keep * opening]
    coef = [np.concatenate([np.zeros((G, S, 1)), np.broadcast_to(keep, (G, S, T - 1))], axis=2)]  # rounded figures
    terms.append(x.R.sum(axis=3))
    coef.append((x.R != 0).sum(axis=3).astype(float))
    terms.append((c.rec_retention[..., None] * x.Rec).sum(axis=0))
    coef.append((c.rec_retention[..., None] * (x.Rec != 0)).sum(axis=0))
    qualify_in, qualify_out = np.zeros((G, S, T)), np.zeros((G, S, T))
    coef_in, coef_out = np.zeros((G, S, T)), np.zeros((G, S, T))
    for p, d in enumerate(c.duration):
        if d > T:
            continue
        qualifying = np.zeros((S, T))
        qualifying[:, d - 1:] = x.X[p, :, : T - d + 1]  # starts of year u qualify at the end of u+d-1
        qualify_in[c.prog_group[p]] += c.take_up[p] * c.completion[p] * qualifying
        coef_in[c.prog_group[p]] += c.take_up[p] * c.completion[p] * (qualifying != 0)
        if c.prog_source[p] >= 0:
            qualify_out[c.prog_source[p]] += c.completion[p] * qualifying
            coef_out[c.prog_source[p]] += c.completion[p] * (qualifying != 0)
    pipe_in, pipe_out = np.zeros((G, S, T)), np.zeros((G, S, T))
    inside = c.pipe_q < T
    p, s, q, n = c.pipe_p[inside], c.pipe_s[inside], c.pipe_q[inside], c.pipe_n[inside]
    np.add.at(pipe_in, (c.prog_group[p], s, q), c.take_up[p] * c.completion[p] * n)
    up = c.prog_source[p] >= 0
    np.add.at(pipe_out, (c.prog_source[p][up], s[up], q[up]), c.completion[p][up] * n[up])
    rhs = terms[0] + terms[1] + terms[2] + qualify_in + pipe_in - qualify_out - pipe_out - x.E
    magnitude = (np.abs(H) + np.abs(terms[0]) + np.abs(terms[1]) + np.abs(terms[2]) + np.abs(qualify_in)
                 + np.abs(pipe_in) + np.abs(qualify_out) + np.abs(pipe_out) + np.abs(x.E))
    allowance = ROUNDING * (1.0 + coef[0] + coef[1] + coef[2] + coef_in + coef_out + (x.E != 0))
    out.add(np.abs(H - rhs), magnitude, where_gst(c, (G, S, T)), allowance)
