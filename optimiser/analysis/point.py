"""A point solved by a live model (:mod:`optimiser.analysis.live`), and the index sets that summarise it."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimiser.analysis.lp_arrays import LPArrays
from optimiser.analysis.params import Assignment
from optimiser.model.data import ModelData
from optimiser.model.lp import LinearProgram


@dataclass
class Point:
    """One solved point: status, objective and the solver's vectors, with the LP they belong to.

    ``x`` (column values) and ``row_dual`` are read at once; ``row_activity`` and ``col_dual`` only
    when first used (reading a vector of a national LP from HiGHS costs about a third of a millisecond).
    """

    status: str
    objective: float | None
    x: np.ndarray | None
    row_dual: np.ndarray | None
    lp: LinearProgram
    data: ModelData
    arrays: LPArrays
    iterations: int
    seconds: float
    rebuilt: bool
    message: str = ""
    assignments: tuple[Assignment, ...] = ()
    best_bound: float | None = None  # whole cohorts (MIP): HiGHS's proven lower bound on the cost (£)
    simplex: str = ""  # "primal" or "dual": the method of this solve
    _solution: object = None
    _row_activity: np.ndarray | None = None
    _col_dual: np.ndarray | None = None

    @property
    def row_activity(self) -> np.ndarray | None:
        if self._row_activity is None and self._solution is not None:
            self._row_activity = np.asarray(self._solution.row_value)
        return self._row_activity

    @property
    def col_dual(self) -> np.ndarray | None:
        if self._col_dual is None and self._solution is not None and self.row_dual is not None:
            self._col_dual = np.asarray(self._solution.col_dual)
        return self._col_dual


@dataclass
class Layout:
    """Index sets of an LP needed to summarise a point in the planner's words."""

    levers: dict[str, tuple[int, int]]
    families: dict[str, tuple[np.ndarray, float]]  # family -> (H columns at the last year, baseline FTE)
    targets: list[str]
    target_rows: np.ndarray
    target_kind: np.ndarray
    shortfall_cols: np.ndarray  # column per target, -1 for none
    budgets: list[str]
    budget_rows: np.ndarray


def layout(lp: LinearProgram, data: ModelData) -> Layout:
    from optimiser.solution import LEVERS

    levers = {LEVERS[n][0]: (lp.variables[n].offset, lp.variables[n].size) for n in LEVERS}
    H = lp.variables["staff_in_post"]
    fams = {}
    for fam in sorted(set(data.family)):
        g = np.flatnonzero(data.family == fam)
        gg, ss = np.meshgrid(g, np.arange(data.S), indexing="ij")
        cols = H.index(gg.ravel(), ss.ravel(), np.full(gg.size, data.T - 1))
        fams[fam] = (cols, float(data.baseline[g].sum()))
    tg = data.case.table("targets").reset_index(drop=True)
    rows = next(b for b in lp.row_blocks if b.name == "target_minimum").rows
    soft = np.flatnonzero((tg["kind"] == "soft").to_numpy())
    short = lp.variables["target_shortfall"]
    shortfall = np.full(len(tg), -1, np.int64)
    shortfall[soft] = short.offset + np.arange(len(soft))
    budget_block = next((b for b in lp.row_blocks if b.name == "spending_limit"), None)
    budgets = data.case.table("budgets")
    return Layout(levers, fams, list(tg["target"]), rows, tg["kind"].to_numpy(object), shortfall,
                  list(budgets["budget"]) if budget_block is not None else [],
                  budget_block.rows if budget_block is not None else np.zeros(0, np.int64))
