"""Course capacity (MODEL.md §6): ``Σ_{s∈scope} X[p,s,t] ≤ CC[p,scope,t]``."""
from __future__ import annotations

from constraints._scope import scope_labels
from optimiser.model.data import ModelData
from optimiser.model.lp import LinearProgram, labels

FAMILY = "course_capacity"


def add(lp: LinearProgram, data: ModelData) -> None:
    cap = data.case.table("course_capacity").reset_index(drop=True)
    if cap.empty:
        return
    X = lp.variables["training_starts"]
    p = data.programmes.set_index("programme")
    row, s = data.scope_matrix(cap["scope"])
    prog = p.index.get_indexer(cap["programme"])
    block = lp.add_rows(FAMILY, "course_places", -float("inf"), cap["places"].to_numpy(float),
                        labels(len(cap), item=cap["programme"].to_numpy(object),
                               staff_group=p["staff_group"].to_numpy(object)[prog],
                               year=cap["year"].to_numpy(object), **scope_labels(data, cap["scope"])), "<=")
    lp.add_terms(block, row, X.index(prog[row], s, data.year_index(cap["year"])[row]), 1.0)
