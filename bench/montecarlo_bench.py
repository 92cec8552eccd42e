"""Benchmark: Monte Carlo draws of the national case on Dask, 2 workers against 1.

Starts a Dask ``LocalCluster`` of single-threaded worker processes, first with one worker and then
with two, and times ``run_montecarlo(..., executor="dask")`` for the same draws into fresh folders
(cluster start-up excluded; each worker's build of the LP and its one cold solve of the base case
included). Checks that both runs give identical draws. Uses ``cases/england_2017/uncertainty.yaml``.

Usage: .venv/bin/python bench/montecarlo_bench.py [--draws 400] [--out bench/results]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(case, spec, draws: int, workers: int, folder: Path) -> dict:
    from distributed import Client, LocalCluster

    from optimiser.analysis import run_montecarlo

    shutil.rmtree(folder, ignore_errors=True)
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        client.wait_for_workers(workers)
        load = os.getloadavg()
        cpu0 = client.run(time.process_time)
        wall0, done = time.perf_counter(), [0]

        def progress(n, total):
            if n and n % 50 == 0 and n != done[0]:
                done[0] = n
                print(f"  {workers} worker(s): {n}/{total} draws, {time.perf_counter() - wall0:.0f} s", flush=True)

        result = run_montecarlo(case, spec, folder, draws=draws, executor="dask", scheduler=client, progress=progress)
        seconds = time.perf_counter() - wall0
        cpu1 = client.run(time.process_time)
    assert result.complete
    cpu = sum(cpu1[w] - cpu0[w] for w in cpu0)
    return {"workers": workers, "draws": draws, "wall_s": seconds, "draws_per_s": draws / seconds,
            "worker_cpu_s": cpu, "cores_obtained": cpu / seconds, "load_average_at_start": load,
            "load_average_at_end": os.getloadavg(), "summary": result.summary}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--draws", type=int, default=400)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = ap.parse_args()

    from optimiser import load_case
    from optimiser.analysis import load_spec

    folder = ROOT / "cases" / "england_2017"
    case, spec = load_case(folder), load_spec(folder / "uncertainty.yaml")
    runs = {}
    for workers in (1, 2):
        runs[workers] = run(case, spec, args.draws, workers, args.out / f"montecarlo_{workers}_worker")
        r = runs[workers]
        print(f"{workers} worker(s): {args.draws} draws in {r['wall_s']:.1f} s ({r['draws_per_s']:.2f} draws/s); "
              f"workers used {r['worker_cpu_s']:.0f} CPU-s, {r['cores_obtained']:.2f} cores on average "
              f"(load average {r['load_average_at_start'][0]:.1f} at the start)")
    same = ((args.out / "montecarlo_1_worker" / "draws.csv").read_text()
            == (args.out / "montecarlo_2_worker" / "draws.csv").read_text())
    speedup = runs[1]["wall_s"] / runs[2]["wall_s"]
    cpu_per_draw = {k: v["worker_cpu_s"] / args.draws for k, v in runs.items()}
    s = runs[2]["summary"]
    print(f"speed-up, 2 workers against 1: {speedup:.2f}x; identical draws: {same}; "
          f"CPU per draw {cpu_per_draw[1]:.2f} s (1 worker), {cpu_per_draw[2]:.2f} s (2 workers)")
    print(f"P(both headline targets met) = {s['probability_all_headline_met']:.1%} over {s['draws_solved']} draws")
    out = {"draws": args.draws, "cpus": os.cpu_count(), "runs": {str(k): {kk: vv for kk, vv in v.items() if kk != "summary"}
                                                                for k, v in runs.items()},
           "speedup": speedup, "cpu_s_per_draw": cpu_per_draw, "identical_draws": same, "summary": s}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "montecarlo_bench.json").write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {args.out / 'montecarlo_bench.json'}")


if __name__ == "__main__":
    main()
