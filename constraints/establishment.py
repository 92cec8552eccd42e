"""Establishment (MODEL.md §8): staff in post within funded posts, ``Σ_{s∈scope} H[g,s,t] ≤ posts``."""
from __future__ import annotations

import numpy as np

from constraints._scope import scope_labels
from optimiser.model.data import ModelData
from optimiser.model.lp import LinearProgram, labels

FAMILY = "establishment"


def add(lp: LinearProgram, data: ModelData) -> None:
    posts = data.case.table("establishment").reset_index(drop=True)
    if posts.empty:
        return
    H = lp.variables["staff_in_post"]
    row, s = data.scope_matrix(posts["scope"])
    g = data.groups.get_indexer(posts["staff_group"])
    block = lp.add_rows(FAMILY, "funded_posts", -np.inf, posts["posts_fte"].to_numpy(float),
                        labels(len(posts), item="posts", staff_group=posts["staff_group"].to_numpy(object),
                               year=posts["year"].to_numpy(object), **scope_labels(data, posts["scope"])), "<=")
    lp.add_terms(block, row, H.index(g[row], s, data.year_index(posts["year"])[row]), 1.0)
