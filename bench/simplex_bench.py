"""Primal or dual simplex per change (issue 16): before/after on the national case, in one process.

    python bench/simplex_bench.py [--run-out-years 0] [--draws 4] [--only explain,tornado,montecarlo,sweep]
                                  [--check-method]

Each case runs twice, one mode after the other:

- ``before``: every re-solve by dual simplex, the diagnosis model on HiGHS's default pricing (dual
  steepest edge) with its "cheapest plan" step solved from scratch, and no tie-break;
- ``after``: the engine as it is (primal simplex from the kept basis where no limit or bound
  changed, dual where one did; Devex pricing in both; the shortfall tie-break);
- with ``--check-method``, also ``after, all dual``: the tie-break on but dual simplex everywhere,
  whose figures must equal ``after``'s (no reported figure may depend on the method).

Reported per case and mode: HiGHS simplex iterations (deterministic, so independent of the
machine's load: the sum of ``getInfo().simplex_iteration_count`` after each run, as
``Point.iterations`` and ``Diagnosis.lp_iterations`` read it; the one cold base-case solve a
tornado or Monte Carlo model makes for its starting basis is the same in both modes and not
counted), CPU seconds of the process, and wall seconds. Everything runs serially in this process.
Results go to ``bench/results/simplex.json``.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from optimiser import load_case  # noqa: E402
from optimiser.analysis import diagnosis, live  # noqa: E402
from optimiser.analysis.montecarlo import run_montecarlo  # noqa: E402
from optimiser.analysis.sweep import sweep  # noqa: E402
from optimiser.analysis.tornado import tornado  # noqa: E402

NATIONAL = ROOT / "cases" / "england_2017"
CASES = ("explain", "tornado", "montecarlo", "sweep")


@contextmanager
def mode(name: str):
    """Select the before- or after-behaviour (module settings read when a model is built)."""
    saved = (live.DEFAULT_SIMPLEX, live.TIE_BREAK, diagnosis.LiveModel.primal_for_costs, diagnosis.model.LP_OPTIONS)
    if name == "before":
        live.DEFAULT_SIMPLEX, live.TIE_BREAK = "dual", 0.0
        diagnosis.LiveModel.primal_for_costs, diagnosis.model.LP_OPTIONS = False, {}
    elif name == "after, all dual":  # the tie-break on, but dual simplex everywhere: the figures must not change
        live.DEFAULT_SIMPLEX, diagnosis.LiveModel.primal_for_costs = "dual", False
    try:
        yield
    finally:
        live.DEFAULT_SIMPLEX, live.TIE_BREAK, diagnosis.LiveModel.primal_for_costs, diagnosis.model.LP_OPTIONS = saved


class Count:
    """Sum the simplex iterations and count the solves of every live-model point."""

    def __init__(self):
        self.iterations = self.solves = 0
        self.methods: dict[str, int] = {}

    @contextmanager
    def on(self):
        original = live.LiveModel.solve

        def counted(model, *args, **kwargs):
            point = original(model, *args, **kwargs)
            self.iterations += point.iterations
            self.solves += 1
            self.methods[point.simplex or "none"] = self.methods.get(point.simplex or "none", 0) + 1
            return point

        live.LiveModel.solve = counted
        try:
            yield self
        finally:
            live.LiveModel.solve = original


def run(case_name: str, run_out: int, draws: int) -> tuple[dict, dict]:
    """Run one case; returns (iteration and solve counts, figures to compare between modes)."""
    count = Count()
    if case_name == "explain":
        case = load_case(NATIONAL, scenario="tight_budget", run_out_years=run_out)
        diag = diagnosis.diagnose(case)
        d = diag.to_dict()
        return ({"iterations": diag.lp_iterations, "solves": diag.lp_solves},
                {"elastic": d["elastic"], "relaxations": d["relaxations"], "conflict": d["conflict"]})
    case = load_case(NATIONAL, run_out_years=run_out)
    with count.on():
        if case_name == "tornado":
            df = tornado(case, executor="serial")
            figures = df.drop(columns=[c for c in df.columns if "iterations" in c or "seconds" in c]).to_dict("records")
        elif case_name == "montecarlo":
            with tempfile.TemporaryDirectory() as tmp:
                run_montecarlo(case, NATIONAL / "uncertainty.yaml", tmp, draws=draws, executor="serial")
                figures = json.loads((Path(tmp) / "summary.json").read_text())
                figures = {k: figures[k] for k in figures if k.startswith("probability")}
                del res
        else:  # a sweep of training costs (costs only) then of the budget (a limit)
            df1 = sweep(case, {"programmes.cost_per_place_gbp": [0.8, 0.9, 1.0, 1.1, 1.2]}, scale=True,
                        executor="serial")
            df2 = sweep(case, {"budgets.limit_gbp": [0.9, 0.95, 1.0, 1.05, 1.1]}, scale=True, executor="serial")
            figures = list(df1["total_cost_gbp"]) + list(df2["total_cost_gbp"])
    return {"iterations": count.iterations, "solves": count.solves, "methods": count.methods}, figures


def largest_difference(a, b) -> float:
    """The largest relative difference between two nests of figures (inf where they differ otherwise)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return float("inf")
        return max((largest_difference(a[k], b[k]) for k in a), default=0.0)
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return float("inf")
        return max((largest_difference(x, y) for x, y in zip(a, b)), default=0.0)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        if a == b or (a != a and b != b):
            return 0.0
        return abs(a - b) / max(abs(a), abs(b), 1.0)
    return 0.0 if a == b else float("inf")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run-out-years", type=int, default=0)
    ap.add_argument("--draws", type=int, default=4, help="Monte Carlo draws (default 4)")
    ap.add_argument("--only", default=",".join(CASES))
    ap.add_argument("--check-method", action="store_true",
                    help="also run 'after' with dual simplex everywhere and compare its figures with 'after'")
    ap.add_argument("--out", type=Path, default=BENCH / "results" / "simplex.json")
    args = ap.parse_args(argv)
    rows = []
    for case_name in args.only.split(","):
        rec = {"case": case_name}
        figures = {}
        for m in ("before", "after") + (("after, all dual",) if args.check_method else ()):
            with mode(m):
                cpu, wall = time.process_time(), time.perf_counter()
                counts, figures[m] = run(case_name, args.run_out_years, args.draws)
                rec[m] = {**counts, "cpu_seconds": round(time.process_time() - cpu, 2),
                          "wall_seconds": round(time.perf_counter() - wall, 2)}
        rec["largest_relative_difference"] = largest_difference(figures["before"], figures["after"])
        rec["same_figures"] = rec["largest_relative_difference"] <= 1e-6
        if not rec["same_figures"]:
            rec["figures"] = figures
        b, a = rec["before"], rec["after"]
        print(f"{case_name:11s} iterations {b['iterations']:>8,} -> {a['iterations']:>8,} "
              f"({a['iterations'] / max(b['iterations'], 1):.2f})  CPU {b['cpu_seconds']:7.1f} -> "
              f"{a['cpu_seconds']:7.1f} s ({a['cpu_seconds'] / max(b['cpu_seconds'], 1e-9):.2f})  "
              f"figures differ by {rec['largest_relative_difference']:.1e}", flush=True)
        if args.check_method:
            rec["method_difference"] = largest_difference(figures["after"], figures["after, all dual"])
            print(f"{'':11s} after by change vs after all dual: figures differ by {rec['method_difference']:.1e}"
                  f" ({rec['after, all dual']['iterations']:,} iterations all dual)", flush=True)
            if rec["method_difference"] > 1e-6:
                rec.setdefault("figures", figures)
        rows.append(rec)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"run_out_years": args.run_out_years, "draws": args.draws, "cases": rows},
                                   indent=1, default=str) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
