"""Solver backends: the same LP arrays give the same answer through HiGHS, PuLP (CBC, HiGHS) and
OR-Tools (GLOP, PDLP, SCIP, CP-SAT); statuses are honest; duals are given or their absence said;
options reach the solvers; and every backend loads in one process, in any import order.
"""
from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path
from dataclasses import replace

import numpy as np
import pytest
import scipy.sparse as sp

from typer.testing import CliRunner

from optimiser import solve
from optimiser.cli import app
from optimiser.case.config import SolverSettings
from optimiser.solvers.base import BACKENDS, ModelArrays, backend, solve_lp
from optimiser.verify import verify_solution
from conftest import FIXTURE, copy_case, national

ROOT = Path(__file__).resolve().parents[1]
LP_BACKENDS = ["highs", "pulp-cbc", "pulp-highs", "glop", "pdlp"]
#: where each LP backend's duals come from (pdlp: from the basis its crossover reaches)
DUALS_FROM = dict.fromkeys(LP_BACKENDS, "from the LP solve") | {
    "pdlp": "from the optimal basis that crossover reached (HiGHS's simplex method): exact"}


def strong_duality_gap(model: ModelArrays, x, row_dual, col_dual) -> float:
    """|primal - dual objective| / |primal|, with the dual objective read off the bounds each dual prices.

    It also checks the sign convention (∂cost/∂bound: positive on a binding minimum, negative on a
    binding maximum): a dual that prices an infinite bound by more than noise makes the gap infinite.
    """
    duals = np.concatenate([row_dual, col_dual])
    lower = np.concatenate([model.row_lower, model.col_lower])
    upper = np.concatenate([model.row_upper, model.col_upper])
    bound = np.where(duals > 0, lower, upper)
    finite = np.isfinite(bound)
    if np.abs(duals[~finite]).max(initial=0.0) > 1e-6 * max(1.0, np.abs(duals).max()):
        return np.inf
    primal = float(model.cost @ x)
    return abs(primal - float(duals[finite] @ bound[finite])) / max(1.0, abs(primal))


# --- the national LP through every LP backend -----------------------------------------------------

@pytest.fixture(scope="module")
def national_case():
    return national()


@pytest.fixture(scope="module")
def reference(national_case):
    sol = solve(national_case, "highs", balance=False)
    assert sol.status == "optimal"
    return sol


@pytest.mark.parametrize("name", LP_BACKENDS)
def test_every_lp_backend_gives_the_national_objective_and_a_verified_plan(name, national_case, reference):
    """Stage 1 (the least cost and its duals). That stage 2 then gives every backend the same plan is tested
    on two_stp (test_realism.py) and measured on the national case by bench/same_plan.py."""
    sol = reference if name == "highs" else solve(national_case, name, balance=False)
    assert sol.status == "optimal", sol.result.message
    assert sol.objective == pytest.approx(reference.objective, rel=1e-6)
    report = verify_solution(national_case, json.loads(sol.to_json()))
    assert report.ok, (report.problems, [(f.family, f.relative, f.where) for f in report.families if not f.ok])
    # duals: present, with HiGHS's sign convention, and pricing the whole objective
    assert sol.result.row_dual is not None and sol.result.duals_note == DUALS_FROM[name]
    model = ModelArrays.of(sol.lp)
    assert strong_duality_gap(model, sol.result.x, sol.result.row_dual, sol.result.col_dual) < 1e-6
    assert sol.targets["marginal_cost_per_fte"].notna().all()


def test_pdlp_without_crossover_is_a_first_order_method_close_to_the_optimum(base_case):
    """PDLP's own plan meets its 1e-8 tolerance on two_stp: within 1e-7 of the simplex objective, approximate."""
    exact = solve(base_case, "highs")
    sol = solve(base_case, "pdlp", crossover=False)
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(exact.objective, rel=1e-7)
    assert sol.objective != exact.objective  # PDLP's point, not a vertex from the simplex method
    assert verify_solution(base_case, json.loads(sol.to_json())).ok
    assert "approximate" in sol.result.duals_note and "crossover" not in sol.result.version
    model = ModelArrays.of(sol.lp)
    assert strong_duality_gap(model, sol.result.x, sol.result.row_dual, sol.result.col_dual) < 1e-6


