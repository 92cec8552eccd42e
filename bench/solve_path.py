"""Time the Python around HiGHS on one case: load, extract and JSON export, in CPU seconds (issue 16, item 4).

    python bench/solve_path.py [--case cases/england_2017] [--run-out-years 0] [--repeat 7] [--profile DIR]
                               [--no-constraints] [--json-out PATH]

The case is solved once (stage 1 and stage 2, as ``optimiser solve`` does); then each stage is repeated
``--repeat`` times and its median CPU seconds (``time.process_time``) and wall seconds printed:

- load: ``load_case(case, run_out_years=…)``: read, validate, broadcast and check every table;
- extract: ``optimiser.solution.extract`` of the solved LP, the case's content hash computed afresh each
  time (it is cached on the case, and a real solve computes it once, here);
- json: ``sol.to_json()`` and ``write_atomic`` of ``solution.json`` to a scratch folder.

It also prints the sha256 of ``solution.json`` with the solver's ``seconds`` taken out (the one timing in the
file), so that two versions of the engine can be checked for byte-identical output. ``--profile DIR`` writes a
cProfile of one more run of each stage (``DIR/STAGE.prof``) and prints its top entries by own time.
Nothing is asserted: this is a measurement. bench/README.md, "A cheaper solve path", has the figures.
"""
from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import json
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(fn, repeat: int) -> tuple[float, float]:
    """Median CPU and wall seconds of ``fn()`` over ``repeat`` runs."""
    cpu, wall = [], []
    for _ in range(repeat):
        c, w = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return statistics.median(cpu), statistics.median(wall)


def without_timings(text: str) -> str:
    """``solution.json`` with the solver's seconds taken out, as the tests compare it."""
    return text.replace(f'"seconds":{json.loads(text)["solver"]["seconds"]}', "")


def profile(label: str, fn, out: Path, top: int) -> str:
    """Profile one run of ``fn`` into ``out/LABEL.prof``; the top entries by own time, as text."""
    out.mkdir(parents=True, exist_ok=True)
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    prof.dump_stats(out / f"{label}.prof")
    text = io.StringIO()
    stats = pstats.Stats(prof, stream=text)
    stats.sort_stats("tottime").print_stats(top)
    return text.getvalue()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", default=str(ROOT / "cases" / "england_2017"))
    parser.add_argument("--run-out-years", type=int, default=None, help="default: the case's own")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--profile", type=Path, default=None, help="folder for STAGE.prof files")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--no-constraints", action="store_true", help="export as solve --no-constraints")
    parser.add_argument("--json-out", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)

    import optimiser
    from optimiser import load_case, solve
    from optimiser.export.atomic import write_atomic
    from optimiser.solution import extract

    case = load_case(args.case, run_out_years=args.run_out_years)
    sol = solve(case)
    scratch = Path(tempfile.mkdtemp(prefix="solve-path-"))
    constraints = not args.no_constraints

    def load():
        load_case(args.case, run_out_years=args.run_out_years)

    def extract_again():
        sol.data.case.__dict__.pop("content_hash", None)  # cached_property: computed afresh, as in a solve
        extract(sol.lp, sol.data, sol.result)

    def export():
        write_atomic(scratch / "solution.json", sol.to_json(constraints=constraints))

    stages = {"load": load, "extract": extract_again, "json": export}
    figures = {name: timed(fn, args.repeat) for name, fn in stages.items()}
    text = (scratch / "solution.json").read_text(encoding="utf-8")
    digest = hashlib.sha256(without_timings(text).encode()).hexdigest()

    print(f"engine {Path(optimiser.__file__).parent}  case {args.case}  run-out years "
          f"{case.config.run_out_years}  status {sol.status}  median of {args.repeat}")
    print(f"{'stage':<10}{'CPU s':>10}{'wall s':>10}")
    for name, (cpu, wall) in figures.items():
        print(f"{name:<10}{cpu:>10.3f}{wall:>10.3f}")
    total_cpu = sum(c for c, _ in figures.values())
    print(f"{'total':<10}{total_cpu:>10.3f}{sum(w for _, w in figures.values()):>10.3f}")
    print(f"solution.json {len(text.encode()):,} bytes; sha256 without timings {digest}")
    print(f"case sha256 {case.content_hash}")
    if args.profile is not None:
        for name, fn in stages.items():
            print(f"--- {name} ---")
            print(profile(name, fn, args.profile, args.top))
    if args.json_out is not None:
        args.json_out.write_text(json.dumps({
            "case": args.case, "run_out_years": case.config.run_out_years, "repeat": args.repeat,
            "cpu_seconds": {k: c for k, (c, _) in figures.items()}, "wall_seconds": {k: w for k, (_, w) in figures.items()},
            "solution_bytes": len(text.encode()), "solution_sha256_without_timings": digest,
            "case_sha256": case.content_hash}, indent=2))


if __name__ == "__main__":
    sys.exit(main())
