"""The same plan whatever the solver: national allocations of each LP backend against ``highs``.

    python bench/same_plan.py [--run-out-years N] [--solvers highs-default,glop,pulp-cbc]

For each backend, stage 1 alone (``balance=False``) and with stage 2: the relative L1 distance of the
allocations from ``highs``'s, row by row (Σ|a − b| / Σ|a|), and the wall time of each stage. Issue 11's
bar is below 1e-4 with stage 2. ``highs-default`` is HiGHS with its default dual pricing instead of the
engine's Devex. Run-out years default to 0 (the case as shipped takes minutes a solve).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from optimiser import load_case, solve

ROOT = Path(__file__).resolve().parents[1]
KEYS = ["lever", "item", "stp", "staff_group", "year"]


def relative_l1(reference, other) -> float:
    a, b = reference.allocations.set_index(KEYS)["quantity"].align(other.allocations.set_index(KEYS)["quantity"],
                                                                  fill_value=0.0)
    return float((a - b).abs().sum() / a.abs().sum())


def run(case, name: str, balance: bool):
    if name != "highs-default":
        return solve(case, name, balance=balance)
    from optimiser.solvers.base import LP_OPTIONS

    saved = dict(LP_OPTIONS)
    LP_OPTIONS.clear()
    try:
        return solve(case, "highs", balance=balance)
    finally:
        LP_OPTIONS.update(saved)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-out-years", type=int, default=0)
    parser.add_argument("--solvers", default="highs-default,glop,pulp-cbc")
    args = parser.parse_args()
    case = load_case(ROOT / "cases" / "england_2017", run_out_years=args.run_out_years)
    reference = {b: run(case, "highs", b) for b in (False, True)}
    print(f"england_2017, run-out {args.run_out_years} years: highs stage 1 {reference[True].timings['solve']:.1f} s, "
          f"stage 2 {reference[True].timings['balance']:.1f} s")
    print("| backend | stage 1 alone: relative L1 | with stage 2: relative L1 | stage 1 (s) | stage 2 (s) |")
    print("|---|---:|---:|---:|---:|")
    for name in args.solvers.split(","):
        alone, both = run(case, name, False), run(case, name, True)
        print(f"| {name} | {relative_l1(reference[False], alone):.3g} | {relative_l1(reference[True], both):.3g} "
              f"| {both.timings['solve']:.1f} | {both.timings['balance']:.1f} |", flush=True)


if __name__ == "__main__":
    main()
