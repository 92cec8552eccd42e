"""The numbers of a built LP as plain arrays, shared between copies until one is changed."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from optimiser.model.lp import LinearProgram


@dataclass
class LPArrays:
    """The numbers of an LP: costs, bounds and the matrix in compressed-column form.

    :meth:`shallow` copies share every array; :meth:`own` gives a copy its own array before it
    writes to it, so that only what a change touches is copied.
    """

    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    data: np.ndarray  # matrix values, CSC order
    indices: np.ndarray  # int32 row of each value
    indptr: np.ndarray  # int32 column starts
    shape: tuple[int, int]
    integrality: np.ndarray  # int32, 1 for integer columns

    @classmethod
    def from_lp(cls, lp: LinearProgram) -> "LPArrays":
        a = lp.matrix()
        return cls(lp.cost.copy(), lp.col_lower.copy(), lp.col_upper.copy(), lp.row_lower.copy(), lp.row_upper.copy(),
                   a.data.copy(), a.indices.astype(np.int32), a.indptr.astype(np.int32), a.shape,
                   lp.integrality.astype(np.int32))

    @property
    def a(self) -> sp.csc_matrix:
        """The matrix (sharing this object's arrays)."""
        return sp.csc_matrix((self.data, self.indices, self.indptr), shape=self.shape, copy=False)

    def shallow(self) -> "LPArrays":
        return replace(self)

    def copy(self) -> "LPArrays":
        """A copy owning its numbers (the matrix structure is shared)."""
        out = self.shallow()
        for name in ("cost", "col_lower", "col_upper", "row_lower", "row_upper", "data"):
            setattr(out, name, getattr(self, name).copy())
        return out

    def own(self, name: str, base: "LPArrays") -> np.ndarray:
        """Array ``name``, copied first if it is still ``base``'s."""
        value = getattr(self, name)
        if value is getattr(base, name):
            value = value.copy()
            setattr(self, name, value)
        return value

    def same_limits(self, other: "LPArrays") -> bool:
        """Whether ``other`` has this LP's shape, bounds and limits (its costs and coefficients may differ)."""
        if not self.same_structure(other):
            return False
        return all(getattr(self, n) is getattr(other, n) or np.array_equal(getattr(self, n), getattr(other, n))
                   for n in ("col_lower", "col_upper", "row_lower", "row_upper", "integrality"))

    def same_structure(self, other: "LPArrays") -> bool:
        if self.shape != other.shape:
            return False
        if self.indptr is other.indptr and self.indices is other.indices:
            return True
        return np.array_equal(self.indptr, other.indptr) and np.array_equal(self.indices, other.indices)