def test_pdlp_own_plan_on_the_national_case_is_within_its_tolerance_and_passes_verify(national_case, reference):
    sol = solve(national_case, "pdlp", crossover=False)
    assert sol.status == "optimal" and "crossover" not in sol.result.version
    assert sol.objective == pytest.approx(reference.objective, rel=1e-8)
    report = verify_solution(national_case, json.loads(sol.to_json()))
    assert report.ok, [(f.family, f.relative, f.where) for f in report.families if not f.ok]
    # its duals, read back from the row-scaled model PDLP solved, price the whole objective
    model = ModelArrays.of(sol.lp)
    assert strong_duality_gap(model, sol.result.x, sol.result.row_dual, sol.result.col_dual) < 1e-6


def test_pdlp_crossover_starts_from_pdlps_plan_and_ends_at_the_simplex_optimum(reference, monkeypatch):
    from optimiser.solvers import highs
    from optimiser.solvers.highs import HighsSolver

    monkeypatch.setattr(highs, "IPM_FROM_COLUMNS", np.inf)  # "from scratch" below: the simplex method

    model = ModelArrays.of(reference.lp)
    pdlp = backend("pdlp")(model, SolverSettings(name="pdlp"))
    result = pdlp.solve()
    assert result.status == "optimal" and result.objective == pytest.approx(reference.objective, rel=1e-9)
    # PDLP came near the optimum, and crossover from its plan took fewer simplex iterations than HiGHS from scratch
    assert pdlp.before_crossover.objective == pytest.approx(reference.objective, rel=1e-6)
    cold = HighsSolver(model)
    cold.solve()
    assert 0 < pdlp.crossover_iterations < cold.highs.getInfo().simplex_iteration_count
    assert f"simplex iterations {pdlp.crossover_iterations:,}" in result.message


def test_pdlp_is_not_stopped_early_by_a_huge_budget(tmp_path):
    """Unscaled, a £1tn budget row (a planner's "no limit") makes PDLP's relative stopping test so
    loose that it stops at an empty plan, the targets unmet (objective £0); with each row divided by
    its largest coefficient it does not."""
    copy = copy_case(FIXTURE, tmp_path / "two_stp")
    copy.write("budgets.csv", """
        budget,scope,lever,from_year,to_year,limit_gbp
        all_spend,england,all,,,1000000000000
    """)
    case = copy.load()
    exact = solve(case)
    own = solve(case, "pdlp", crossover=False)
    assert own.status == "optimal" and own.objective == pytest.approx(exact.objective, rel=1e-6)
    assert verify_solution(case, json.loads(own.to_json())).ok


@pytest.mark.parametrize("name,options", [(n, {}) for n in LP_BACKENDS] + [("pdlp", {"crossover": False})])
def test_each_lp_backend_gives_byte_identical_json_run_to_run_apart_from_timing(base_case, name, options):
    texts = [solve(base_case, name, **options).to_json() for _ in range(2)]
    assert json.loads(texts[0])["status"] == "optimal"
    first, again = (t.replace(f'"seconds":{json.loads(t)["solver"]["seconds"]}', "") for t in texts)
    assert first == again


def face_lp() -> ModelArrays:
    """min -x1 - x2  s.t.  x1 + x2 ≤ 4,  0 ≤ x1, x2 ≤ 3. By hand: cost -4 on the whole segment
    from (1, 3) to (3, 1); its vertices are the two ends, each with one column at a bound."""
    return ModelArrays(np.array([-1.0, -1.0]), np.zeros(2), np.full(2, 3.0), np.zeros(2, bool),
                       np.array([-np.inf]), np.array([4.0]), sp.csc_matrix(np.array([[1.0, 1.0]])))


def test_crossover_moves_a_point_inside_the_optimal_face_to_a_vertex():
    from optimiser.solvers.highs import HighsSolver

    simplex = HighsSolver(face_lp())
    assert simplex.start_from_point(np.array([2.0, 2.0]), 1e-7) == 2  # both columns basic, for one row
    r = simplex.solve()
    assert r.status == "optimal" and r.objective == pytest.approx(-4.0, abs=1e-12)
    assert sorted(r.x.tolist()) == pytest.approx([1.0, 3.0], abs=1e-12)  # an end of the segment
    assert r.row_dual == pytest.approx([-1.0], abs=1e-12)  # one more unit of the limit saves £1


