"""Sweeps: re-solve a case over the values of one parameter, or a grid of two.

The LP is built once per worker and re-solved from the previous basis for each value
(:class:`~optimiser.analysis.live.LiveModel`); grid points are visited in a snake order so that
each point is next to the last. The result is one tidy row per point.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from optimiser.case import Case, CaseError
from optimiser.analysis.executors import ExecutorName, Job, run_tasks, worker_model
from optimiser.analysis.params import Assignment, How, Parameter, apply_changes, matched_rows

Progress = Callable[[int, int], None]


def parse_values(text: str) -> list[float]:
    """Values from text: ``v1,v2,...`` or ``start:stop:count`` (evenly spaced, both ends included)."""
    text = text.strip()
    if text.count(":") == 2 and "," not in text:
        start, stop, count = text.split(":")
        n = int(count)
        if n < 1:
            raise ValueError(f"{text!r}: count must be at least 1")
        return [float(v) for v in np.linspace(float(start), float(stop), n)]
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"{text!r}: expected numbers separated by commas, or start:stop:count") from None


def parse_assignment(text: str) -> tuple[Parameter, list[float]]:
    """``PATH=v1,v2,...`` (``PATH`` may hold ``=`` inside its ``[...]`` filters)."""
    end = text.rfind("]")
    cut = text.find("=", end + 1 if end >= 0 else 0)
    if cut < 0:
        raise ValueError(f"{text!r}: expected PATH=v1,v2,... (or PATH=start:stop:count)")
    return Parameter.parse(text[:cut]), parse_values(text[cut + 1:])


def grid_points(values: Sequence[Sequence[float]]) -> list[tuple[int, tuple[float, ...]]]:
    """(row number, values) of every grid point, in the snake order in which they are solved.

    Row numbers follow the plain order (the first parameter outermost).
    """
    if len(values) == 1:
        return [(i, (v,)) for i, v in enumerate(values[0])]
    outer, inner = values
    points = []
    for i, a in enumerate(outer):
        order = range(len(inner)) if i % 2 == 0 else range(len(inner) - 1, -1, -1)
        points += [(i * len(inner) + j, (a, inner[j])) for j in order]
    return points


def check_values(case: Case, parameter: Parameter, values: Sequence[float], how: How) -> None:
    """Fail early on a path that matches nothing or values the case would reject (the extremes are checked).

    Raises:
        CaseError: listing the problems.
    """
    if parameter.setting is None:
        matched_rows(case, parameter)
    for v in {min(values), max(values)}:
        apply_changes(case, [Assignment(parameter, v, how)])


def _sweep_chunk(job: Job, task: dict) -> list[tuple[int, dict]]:
    model = worker_model(job)
    out = []
    for row, values in task["points"]:
        assignments = [Assignment(p, v, h) for p, v, h in zip(task["parameters"], values, task["how"])]
        point = model.solve(assignments, start=task["start"])
        rec = model.summary(point, task["marginals"])
        if point.status == "invalid":
            rec["message"] = point.message
        out.append((row, rec))
    return out


def sweep(case: Case, parameters: Mapping[str | Parameter, Sequence[float]], *, scale: bool | Sequence[str] = False,
          marginals: Sequence[str] | None = None, elastic: float | None = None, executor: ExecutorName = "local",
          scheduler: Any = None, workers: int | None = None, chunk_size: int | None = None, cold: bool = False,
          progress: Progress | None = None) -> pd.DataFrame:
    """Re-solve ``case`` for every value of one parameter, or every pair of values of two.

    Args:
        case: the case (unchanged).
        parameters: ``{path: values}`` for one or two parameter paths (see
            :mod:`optimiser.analysis.params`), e.g. ``{"budgets.limit_gbp": [1.3e9, 1.2e9]}``.
        scale: ``True`` (or a list of paths) to multiply the case's values by each value instead of
            setting them.
        marginals: targets whose marginal cost (£ per extra FTE) to report; default the case's hard targets.
        elastic: make hard targets soft at this penalty (£/FTE), so that a point the case cannot meet
            reports its shortfall instead of "infeasible".
        executor: ``local`` (process pool, the default), ``serial`` or ``dask`` (with ``scheduler``).
        workers: processes of the local pool (default: CPU cores).
        chunk_size: points per task (default: enough for about four tasks a worker).
        cold: solve every point from scratch in a fresh solver (for checking warm starts).
        progress: called with (points done, points in all) as tasks complete.

    Returns:
        One row per point, in grid order (first parameter outermost): a column per parameter (its
        path), then ``status``, ``total_cost_gbp``, ``cost.<lever>_gbp``, ``penalties_gbp``,
        ``growth.<family>_fte``, ``shortfall_fte``, ``hard_shortfall_fte``,
        ``marginal_cost.<target>``, ``budget_value.<budget>``, ``iterations`` and ``seconds``
        (see :meth:`LiveModel.summary`).

    Raises:
        ValueError: for more than two parameters or none, or an empty list of values.
        CaseError: for a path that names nothing in the case, or values the case rejects.
    """
    if not 1 <= len(parameters) <= 2:
        raise ValueError("a sweep takes one parameter, or a grid of two")
    params = [Parameter.parse(p) for p in parameters]
    values = [list(map(float, v)) for v in parameters.values()]
    if any(len(v) == 0 for v in values):
        raise ValueError("every swept parameter needs at least one value")
    scaled = {str(Parameter.parse(p)) for p in scale} if not isinstance(scale, bool) else (
        {str(p) for p in params} if scale else set())
    how: list[How] = ["scale" if str(p) in scaled else "set" for p in params]
    for p, v, h in zip(params, values, how):
        check_values(case, p, v, h)

    points = grid_points(values)
    n_workers = 1 if executor == "serial" else (workers or _cpu_count())
    size = chunk_size or max(5, math.ceil(len(points) / (4 * n_workers)))
    tasks = [{"parameters": params, "how": how, "marginals": marginals, "start": "cold" if cold else "previous",
              "points": points[i:i + size]} for i in range(0, len(points), size)]
    job = Job(case, elastic=elastic)
    records: dict[int, dict] = {}
    for _, chunk in run_tasks(_sweep_chunk, job, tasks, executor=executor, scheduler=scheduler, workers=workers):
        records.update(chunk)
        if progress:
            progress(len(records), len(points))
    rows = []
    for row, vals in sorted(((r, v) for r, v in points), key=lambda rv: rv[0]):
        rows.append({**{str(p): v for p, v in zip(params, vals)}, **records[row]})
    return pd.DataFrame(rows)


def _cpu_count() -> int:
    import os

    return os.cpu_count() or 1


__all__ = ["grid_points", "parse_assignment", "parse_values", "sweep"]
