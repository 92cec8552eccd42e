"""Decomposition by STP, or another HiGHS method, against the engine's solve: does either pay ~10x?

    python bench/decomposition_bench.py [--run-out-years 0] [--parts structure,methods,dw]
                                        [--dw-iterations 60] [--dw-seconds 300] [--methods dual,primal,ipm,...]

Three parts, each in this one process, CPU seconds (``time.process_time``) and simplex iterations:

``structure``
    Which LP rows couple STPs. A column belongs to the STP of its label; a column without one (a
    target's shortfall) belongs to the STP whose rows are all it touches, else to no STP. A row
    whose columns all belong to one STP is that STP's **block row**; every other row is a
    **coupling row**. Counted by row family (``LinearProgram.row_blocks``).

``methods``
    The engine's cold stage-1 solve (HiGHS dual simplex, Devex, as ``optimiser.solve``) against
    other ways HiGHS can solve the same LP: primal simplex, the interior point method with and
    without crossover, presolve off, and the explicit dual LP solved by dual simplex. Each is a
    fresh HiGHS object; the objective must agree with the engine's.

``dw``
    A Dantzig-Wolfe prototype over the STP blocks: a restricted master over the coupling rows (plus
    one convexity row per STP, the STP-less columns, and penalised slacks on the coupling rows so it
    is feasible from the start), and one pricing LP per STP (its block rows, its columns boxed at
    ``BOX`` so that a priced block cannot run off to infinity), each held live in HiGHS and
    re-solved from its last basis after the prices change. Every round prices all 44 blocks; the
    Lagrangian bound is the master's objective plus the blocks' negative reduced costs. Stops at a
    relative gap of 1e-6, after ``--dw-iterations`` rounds, or after ``--dw-seconds`` CPU seconds.
    Then, as the analysis use case, the recruitment costs ×1.1 (costs only) are re-solved both ways:
    the engine's warm primal re-solve from the optimal basis, and DW re-priced from its column pool.

Results go to ``bench/results/decomposition.json``; the decision is in bench/README.md
("Decomposition: measured and decided").
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import highspy
import numpy as np
import pandas as pd
import scipy.sparse as sp

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from optimiser import load_case  # noqa: E402
from optimiser.model.build import build_lp  # noqa: E402
from optimiser.solvers.base import LP_OPTIONS  # noqa: E402

NATIONAL = ROOT / "cases" / "england_2017"
#: Box on every block column in pricing (FTE, places or £-scaled units): far above any plan's value.
BOX = 1e6
#: Cost per unit of the master's slack on a coupling row (makes the first restricted master feasible).
SLACK_COST = 1e10
GAP = 1e-6


def new_highs(**options) -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    for k, v in {**LP_OPTIONS, **options}.items():
        h.setOptionValue(k, v)
    return h


def pass_lp(h: highspy.Highs, cost, lo, up, a: sp.csc_matrix, rlo, rup) -> None:
    a = sp.csc_matrix(a)
    h.passModel(a.shape[1], a.shape[0], a.nnz, int(highspy.MatrixFormat.kColwise), int(highspy.ObjSense.kMinimize),
                0.0, np.asarray(cost, float), np.asarray(lo, float), np.asarray(up, float), np.asarray(rlo, float),
                np.asarray(rup, float), a.indptr.astype(np.int32), a.indices.astype(np.int32), a.data.astype(float),
                np.zeros(a.shape[1], np.int32))


def timed_run(h: highspy.Highs) -> tuple[float, int, str]:
    cpu = time.process_time()
    h.run()
    info = h.getInfo()
    return time.process_time() - cpu, int(info.simplex_iteration_count) + int(info.ipm_iteration_count) + int(
        info.crossover_iteration_count), h.modelStatusToString(h.getModelStatus())


# --- structure ------------------------------------------------------------------------------------------

def partition(lp) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """STP index of every column (-1: none) and of every row (-1: coupling), and the STP codes."""
    a = lp.matrix()
    stp = lp.column_labels()["stp"].fillna("").to_numpy(str)
    codes = sorted(set(stp) - {""})
    col_b = np.array([codes.index(s) if s else -1 for s in stp]) if codes else np.full(len(stp), -1)
    csr = a.tocsr()

    def row_owner(col_owner):
        own = np.full(a.shape[0], -1)
        for i in range(a.shape[0]):
            b = np.unique(col_owner[csr.indices[csr.indptr[i]:csr.indptr[i + 1]]])
            if b.size == 1 and b[0] >= 0:
                own[i] = b[0]
        return own

    # rows touching only one STP's columns, ignoring STP-less columns: decide those columns' owner
    masked = np.where(col_b >= 0, col_b, -2)
    own = np.full(a.shape[0], -1)
    for i in range(a.shape[0]):
        b = np.unique(masked[csr.indices[csr.indptr[i]:csr.indptr[i + 1]]])
        b = b[b != -2]
        if b.size == 1:
            own[i] = b[0]
    for j in np.flatnonzero(col_b < 0):
        rows = a.indices[a.indptr[j]:a.indptr[j + 1]]
        owners = np.unique(own[rows])
        if owners.size == 1 and owners[0] >= 0:
            col_b[j] = owners[0]
    return col_b, row_owner(col_b), codes


def structure(lp, col_b, row_b) -> dict:
    rows = pd.DataFrame({"family": np.concatenate([[b.family] * b.size for b in lp.row_blocks]),
                         "coupling": row_b < 0})
    by_family = rows.groupby("family")["coupling"].agg(block=lambda s: int((~s).sum()), coupling="sum")
    by_family["coupling"] = by_family["coupling"].astype(int)
    sizes = np.bincount(row_b[row_b >= 0])
    return {"rows": int(lp.num_row), "columns": int(lp.num_col), "stps": int(col_b.max() + 1),
            "block_rows": int((row_b >= 0).sum()), "coupling_rows": int((row_b < 0).sum()),
            "columns_without_stp": int((col_b < 0).sum()),
            "block_rows_per_stp": [int(sizes.min()), int(sizes.max())],
            "by_family": by_family.reset_index().to_dict("records")}


# --- other HiGHS methods ----------------------------------------------------------------------------------

METHODS = {
    "dual": {"solver": "simplex", "simplex_strategy": 1},  # the engine's stage 1
    "primal": {"solver": "simplex", "simplex_strategy": 4},
    "ipm+crossover": {"solver": "ipm", "run_crossover": "on"},
    "ipm no crossover": {"solver": "ipm", "run_crossover": "off"},
    "dual presolve off": {"solver": "simplex", "simplex_strategy": 1, "presolve": "off"},
    "pdlp": {"solver": "pdlp"},
}


def dual_lp(cost, lo, up, a: sp.csc_matrix, rlo, rup):
    """The dual of min c'x, rlo <= Ax <= rup, lo <= x <= up, as an LP in the same form (maximise -> minimise).

    Variables: y+ (>= 0, on finite rlo), y- (>= 0, on finite rup), z+ (on finite lo), z- (on finite up);
    rows: A'(y+ - y-) + (z+ - z-) = c; objective min -(rlo'y+ - rup'y- + lo'z+ - up'z-).
    """
    m, n = a.shape
    fl, fu = np.flatnonzero(np.isfinite(rlo)), np.flatnonzero(np.isfinite(rup))
    cl, cu = np.flatnonzero(np.isfinite(lo) & (lo != 0)), np.flatnonzero(np.isfinite(up))
    at = sp.csc_matrix(a.T)
    eye = sp.identity(n, format="csc")
    # a column z+ for lower bounds of 0 is a slack of the row "reduced cost >= 0"; we keep rows as <= / =:
    zero_lo = np.flatnonzero(lo == 0)
    blocks = [at[:, fl], -at[:, fu], eye[:, cl], -eye[:, cu]]
    obj = np.concatenate([-rlo[fl], rup[fu], -lo[cl], up[cu]])
    mat = sp.hstack(blocks, format="csc")
    row_lo = np.asarray(cost, float).copy()
    row_up = np.asarray(cost, float).copy()
    row_lo[zero_lo] = -np.inf  # x_j >= 0 at bound 0: the reduced cost c_j - A_j'y >= 0 (z+ implicit)
    # the remaining rows with a free lower bound and infinite upper must be equalities (free columns): none here
    k = mat.shape[1]
    return obj, np.zeros(k), np.full(k, np.inf), mat, row_lo, row_up


def methods(lp, names) -> list[dict]:
    a = lp.matrix()
    args = (lp.cost, lp.col_lower, lp.col_upper, a, lp.row_lower, lp.row_upper)
    out = []
    for name in names:
        if name == "dual LP by dual simplex":
            obj, lo, up, mat, rlo, rup = dual_lp(*args)
            h = new_highs(solver="simplex", simplex_strategy=1)
            pass_lp(h, obj, lo, up, mat, rlo, rup)
            sign = -1.0
        else:
            h = new_highs(**METHODS[name])
            pass_lp(h, *args)
            sign = 1.0
        cpu, it, status = timed_run(h)
        info = h.getInfo()
        rec = {"method": name, "cpu_s": round(cpu, 2), "iterations": it, "status": status,
               "objective": sign * float(info.objective_function_value),
               "simplex_iterations": int(info.simplex_iteration_count), "ipm_iterations": int(info.ipm_iteration_count),
               "crossover_iterations": int(info.crossover_iteration_count)}
        out.append(rec)
        print(f"  {name:26s} {status:10s} CPU {cpu:8.2f} s  iterations {it:>8,}  objective {rec['objective']:,.2f}",
              flush=True)
    return out


# --- Dantzig-Wolfe over STPs ---------------------------------------------------------------------------------

class DantzigWolfe:
    """Column generation over the STP blocks (see the module docstring)."""

    def __init__(self, lp, col_b, row_b):
        self.a = lp.matrix().tocsc()
        self.cost = lp.cost.copy()
        self.lo, self.up = lp.col_lower, lp.col_upper
        self.rlo, self.rup = lp.row_lower, lp.row_upper
        self.col_b, self.row_b = col_b, row_b
        self.nb = int(col_b.max() + 1)
        self.coupling = np.flatnonzero(row_b < 0)
        self.d = sp.csc_matrix(self.a[self.coupling, :])  # coupling rows × all columns
        self.cols = [np.flatnonzero(col_b == b) for b in range(self.nb)]
        self.rows = [np.flatnonzero(row_b == b) for b in range(self.nb)]
        self.free = np.flatnonzero(col_b < 0)  # STP-less columns, kept in the master
        self.pricing = []
        for b in range(self.nb):
            h = new_highs(solver="simplex")
            pass_lp(h, self.cost[self.cols[b]], self.lo[self.cols[b]], np.minimum(self.up[self.cols[b]], BOX),
                    self.a[self.rows[b], :][:, self.cols[b]], self.rlo[self.rows[b]], self.rup[self.rows[b]])
            self.pricing.append(h)
        self.proposals: list[tuple[int, np.ndarray]] = []
        self._master()
        self.cpu = {"pricing": 0.0, "master": 0.0}
        self.iterations = {"pricing": 0, "master": 0}

    def _master(self) -> None:
        k = len(self.coupling)
        m = new_highs(solver="simplex")
        rlo = np.concatenate([self.rlo[self.coupling], np.ones(self.nb)])
        rup = np.concatenate([self.rup[self.coupling], np.ones(self.nb)])
        # STP-less columns and two slacks per coupling row
        d_free = self.d[:, self.free]
        eye = sp.identity(k, format="csc")
        mat = sp.vstack([sp.hstack([d_free, eye, -eye]), sp.csc_matrix((self.nb, len(self.free) + 2 * k))], format="csc")
        cost = np.concatenate([self.cost[self.free], np.full(2 * k, SLACK_COST)])
        lo = np.concatenate([self.lo[self.free], np.zeros(2 * k)])
        up = np.concatenate([self.up[self.free], np.full(2 * k, np.inf)])
        pass_lp(m, cost, lo, up, mat, rlo, rup)
        self.master = m
        self.n_fixed = len(self.free) + 2 * k

    def price(self, y: np.ndarray, mu: np.ndarray, cost: np.ndarray, add_all: bool = False) -> tuple[float, int]:
        """Price every block at coupling-row duals ``y`` and convexity duals ``mu``; add improving proposals
        (every block's plan in the first round, or with ``add_all``)."""
        first = not self.proposals
        reduced = cost - self.d.T @ y
        total, added = 0.0, 0
        for b, h in enumerate(self.pricing):
            cols = self.cols[b]
            h.changeColsCost(len(cols), np.arange(len(cols), dtype=np.int32), reduced[cols])
            h.setOptionValue("simplex_strategy", 1 if first else 4)  # costs change: primal from the basis
            cpu, it, status = timed_run(h)
            self.cpu["pricing"] += cpu
            self.iterations["pricing"] += it
            if status != "Optimal":
                raise RuntimeError(f"pricing block {b}: {status}")
            x = np.asarray(h.getSolution().col_value)
            rc = float(reduced[cols] @ x) - mu[b]
            total += min(rc, 0.0)
            if rc < -1e-9 * max(1.0, abs(mu[b])) or first or add_all:
                self.add(b, x, cost)
                added += 1
        return total, added

    def add(self, b: int, x: np.ndarray, cost: np.ndarray) -> None:
        full = np.zeros(self.a.shape[1])
        full[self.cols[b]] = x
        col = self.d @ full
        nz = np.flatnonzero(np.abs(col) > 1e-12)
        idx = np.concatenate([nz, [len(self.coupling) + b]]).astype(np.int32)
        val = np.concatenate([col[nz], [1.0]])
        self.master.addCol(float(cost @ full), 0.0, np.inf, len(idx), idx, val)
        self.proposals.append((b, full))

    def reprice_master(self, cost: np.ndarray) -> None:
        """New costs: each proposal's master cost is its plan's cost at the new prices."""
        idx = np.arange(len(self.free), dtype=np.int32)
        self.master.changeColsCost(len(idx), idx, cost[self.free])
        pc = np.array([cost @ x for _, x in self.proposals])
        pidx = self.n_fixed + np.arange(len(self.proposals), dtype=np.int32)
        self.master.changeColsCost(len(pidx), pidx, pc)

    def run(self, cost: np.ndarray, max_rounds: int, max_cpu: float, log=print, start_prices=None) -> dict:
        """Column generation from the pool; the first round prices at ``start_prices`` (coupling-row
        duals) if given, else at zero."""
        start = time.process_time()
        k = len(self.coupling)
        history = []
        if not self.proposals:
            self.price(np.zeros(k), np.zeros(self.nb), cost)
            if start_prices is not None:
                self.price(start_prices, np.zeros(self.nb), cost, add_all=True)
        for rnd in range(max_rounds):
            self.master.setOptionValue("simplex_strategy", 4)
            cpu, it, status = timed_run(self.master)
            self.cpu["master"] += cpu
            self.iterations["master"] += it
            sol = self.master.getSolution()
            dual = np.asarray(sol.row_dual)
            y, mu = dual[:k], dual[k:]
            z = float(self.master.getInfo().objective_function_value)
            x = np.asarray(sol.col_value)
            slack = float(x[len(self.free):self.n_fixed].sum())
            rc, added = self.price(y, mu, cost)
            bound = z + rc
            gap = (z - bound) / max(abs(z), 1.0)
            elapsed = time.process_time() - start
            history.append({"round": rnd + 1, "master_objective": z, "lagrangian_bound": bound, "gap": gap,
                            "slack_on_coupling_rows": slack, "proposals_added": added, "cpu_s": round(elapsed, 2)})
            log(f"    round {rnd + 1:3d}: master {z:,.0f}  bound {bound:,.0f}  gap {gap:.2e}  slack {slack:.3g}  "
                f"+{added} columns  CPU {elapsed:.1f} s")
            if (gap <= GAP and slack <= 1e-6) or elapsed > max_cpu:
                break
        return {"rounds": len(history), "cpu_s": round(time.process_time() - start, 2), "history": history,
                "final_gap": history[-1]["gap"], "final_slack": history[-1]["slack_on_coupling_rows"]}


def engine_cold_and_warm(lp, new_cost) -> dict:
    """The engine's path: cold dual simplex (Devex), then a warm primal re-solve after a cost change."""
    a = lp.matrix()
    h = new_highs(solver="simplex", simplex_strategy=1)
    pass_lp(h, lp.cost, lp.col_lower, lp.col_upper, a, lp.row_lower, lp.row_upper)
    cpu, it, status = timed_run(h)
    z = float(h.getInfo().objective_function_value)
    duals = np.asarray(h.getSolution().row_dual)
    h.changeColsCost(lp.num_col, np.arange(lp.num_col, dtype=np.int32), new_cost)
    h.setOptionValue("simplex_strategy", 4)
    cpu2, it2, status2 = timed_run(h)
    z2 = float(h.getInfo().objective_function_value)
    return {"cold": {"cpu_s": round(cpu, 2), "iterations": it, "status": status, "objective": z},
            "warm_cost_change": {"cpu_s": round(cpu2, 2), "iterations": it2, "status": status2, "objective": z2},
            "duals": duals}


def recruitment_cost_change(lp, factor: float) -> np.ndarray:
    cost = lp.cost.copy()
    v = lp.variables["recruits"]
    cost[v.offset:v.offset + v.size] *= factor
    return cost


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run-out-years", type=int, default=0)
    ap.add_argument("--parts", default="structure,methods,dw")
    ap.add_argument("--methods", default="dual,primal,ipm+crossover,ipm no crossover,dual presolve off,"
                                         "dual LP by dual simplex")
    ap.add_argument("--dw-iterations", type=int, default=60)
    ap.add_argument("--dw-seconds", type=float, default=300.0)
    ap.add_argument("--oracle", action="store_true", help="also run DW started at the optimal duals")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    parts = args.parts.split(",")
    case = load_case(NATIONAL, run_out_years=args.run_out_years)
    lp, _ = build_lp(case)
    result: dict = {"run_out_years": args.run_out_years, "highs": highspy.Highs().version()}
    col_b, row_b = partition(lp)[:2]
    result["structure"] = structure(lp, col_b, row_b)
    s = result["structure"]
    print(f"LP {s['rows']:,} rows × {s['columns']:,} columns; {s['stps']} STPs; block rows {s['block_rows']:,}, "
          f"coupling rows {s['coupling_rows']:,}; columns in no STP {s['columns_without_stp']}", flush=True)
    for r in s["by_family"]:
        print(f"  {r['family']:20s} block {r['block']:>7,}  coupling {r['coupling']:>6,}")
    if "methods" in parts:
        print("cold solve of the whole LP, by method:", flush=True)
        result["methods"] = methods(lp, [m.strip() for m in args.methods.split(",") if m.strip()])
    if "dw" in parts:
        new_cost = recruitment_cost_change(lp, 1.1)
        print("engine: cold dual simplex, then recruitment costs ×1.1 warm by primal simplex", flush=True)
        result["engine"] = engine_cold_and_warm(lp, new_cost)
        duals = result["engine"].pop("duals")
        coupling = np.flatnonzero(row_b < 0)
        result["binding_coupling_rows"] = int((np.abs(duals[coupling]) > 1e-7).sum())
        print(f"  coupling rows with a non-zero dual at the optimum: {result['binding_coupling_rows']:,} of "
              f"{len(coupling):,}", flush=True)
        print(f"  {result['engine']}", flush=True)
        if args.oracle:
            print("Dantzig-Wolfe over STPs, its first prices the engine's optimal duals (a lower bound on any "
                  "stabilised variant):", flush=True)
            dw = DantzigWolfe(lp, col_b, row_b)
            oracle = dw.run(lp.cost, args.dw_iterations, args.dw_seconds, start_prices=duals[dw.coupling])
            oracle.update({"pricing_cpu_s": round(dw.cpu["pricing"], 2), "master_cpu_s": round(dw.cpu["master"], 2),
                           "proposals": len(dw.proposals)})
            result["dw_oracle_start"] = oracle
        print("Dantzig-Wolfe over STPs, cold:", flush=True)
        cpu = time.process_time()
        dw = DantzigWolfe(lp, col_b, row_b)
        setup = time.process_time() - cpu
        cold = dw.run(lp.cost, args.dw_iterations, args.dw_seconds)
        cold.update({"setup_cpu_s": round(setup, 2), "pricing_cpu_s": round(dw.cpu["pricing"], 2),
                     "master_cpu_s": round(dw.cpu["master"], 2), "pricing_iterations": dw.iterations["pricing"],
                     "master_iterations": dw.iterations["master"], "proposals": len(dw.proposals)})
        result["dw_cold"] = cold
        print(f"  cold: {cold['rounds']} rounds, CPU {cold['cpu_s']} s (pricing {cold['pricing_cpu_s']}, master "
              f"{cold['master_cpu_s']}), gap {cold['final_gap']:.2e}, engine objective "
              f"{result['engine']['cold']['objective']:,.0f}", flush=True)
        if cold["final_gap"] <= 1e-3:
            print("Dantzig-Wolfe, warm from its columns: recruitment costs ×1.1", flush=True)
            dw.cpu = {"pricing": 0.0, "master": 0.0}
            dw.iterations = {"pricing": 0, "master": 0}
            dw.reprice_master(new_cost)
            warm = dw.run(new_cost, args.dw_iterations, args.dw_seconds)
            warm.update({"pricing_cpu_s": round(dw.cpu["pricing"], 2), "master_cpu_s": round(dw.cpu["master"], 2),
                         "pricing_iterations": dw.iterations["pricing"], "master_iterations": dw.iterations["master"]})
            result["dw_warm"] = warm
    out = args.out or BENCH / "results" / f"decomposition_runout{args.run_out_years}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, default=str) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