def test_crossover_from_a_vertex_needs_no_simplex_iterations_and_from_a_poor_point_still_ends_optimal():
    from optimiser.solvers.highs import HighsSolver

    at_vertex = HighsSolver(face_lp())
    assert at_vertex.start_from_point(np.array([3.0, 1.0]), 1e-7) == 1  # x1 at its upper bound, the row at its limit
    assert at_vertex.solve().x == pytest.approx([3.0, 1.0], abs=1e-12)
    assert at_vertex.highs.getInfo().simplex_iteration_count == 0
    poor = HighsSolver(face_lp())
    poor.start_from_point(np.zeros(2), 1e-7)
    r = poor.solve()
    assert r.status == "optimal" and r.objective == pytest.approx(-4.0, abs=1e-12)
    assert poor.highs.getInfo().simplex_iteration_count > 0


def test_pdlp_stopped_by_its_time_limit_on_the_national_case_is_not_optimal(national_case):
    # PDLP needs about 3.4 s on the national LP (docs/solvers.md); a limit must say so
    sol = solve(national_case, "pdlp", time_limit_seconds=0.5)
    assert sol.status == "time_limit" and sol.objective is None and sol.allocations.empty
    assert json.loads(sol.to_json())["status"] == "time_limit"


# --- duals where the solver has none ---------------------------------------------------------------

def test_scip_gives_no_duals_and_the_output_says_so(base_case):
    sol = solve(base_case, "scip")
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(solve(base_case).objective, rel=1e-9)
    assert sol.result.row_dual is None and "no duals" in sol.result.duals_note
    data = json.loads(sol.to_json())
    assert "no duals" in data["solver"]["duals"]
    assert all(c["shadow_price"] is None for c in data["constraints"])  # null, not invented
    assert all(t["marginal_cost_per_fte"] is None for t in data["targets"])


def test_cli_summary_says_where_duals_come_from(tmp_path):
    def run(solver):
        return CliRunner().invoke(app, ["solve", str(FIXTURE), "--solver", solver, "--out", str(tmp_path / solver)])
    scip, glop = run("scip"), run("glop")
    assert scip.exit_code == 0 and glop.exit_code == 0, scip.output + glop.output
    assert "Shadow prices and marginal costs: none: scip through OR-Tools returns no duals" in scip.stdout
    assert "costliest binding limits" not in scip.stdout
    assert "Shadow prices and marginal costs: from the LP solve" in glop.stdout
    assert json.loads((tmp_path / "glop" / "solution.json").read_text())["solver"]["name"] == "glop"


# --- honest statuses -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def infeasible_case(tmp_path_factory):
    copy = copy_case(FIXTURE, tmp_path_factory.mktemp("infeasible") / "two_stp")
    copy.write("budgets.csv", """
        budget,scope,lever,from_year,to_year,limit_gbp
        all_spend,england,all,,,1000
    """)
    return copy.load()


@pytest.mark.parametrize("name", ["highs", "pulp-cbc", "pulp-highs", "glop", "pdlp", "scip"])
def test_an_infeasible_case_is_reported_infeasible(name, infeasible_case):
    sol = solve(infeasible_case, name)
    assert sol.status in ("infeasible", "infeasible_or_unbounded"), sol.result.message
    assert sol.objective is None and sol.allocations.empty


def hard_knapsack(n=120, m=12, seed=0) -> ModelArrays:
    """A multi-dimensional 0-1 knapsack: incumbents come at once, proofs take far longer than a second."""
    rng = np.random.default_rng(seed)
    w = rng.integers(10, 100, size=(m, n)).astype(float)
    value = w.mean(axis=0) + rng.integers(0, 10, n)
    return ModelArrays(-value, np.zeros(n), np.ones(n), np.ones(n, bool), np.full(m, -np.inf), w.sum(axis=1) / 2,
                       sp.csc_matrix(w))


