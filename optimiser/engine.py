"""Solve a case: build the LP once, hand it to a backend, read the answer back as tables."""
from __future__ import annotations

import time

from optimiser.case import Case
from optimiser.model.build import build_lp
from optimiser.solution import Solution, extract
from optimiser.solvers import solve_lp


def solve(case: Case, solver: str | None = None, diagnose: bool = False, **options) -> Solution:
    """Minimum-cost allocation of a case.

    Args:
        case: a loaded case (``load_case``).
        solver: backend name; defaults to the case's ``solver.name`` (``highs``).
        diagnose: if the case is infeasible, explain why (``sol.diagnosis``, written to the JSON;
            ``optimiser.analysis.diagnosis``).
        **options: solver options overriding the case's: ``time_limit_seconds``, ``mip_gap``,
            ``threads``, ``random_seed``, ``crossover`` (pdlp).

    Returns:
        A :class:`Solution`; check ``status`` before reading the plan.
    """
    settings = case.config.solver.model_copy(update={k: v for k, v in options.items() if v is not None})
    if solver is not None:
        settings = settings.model_copy(update={"name": solver})
    timings = {}
    start = time.perf_counter()
    lp, data = build_lp(case)
    timings["build"] = time.perf_counter() - start
    result = solve_lp(lp, settings)
    timings["solve"] = result.seconds
    start = time.perf_counter()
    sol = extract(lp, data, result)
    timings["extract"] = time.perf_counter() - start
    sol.timings = timings
    sol.lp = lp
    if diagnose and sol.status in ("infeasible", "infeasible_or_unbounded"):
        from optimiser.analysis.diagnosis import diagnose as explain

        start = time.perf_counter()
        sol.diagnosis = explain(case)
        timings["diagnosis"] = time.perf_counter() - start
    return sol
