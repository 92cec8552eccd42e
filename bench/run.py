"""Benchmark the engine on the national case and on a generated provider-scale case.

    python bench/run.py [--provider-scale-only | --national-only] [--stps 220] [--repeat N] [--profile]

Each case runs in its own worker process (so memory peaks do not mix) that times, one after another:
load, the engine's solve (build, matrix + passModel, HiGHS run, extract), JSON export, the MPS
export, and a bare HiGHS solve of that MPS file (a fresh ``highspy.Highs()`` with the engine's
options, ``readModel``, ``run``) in the same process. The table is printed and
``bench/results/latest.json`` written. See bench/README.md for what every figure means.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
NATIONAL = ROOT / "cases" / "england_2017"

# Targets reported against (never asserted).
NATIONAL_LOAD_TO_EXPORT_S = 0.5
PROVIDER_ENGINE_OVER_BARE = 1.3
PROVIDER_BUILD_OVER_SOLVE = 0.10


# --- memory: peak resident set size, reset between stages (Linux /proc) ------------------------
def _hwm_kib() -> int | None:
    try:
        return int(re.search(r"VmHWM:\s+(\d+)", Path("/proc/self/status").read_text()).group(1))
    except (OSError, AttributeError):
        return None


def _reset_hwm() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
        return True
    except OSError:
        return False


class Stage:
    """Time a stage with perf_counter and record its peak RSS (MiB) when the kernel allows."""

    def __init__(self, record: dict, name: str):
        self.record, self.name = record, name

    def __enter__(self):
        self.resettable = _reset_hwm()
        self.start, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.record["seconds"][self.name] = time.perf_counter() - self.start
        self.record["cpu_seconds"][self.name] = time.process_time() - self.cpu  # all threads of the process
        hwm = _hwm_kib()
        if self.resettable and hwm is not None:
            self.record["peak_rss_mib"][self.name] = hwm / 1024
        return False


# --- the worker: one case, one process -----------------------------------------------------------
def _profile(label: str, fn, out: Path, top: int = 12) -> dict:
    """Run ``fn`` under cProfile (and pyinstrument, when importable); save both reports and return
    the top functions by own time, and the project's functions by cumulative time.

    cProfile counts every call exactly but its per-call overhead inflates code that makes many small
    pandas calls; pyinstrument samples, so its tree (``LABEL.txt``) shows wall time more truly.
    """
    out.mkdir(parents=True, exist_ok=True)
    try:
        from pyinstrument import Profiler
    except ImportError:
        Profiler = None
    if Profiler is not None:
        sampler = Profiler(interval=0.001)
        sampler.start()
        fn()
        sampler.stop()
        (out / f"{label}.txt").write_text(sampler.output_text(unicode=False, color=False))
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    prof.dump_stats(out / f"{label}.prof")
    stats = pstats.Stats(prof, stream=io.StringIO())
    rows = []
    for (file, line, func), (cc, nc, tt, ct, _) in stats.stats.items():
        rows.append({"where": f"{_short(file)}:{line}:{func}", "own_s": tt, "cumulative_s": ct, "calls": nc})
    by_own = sorted(rows, key=lambda r: r["own_s"], reverse=True)[:top]
    project = sorted((r for r in rows if _is_project(r["where"])), key=lambda r: r["cumulative_s"], reverse=True)[:top]
    return {"by_own_time": by_own, "project_by_cumulative": project}


def _short(file: str) -> str:
    try:
        return str(Path(file).resolve().relative_to(ROOT))
    except ValueError:
        return re.sub(r".*site-packages/", "", file)


def _is_project(where: str) -> bool:
    return where.startswith(("optimiser/", "constraints/"))


def worker(case_dir: Path, name: str, repeat: int, profile: bool, out_file: Path) -> None:
    import highspy

    from optimiser import load_case
    from optimiser import solve as engine_solve
    from optimiser.export.model_file import write_model
    from optimiser.export.atomic import write_atomic
    from optimiser.model.build import build_lp
    from optimiser.solution import extract
    from optimiser.solvers.highs import HighsSolver, highs_version

    # Record what the engine's own HiGHS runs did (CPU time, iterations) without changing them:
    # the wrapper only reads HiGHS's info after each solve returns. Stage 1 (least cost) is the
    # first run of a solve, stage 2 (balance) the second.
    engine_run, stage_two_run = {}, {}
    original_solve = HighsSolver.solve

    def recorded_solve(self):
        cpu = time.process_time()
        result = original_solve(self)
        record = stage_two_run if "cpu_seconds" in engine_run else engine_run
        record.update(cpu_seconds=time.process_time() - cpu,
                      simplex_iterations=self.highs.getInfo().simplex_iteration_count)
        return result

    HighsSolver.solve = recorded_solve
    # likewise the CPU time of the engine's build and extract (wrapping the names optimiser.engine calls)
    import optimiser.engine as engine_module

    engine_cpu = {}

    def cpu_timed(fn, key):
        def wrapper(*args, **kwargs):
            cpu = time.process_time()
            out = fn(*args, **kwargs)
            engine_cpu[key] = time.process_time() - cpu
            return out
        return wrapper

    for key, attr in (("build", "build_lp"), ("extract", "extract")):
        if hasattr(engine_module, attr):
            setattr(engine_module, attr, cpu_timed(getattr(engine_module, attr), key))
    scratch = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    runs = []
    try:
        for _ in range(repeat):
            rec = {"seconds": {}, "cpu_seconds": {}, "peak_rss_mib": {}, "load_average_before": os.getloadavg()}
            with Stage(rec, "load"):
                case = load_case(case_dir)
            engine_run.clear()
            stage_two_run.clear()
            with Stage(rec, "engine_solve"):  # optimiser.solve: build, matrix + passModel, run, extract
                sol = engine_solve(case)
            t = sol.timings
            rec["seconds"].update(build=t["build"], solve=t["solve"], extract=t["extract"], balance=t["balance"])
            rec["cpu_seconds"]["solve"] = engine_run.get("cpu_seconds")
            rec["cpu_seconds"]["balance"] = stage_two_run.get("cpu_seconds")
            rec["cpu_seconds"].update({k: engine_cpu.get(k) for k in ("build", "extract")})
            c = rec["cpu_seconds"]
            if None not in (c["build"], c["solve"], c["extract"]):
                c["pass_model"] = c["engine_solve"] - c["build"] - c["solve"] - c["extract"] - \
                    (c.get("balance") or 0.0)
            rec["engine_simplex_iterations"] = engine_run.get("simplex_iterations")
            # what optimiser.solve spends outside its own timings: settings, lp.matrix(), array casts, passModel
            rec["seconds"]["pass_model"] = (rec["seconds"]["engine_solve"] - t["build"] - t["solve"] - t["extract"]
                                            - t["balance"])
            with Stage(rec, "export_json"):
                write_atomic(scratch / "solution.json", sol.to_json())
            s = rec["seconds"]
            rec["seconds"]["engine_total"] = s["load"] + s["engine_solve"] + s["export_json"]
            rec["seconds"]["engine_overhead"] = rec["seconds"]["engine_total"] - s["solve"] - s["balance"]  # not HiGHS
            c = rec["cpu_seconds"]
            c["engine_total"] = c["load"] + c["engine_solve"] + c["export_json"]
            if c.get("solve") is not None:
                c["engine_overhead"] = c["engine_total"] - c["solve"] - (c.get("balance") or 0.0)
            with Stage(rec, "export_mps"):
                mps = write_model(sol.lp, scratch / "model.mps")

            # bare HiGHS: same options as the engine's solver object, same process
            reference = HighsSolver(sol.lp, case.config.solver).highs
            options = reference.getOptions()
            del reference
            bare = highspy.Highs()
            bare.passOptions(options)
            with Stage(rec, "bare_read"):
                assert bare.readModel(str(mps)) == highspy.HighsStatus.kOk
            with Stage(rec, "bare_run"):
                bare.run()
            bare_objective = bare.getInfo().objective_function_value
            rec["bare_status"] = bare.modelStatusToString(bare.getModelStatus())
            rec["bare_objective"] = bare_objective
            rec["bare_simplex_iterations"] = bare.getInfo().simplex_iteration_count
            del bare
            rec["status"] = sol.status
            rec["objective"] = sol.objective
            rec["objective_rel_diff"] = (abs(bare_objective - sol.objective) / max(1.0, abs(sol.objective))
                                         if sol.objective is not None else None)
            rec["json_mib"] = (scratch / "solution.json").stat().st_size / 2**20
            rec["mps_mib"] = mps.stat().st_size / 2**20
            runs.append(rec)

        lp = sol.lp
        size = {"columns": lp.num_col, "rows": lp.num_row, "nonzeros": int(lp.matrix().nnz),
                "integer_columns": int(lp.integrality.sum()),
                "variables_by_block": {k: v.size for k, v in lp.variables.items()},
                "rows_by_family": _rows_by_family(lp)}
        result = {"name": name, "case_dir": str(case_dir), "size": size, "runs": runs,
                  "highs_version": highs_version(), "process_peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
        if profile:
            prof_dir = RESULTS / "profiles" / name
            result["profile"] = {
                "load": _profile("load", lambda: load_case(case_dir), prof_dir),
                "build": _profile("build", lambda: build_lp(case), prof_dir),
                "extract": _profile("extract", lambda: extract(sol.lp, sol.data, sol.result), prof_dir),
                "export_json": _profile("export_json", lambda: sol.to_json(), prof_dir),
                "export_mps": _profile("export_mps", lambda: write_model(sol.lp, scratch / "p.mps"), prof_dir),
            }
        out_file.write_text(json.dumps(result, indent=1, default=float))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _rows_by_family(lp) -> dict:
    out = {}
    for b in lp.row_blocks:
        out[b.family] = out.get(b.family, 0) + b.size
    return out


# --- the driver ----------------------------------------------------------------------------------
def run_case(case_dir: Path, name: str, repeat: int, profile: bool) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = Path(f.name)
    try:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(case_dir), "--name", name,
               "--repeat", str(repeat), "--out", str(out)] + (["--profile"] if profile else [])
        proc = subprocess.run(cmd, cwd=ROOT)
        if proc.returncode != 0:
            return {"name": name, "case_dir": str(case_dir), "error": f"worker exited with {proc.returncode}"}
        return json.loads(out.read_text())
    finally:
        out.unlink(missing_ok=True)


def summarise(result: dict) -> dict:
    """Median seconds over the runs, the peak memory, the ratios and the targets."""
    runs = result["runs"]
    med = {k: statistics.median(r["seconds"][k] for r in runs) for k in runs[0]["seconds"]}
    peak = {k: max(r["peak_rss_mib"].get(k, 0.0) for r in runs) for k in runs[0]["peak_rss_mib"]}
    s = dict(med)
    s["load_to_export"] = med["engine_total"]
    s["engine_over_bare_run"] = med["engine_total"] / med["bare_run"] if med["bare_run"] > 0 else None
    s["engine_over_bare_read_run"] = med["engine_total"] / (med["bare_read"] + med["bare_run"])
    s["build_over_solve"] = med["build"] / med["solve"] if med["solve"] > 0 else None
    # the same in CPU seconds, and the engine's overhead over a bare run: both far less sensitive to other
    # load on the machine, and to HiGHS taking a slightly different path from the MPS file's rounded numbers
    cpu = {k: statistics.median(r["cpu_seconds"][k] for r in runs) for k in runs[0]["cpu_seconds"]
           if all(r["cpu_seconds"].get(k) is not None for r in runs)}
    s["engine_over_bare_run_cpu"] = cpu["engine_total"] / cpu["bare_run"] if cpu.get("bare_run") else None
    s["overhead_plus_bare_over_bare_run"] = (med["engine_overhead"] + med["bare_run"]) / med["bare_run"]
    s["build_over_solve_cpu"] = cpu["build"] / cpu["solve"] if cpu.get("build") is not None and cpu.get("solve") else None
    # stage 2 (balance) against stage 1 (least cost) of the same solves: issue 11's target is at most 1.5
    s["balance_over_solve"] = med["balance"] / med["solve"] if med["solve"] > 0 else None
    return {"seconds": med, "ratios": {k: s[k] for k in ("engine_over_bare_run", "engine_over_bare_read_run",
                                                          "build_over_solve", "engine_over_bare_run_cpu",
                                                          "overhead_plus_bare_over_bare_run", "build_over_solve_cpu",
                                                          "balance_over_solve")},
            "cpu_seconds": cpu, "peak_rss_mib": peak}


def targets(name: str, summary: dict) -> list[dict]:
    sec, ratio = summary["seconds"], summary["ratios"]
    if name == "national":
        return [{"target": f"load→export ≤ {NATIONAL_LOAD_TO_EXPORT_S} s", "value": sec["engine_total"],
                 "met": sec["engine_total"] <= NATIONAL_LOAD_TO_EXPORT_S}]
    return [
        {"target": f"engine total ≤ {PROVIDER_ENGINE_OVER_BARE} × bare HiGHS run", "value": ratio["engine_over_bare_run"],
         "met": ratio["engine_over_bare_run"] is not None and ratio["engine_over_bare_run"] <= PROVIDER_ENGINE_OVER_BARE},
        {"target": f"build ≤ {PROVIDER_BUILD_OVER_SOLVE:.0%} of solve", "value": ratio["build_over_solve"],
         "met": ratio["build_over_solve"] is not None and ratio["build_over_solve"] <= PROVIDER_BUILD_OVER_SOLVE},
    ]


ROWS = [
    ("load", "load (read + validate case)"),
    ("build", "build LP"),
    ("pass_model", "matrix + passModel"),
    ("solve", "HiGHS run (engine)"),
    ("balance", "stage 2: balance (engine)"),
    ("extract", "extract tables"),
    ("export_json", "export solution.json"),
    ("engine_total", "ENGINE TOTAL load→export"),
    ("engine_overhead", "  of which not HiGHS run"),
    ("export_mps", "write MPS (named)"),
    ("bare_read", "bare HiGHS readModel"),
    ("bare_run", "bare HiGHS run"),
]


def print_table(results: list[dict]) -> None:
    ok = [r for r in results if "runs" in r]
    if ok:
        width, col = 30, max(14, *(len(r["name"]) + 4 for r in ok))
        head = f"{'stage':<{width}}" + "".join(f"{r['name'] + ' s':>{col}}{'CPU s':>9}{'peak MiB':>10}" for r in ok)
        print(head)
        print("-" * len(head))
        for key, label in ROWS:
            line = f"{label:<{width}}"
            for r in ok:
                sec = r["summary"]["seconds"].get(key)
                cpu = r["summary"]["cpu_seconds"].get(key)
                mem = r["summary"]["peak_rss_mib"].get(key)
                line += f"{sec:>{col}.3f}" if sec is not None else " " * col
                line += f"{cpu:>9.3f}" if cpu is not None else " " * 9
                line += f"{mem:>10,.0f}" if mem is not None else " " * 10
            print(line)
        line = f"{'  (build+pass+run+extract peak)':<{width}}"
        for r in ok:
            line += " " * (col + 9) + f"{r['summary']['peak_rss_mib'].get('engine_solve', 0):>10,.0f}"
        print(line)
        print()
    for r in ok:
        z, run = r["size"], r["runs"][-1]
        ratio = r["summary"]["ratios"]
        print(f"{r['name']}: {z['columns']:,} columns, {z['rows']:,} rows, {z['nonzeros']:,} nonzeros; "
              f"status {run['status']}, objective £{run['objective']:,.2f}")
        print(f"  simplex iterations: engine {run['engine_simplex_iterations']:,}, bare {run['bare_simplex_iterations']:,}; "
              f"bare status {run['bare_status']}, objective relative difference {run['objective_rel_diff']:.1e}")
        print(f"  engine total / bare run = {ratio['engine_over_bare_run']:.3f}; "
              f"engine total / (bare read + run) = {ratio['engine_over_bare_read_run']:.3f}; "
              f"build / solve = {ratio['build_over_solve']:.2%}; "
              f"stage 2 (balance) / stage 1 solve = {_fmt(ratio['balance_over_solve'])} (target ≤ 1.5)")
        print(f"  less sensitive to machine load: CPU engine total / CPU bare run = {_fmt(ratio['engine_over_bare_run_cpu'])}; "
              f"(engine overhead + bare run) / bare run = {_fmt(ratio['overhead_plus_bare_over_bare_run'])}; "
              f"CPU build / CPU solve = {_fmt(ratio['build_over_solve_cpu'], '.2%')}")
        print(f"  worker peak RSS {r['process_peak_rss_mib']:,.0f} MiB; solution.json {run['json_mib']:.1f} MiB; "
              f"MPS {run['mps_mib']:.1f} MiB; load average before the run {run['load_average_before'][0]:.2f}")
        for t in r["targets"]:
            print(f"  target {t['target']}: {t['value']:.3f} -> {'met' if t['met'] else 'NOT MET'}")
        if "profile" in r:
            for stage, prof in r["profile"].items():
                print(f"  profile {stage} (cProfile; project functions by cumulative s, then own s):")
                for p in prof["project_by_cumulative"][:8]:
                    print(f"    {p['cumulative_s']:8.3f} {p['own_s']:8.3f}  {p['where']}  ({p['calls']} calls)")
    for r in results:
        if "runs" not in r:
            print(f"{r['name']}: SKIPPED — {r.get('skipped') or r.get('error')}")


def _fmt(v, spec: str = ".3f") -> str:
    return "n/a" if v is None else format(v, spec)


def _git_commit() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip() or None
    except OSError:
        return None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark the allocation engine.")
    which = ap.add_mutually_exclusive_group()
    which.add_argument("--provider-scale-only", action="store_true", help="skip the national case")
    which.add_argument("--national-only", action="store_true", help="skip the generated provider-scale case")
    ap.add_argument("--stps", type=int, default=220, help="providers in the generated case (default 220)")
    ap.add_argument("--repeat", type=int, default=None,
                    help="runs per case, medians reported (default 3 for national, 1 for provider scale)")
    ap.add_argument("--profile", action="store_true", help="also cProfile load, build, extract and exports")
    ap.add_argument("--keep", action="store_true", help="keep the generated case folder")
    ap.add_argument("--out", type=Path, default=RESULTS / "latest.json", help=argparse.SUPPRESS)
    ap.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--name", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)

    if a.worker:
        worker(a.worker, a.name, a.repeat or 1, a.profile, a.out)
        return 0

    sys.path.insert(0, str(BENCH))
    from generate_case import generate

    results = []
    if not a.provider_scale_only:
        if (NATIONAL / "case.yaml").exists():
            print(f"national case {NATIONAL.relative_to(ROOT)} ...", flush=True)
            results.append(run_case(NATIONAL, "national", a.repeat or 3, a.profile))
        else:
            print(f"national case {NATIONAL.relative_to(ROOT)} is missing; skipped")
            results.append({"name": "national", "case_dir": str(NATIONAL), "skipped": "case folder missing"})
    if not a.national_only:
        folder = Path(tempfile.mkdtemp(prefix="provider_scale-"))
        try:
            generate(folder, stps=a.stps)
            print(f"provider-scale case ({a.stps} providers) generated in {folder} ...", flush=True)
            results.append(run_case(folder, "provider_scale", a.repeat or 1, a.profile))
            results[-1]["generator"] = {"stps": a.stps, "regions": 4, "groups": 30, "years": 10, "seed": 0}
        finally:
            if a.keep:
                print(f"kept {folder}")
            else:
                shutil.rmtree(folder, ignore_errors=True)

    for r in results:
        if "runs" in r:
            r["summary"] = summarise(r)
            r["targets"] = targets(r["name"], r["summary"])
    print()
    print_table(results)

    from optimiser.solvers.highs import highs_version

    record = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "git_commit": _git_commit(),
        "machine": {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
                    "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None},
        "highs_version": highs_version(),
        "memory_note": "peak_rss_mib: VmHWM from /proc/self/status, reset (clear_refs 5) at the start of each stage, "
                       "so each is the peak resident set size of the whole worker process during that stage; "
                       "process_peak_rss_mib: getrusage(RUSAGE_SELF).ru_maxrss of the worker process",
        "targets_reported_not_asserted": True,
        "cases": results,
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(record, indent=1, default=float) + "\n")
    print(f"\nwrote {a.out.relative_to(ROOT) if a.out.is_relative_to(ROOT) else a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
