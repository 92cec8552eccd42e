"""(b) The conflict set: an irreducible inconsistent subset of the case's limits (:mod:`.model`).

The set is found by deletion filtering (Chinneck): start from the support of HiGHS's dual ray (a Farkas
certificate: those limits alone already conflict), then drop limits one at a time, keeping each whose
removal makes the case feasible, and after each infeasible test drop every limit outside the new ray's
support. Share limits are tried first and budgets and targets last, so the set keeps the limits a planner
can most easily act on when there is a choice. Dropping any one limit of the set (for a narrowed limit, any
one of its years) makes the case feasible.

A quantity limit over several years keeps only the years outside the final Farkas certificate; when the
conflict holds few such limits (:data:`NARROW_MAX_LIMITS`), each is narrowed until every year left is needed.

HiGHS's own ``getIis`` (highspy 1.14) is not used: its default ``iis_strategy`` (0, "light") only looks for
incompatible bounds and returns an empty set here; strategy 2 or 6 (elasticity filter over every row,
stock-flow balances included) needed more than 400 s on the national ``tight_budget`` case, grew a set of
thousands of balance rows and ignored ``time_limit``. :func:`highs_iis` runs it on small models, where the
tests check it agrees.
"""
from __future__ import annotations

import highspy
import numpy as np

from optimiser.analysis.diagnosis.model import DiagnosisError, Limit, LiveModel
from optimiser.model.lp import LinearProgram

#: Families tried first in the deletion filter (so dropped first when there is a choice); targets last.
DELETION_ORDER = {"retention": 0, "upskilling_source": 0, "mentoring": 0, "placements": 1, "course_capacity": 1,
                  "recruitment_pools": 1, "establishment": 1, "commissioning": 1, "absorption": 1, "run_out": 1,
                  "budget": 2, "targets": 3}
#: Quantity limits spanning several years are narrowed until every year left is needed when the
#: conflict set holds at most this many of them (each costs a few LP solves); beyond it only the years
#: outside the dual ray's support are dropped (one solve each).
NARROW_MAX_LIMITS = 12


def conflict_set(live: LiveModel, limits: list[Limit], narrow_max_limits: int) -> dict:
    """(b) An irreducible set of limits that conflict (deletion filter with dual-ray shortcuts)."""
    live.costs(plan=False)
    row_limit = {}
    for lim in limits:
        for r in lim.rows:
            row_limit[int(r)] = lim.id
    active = {lim.id for lim in limits}

    def shrink(keep: set[int]) -> None:
        """Drop every active limit outside the last infeasible solve's ray support (and not in ``keep``)."""
        support = live.ray_rows()
        if support is None:
            return
        inside = {row_limit[r] for r in support if r in row_limit}
        out = [i for i in active if i not in inside and i not in keep]
        if not out:
            return
        rows = np.concatenate([limits[i].rows for i in out])
        live.drop(rows)
        if live.feasible():  # the ray was not a certificate after all (tolerances): undo
            live.restore(rows)
            live.feasible()
            return
        active.difference_update(out)

    if live.feasible():
        raise DiagnosisError("the case became feasible during the diagnosis")
    shrink(set())
    needed: set[int] = set()
    order = sorted(active, key=lambda i: (DELETION_ORDER.get(limits[i].family, 1), -limits[i].rows.size, i))
    for i in order:
        if i not in active:
            continue
        live.drop(limits[i].rows)
        if live.feasible():
            live.restore(limits[i].rows)
            needed.add(i)
        else:
            active.discard(i)
            shrink(needed)
    # a feasible last test leaves no ray: re-solve so that narrowing can use one
    result = [limits[i] for i in sorted(active)]
    multi = [lim for lim in result if lim.kind == "quantity" and lim.rows.size > 1]
    narrowed = len(multi) <= narrow_max_limits
    if multi:
        live.feasible()  # infeasible: leaves a ray
        for lim in multi:
            keep = narrow(live, lim, fully=narrowed)
            if not keep.all():
                result[result.index(lim)] = lim.subset(keep)
    # leave the model as the case: every limit in force
    live.restore(np.concatenate([lim.rows for lim in limits]) if limits else [])
    return {"limits": result, "narrowed": narrowed or not multi}


def narrow(live: LiveModel, lim: Limit, fully: bool) -> np.ndarray:
    """Which rows of ``lim`` (every other limit as it stands) must stay for the conflict to hold.

    First the rows outside the last dual ray's support are dropped together (one solve); then, if
    ``fully``, the rest are halved until each remaining row is needed. Dropped rows stay dropped.
    """
    keep = np.ones(lim.rows.size, bool)
    support = live.ray_rows()
    if support is not None:
        outside = np.array([int(r) not in support for r in lim.rows])
        if outside.any() and not outside.all():
            live.drop(lim.rows[outside])
            if live.feasible():
                live.restore(lim.rows[outside])
                live.feasible()  # infeasible again: a ray for the next limit
            else:
                keep &= ~outside
    if not fully:
        return keep
    queue = [np.flatnonzero(keep)]
    if queue[0].size <= 1:
        return keep
    first = queue.pop()
    half = first.size // 2
    queue = [first[:half], first[half:]]
    while queue:
        chunk = queue.pop(0)
        live.drop(lim.rows[chunk])
        if not live.feasible():
            keep[chunk] = False
            continue
        live.restore(lim.rows[chunk])
        if chunk.size > 1:
            half = chunk.size // 2
            queue[:0] = [chunk[:half], chunk[half:]]
    live.feasible()  # leave a ray for the next limit
    return keep




def highs_iis(lp: LinearProgram, strategy: int = 6) -> list[int] | None:
    """Rows of the IIS HiGHS finds for ``lp`` (``iis_strategy``: 2 elasticity filter + 4 irreducible).

    Slow on large models (see this module's docstring); for checking small ones. None if HiGHS gives none.
    """
    from optimiser.solvers.highs import HighsSolver

    solver = HighsSolver(lp)
    solver.solve()
    solver.highs.setOptionValue("iis_strategy", strategy)
    status, iis = solver.highs.getIis()
    if status == highspy.HighsStatus.kError or not iis.valid_:
        return None
    return sorted(int(r) for r in iis.row_index_)
