"""Coefficient parameters updated in place on a built LP (issue 16).

A rate such as a leaver rate enters the LP as matrix coefficients and, where it multiplies a
constant (the baseline, the pipeline), as right-hand sides too. Rather than restate those formulas
here, a change is applied by running the constraint families that use the parameter again, on the
base LP's layout:

1. the changed values are written into a copy of the case's table (the other tables are shared);
2. :func:`~optimiser.model.data.model_data` turns that case into arrays, as a rebuild would;
3. each family in :data:`COEFFICIENTS` for the parameter runs its own ``add`` on a :class:`Replay`
   of the LP, which maps every row and column block onto the base LP's and keeps what the family
   writes: row bounds, column costs and bounds, and matrix entries;
4. the entries are written into the arrays at the positions they hold in the base LP.

The result is the LP a rebuild of the changed case gives (``tests/test_analysis_sweep.py`` compares
the whole arrays). If a change would alter the matrix's structure (a coefficient becoming 0, which a
rebuild drops, or a new one appearing), :class:`Rebuild` is raised and the caller rebuilds.

Families replayed by each parameter (MODEL.md): ``leaver_rates.leaver_rate`` stock flow (the
survival coefficient on last year's staff and the baseline's survivors on the right-hand side) and
retention (the segment's share of expected leavers); ``programmes.completion_rate`` and
``take_up_rate`` stock flow (the qualifiers of starts and of the pipeline, and upskilling's
outflow); ``recruitment_costs.first_year_retention`` stock flow (recruits still in post);
``staff_groups.mentor_share`` mentoring; ``programmes.placement_use`` placements, and whole cohorts
(whose big-M bound on starts reads the placement rows); ``programmes.max_source_share`` upskilling
source.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np
import pandas as pd

from optimiser.analysis.lp_arrays import LPArrays
from optimiser.case import Case
from optimiser.model.data import ModelData, model_data
from optimiser.model.lp import LinearProgram, RowBlock, VariableBlock

#: (table, column) -> the constraint families (``FAMILY`` names, in registry order) whose rows its values enter.
COEFFICIENTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("leaver_rates", "leaver_rate"): ("stock_flow", "retention"),
    ("programmes", "completion_rate"): ("stock_flow",),
    ("programmes", "take_up_rate"): ("stock_flow",),
    ("recruitment_costs", "first_year_retention"): ("stock_flow",),
    ("staff_groups", "mentor_share"): ("mentoring",),
    ("programmes", "placement_use"): ("placements", "whole_cohorts"),
    ("programmes", "max_source_share"): ("upskilling_source",),
}


class Rebuild(Exception):
    """The change alters the LP's structure (or shape): it cannot be made in place."""


class Replay(LinearProgram):
    """The base LP's layout, on which families run again; keeps what they write.

    ``add_variables`` and ``add_rows`` return the base LP's block of that name (same size, or
    :class:`Rebuild`); the values given are kept, worked out by :class:`LinearProgram` itself.
    """

    def __init__(self, lp: LinearProgram):
        super().__init__(variables=dict(lp.variables), num_col=lp.num_col, num_row=lp.num_row)
        self._row_blocks = {(b.family, b.name): b for b in lp.row_blocks}
        self.rows: dict[tuple[str, str], tuple[RowBlock, np.ndarray, np.ndarray]] = {}
        self.columns: dict[str, tuple[VariableBlock, LinearProgram]] = {}

    def add_variables(self, name, shape, unit_cost, labels, unit, discount=1.0, lower=0.0, upper=np.inf,
                      integer=False) -> VariableBlock:
        block = self.variables.get(name)
        if block is None or block.shape != tuple(int(n) for n in shape) or name in self.columns:
            raise Rebuild(f"columns {name} change shape")
        values = LinearProgram()
        values.add_variables(name, shape, unit_cost, labels, unit, discount, lower, upper, integer)
        self.columns[name] = (block, values)
        return block

    def add_rows(self, family, name, lower, upper, labels, sense) -> RowBlock:
        block = self._row_blocks.get((family, name))
        if block is None or block.size != len(labels) or (family, name) in self.rows:
            raise Rebuild(f"rows {name} change shape")
        values = LinearProgram()
        values.add_rows(family, name, lower, upper, labels, sense)
        self.rows[(family, name)] = (block, values.row_lower, values.row_upper)
        return block

    def add_terms(self, block: RowBlock, rows, cols, values) -> None:
        if (block.family, block.name) not in self.rows:
            raise Rebuild(f"a family writes into rows {block.name} it did not add")
        super().add_terms(block, rows, cols, values)

    def entries(self) -> tuple[np.ndarray, np.ndarray]:
        """(keys, values) of the matrix entries written, duplicates summed and zeros dropped, by key
        ``row·num_col + column`` ascending (as :meth:`LinearProgram.matrix` sums and drops them)."""
        if not self._terms:
            return np.zeros(0, np.int64), np.zeros(0)
        keys = np.concatenate([r * self.num_col + c for r, c, _ in self._terms])
        vals = np.concatenate([v for _, _, v in self._terms])
        keys, at = np.unique(keys, return_inverse=True)
        vals = np.bincount(at, weights=vals, minlength=keys.size)
        keep = vals != 0
        return keys[keep], vals[keep]


