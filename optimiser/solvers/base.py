"""The solver interface: an assembled LP in, a :class:`SolverResult` out."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimiser.case.config import SolverSettings
from optimiser.model.lp import LinearProgram

#: Statuses a result can have. Only ``optimal`` carries a plan to act on.
STATUSES = ("optimal", "infeasible", "unbounded", "infeasible_or_unbounded", "time_limit",
            "interrupted", "numerical_trouble", "error")


@dataclass
class SolverResult:
    """What a backend returns.

    Attributes:
        status: one of ``STATUSES``.
        objective: total cost (£, present value plus penalties), when a solution exists.
        x: column values; ``row_activity``: row values (A x).
        row_dual: ∂cost/∂(row bound) per row (£ per unit), or None where the solver gives none.
        col_dual: reduced costs per column (£ per unit), or None.
        duals_note: how the duals were obtained, or why there are none.
    """

    solver: str
    version: str
    status: str
    seconds: float
    message: str = ""
    objective: float | None = None
    x: np.ndarray | None = None
    row_activity: np.ndarray | None = None
    row_dual: np.ndarray | None = None
    col_dual: np.ndarray | None = None
    duals_note: str | None = None


def solve_lp(lp: LinearProgram, settings: SolverSettings | None = None) -> SolverResult:
    """Solve with the backend named in ``settings`` (HiGHS by default)."""
    settings = settings or SolverSettings()
    if settings.name != "highs":
        raise NotImplementedError(f"solver {settings.name!r} is not available yet; use highs")
    from optimiser.solvers.highs import HighsSolver

    return HighsSolver(lp, settings).solve()