@pytest.mark.parametrize("name", ["highs", "pulp-highs", "pulp-cbc", "scip"])
def test_a_time_limited_mip_with_a_plan_in_hand_is_not_optimal(name):
    """PuLP calls this run "Optimal" (sol_status "integer feasible"); the engine says time_limit."""
    model = hard_knapsack()
    solver = backend(name)(model, SolverSettings(name=name, time_limit_seconds=1.0, mip_gap=0.0))
    result = solver.solve()
    assert result.status == "time_limit", result.message
    assert result.x is None and result.objective is None
    if name.startswith("pulp"):
        import pulp

        assert solver.problem.status == pulp.LpStatusOptimal  # the trap PuLP sets
        assert solver.problem.sol_status == pulp.LpSolutionIntegerFeasible


def test_cbc_status_lines():
    from optimiser.solvers.pulp_backend import cbc_status

    assert cbc_status("Optimal - objective value 12") == "optimal"
    assert cbc_status("Optimal (within gap tolerance) - objective value 12") == "optimal"
    assert cbc_status("Infeasible - objective value 12") == "infeasible"
    assert cbc_status("Integer infeasible - objective value 12") == "infeasible"
    assert cbc_status("Unbounded - objective value 12") == "unbounded"
    assert cbc_status("Stopped on time - objective value 12") == "time_limit"
    assert cbc_status("Stopped on time (no integer solution - continuous used) - objective value 1") == "time_limit"
    assert cbc_status("Stopped on iterations - objective value 12") == "time_limit"
    assert cbc_status("Stopped on ctrl-c - objective value 12") == "interrupted"
    assert cbc_status("Stopped on difficulties - objective value 12") == "numerical_trouble"
    assert cbc_status("something else") == "error"


def test_ortools_statuses():
    from ortools.linear_solver.python import model_builder_helper as mbh

    S = mbh.SolveStatus
    glop = backend("glop")(hard_knapsack(n=3, m=1).with_integers_fixed(np.zeros(3)), SolverSettings(name="glop"))
    assert glop._status(S.OPTIMAL, "", 0.1) == "optimal"
    assert glop._status(S.INFEASIBLE, "", 0.1) == "infeasible"
    assert glop._status(S.INFEASIBLE, "SCIP: infeasible or unbounded", 0.1) == "infeasible_or_unbounded"
    assert glop._status(S.UNBOUNDED, "", 0.1) == "unbounded"
    assert glop._status(S.CANCELLED_BY_USER, "", 0.1) == "interrupted"
    assert glop._status(S.ABNORMAL, "", 0.1) == "numerical_trouble"
    assert glop._status(S.NOT_SOLVED, "time limit reached", 0.1) == "time_limit"
    assert glop._status(S.FEASIBLE, "", 0.1) == "error"  # stopped early for no reason we know: not optimal
    assert glop._status(S.MODEL_INVALID, "", 0.1) == "error"
    timed = backend("glop")(glop.model, SolverSettings(name="glop", time_limit_seconds=2.0))
    assert timed._status(S.FEASIBLE, "", 2.01) == "time_limit"


# --- MIP-only and LP-only backends --------------------------------------------------------------------

def test_lp_only_backends_refuse_whole_cohorts_and_cp_sat_refuses_an_lp():
    model = hard_knapsack(n=10, m=2)
    for name in ("glop", "pdlp"):
        r = solve_lp(model, SolverSettings(name=name))
        assert r.status == "error" and "solves LPs only" in r.message and "scip" in r.message
    lp = replace(model, integrality=np.zeros_like(model.integrality))
    r = solve_lp(lp, SolverSettings(name="cp-sat"))
    assert r.status == "error" and "for an LP use highs" in r.message and r.x is None


