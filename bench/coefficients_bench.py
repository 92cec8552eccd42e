"""Coefficients updated in place (issue 16, item 2): Monte Carlo draws and a tornado on the national
case, with the code of another commit ("before") and the work tree ("after"), in turn.

    python bench/coefficients_bench.py [--before REF] [--draws 8] [--run-out-years 0] [--only montecarlo,tornado]

``REF`` (default: the merge base with ``main``) is exported with ``git archive`` into a temporary
folder. Each measurement runs in a child process importing one tree or the other, before first,
then after, all in one session, one after the other (never at the same time).

- **montecarlo**: the draws of ``cases/england_2017/uncertainty.yaml`` solved as ``run_montecarlo``
  solves them (a live model of the elastic case; each draw from the base case's basis), serially.
- **tornado**: ``tornado(case)`` (±10%, the default groups), serially.

Reported: CPU seconds of the process per draw (per tornado run), of which mapping the values onto
the LP (``LiveModel.arrays_for``: ``Case.with_changes`` and a rebuild before, the in-place update
after) and HiGHS's runs (wall seconds of ``run()``, the process being single-threaded); the model's
build and base solve are outside the per-draw figures (a tornado run includes them). Figures per
draw (status, objective, every target's shortfall) and the tornado table are compared between the
two trees. Results go to ``bench/results/coefficients.json``.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
NATIONAL = ROOT / "cases" / "england_2017"


def child(tree: str, what: str, draws: int, run_out: int) -> dict:
    """Measure in this process with the package of ``tree``."""
    sys.path.insert(0, tree)
    from optimiser import load_case
    from optimiser.analysis import live
    from optimiser.analysis.montecarlo import load_spec

    assert Path(live.__file__).is_relative_to(tree), live.__file__
    clock = {"map": 0.0}
    original = live.LiveModel.arrays_for

    def timed(model, assignments):
        t0 = time.process_time()
        try:
            return original(model, assignments)
        finally:
            clock["map"] += time.process_time() - t0

    live.LiveModel.arrays_for = timed
    case = load_case(NATIONAL, run_out_years=run_out)
    if what == "montecarlo":
        spec = load_spec(NATIONAL / "uncertainty.yaml")
        model = live.LiveModel(case, elastic=spec.elastic_penalty_gbp_per_fte)
        model.base_basis()
        clock["map"] = 0.0
        cpu, highs, figures, rebuilt, methods = time.process_time(), 0.0, [], 0, {}
        for i in range(draws):
            point = model.solve(spec.assignments(spec.values(i, draws)), start="base")
            highs += point.seconds
            rebuilt += point.rebuilt
            methods[point.simplex] = methods.get(point.simplex, 0) + 1
            figures.append({"status": point.status, "objective": point.objective, "iterations": point.iterations,
                            "shortfall": model.target_shortfalls(point)})
        cpu = time.process_time() - cpu
        return {"runs": draws, "cpu_s": cpu, "map_cpu_s": clock["map"], "highs_s": highs, "rebuilt": rebuilt,
                "methods": methods, "figures": figures}
    from optimiser.analysis.tornado import tornado

    cpu, runs = time.process_time(), []
    original_solve = live.LiveModel.solve

    def counted(model, *args, **kwargs):
        point = original_solve(model, *args, **kwargs)
        runs.append((point.seconds, point.rebuilt, point.simplex, point.iterations))
        return point

    live.LiveModel.solve = counted
    df = tornado(case, executor="serial")
    cpu = time.process_time() - cpu
    figures = df.drop(columns=[c for c in df.columns if "iterations" in c or "seconds" in c]).to_dict("records")
    return {"runs": 1, "solves": len(runs), "cpu_s": cpu, "map_cpu_s": clock["map"], "highs_s": sum(r[0] for r in runs),
            "rebuilt": sum(r[1] for r in runs), "methods": {m: sum(r[2] == m for r in runs) for m in ("primal", "dual")},
            "iterations": [r[3] for r in runs], "figures": figures}


def headline(figures: list[dict]) -> float:
    """P(both headline targets met) over the draws (the spec's headline)."""
    import yaml

    targets = yaml.safe_load((NATIONAL / "uncertainty.yaml").read_text())["headline"]
    return sum(all(f["shortfall"][t] <= 1e-6 for t in targets) for f in figures) / len(figures)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default=None, help="git ref of the before-code (default: merge base with main)")
    ap.add_argument("--draws", type=int, default=8)
    ap.add_argument("--run-out-years", type=int, default=0)
    ap.add_argument("--only", default="montecarlo,tornado")
    ap.add_argument("--child", nargs=2, metavar=("TREE", "WHAT"), help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, default=BENCH / "results" / "coefficients.json")
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child[0], args.child[1], args.draws, args.run_out_years)))
        return 0
    from simplex_bench import largest_difference  # (imports this tree's package: not in a child)

    ref = args.before or subprocess.run(["git", "merge-base", "HEAD", "main"], cwd=ROOT, capture_output=True,
                                        text=True, check=True).stdout.strip()
    out = {"before": ref, "draws": args.draws, "run_out_years": args.run_out_years, "cases": {}}
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "archive", ref, "optimiser", "constraints"], cwd=ROOT, capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        for what in args.only.split(","):
            rec = {}
            for mode, tree in (("before", tmp), ("after", str(ROOT))):
                done = subprocess.run([sys.executable, __file__, "--child", tree, what, "--draws", str(args.draws),
                                       "--run-out-years", str(args.run_out_years)], capture_output=True, text=True)
                if done.returncode:
                    raise SystemExit(done.stderr)
                rec[mode] = json.loads(done.stdout.splitlines()[-1])
                r = rec[mode]
                print(f"{what:10s} {mode:6s}: {r['cpu_s'] / r['runs']:7.2f} CPU-s per {'draw' if what == 'montecarlo' else 'run'}"
                      f" (mapping values {r['map_cpu_s'] / r['runs']:.3f}, HiGHS {r['highs_s'] / r['runs']:.2f}); "
                      f"rebuilt {r['rebuilt']}, methods {r['methods']}", flush=True)
            rec["largest_relative_difference"] = largest_difference(rec["before"]["figures"], rec["after"]["figures"])
            if what == "montecarlo":
                rec["p_both_headline_met"] = {m: headline(rec[m]["figures"]) for m in ("before", "after")}
                rec["iterations_equal"] = [f["iterations"] for f in rec["before"]["figures"]] == \
                    [f["iterations"] for f in rec["after"]["figures"]]
            else:
                rec["iterations_equal"] = rec["before"]["iterations"] == rec["after"]["iterations"]
            b, a = rec["before"], rec["after"]
            print(f"{what:10s} CPU after/before {a['cpu_s'] / b['cpu_s']:.2f}; mapping after/before "
                  f"{a['map_cpu_s'] / max(b['map_cpu_s'], 1e-9):.3f}; figures differ by {rec['largest_relative_difference']:.1e}"
                  + (f"; P(both headline met) {rec['p_both_headline_met']}" if what == "montecarlo" else "")
                  + f"; same simplex iterations {rec['iterations_equal']}", flush=True)
            out["cases"][what] = rec
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1, default=str) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
