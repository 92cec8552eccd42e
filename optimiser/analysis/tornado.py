"""Tornado analysis: vary each group of uncertain parameters by ±X% and rank the groups by effect.

Each group (all leaver rates, all completion rates, the costs of one lever, the recruitment pools,
one kind of capacity) is scaled down and up by the same share, the others held at the case's
values. Hard targets are made elastic (soft at a large penalty, see
:func:`~optimiser.analysis.live.make_elastic`) so that a variation the case cannot absorb shows as
a shortfall rather than "infeasible". Groups are ranked by their effect on total cost (the larger
of the two swings from the base) and, separately, on shortfall.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from optimiser.case import Case
from optimiser.analysis.executors import ExecutorName, Job, run_tasks, worker_model
from optimiser.analysis.live import ELASTIC_PENALTY
from optimiser.analysis.params import Assignment, Parameter
from optimiser.analysis.sweep import Progress

#: Parameter groups of a tornado, as (name, paths); groups whose tables a case lacks are left out.
DEFAULT_GROUPS: list[tuple[str, list[str]]] = [
    ("leaver rates", ["leaver_rates.leaver_rate"]),
    ("completion rates", ["programmes.completion_rate"]),
    ("training costs", ["programmes.cost_per_place_gbp"]),
    ("recruitment costs", ["recruitment_costs.cost_per_recruit_gbp"]),
    ("retention costs", ["retention_segments.cost_per_avoided_leaver_gbp"]),
    ("exit costs", ["exits.cost_per_exit_gbp"]),
    ("recruitment pools", ["recruitment_pools.pool_fte"]),
    ("placement capacity", ["placement_capacity.placements"]),
    ("course capacity", ["course_capacity.places"]),
    ("mentor capacity", ["staff_groups.mentor_share"]),
    ("funded posts", ["establishment.posts_fte"]),
]


def default_groups(case: Case) -> dict[str, list[str]]:
    """The :data:`DEFAULT_GROUPS` this case has data for (mentor capacity only if some group mentors)."""
    out = {}
    for name, paths in DEFAULT_GROUPS:
        keep = []
        for path in paths:
            table, column = path.split(".")
            df = case.tables.get(table)
            if df is None or df.empty:
                continue
            if table == "staff_groups" and not (pd.to_numeric(df[column]) > 0).any():
                continue
            keep.append(path)
        if keep:
            out[name] = keep
    return out


def _tornado_task(job: Job, task: dict) -> dict:
    model = worker_model(job)
    assignments = [Assignment(Parameter.parse(p), task["factor"], "scale") for p in task["paths"]]
    point = model.solve(assignments, start="base")
    rec = model.summary(point, marginals=[])
    rec["message"] = point.message
    return rec


def tornado(case: Case, delta: float = 0.1, groups: Mapping[str, Sequence[str]] | None = None, *,
            elastic: float | None = ELASTIC_PENALTY, executor: ExecutorName = "local", scheduler: Any = None,
            workers: int | None = None, progress: Progress | None = None) -> pd.DataFrame:
    """Scale each parameter group by ``1 − delta`` and ``1 + delta`` and rank the groups by effect.

    Args:
        case: the case (unchanged).
        delta: the share to vary by (0.1 = ±10%). Shares such as rates are capped at 1.
        groups: ``{name: [paths]}``; default :func:`default_groups`.
        elastic: penalty (£/FTE) that makes hard targets soft; ``None`` keeps them hard (a variation
            that cannot be met is then ``infeasible`` and ranks first).
        executor, scheduler, workers: where to solve (see :func:`optimiser.analysis.sweep.sweep`).
        progress: called with (solves done, solves in all).

    Returns:
        One row per group, ranked by effect on total cost: ``group``, ``parameters``, ``low_factor``,
        ``high_factor``, ``base_total_cost_gbp``, ``total_cost_low_gbp``, ``total_cost_high_gbp``,
        ``cost_effect_gbp`` (the larger swing), ``base_shortfall_fte``, ``shortfall_low_fte``,
        ``shortfall_high_fte``, ``shortfall_effect_fte``, ``status_low``, ``status_high``,
        ``rank_cost`` and ``rank_shortfall`` (1 = largest effect).
    """
    if not 0 < delta < 1:
        raise ValueError("delta must be a share between 0 and 1, e.g. 0.1 for ±10%")
    groups = dict(groups) if groups is not None else default_groups(case)
    tasks = [{"group": None, "paths": [], "factor": 1.0}]
    for name, paths in groups.items():
        for factor in (1 - delta, 1 + delta):
            tasks.append({"group": name, "paths": list(paths), "factor": factor})
    job = Job(case, elastic=elastic)
    results: dict[int, dict] = {}
    for i, rec in run_tasks(_tornado_task, job, tasks, executor=executor, scheduler=scheduler, workers=workers):
        results[i] = rec
        if progress:
            progress(len(results), len(tasks))
    base = results[0]
    rows = []
    for g, name in enumerate(groups):
        low, high = results[1 + 2 * g], results[2 + 2 * g]
        rows.append({
            "group": name, "parameters": "; ".join(groups[name]), "low_factor": 1 - delta, "high_factor": 1 + delta,
            "base_total_cost_gbp": base["total_cost_gbp"], "total_cost_low_gbp": low["total_cost_gbp"],
            "total_cost_high_gbp": high["total_cost_gbp"],
            "cost_effect_gbp": _swing(base["total_cost_gbp"], low["total_cost_gbp"], high["total_cost_gbp"]),
            "base_shortfall_fte": base["shortfall_fte"], "shortfall_low_fte": low["shortfall_fte"],
            "shortfall_high_fte": high["shortfall_fte"],
            "shortfall_effect_fte": _swing(base["shortfall_fte"], low["shortfall_fte"], high["shortfall_fte"]),
            "status_low": low["status"], "status_high": high["status"],
        })
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    df["rank_cost"] = df["cost_effect_gbp"].rank(ascending=False, method="first").astype(int)
    df["rank_shortfall"] = df["shortfall_effect_fte"].rank(ascending=False, method="first").astype(int)
    return df.sort_values("rank_cost", kind="stable").reset_index(drop=True)


def _swing(base: float, low: float, high: float) -> float:
    """The larger distance from the base; an unsolved end counts as infinitely far."""
    d = [abs(v - base) if np.isfinite(v) and np.isfinite(base) else np.inf for v in (low, high)]
    return float(max(d))


def tornado_chart(df: pd.DataFrame, path: str | Path, title: str | None = None) -> list[Path]:
    """Draw the tornado (:func:`tornado_figure`) as ``PATH.png`` and ``PATH.svg`` (any suffix of ``path`` is
    replaced), each written atomically."""
    from optimiser.export.atomic import write_atomic

    path = Path(path)
    stem = path.with_suffix("") if path.suffix in (".png", ".svg") else path
    fig = tornado_figure(df, title)
    out = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    write_atomic(out[0], lambda tmp: fig.savefig(tmp, format="png", dpi=150), suffix=".png")
    write_atomic(out[1], lambda tmp: fig.savefig(tmp, format="svg", metadata={"Date": None}), suffix=".svg")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return out


def tornado_figure(df: pd.DataFrame, title: str | None = None):
    """The tornado as a matplotlib figure.

    Bars show the change in total cost (£m) from the base when each group is at its low and its high
    factor, largest effect on top, with their values; a second panel shows the change in shortfall (FTE)
    when any variation causes one, with its own legend and a note that the cost leaves out the elastic
    penalties of those shortfalls.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    d = df.sort_values("rank_cost", ascending=False)
    base = float(d["base_total_cost_gbp"].iloc[0]) if len(d) else 0.0
    swing = np.nanmax(np.abs(d[["total_cost_low_gbp", "total_cost_high_gbp"]].to_numpy(float) - base)) if len(d) else 0.0
    scale, unit = (1e6, "m") if not np.isfinite(swing) or swing >= 1e7 else (1e3, "k")  # £m, or £k for a small case
    low = (d["total_cost_low_gbp"] - base) / scale
    high = (d["total_cost_high_gbp"] - base) / scale
    short = (d[["shortfall_low_fte", "shortfall_high_fte"]].to_numpy(float) - d[["base_shortfall_fte"]].to_numpy(float))
    has_short = bool(np.nan_to_num(np.abs(short)).max() > 1e-6) if len(d) else False
    ncols = 2 if has_short else 1
    fig, axes = plt.subplots(1, ncols, figsize=(12 if has_short else 8, 0.5 * max(len(d), 3) + 2.2), squeeze=False,
                             sharey=True)
    y = np.arange(len(d))
    lo_label = f"parameters ×{d['low_factor'].iloc[0]:.2f}" if len(d) else "low"
    hi_label = f"parameters ×{d['high_factor'].iloc[0]:.2f}" if len(d) else "high"
    ax = axes[0][0]
    _bars(ax, y, low.to_numpy(float), high.to_numpy(float), lo_label, hi_label, "£", unit)
    ax.set_yticks(y, d["group"])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xlabel(f"change in total cost from £{base / scale:,.0f}{unit} (£{unit}, present value)")
    ax.legend(loc="lower right", fontsize=8)
    if has_short:
        ax2 = axes[0][1]
        _bars(ax2, y, short[:, 0], short[:, 1], lo_label, hi_label, "", " FTE")
        ax2.set_xlabel("change in shortfall of the targets (FTE)")
        ax2.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax2.tick_params(axis="x", labelrotation=30)
        ax2.legend(loc="lower right", fontsize=8)
        fig.text(0.01, 0.005, "Total cost leaves out the penalties of targets that fall short (the elastic penalty): "
                              "their shortfall is shown on the right instead.", fontsize=8, color="#444")
    fig.suptitle(title or "Effect of each parameter group on total cost", fontsize=11)
    fig.tight_layout(rect=(0, 0.03 if has_short else 0, 1, 1))
    return fig


def _bars(ax, y, low, high, lo_label: str, hi_label: str, prefix: str, suffix: str) -> None:
    """Low and high bars from zero, each labelled with its value at its end (none for an unsolved end)."""
    ax.barh(y - 0.2, np.nan_to_num(low), height=0.4, color="#4C72B0", label=lo_label)
    ax.barh(y + 0.2, np.nan_to_num(high), height=0.4, color="#DD8452", label=hi_label)
    ax.axvline(0, color="black", linewidth=0.8)
    span = np.nanmax(np.abs(np.concatenate([low, high, [1e-9]])))
    for offset, values in ((-0.2, low), (0.2, high)):
        for yi, v in zip(y, values):
            if np.isfinite(v):
                text = f"{'+' if v >= 0 else '−'}{prefix}{abs(v):,.0f}{suffix}"
                ax.text(v + (0.01 * span if v >= 0 else -0.01 * span), yi + offset, text, va="center",
                        ha="left" if v >= 0 else "right", fontsize=7)
    ax.set_xlim(-1.25 * span, 1.25 * span)


__all__ = ["DEFAULT_GROUPS", "default_groups", "tornado", "tornado_chart", "tornado_figure"]
