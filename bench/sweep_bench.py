"""Benchmark: a 200-value sweep of the traditional-roles target on the national case.

Measures, in one run:

1. warm re-solves per second: one LP built once and held in HiGHS; each value changes the target
   row's bound in place and re-solves from the previous basis (``LiveModel``, as ``sweep`` does),
   reading back the sweep's summary row each time. Wall and CPU time are both reported (the
   machine may be shared).
2. the same sweep through the public API, ``sweep(..., executor="serial")`` and the default local
   process pool, end to end (building, the first cold solve and starting workers included).
3. a naive loop that, for each value, changes the case, rebuilds the LP and builds and solves a
   PuLP model from scratch (PuLP's HiGHS interface, the same solver). It is timed on a subset of the
   values (``--naive N``, default 5) and extrapolated to 200: each naive iteration does the same
   work whatever the value.

Usage: .venv/bin/python bench/sweep_bench.py [--naive 5] [--values 200] [--out bench/results]
                                             [--run-out-years N] [--warm-only]

``--run-out-years`` replaces the case's (the shipped six make each cold solve minutes long);
``--warm-only`` measures part 1 alone (one cold solve, then the warm re-solves).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TARGET = "traditional_growth_2020_21"
PATH = f"targets.minimum_fte[target={TARGET}]"


def naive_pulp_solve(case, value: float) -> float:
    """Change the case, rebuild the LP, build a PuLP model row by row and solve it (HiGHS via PuLP)."""
    import pulp

    from optimiser.model.build import build_lp

    changed = case.with_changes([{"table": "targets", "column": "minimum_fte", "set": float(value),
                                  "where": {"target": TARGET}}])
    lp, _ = build_lp(changed)
    a = lp.matrix().tocsr()
    cost, lo, up = lp.cost, lp.col_lower, lp.col_upper
    rlo, rup = lp.row_lower, lp.row_upper
    prob = pulp.LpProblem("naive", pulp.LpMinimize)
    x = [pulp.LpVariable(f"x{j}", lowBound=lo[j], upBound=None if np.isinf(up[j]) else up[j]) for j in range(lp.num_col)]
    prob += pulp.lpSum(cost[j] * x[j] for j in np.flatnonzero(cost))
    for i in range(lp.num_row):
        start, end = a.indptr[i], a.indptr[i + 1]
        expr = pulp.LpAffineExpression([(x[j], v) for j, v in zip(a.indices[start:end], a.data[start:end])])
        if rlo[i] == rup[i]:
            prob += expr == rlo[i]
        else:
            if np.isfinite(rlo[i]):
                prob += expr >= rlo[i]
            if np.isfinite(rup[i]):
                prob += expr <= rup[i]
    prob.solve(pulp.HiGHS(msg=False))
    assert pulp.LpStatus[prob.status] == "Optimal", pulp.LpStatus[prob.status]
    return float(pulp.value(prob.objective))


def _pool_worker(args) -> dict:
    """One worker of the pooled measurement: build, solve its first value cold, wait for the others,
    then re-solve its share of the values warm."""
    values, barrier = args
    from optimiser import load_case
    from optimiser.analysis import Assignment, LiveModel, Parameter

    case = load_case(ROOT / "cases" / "england_2017")
    p = Parameter.parse(PATH)
    model = LiveModel(case)
    model.solve([Assignment(p, values[0] - (values[1] - values[0]))])
    barrier.wait()
    start, cpu0 = time.time(), time.process_time()
    for v in values:
        model.summary(model.solve([Assignment(p, v)]), [TARGET])
    return {"start": start, "end": time.time(), "cpu_s": time.process_time() - cpu0, "resolves": len(values)}


def pooled(values: np.ndarray, workers: int) -> dict:
    """Warm re-solves per second with the sweep split over ``workers`` processes (as the local pool does)."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    with ctx.Manager() as manager:
        barrier = manager.Barrier(workers)
        chunks = np.array_split(values, workers)
        with ctx.Pool(workers) as pool:
            results = pool.map(_pool_worker, [(c, barrier) for c in chunks])
    wall = max(r["end"] for r in results) - min(r["start"] for r in results)
    n = sum(r["resolves"] for r in results)
    return {"workers": workers, "resolves": n, "wall_s": wall, "resolves_per_s_wall": n / wall,
            "cpu_s": [r["cpu_s"] for r in results], "resolves_per_s_cpu": n / max(r["cpu_s"] for r in results)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--values", type=int, default=200)
    ap.add_argument("--naive", type=int, default=5, help="naive iterations to time (then extrapolated)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    ap.add_argument("--run-out-years", type=int, default=None, help="default: the case's")
    ap.add_argument("--warm-only", action="store_true", help="only the warm re-solves of one live model (part 1)")
    args = ap.parse_args()

    from optimiser import load_case
    from optimiser.analysis import Assignment, LiveModel, Parameter, sweep

    case = load_case(ROOT / "cases" / "england_2017", run_out_years=args.run_out_years)
    values = np.linspace(10_000, 12_000, args.values)
    step = values[1] - values[0]
    p = Parameter.parse(PATH)
    result: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                "load_average_before": os.getloadavg()}, "values": args.values,
                    "run_out_years": case.config.run_out_years,
                    "range_fte": [float(values[0]), float(values[-1])]}

    # 1. warm re-solves of one live LP
    t0 = time.perf_counter()
    model = LiveModel(case)
    first = model.solve([Assignment(p, values[0] - step)])  # the one cold solve, one step before the sweep
    cold_seconds = time.perf_counter() - t0
    assert first.status == "optimal"
    wall0, cpu0 = time.perf_counter(), time.process_time()
    objectives, iterations = [], 0
    for v in values:
        point = model.solve([Assignment(p, v)])
        rec = model.summary(point, [TARGET])
        objectives.append(rec["total_cost_gbp"])
        iterations += point.iterations
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    result["warm"] = {"build_and_first_cold_solve_s": cold_seconds, "resolves": len(values), "wall_s": wall, "cpu_s": cpu,
                      "resolves_per_s_wall": len(values) / wall, "resolves_per_s_cpu": len(values) / cpu,
                      "simplex_iterations": iterations, "mean_iterations": iterations / len(values)}
    print(f"warm: {len(values)} re-solves in {wall:.2f} s wall ({len(values) / wall:.0f}/s), {cpu:.2f} s CPU "
          f"({len(values) / cpu:.0f}/s); {iterations / len(values):.1f} simplex iterations each; "
          f"build + first cold solve {cold_seconds:.2f} s")

    if args.warm_only:
        return _write(result, args.out)

    # 1b. the same re-solves split over a pool of worker processes (the default executor)
    workers = min(2, os.cpu_count() or 1)
    if workers > 1:
        result["warm_pool"] = pooled(values, workers)
        r = result["warm_pool"]
        print(f"warm, {workers} worker processes: {r['resolves']} re-solves in {r['wall_s']:.2f} s wall "
              f"({r['resolves_per_s_wall']:.0f}/s); busiest worker {max(r['cpu_s']):.2f} s CPU "
              f"({r['resolves_per_s_cpu']:.0f}/s with a core each)")

    # 2. the public API end to end
    for executor in ("serial", "local"):
        t0 = time.perf_counter()
        df = sweep(case, {PATH: values}, executor=executor, marginals=[TARGET])
        seconds = time.perf_counter() - t0
        assert (df["status"] == "optimal").all()
        np.testing.assert_allclose(df["total_cost_gbp"], objectives, rtol=1e-7)
        result[f"api_{executor}"] = {"wall_s": seconds, "points_per_s": len(values) / seconds}
        print(f"sweep(executor={executor!r}) end to end: {seconds:.2f} s ({len(values) / seconds:.0f} points/s, "
              "build, cold solve and worker start-up included)")

    # 3. the naive loop, timed on a subset and extrapolated
    subset = values[np.linspace(0, len(values) - 1, args.naive).astype(int)]
    times, naive_obj = [], []
    for v in subset:
        t0 = time.perf_counter()
        naive_obj.append(naive_pulp_solve(case, v))
        times.append(time.perf_counter() - t0)
    per = float(np.mean(times))
    idx = [int(np.argmin(np.abs(values - v))) for v in subset]
    np.testing.assert_allclose(naive_obj, np.array(objectives)[idx], rtol=1e-6)
    warm_per = wall / len(values)
    result["naive"] = {"timed_values": len(subset), "seconds_each": times, "mean_s": per,
                       "extrapolated_s_for_all": per * len(values)}
    result["speedup_vs_naive"] = per / warm_per
    print(f"naive PuLP loop: {per:.2f} s per value (timed {len(subset)}, extrapolated to {len(values)}: "
          f"{per * len(values):.0f} s); warm re-solves are {per / warm_per:.0f}x faster")
    _write(result, args.out)


def _write(result: dict, out: Path) -> None:
    result["machine"]["load_average_after"] = os.getloadavg()
    out.mkdir(parents=True, exist_ok=True)
    (out / "sweep_bench.json").write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {out / 'sweep_bench.json'}")


if __name__ == "__main__":
    main()
