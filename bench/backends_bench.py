"""Benchmark: every solver backend on the national case (LP) and its whole_cohorts scenario (MIP).

For each backend, one solve through ``optimiser.solve`` (hand-over, solve and, for the MIP, the
fixed-LP re-solve), its wall time and the ratio to ``highs`` in the same run, the objective, for
the MIP the best bound and gap, and whether ``optimiser verify`` passes on the plan.

Usage: .venv/bin/python bench/backends_bench.py [--out bench/results] [--pdlp-seconds 300]
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: (label, backend, options): every backend with its defaults, and PDLP's own plan without crossover
LP_RUNS = (("highs", "highs", {}), ("glop", "glop", {}), ("pulp-highs", "pulp-highs", {}),
           ("pulp-cbc", "pulp-cbc", {}), ("scip", "scip", {}), ("pdlp", "pdlp", {}),
           ("pdlp --no-crossover", "pdlp", {"crossover": False}))
MIP_RUNS = tuple((n, n, {}) for n in ("highs", "pulp-highs", "pulp-cbc", "scip", "cp-sat"))


def run(case, label: str, solver: str, **options) -> dict:
    from optimiser import solve
    from optimiser.verify import verify_solution

    start = time.perf_counter()
    sol = solve(case, solver, **options)
    wall = time.perf_counter() - start
    row = {"solver": label, "status": sol.status, "wall_s": wall, "objective_gbp": sol.objective,
           "message": sol.result.message}
    if sol.mip is not None:
        row.update(mip_objective_gbp=sol.mip.objective_gbp, best_bound_gbp=sol.mip.best_bound_gbp, gap=sol.mip.gap)
    if sol.status == "optimal":
        row["verify_ok"] = verify_solution(case, json.loads(sol.to_json())).ok
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    ap.add_argument("--pdlp-seconds", type=float, default=300.0, help="time limit for PDLP (it is slow to converge)")
    args = ap.parse_args()

    from optimiser import load_case

    folder = ROOT / "cases" / "england_2017"
    out = {"cpus": os.cpu_count(), "load_average_at_start": os.getloadavg()}
    for label, case, runs in (("national LP", load_case(folder), LP_RUNS),
                              ("whole_cohorts MIP", load_case(folder, "whole_cohorts"), MIP_RUNS)):
        rows = [run(case, name, solver, time_limit_seconds=args.pdlp_seconds if solver == "pdlp" else None, **options)
                for name, solver, options in runs]
        base = next(r["wall_s"] for r in rows if r["solver"] == "highs")
        print(f"\n{label}")
        for r in rows:
            r["ratio_to_highs"] = r["wall_s"] / base
            money = f"£{r['objective_gbp']:,.0f}" if r["objective_gbp"] is not None else "-"
            extra = ""
            if r.get("best_bound_gbp") is not None:
                extra = f", bound £{r['best_bound_gbp']:,.0f} (gap {r['gap']:.4%})"
            print(f"  {r['solver']:<19} {r['status']:<11} {r['wall_s']:7.1f} s ({r['ratio_to_highs']:.2f}x highs)  "
                  f"{money}{extra}; verify {'passes' if r.get('verify_ok') else 'not run' if 'verify_ok' not in r else 'FAILS'}")
        out[label] = rows
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "backends_bench.json").write_text(json.dumps(out, indent=1) + "\n")
    print(f"\nwrote {args.out / 'backends_bench.json'}")


if __name__ == "__main__":
    main()
