"""Tornado ±10% on the national case, serially in one process: CPU seconds, per-bar simplex work, profile.

    python bench/tornado_bench.py [--run-out-years 0] [--modes now] [--profile] [--groups "leaver rates,..."]

For each mode (``--modes``; ``now`` is the engine as it is, other names are the settings this script
can switch, see ``MODES``) it runs ``tornado(case, executor="serial")`` and records, for every
solve of the live model, the group, factor, simplex method, iterations, and the CPU seconds of the
whole call (Python included) and of HiGHS's ``run`` alone. The first mode's tornado table is the
reference: every other mode's table must equal it to 1e-6 relative (printed). ``--profile`` writes a
cProfile of the first mode to ``bench/results/tornado.prof`` and prints the costliest functions.
Wall time on 2 workers is about half the serial CPU time when the machine is idle (the local pool
runs one HiGHS per core); CPU seconds are what this script reports, since the machine is shared.
Results go to ``bench/results/tornado_bench.json``.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import time
from contextlib import contextmanager
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from optimiser import load_case  # noqa: E402
from optimiser.analysis import live  # noqa: E402
from optimiser.analysis.tornado import tornado  # noqa: E402

NATIONAL = ROOT / "cases" / "england_2017"


@contextmanager
def _options(**options):
    saved = dict(live.HIGHS_OPTIONS)
    live.HIGHS_OPTIONS.update(options)
    try:
        yield
    finally:
        live.HIGHS_OPTIONS.clear()
        live.HIGHS_OPTIONS.update(saved)


@contextmanager
def _all_primal():
    """Primal simplex for every re-solve from the base basis (the live model's DUAL choice replaced)."""
    saved = live.DUAL
    live.DUAL = live.PRIMAL
    try:
        yield
    finally:
        live.DUAL = saved


@contextmanager
def _dual_for_coefficient_changes():
    """The rule before: from the base basis, dual simplex wherever a limit changed, coefficients or not."""
    saved = live._coefficients_changed
    live._coefficients_changed = lambda base, arrays: False
    try:
        yield
    finally:
        live._coefficients_changed = saved


#: Settings to compare: name -> context manager factory (HiGHS options of the live models, etc.).
MODES = {
    "now": lambda: _options(),
    "before": _dual_for_coefficient_changes,
    "all primal": _all_primal,
}


class Record:
    """Per-solve records of every live-model solve (group and factor read from the assignments)."""

    def __init__(self):
        self.solves: list[dict] = []

    @contextmanager
    def on(self):
        original_solve, original_run = live.LiveModel.solve, live.highspy.Highs.run
        highs_cpu = [0.0]

        def timed_run(h):
            t = time.process_time()
            try:
                return original_run(h)
            finally:
                highs_cpu[0] += time.process_time() - t

        def recorded(model, assignments=(), start="previous"):
            cpu, before = time.process_time(), highs_cpu[0]
            point = original_solve(model, assignments, start)
            a = list(assignments)
            self.solves.append({"group": str(a[0].parameter) if a else "base", "factor": a[0].value if a else 1.0,
                                "method": point.simplex, "iterations": point.iterations, "status": point.status,
                                "rebuilt": point.rebuilt, "cpu_s": round(time.process_time() - cpu, 3),
                                "highs_run_cpu_s": round(highs_cpu[0] - before, 3)})
            return point

        live.LiveModel.solve = recorded
        live.highspy.Highs.run = timed_run
        try:
            yield self
        finally:
            live.LiveModel.solve, live.highspy.Highs.run = original_solve, original_run


def run_once(case, groups, profile: Path | None):
    rec = Record()
    prof = cProfile.Profile() if profile else None
    cpu, wall = time.process_time(), time.perf_counter()
    with rec.on():
        if prof:
            prof.enable()
        df = tornado(case, executor="serial", groups=groups)
        if prof:
            prof.disable()
    out = {"cpu_s": time.process_time() - cpu, "wall_s": time.perf_counter() - wall, "solves": rec.solves,
           "iterations": sum(s["iterations"] for s in rec.solves),
           "highs_run_cpu_s": sum(s["highs_run_cpu_s"] for s in rec.solves)}
    if prof:
        profile.parent.mkdir(parents=True, exist_ok=True)
        prof.dump_stats(str(profile))
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(25)
        out["profile_top"] = s.getvalue()
    return df, out


def main(argv=None) -> int:
    from optimiser.analysis.tornado import default_groups
    sys.path.insert(0, str(BENCH))
    from simplex_bench import largest_difference

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run-out-years", type=int, default=0)
    ap.add_argument("--modes", default="now", help=f"comma-separated, from: {', '.join(MODES)}")
    ap.add_argument("--groups", default=None, help="comma-separated group names (default: all of the case's)")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--out", type=Path, default=BENCH / "results" / "tornado_bench.json")
    args = ap.parse_args(argv)
    case = load_case(NATIONAL, run_out_years=args.run_out_years)
    groups = default_groups(case)
    if args.groups:
        groups = {g: groups[g] for g in args.groups.split(",")}
    results, reference = {}, None
    for i, name in enumerate(args.modes.split(",")):
        with MODES[name]():
            df, out = run_once(case, groups, BENCH / "results" / f"tornado_{name}.prof" if args.profile and i == 0
                               else None)
        table = df.to_dict("records")
        if reference is None:
            reference = table
        out["difference_from_first_mode"] = largest_difference(reference, table)
        out["table"] = table
        results[name] = out
        print(f"{name:24s} CPU {out['cpu_s']:7.1f} s (HiGHS run {out['highs_run_cpu_s']:6.1f} s)  wall "
              f"{out['wall_s']:7.1f} s  iterations {out['iterations']:>8,}  table differs by "
              f"{out['difference_from_first_mode']:.1e}", flush=True)
        for s in out["solves"]:
            print(f"    {s['group'][:40]:40s} ×{s['factor']:.2f} {s['method']:6s} {s['iterations']:>7,} it "
                  f"{s['cpu_s']:6.2f} s (HiGHS {s['highs_run_cpu_s']:6.2f})", flush=True)
        if "profile_top" in out:
            print(out["profile_top"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"run_out_years": args.run_out_years, "modes": results}, indent=1,
                                   default=str) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
