"""The LP as arrays: labelled variable blocks and row blocks, assembled into one sparse matrix.

Nothing here creates one Python object per variable or row: each block is a range of
indices with a table of labels, and coefficients arrive as numpy (row, column, value) arrays.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

#: Label columns every block carries, so that values and duals read in the planner's words.
LABELS = ["stp", "region", "staff_group", "item", "year"]


def labels(n: int, **columns) -> pd.DataFrame:
    """A label table of ``n`` rows; missing label columns are blank (None)."""
    data = {}
    for c in LABELS:
        v = columns.get(c)
        data[c] = np.full(n, None, dtype=object) if v is None else np.broadcast_to(np.asarray(v, dtype=object), (n,))
    return pd.DataFrame(data)


def _join(parts: list[np.ndarray], dtype) -> np.ndarray:
    """The blocks' arrays end to end (empty when there are none)."""
    return np.concatenate(parts) if parts else np.zeros(0, dtype)


def _snap(bounds: np.ndarray) -> np.ndarray:
    """Bounds within 1e-9 of zero are zero: cancellation noise (e.g. 8.9e-16) only upsets solvers."""
    bounds[np.abs(bounds) < 1e-9] = 0.0
    return bounds


@dataclass
class VariableBlock:
    """A block of decision variables, laid out as an N-d array ``shape`` from ``offset`` on."""

    name: str
    offset: int
    shape: tuple[int, ...]
    labels: pd.DataFrame
    unit: str
    unit_cost: np.ndarray  # undiscounted £ per unit, flat

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def index(self, *idx) -> np.ndarray:
        """Column indices of the variables at the given (broadcast) array positions."""
        return self.offset + np.ravel_multi_index(tuple(np.asarray(i, dtype=np.int64) for i in idx), self.shape)


@dataclass
class RowBlock:
    """A block of rows of one constraint family, with their labels."""

    family: str
    name: str
    offset: int
    size: int
    labels: pd.DataFrame
    sense: str  # "=", "<=", ">=" as written in the model

    @property
    def rows(self) -> np.ndarray:
        return np.arange(self.offset, self.offset + self.size)


@dataclass
class LinearProgram:
    """Minimise ``cost @ x`` subject to ``row_lower <= A x <= row_upper`` and column bounds."""

    variables: dict[str, VariableBlock] = field(default_factory=dict)
    row_blocks: list[RowBlock] = field(default_factory=list)
    _cost: list[np.ndarray] = field(default_factory=list)
    _lower: list[np.ndarray] = field(default_factory=list)
    _upper: list[np.ndarray] = field(default_factory=list)
    _integer: list[np.ndarray] = field(default_factory=list)
    _row_lower: list[np.ndarray] = field(default_factory=list)
    _row_upper: list[np.ndarray] = field(default_factory=list)
    _terms: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    num_col: int = 0
    num_row: int = 0

    def copy(self) -> "LinearProgram":
        """A copy that can grow on its own (blocks and arrays are shared, never changed in place)."""
        return LinearProgram(dict(self.variables), list(self.row_blocks), list(self._cost), list(self._lower),
                             list(self._upper), list(self._integer), list(self._row_lower), list(self._row_upper),
                             list(self._terms), self.num_col, self.num_row)

    def with_cost(self, cost: np.ndarray) -> "LinearProgram":
        """A copy minimising ``cost`` (one coefficient per column) instead (e.g. stage 2's imbalance)."""
        other = self.copy()
        other._cost = [np.asarray(cost, float)]
        return other

    def add_variables(self, name: str, shape: tuple[int, ...], unit_cost, labels: pd.DataFrame, unit: str,
                      discount=1.0, lower=0.0, upper=np.inf, integer=False) -> VariableBlock:
        """Add a block of variables (all arguments broadcast to ``shape``).

        The objective coefficient is ``unit_cost`` (undiscounted £ per unit) times ``discount``.
        """
        unit_cost = np.broadcast_to(np.asarray(unit_cost, float), shape).ravel().copy()
        block = VariableBlock(name, self.num_col, tuple(int(n) for n in shape), labels.reset_index(drop=True), unit,
                              unit_cost)
        n = block.size
        self._cost.append(unit_cost * np.broadcast_to(np.asarray(discount, float), shape).ravel())
        self._lower.append(np.broadcast_to(np.asarray(lower, float), shape).ravel().copy())
        self._upper.append(np.broadcast_to(np.asarray(upper, float), shape).ravel().copy())
        self._integer.append(np.broadcast_to(np.asarray(integer, bool), shape).ravel().copy())
        self.variables[name] = block
        self.num_col += n
        return block

    def add_rows(self, family: str, name: str, lower, upper, labels: pd.DataFrame, sense: str) -> RowBlock:
        """Add a block of rows with bounds; coefficients follow through :meth:`add_terms`."""
        n = len(labels)
        block = RowBlock(family, name, self.num_row, n, labels.reset_index(drop=True), sense)
        self._row_lower.append(_snap(np.broadcast_to(np.asarray(lower, float), (n,)).copy()))
        self._row_upper.append(_snap(np.broadcast_to(np.asarray(upper, float), (n,)).copy()))
        self.row_blocks.append(block)
        self.num_row += n
        return block

    def add_terms(self, block: RowBlock, rows, cols, values) -> None:
        """Add coefficients: ``values[i]`` at (block row ``rows[i]``, column ``cols[i]``); duplicates add up."""
        rows, cols = np.asarray(rows, np.int64), np.asarray(cols, np.int64)
        values = np.broadcast_to(np.asarray(values, float), rows.shape)
        if rows.size and (rows.min() < 0 or rows.max() >= block.size):
            raise IndexError(f"row outside block {block.name}")
        self._terms.append((rows + block.offset, cols, values))

    @property
    def cost(self) -> np.ndarray:
        """Objective coefficients (£ present value per unit), one per column."""
        return _join(self._cost, float)

    @property
    def col_lower(self) -> np.ndarray:
        return _join(self._lower, float)

    @property
    def col_upper(self) -> np.ndarray:
        return _join(self._upper, float)

    @property
    def integrality(self) -> np.ndarray:
        return _join(self._integer, bool)

    @property
    def row_lower(self) -> np.ndarray:
        return _join(self._row_lower, float)

    @property
    def row_upper(self) -> np.ndarray:
        return _join(self._row_upper, float)

    def matrix(self) -> sp.csc_matrix:
        """The constraint matrix in compressed-column form (duplicate entries summed, zeros dropped)."""
        if not self._terms:
            return sp.csc_matrix((self.num_row, self.num_col))
        r = np.concatenate([t[0] for t in self._terms])
        c = np.concatenate([t[1] for t in self._terms])
        v = np.concatenate([t[2] for t in self._terms])
        a = sp.csc_matrix((v, (r, c)), shape=(self.num_row, self.num_col))
        a.sum_duplicates()
        a.eliminate_zeros()
        return a

    def row_labels(self) -> pd.DataFrame:
        """One label row per LP row, with its family and block name."""
        out = pd.concat([b.labels for b in self.row_blocks], ignore_index=True)
        sizes = [len(b.labels) for b in self.row_blocks]
        for column, attr in (("family", "family"), ("block", "name")):  # set once, not once per block
            out[column] = np.repeat(np.array([getattr(b, attr) for b in self.row_blocks], dtype=object), sizes)
        return out

    def column_labels(self) -> pd.DataFrame:
        """One label row per LP column, with its block name."""
        return pd.concat([b.labels.assign(block=b.name) for b in self.variables.values()], ignore_index=True)