def one_cohort() -> ModelArrays:
    """Columns: starts x (whole, ≤ 50), cohort runs y (0/1), recruits r (FTE, continuous).
    min x + 1.5 r  s.t.  0.75 x + r ≥ 10.3 (FTE),  x - 50 y ≤ 0,  x - 12 y ≥ 0.

    By hand: without the cohort (y = 0) r = 10.3 costs 15.45. With it, x ≥ 12 and x = 12, 13, 14
    cost 12 + 1.5·1.3 = 13.95, 13 + 1.5·0.55 = 13.825 and 14; more starts cost more. Optimum:
    x = 13, y = 1, r = 0.55, cost 13.825."""
    a = sp.csc_matrix(np.array([[0.75, 0.0, 1.0], [1.0, -50.0, 0.0], [1.0, -12.0, 0.0]]))
    return ModelArrays(np.array([1.0, 0.0, 1.5]), np.zeros(3), np.array([50.0, 1.0, np.inf]),
                       np.array([True, True, False]), np.array([10.3, -np.inf, 0.0]), np.array([np.inf, 0.0, np.inf]), a)


@pytest.mark.parametrize("name", ["cp-sat", "highs", "scip", "pulp-cbc"])
def test_mixed_integer_model_solved_by_hand(name):
    r = solve_lp(one_cohort(), SolverSettings(name=name, mip_gap=0.0))
    assert r.status == "optimal", r.message
    assert r.objective == pytest.approx(13.825, abs=1e-6)
    assert r.x == pytest.approx([13.0, 1.0, 0.55], abs=1e-6)


def test_cp_sat_solves_a_pure_integer_model_like_the_other_mip_solvers():
    model = hard_knapsack(n=15, m=3, seed=3)
    results = {n: solve_lp(model, SolverSettings(name=n, mip_gap=0.0)) for n in ("cp-sat", "highs", "scip", "pulp-cbc")}
    assert {r.status for r in results.values()} == {"optimal"}
    objectives = [r.objective for r in results.values()]
    assert max(objectives) - min(objectives) < 1e-6
    x = results["cp-sat"].x
    assert np.all(np.abs(x - np.round(x)) < 1e-9) and np.all(model.a @ x <= model.row_upper + 1e-9)


# --- options -----------------------------------------------------------------------------------------

def test_options_reach_each_solver():
    s = SolverSettings(time_limit_seconds=5, mip_gap=0.01, threads=2, random_seed=7)
    model = hard_knapsack(n=5, m=1)
    assert backend("scip")(model, s.model_copy(update={"name": "scip"})).parameters() == [
        "limits/gap = 0.01", "randomization/randomseedshift = 7"]
    assert backend("cp-sat")(model, s.model_copy(update={"name": "cp-sat"})).parameters()[:3] == [
        "relative_gap_limit: 0.01", "num_workers: 2", "random_seed: 7"]
    assert "num_workers: 1" in backend("cp-sat")(model, SolverSettings(name="cp-sat")).parameters()  # reproducible
    assert backend("glop")(model, s).parameters() == ["random_seed: 7"]
    assert "num_threads: 2" in backend("pdlp")(model, s).parameters()
    h = backend("highs")(model, s).highs
    assert [h.getOptionValue(o)[1] for o in ("time_limit", "mip_rel_gap", "threads", "random_seed")] == [5.0, 0.01, 2, 7]
    cbc = backend("pulp-cbc")(model, s)
    assert cbc.options() == ["randomCbcSeed 7", "randomSeed 7"] and cbc.solve().status == "optimal"


def test_solver_settings_come_from_case_yaml_and_the_command_line_overrides_them(tmp_path):
    copy = copy_case(FIXTURE, tmp_path / "two_stp")
    copy.set_yaml("solver", {"name": "glop", "random_seed": 3})
    case = copy.load()
    assert solve(case).result.solver == "glop"
    assert solve(case, "pulp-cbc").result.solver == "pulp-cbc"
    run = CliRunner().invoke(app, ["solve", str(copy.path), "--solver", "pulp-highs", "--threads", "1", "--seed", "5",
                                   "--time-limit", "60", "--out", str(tmp_path / "o")])
    assert run.exit_code == 0, run.output
    assert json.loads((tmp_path / "o" / "solution.json").read_text())["solver"]["name"] == "pulp-highs"
    bad = CliRunner().invoke(app, ["solve", str(copy.path), "--solver", "gurobi"])
    assert bad.exit_code == 2 and "gurobi" in bad.output


