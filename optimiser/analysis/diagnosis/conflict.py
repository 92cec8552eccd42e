"""(b) The conflict set: an irreducible inconsistent subset of the case's limits (:mod:`.model`).

The set is the one a *deletion filter* (Chinneck) finds trying the limits in one fixed order: each limit in
turn is dropped, and stays dropped if the limits left still conflict. Share limits are tried first and
budgets and targets last (:data:`DELETION_ORDER`; within a family, limits of more rows first, then in the
LP's row order), so the set keeps the limits a planner can most easily act on when there is a choice.
Dropping any one limit of the set (for a narrowed limit, any one of its years) makes the case feasible.

Which set that is depends only on the order and on each test's answer, feasible or not: never on the
simplex method, the starting basis or the vertex HiGHS stops at, although a case may hold several
conflict sets. HiGHS's dual ray (a Farkas certificate) only saves solves: a limit outside the support of
the certificate of the limits in force is dropped without a test of its own, since the certificate
already proves that the rest conflict (such drops are confirmed by one solve before the next test).

A quantity limit over several years is then narrowed by the same filter over its years (earliest first),
each limit in LP row order, when the set holds at most :data:`NARROW_MAX_LIMITS` such limits; beyond
that, they are reported with all their years.

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
#: conflict set holds at most this many of them (each year costs up to one LP solve).
NARROW_MAX_LIMITS = 12


def deletion_key(lim: Limit) -> tuple:
    """A limit's place in the deletion filter's order (see the module docstring)."""
    return DELETION_ORDER.get(lim.family, 1), -lim.rows.size, lim.id


def conflict_set(live: LiveModel, limits: list[Limit], narrow_max_limits: int) -> dict:
    """(b) The irreducible set of limits that the deletion filter in :func:`deletion_key` order finds."""
    live.costs(plan=False)
    if live.feasible():
        raise DiagnosisError("the case became feasible during the diagnosis")
    order = sorted(limits, key=deletion_key)
    needed, support = deletion_filter(live, [lim.rows for lim in order], live.ray_rows())
    result = sorted((lim for lim, n in zip(order, needed) if n), key=lambda lim: lim.id)
    multi = [lim for lim in result if lim.kind == "quantity" and lim.rows.size > 1]
    narrowed = len(multi) <= narrow_max_limits
    if multi and narrowed:
        for lim in multi:
            keep, support = deletion_filter(live, [lim.rows[k:k + 1] for k in range(lim.rows.size)], support)
            if not all(keep):
                result[result.index(lim)] = lim.subset(np.array(keep))
    # leave the model as the case: every limit in force
    live.restore(np.concatenate([lim.rows for lim in limits]) if limits else [])
    return {"limits": result, "narrowed": narrowed or not multi}


def deletion_filter(live: LiveModel, items: list[np.ndarray],
                    support: set[int] | None) -> tuple[list[bool], set[int] | None]:
    """Which of ``items`` (arrays of LP rows, in force, conflicting) the deletion filter keeps, in their order.

    Each item in turn is dropped and stays dropped if the items left (the later ones all in force) still
    conflict. ``support``: the rows of a Farkas certificate of the model as it stands (None: none known).

    The answers are the filter's, but most solves are saved: every later item outside the certificate is
    dropped ahead of its turn (one solve confirms it and gives a new certificate), since those left still
    conflict without it; an item is then tested with them dropped, and only an answer of "feasible" is
    tested again with them back in force. Returns which items are needed, and a certificate's rows for the
    model as left (every needed item in force, the rest dropped).
    """
    needed = [False] * len(items)
    rows_of = [r.tolist() for r in items]
    ahead: set[int] = set()  # later items dropped on a certificate's word, confirmed by a solve
    trust, fresh = True, True  # fresh: a certificate not yet used to drop ahead
    k = 0
    while k < len(items):
        if k in ahead:  # the model without it conflicts: the filter drops it
            ahead.discard(k)
            k += 1
            continue
        out = []
        if trust and fresh and support is not None:
            out = [j for j in range(k, len(items)) if j not in ahead and support.isdisjoint(rows_of[j])]
        fresh = False
        if out:
            rows = np.concatenate([items[j] for j in out])
            live.drop(rows)
            if live.feasible():  # the certificate was not one after all (tolerances): test one by one
                live.restore(rows)
                trust = False
            else:
                ahead.update(out)
                support, fresh = live.ray_rows(), True
            continue
        live.drop(items[k])
        feasible = live.feasible()
        if feasible and ahead:  # perhaps only because of the items dropped ahead: test again with them back
            back = np.concatenate([items[j] for j in sorted(ahead)])
            live.restore(back)
            feasible = live.feasible()
            if feasible:
                live.drop(back)  # back to the model before the test
            else:
                ahead = set()
        if feasible:
            live.restore(items[k])  # needed; the model is as it was, so the certificate still holds
            needed[k] = True
        else:
            support, fresh = live.ray_rows(), True
        k += 1
    return needed, support


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
