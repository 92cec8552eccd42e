"""Benchmark: how many Monte Carlo draws each sampler needs for a standard error of 1 percentage point
on P(both headline targets met), on the national case.

Runs ``run_montecarlo`` on ``cases/england_2017`` with its ``uncertainty.yaml`` once per sampler (plain
``random``, scrambled ``sobol``, Latin hypercube ``lhs``), the same number of draws each, into
``OUT/SAMPLER`` (resumable: run the command again to carry on after an interruption). For each it
reports P(both headline targets met), its standard error as ``summary.json`` gives it, and the draws
needed for a standard error of 1 percentage point (pp):

- random: ``p (1 - p) / 0.01^2`` (the binomial formula, exact for independent draws);
- sobol and lhs: ``n x (SE / 0.01)^2``, i.e. more replicates of the same size. A quasi-random
  estimate's variance falls at least as fast as ``1 / n`` as its replicates grow, so this is an
  upper bound for longer replicates. For sobol it also gives the figure from the first half of each
  replicate's points (a Sobol run of 2n draws holds the run of n).

A replicate-spread SE with R replicates is itself uncertain by about ``1 / sqrt(2 (R - 1))`` (18% for
16); so is the draws figure, by twice that. Random draws are also grouped into R groups by draw
number, whose spread must agree with the binomial SE (a check of the method).

The national case's run-out years make a draw minutes long; ``--run-out-years 0`` (the default here)
plans over the target years alone, as the tests do.

Usage: .venv/bin/python bench/montecarlo_sampler.py [--draws 128] [--replicates 16] [--samplers sobol lhs random]
       [--run-out-years 0] [--workers 2] [--out bench/results/montecarlo_sampler]

Each call adds its samplers to OUT/montecarlo_sampler.json (samplers measured before are kept), so
samplers can be run one at a time with their own --draws and --replicates.
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TARGET_SE = 0.01  # 1 percentage point


def headline_met(result) -> tuple[np.ndarray, np.ndarray]:
    """Draw numbers and whether both headline targets were met, over the solved draws."""
    ok = result.draws[result.draws["status"] == "optimal"]
    headline = set(result.summary["headline_targets"])
    met = np.array([not (set(s.split(";")) & headline) for s in ok["targets_short"]])
    return ok["draw"].to_numpy(), met


def measure(case, spec, sampler: str, draws: int, replicates: int, folder: Path, workers: int) -> dict:
    from optimiser.analysis.montecarlo import MonteCarloSpec, replicate_estimate, run_montecarlo

    spec = MonteCarloSpec.model_validate(spec.model_dump(by_alias=True) | {"sampler": sampler, "replicates": replicates})
    jsonl = folder / "draws.jsonl"
    before = len(jsonl.read_bytes().splitlines()) if jsonl.exists() else 0  # draws from an interrupted call
    wall0, cpu0, load = time.perf_counter(), os.times(), os.getloadavg()

    def progress(done, total):
        print(f"\r  {sampler}: {done}/{total} draws, {time.perf_counter() - wall0:.0f} s", end="", flush=True)

    result = run_montecarlo(case, spec, folder, draws=draws, executor="local", workers=workers, progress=progress)
    wall, cpu1 = time.perf_counter() - wall0, os.times()
    print()
    assert result.complete
    s = result.summary
    p, se = s["probability_all_headline_met"], s["probability_all_headline_met_se"]
    n = s["draws_solved"]
    out = {"sampler": sampler, "draws": s["draws"], "draws_solved": n, "p_both_headline": p, "se": se,
           "ci95": s["probability_all_headline_met_ci95"], "standard_error": s["standard_error"],
           "draws_solved_this_call": s["draws_done"] - before, "wall_s_this_call": wall,
           "worker_cpu_s_this_call": cpu1.children_user + cpu1.children_system - cpu0.children_user - cpu0.children_system,
           "load_average_at_start": load}
    draw, met = headline_met(result)
    if sampler == "random":
        out["draws_for_1pp"], out["draws_for_1pp_range95"] = binomial_draws_for_1pp(p, out["ci95"])
        grouped = replicate_estimate(met, draw % replicates)
        out["groups"], out["check_grouped_se"] = replicates, grouped.se  # must agree with the binomial SE
    else:
        out["replicates"] = replicates
        out["draws_for_1pp"], out["draws_for_1pp_range95"] = replicate_draws_for_1pp(n, se, replicates)
        if sampler == "sobol":
            first = draw < s["draws"] // 2  # the first half of each replicate's points
            half = replicate_estimate(met[first], draw[first] % replicates)
            needed, interval = replicate_draws_for_1pp(int(first.sum()), half.se, replicates)
            out["half_run"] = {"draws": int(first.sum()), "p": half.p, "se": half.se, "draws_for_1pp": needed,
                               "draws_for_1pp_range95": interval}
    return out


def replicate_draws_for_1pp(n: int, se: float, replicates: int) -> tuple[float, list[float]]:
    """Draws for an SE of 1 pp, ``n (SE / 0.01)^2``, and its 95% range: the replicates' variance is
    estimated with R - 1 degrees of freedom, so the true one lies within (R - 1) s^2 / chi2(R - 1)
    at 97.5% and 2.5%."""
    from scipy import stats

    needed = n * (se / TARGET_SE) ** 2
    dof = replicates - 1
    return needed, [needed * dof / stats.chi2.ppf(0.975, dof), needed * dof / stats.chi2.ppf(0.025, dof)]


def binomial_draws_for_1pp(p: float, ci95: list[float]) -> tuple[float, list[float]]:
    """Draws for an SE of 1 pp with independent draws, ``p (1 - p) / 0.01^2``, and its range over p's 95% interval."""
    def var(x):
        return x * (1 - x)

    ends = [var(ci95[0]), var(ci95[1])]
    top = 0.25 if ci95[0] <= 0.5 <= ci95[1] else max(ends)
    return var(p) / TARGET_SE ** 2, [min(ends) / TARGET_SE ** 2, top / TARGET_SE ** 2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--draws", type=int, default=128)
    ap.add_argument("--replicates", type=int, default=16)
    ap.add_argument("--samplers", nargs="+", default=["sobol", "lhs", "random"], choices=["random", "sobol", "lhs"])
    ap.add_argument("--run-out-years", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "montecarlo_sampler")
    args = ap.parse_args()

    from optimiser import load_case
    from optimiser.analysis import load_spec

    folder = ROOT / "cases" / "england_2017"
    case, spec = load_case(folder, run_out_years=args.run_out_years), load_spec(folder / "uncertainty.yaml")
    path = args.out / "montecarlo_sampler.json"
    report = json.loads(path.read_text()) if path.exists() else {}  # samplers measured by earlier calls are kept
    if report.get("run_out_years") != args.run_out_years:
        report = {}
    measured = {r["sampler"]: r for r in report.get("runs", []) if "not_run" not in r}
    measured |= {s: measure(case, spec, s, args.draws, args.replicates, args.out / s, args.workers) for s in args.samplers}
    if "random" not in measured and measured:  # no random run: the binomial formula at the best-measured P
        best = min(measured.values(), key=lambda r: r["se"])
        needed, interval = binomial_draws_for_1pp(best["p_both_headline"], best["ci95"])
        measured["random"] = {"sampler": "random", "not_run": f"binomial formula at P from the {best['sampler']} run",
                              "p_both_headline": best["p_both_headline"], "draws_for_1pp": needed,
                              "draws_for_1pp_range95": interval}
    runs = [measured[s] for s in ("random", "sobol", "lhs") if s in measured]
    print(f"\nP(both headline targets met), national case, run-out years {args.run_out_years} "
          "(half: the first half of each Sobol replicate's points):")
    print(f"{'sampler':8} {'replicates':>10} {'draws':>6} {'P':>7} {'SE (pp)':>8} {'draws for SE 1 pp (95% range)':>30} "
          f"{'CPU s/draw':>10}")
    for r in runs:
        low, high = r["draws_for_1pp_range95"]
        if "not_run" in r:
            print(f"{'random':8} {'-':>10} {'-':>6} {r['p_both_headline']:>7.1%} {'-':>8} "
                  f"{r['draws_for_1pp']:>9,.0f} ({low:,.0f}-{high:,.0f}) {'':>4}  [{r['not_run']}]")
            continue
        new = r["draws_solved_this_call"]  # 0 when the draws were all solved by earlier calls
        cpu = f"{r['worker_cpu_s_this_call'] / new:.1f}" if new else "-"
        print(f"{r['sampler']:8} {r.get('replicates', '-'):>10} {r['draws_solved']:>6} {r['p_both_headline']:>7.1%} "
              f"{100 * r['se']:>8.2f} {r['draws_for_1pp']:>9,.0f} ({low:,.0f}-{high:,.0f}) {cpu:>10}")
        if "half_run" in r:
            h = r["half_run"]
            low, high = h["draws_for_1pp_range95"]
            print(f"{'  half':8} {'':>10} {h['draws']:>6} {h['p']:>7.1%} {100 * h['se']:>8.2f} "
                  f"{h['draws_for_1pp']:>9,.0f} ({low:,.0f}-{high:,.0f})")
        if "check_grouped_se" in r:
            print(f"  check: SE from {r['groups']} groups of the random draws {100 * r['check_grouped_se']:.2f} pp")
    report = {"case": case.name, "run_out_years": args.run_out_years, "cpus": os.cpu_count(), "runs": runs}
    args.out.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
