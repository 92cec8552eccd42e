"""The outcome of a verification: one :class:`FamilyResult` per family, in a :class:`VerifyReport`."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

#: Relative tolerance of every check.
TOLERANCE = 1e-6
#: Half a unit in the last place of the file's figures (they are written to 6 decimals).
ROUNDING = 5e-7


@dataclass
class FamilyResult:
    """Checks of one family: how many, the largest violation and where it is.

    ``violation`` is the largest violation in the rows' own units (FTE, starts, £, ...);
    ``relative`` the largest part of a violation beyond the rounding allowance, over
    ``max(1, magnitude of the row's terms)``; ``where`` names the row with the largest relative
    violation (or, when every row is within the allowance, the one with the largest absolute one).
    """

    family: str
    checks: int = 0
    violation: float = 0.0
    relative: float = 0.0
    where: str = ""
    failed: int = 0  # checks beyond the tolerance
    _where_abs: str = field(default="", repr=False)

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def add(self, violation, magnitude, where: Callable[[int], str], allowance=0.0) -> None:
        """Record a block of checks: ``violation ≥ 0`` (NaN counts as infinite), per check."""
        v = np.asarray(violation, float)
        shape = v.shape
        v = np.nan_to_num(v.ravel(), nan=np.inf)
        if v.size == 0:
            return
        scale = np.maximum(1.0, np.abs(np.broadcast_to(np.asarray(magnitude, float), shape).ravel()))
        scale = np.nan_to_num(scale, nan=1.0, posinf=1.0)
        excess = np.maximum(0.0, v - np.broadcast_to(np.asarray(allowance, float), shape).ravel())
        rel = excess / scale
        rel[rel < 1e-12] = 0.0  # float noise of subtracting the allowance
        self.checks += v.size
        self.failed += int((rel > TOLERANCE).sum())
        i, j = int(np.argmax(rel)), int(np.argmax(v))
        if rel[i] > self.relative:
            self.relative, self.where = float(rel[i]), where(i)
        if v[j] > self.violation:
            self.violation, self._where_abs = float(v[j]), where(j)
        if self.relative == 0.0:
            self.where = self._where_abs


@dataclass
class VerifyReport:
    """The outcome of :func:`verify_solution`.

    Attributes:
        case_name, scenario: the loaded case the solution was checked against.
        status: the solution's status (only ``optimal`` carries a plan to check).
        families: one result per family (see :mod:`optimiser.verify`), in ``FAMILIES`` order.
        problems: reasons the file is not a plan of this case (each one fails the verification).
    """

    case_name: str
    scenario: str | None
    status: str
    families: list[FamilyResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.families) and all(f.ok for f in self.families)

    @property
    def checks(self) -> int:
        return sum(f.checks for f in self.families)

    def family(self, name: str) -> FamilyResult:
        return next(f for f in self.families if f.family == name)

    @property
    def failed_families(self) -> list[str]:
        return [f.family for f in self.families if not f.ok]


class SolutionFileError(ValueError):
    """The solution file cannot be read as a solution JSON."""