def test_pdlp_crossover_is_set_in_case_yaml_and_on_the_command_line(tmp_path):
    copy = copy_case(FIXTURE, tmp_path / "two_stp")

    def version(*flags):
        run = CliRunner().invoke(app, ["solve", str(copy.path), *flags, "--out", str(tmp_path / "o")])
        assert run.exit_code == 0, run.output
        return json.loads((tmp_path / "o" / "solution.json").read_text())["solver"]["version"]
    copy.set_yaml("solver", {"name": "pdlp", "crossover": False})
    assert "crossover" not in solve(copy.load()).result.version
    assert "crossover" not in version() and "+ HiGHS" in version("--crossover")
    copy.set_yaml("solver", {"name": "pdlp"})  # crossover by default
    assert "+ HiGHS" in version() and "crossover" not in version("--no-crossover")


def test_highs_threads_can_change_between_solves_in_one_process():
    # HiGHS sizes one global thread pool; a new size needs a new pool (else HiGHS refuses to run)
    model = hard_knapsack(n=12, m=2)
    for threads in (1, 2, 1):
        assert solve_lp(model, SolverSettings(threads=threads, mip_gap=0.0)).status == "optimal"


# --- one process ---------------------------------------------------------------------------------------

SOLVE_EACH = """
import numpy as np
from optimiser.case.config import SolverSettings
from optimiser.solvers.base import ModelArrays, solve_lp
import scipy.sparse as sp
model = ModelArrays(np.array([1.0, 2.0]), np.zeros(2), np.full(2, 10.0), np.array([True, False]),
                    np.array([3.5]), np.array([np.inf]), sp.csc_matrix(np.array([[1.0, 1.0]])))
lp = model.with_integers_fixed(np.array([3.0, 0.0]))
for name in {names!r}:
    r = solve_lp(lp if name in ("glop", "pdlp") else model, SolverSettings(name=name))
    assert r.status == "optimal", (name, r.status, r.message)
    assert abs(r.objective - 4.0) < 1e-6, (name, r.objective)  # x0 = 4, or x0 = 3 and x1 = 0.5
print("ok")
"""


def test_every_backend_loads_in_one_process_in_any_import_order():
    """highspy, PuLP and OR-Tools imported in each of the six orders, then every backend solves."""
    modules = ["import highspy", "import pulp", "from ortools.linear_solver.python import model_builder_helper"]
    names = list(BACKENDS)
    runs = []
    for order in itertools.permutations(modules):
        code = "\n".join(order) + "\n" + SOLVE_EACH.format(names=names)
        runs.append(subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True))
    for order, p in zip(itertools.permutations(modules), runs):
        stdout, stderr = p.communicate(timeout=120)
        assert p.returncode == 0 and stdout.strip() == "ok", (order, stderr[-2000:])


# --- the interior point method for large LPs ------------------------------------------------------------

@pytest.mark.parametrize("large", [False, True], ids=["simplex", "ipm"])
def test_large_lps_are_solved_cold_by_the_interior_point_method_ending_at_a_vertex(monkeypatch, base_case,
                                                                                    infeasible_case, large):
    """Above IPM_FROM_COLUMNS HiGHS runs IPM and crossover: a vertex with duals at the simplex method's least
    cost; anything after it (a re-solve) is by the simplex method; an infeasible LP is still called so."""
    from optimiser.model.build import build_lp
    from optimiser.solvers import highs

    lp, _ = build_lp(base_case)
    reference = highs.HighsSolver(lp).solve()
    monkeypatch.setattr(highs, "IPM_FROM_COLUMNS", lp.num_col if large else lp.num_col + 1)
    solver = highs.HighsSolver(lp)
    result = solver.solve()
    assert (solver.highs.getInfo().ipm_iteration_count > 0) == large
    assert solver.highs.getBasis().valid and result.row_dual is not None  # a vertex, with its duals
    assert result.objective == pytest.approx(reference.objective, rel=1e-9)
    assert np.abs(lp.matrix() @ result.x - result.row_activity).max() < 1e-6
    assert solver.highs.getOptionValue("solver")[1] != "ipm"
    assert highs.HighsSolver(build_lp(infeasible_case)[0]).solve().status == "infeasible"