def replay(lp: LinearProgram, data: ModelData, families: Sequence[str]) -> Replay:
    """Run the named families (in registry order) on ``lp``'s layout with ``data``."""
    from constraints import FAMILIES

    out = Replay(lp)
    for family in FAMILIES:
        if family.FAMILY in families:
            family.add(out, data)
    return out


@dataclass
class FamilyEntries:
    """Where some families write in the base LP: their rows and columns, and the positions (in the
    base matrix's compressed-column data) of their entries, by key ``row·num_col + column``."""

    families: tuple[str, ...]
    rows: np.ndarray  # LP rows the families add
    columns: np.ndarray  # LP columns the families add (e.g. whole cohorts' cohort_runs)
    keys: np.ndarray  # ascending
    positions: np.ndarray


def family_entries(lp: LinearProgram, data: ModelData, base: LPArrays,
                   families: Sequence[str]) -> FamilyEntries | None:
    """The :class:`FamilyEntries` of ``families`` in the base LP, or None if replaying them with the base
    case's own data does not give the base LP's entries back (then the parameter is rebuilt)."""
    try:
        again = replay(lp, data, families)
    except Rebuild:
        return None
    rows = np.concatenate([b.rows for b, _, _ in again.rows.values()] or [np.zeros(0, np.int64)])
    columns = np.concatenate([b.offset + np.arange(b.size) for b, _ in again.columns.values()]
                             or [np.zeros(0, np.int64)])
    mine = np.zeros(base.shape[0], bool)
    mine[rows] = True
    positions = np.flatnonzero(mine[base.indices])
    column_of = np.repeat(np.arange(base.shape[1]), np.diff(base.indptr))
    keys = base.indices[positions].astype(np.int64) * base.shape[1] + column_of[positions]
    order = np.argsort(keys)
    entries = FamilyEntries(tuple(families), rows, columns, keys[order], positions[order])
    keys_again, values = again.entries()
    if not np.array_equal(keys_again, entries.keys) or not np.array_equal(values, base.data[entries.positions]):
        return None
    arrays = base.shallow()
    try:
        apply_written(again, arrays, base)
    except Rebuild:
        return None
    if any(getattr(arrays, name) is not getattr(base, name)
           for name in ("row_lower", "row_upper", "cost", "col_lower", "col_upper")):
        return None
    return entries


def patched_case(case: Case, changes: Sequence[tuple[str, str, np.ndarray, np.ndarray]]) -> Case:
    """``case`` with new values in some cells, unchecked: ``(table, column, rows, values)`` each.

    The values must already have passed the column's checks (:meth:`Binding.valid`); the case's
    tables are resolved, so no broadcast is needed, and the other tables are shared.
    """
    tables = dict(case.tables)
    for table, column, rows, values in changes:
        df = tables[table]
        cells = pd.to_numeric(df[column], errors="coerce").to_numpy(float, copy=True)
        cells[rows] = values
        tables[table] = df.assign(**{column: cells})
    return replace(case, tables=tables)


def apply_coefficients(arrays: LPArrays, base: LPArrays, lp: LinearProgram, case: Case,
                       changes: Sequence[tuple[str, str, np.ndarray, np.ndarray]], entries: FamilyEntries) -> ModelData:
    """Write the LP entries of ``changes`` (see :func:`patched_case`) into ``arrays`` (a shallow copy
    of ``base``), replaying ``entries.families``; returns the changed case's model data.

    Raises:
        Rebuild: if the matrix's structure would change.
    """
    data = model_data(patched_case(case, changes))
    again = replay(lp, data, entries.families)
    keys, values = again.entries()
    if not np.array_equal(keys, entries.keys):
        raise Rebuild("the change adds or removes matrix entries")
    if not np.array_equal(values, base.data[entries.positions]):
        arrays.own("data", base)[entries.positions] = values
    apply_written(again, arrays, base)
    return data


def apply_written(again: Replay, arrays: LPArrays, base: LPArrays) -> None:
    """Write the row bounds, and the costs and bounds of columns, that ``again``'s families gave, where
    they differ from ``base``'s.

    Raises:
        Rebuild: if whole-number columns would change.
    """
    for block, lower, upper in again.rows.values():
        for name, new in (("row_lower", lower), ("row_upper", upper)):
            if not np.array_equal(new, getattr(base, name)[block.rows]):
                arrays.own(name, base)[block.rows] = new
    for block, values in again.columns.values():
        cols = slice(block.offset, block.offset + block.size)
        if not np.array_equal(values.integrality, base.integrality[cols].astype(bool)):
            raise Rebuild(f"whole-number columns {block.name} change")
        for name, new in (("cost", values.cost), ("col_lower", values.col_lower), ("col_upper", values.col_upper)):
            if not np.array_equal(new, getattr(base, name)[cols]):
                arrays.own(name, base)[cols] = new
