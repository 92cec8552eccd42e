"""Whole cohorts (MODEL.md §Integer variant): integer starts, minimum cohorts with binaries, duals from the
LP with the integer decisions fixed, and the national ``whole_cohorts`` scenario on every MIP backend.
"""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from typer.testing import CliRunner

from constraints.whole_cohorts import UNBOUNDED_COHORT_CAP, cohort_bound
from optimiser import load_case, solve
from optimiser.cli import app
from optimiser.model.build import build_lp
from optimiser.model.data import model_data
from optimiser.solvers.base import DEFAULT_MIP_GAP
from optimiser.verify import verify_solution
from conftest import FIXTURE, copy_case, national
from test_fingerprints import FINGERPRINTS
from test_national_case import assert_commissioning_limits

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "schemas" / "solution.schema.json").read_text(encoding="utf-8"))


def cohort_case(tmp_path, minimum=30, capacity=True):
    """two_stp with whole nursing starts of at least ``minimum`` per STP and year."""
    copy = copy_case(FIXTURE, tmp_path / "two_stp")
    copy.add_column("programmes.csv", "integer", "false").add_column("programmes.csv", "min_cohort", "0")
    copy.set_cell("programmes.csv", 2, "integer", "true").set_cell("programmes.csv", 2, "min_cohort", minimum)
    if capacity:
        copy.write("course_capacity.csv", """
            scope,programme,year,places
            england,nursing,,200
            A,nursing,2017/18,45
        """)
    return copy


def starts(sol, programme):
    a = sol.allocations
    return a[(a["lever"] == "training") & (a["item"] == programme)]["quantity"].to_numpy()


def assert_cohort_rule(quantities, minimum):
    assert np.all(np.abs(quantities - np.round(quantities)) < 1e-6), quantities
    assert np.all((np.abs(quantities) < 1e-6) | (quantities >= minimum - 1e-6)), quantities


# --- the formulation ------------------------------------------------------------------------------

def test_binaries_and_rows_for_each_cohort(tmp_path):
    case = cohort_case(tmp_path).load()
    lp, data = build_lp(case)
    X, y = lp.variables["training_starts"], lp.variables["cohort_runs"]
    assert y.shape == (1, data.S, data.T) and y.unit == "cohorts"
    integer = lp.integrality
    nursing = X.index(np.zeros(data.S * data.T, int), *np.unravel_index(np.arange(data.S * data.T), (data.S, data.T)))
    assert integer[nursing].all() and integer[y.offset:y.offset + y.size].all()
    assert integer.sum() == 2 * data.S * data.T  # psw_course stays continuous
    assert np.all(lp.col_upper[y.offset:y.offset + y.size] == 1.0)
    blocks = {b.name: b for b in lp.row_blocks if b.family == "whole_cohorts"}
    assert set(blocks) == {"cohort_upper", "cohort_minimum"}
    a = lp.matrix().tocsr()
    # A in 2017/18: X - 45 y <= 0 and X - 30 y >= 0
    i = 0 * data.T + 1  # rows run over (STP, year): STP A is first, 2017/18 the second year
    row = a[blocks["cohort_upper"].offset + i].toarray().ravel()
    assert row[X.index(0, 0, 1)] == 1.0 and row[y.index(0, 0, 1)] == -45.0
    row = a[blocks["cohort_minimum"].offset + i].toarray().ravel()
    assert row[X.index(0, 0, 1)] == 1.0 and row[y.index(0, 0, 1)] == -30.0


def test_cohort_bound_is_the_tightest_capacity(tmp_path):
    copy = cohort_case(tmp_path)
    copy.write("placement_capacity.csv", """
        scope,year,placements
        B,2016/17,40
    """)
    data = model_data(copy.load())
    bound = cohort_bound(data)
    nursing = data.programmes["programme"].tolist().index("nursing")
    A, B = data.stps.get_loc("A"), data.stps.get_loc("B")
    assert bound[nursing, A, 1] == 45  # the STP's own course capacity
    assert bound[nursing, A, 0] == 200  # the national one
    # nursing uses 1 placement per student and lasts 2 years: B's 40 placements in 2016/17 bound the
    # starts in training then, those of 2016/17 (2017/18 starts are first in training in 2017/18)
    assert bound[nursing, B, 0] == 40 and bound[nursing, B, 1] == 200
    psw = data.programmes["programme"].tolist().index("psw_course")
    assert np.all(bound[psw] == UNBOUNDED_COHORT_CAP)  # no capacity of any kind: the documented cap


def test_a_cohort_that_cannot_reach_its_minimum_is_not_run(tmp_path):
    copy = cohort_case(tmp_path, minimum=50)  # A's 45 places in 2017/18 are below the minimum
    sol = solve(copy.load())
    assert sol.status == "optimal"
    a = sol.allocations
    assert a[(a["item"] == "nursing") & (a["stp"] == "A") & (a["year"] == "2017/18")].empty
    y = sol.lp.variables["cohort_runs"]
    assert sol.lp.col_upper[y.index(0, 0, 1)] == 0.0


# --- solving ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("solver", ["highs", "pulp-cbc", "pulp-highs", "scip"])
def test_small_case_whole_cohorts_on_every_mip_backend(tmp_path, solver):
    copy = cohort_case(tmp_path)
    case = copy.load()
    relaxed = solve(case.with_changes([{"table": "programmes", "column": "integer", "set": False},
                                       {"table": "programmes", "column": "min_cohort", "set": 0}]))
    reference = solve(case, "highs")
    sol = reference if solver == "highs" else solve(case, solver)
    assert sol.status == "optimal", sol.result.message
    assert_cohort_rule(starts(sol, "nursing"), 30)
    assert sol.objective >= relaxed.objective - 1e-6  # whole cohorts cost at least the fractional plan
    assert sol.objective == pytest.approx(reference.objective, rel=1e-4)  # the default MIP gap
    report = verify_solution(case, json.loads(sol.to_json()))
    assert report.ok, [(f.family, f.where) for f in report.families if not f.ok]
    # duals from the LP with the integer decisions fixed, and the output says so
    assert sol.result.row_dual is not None
    assert "whole-cohort (integer) decisions fixed" in sol.result.duals_note
    data = json.loads(sol.to_json())
    assert "integer) decisions fixed" in data["solver"]["duals"] and data["solver"]["status"] == data["status"] == "optimal"
    assert data["solver"]["message"].startswith("MIP")
    assert all(t["marginal_cost_per_fte"] is not None for t in data["targets"])


def solve_summary(tmp_path, solver: str, mip_gap: str) -> tuple[str, dict]:
    """``optimiser solve`` of the cohort case: its summary (whitespace collapsed) and the JSON's ``solver.mip``."""
    copy = cohort_case(tmp_path)
    run = CliRunner().invoke(app, ["solve", str(copy.path), "--solver", solver, "--mip-gap", mip_gap,
                                   "--out", str(tmp_path / "out")])
    assert run.exit_code == 0, run.output
    data = json.loads((tmp_path / "out" / "solution.json").read_text(encoding="utf-8"))
    return " ".join(run.stdout.split()), data["solver"]["mip"]


def test_summary_says_the_duals_come_from_the_fixed_lp(tmp_path):
    text, mip = solve_summary(tmp_path, "pulp-cbc", "0")
    assert mip["best_bound_gbp"] is None  # CBC through PuLP: the summary says the bound is unknown, and why not
    assert f"Whole cohorts (MIP): the solver's best cohort plan costs £{mip['objective_gbp']:,.0f}; pulp-cbc gives " \
           "no lower bound" in text
    assert "tolerance asked for 0%; the solver's status: MIP Optimal" in text
    assert "Shadow prices and marginal costs: from the LP re-solved by pulp-cbc with the whole-cohort (integer) " \
           "decisions fixed at the MIP solution" in text


# --- the MIP's objective, bound and gap in the output ----------------------------------------------

def integer_columns(case) -> int:
    lp, _ = build_lp(case)
    return int(np.count_nonzero(lp.integrality))


def solution_data(sol) -> dict:
    data = json.loads(sol.to_json())
    jsonschema.validate(data, SCHEMA)
    return data


@pytest.mark.parametrize("mip_gap", [None, 0.05])
@pytest.mark.parametrize("solver", ["highs", "pulp-highs", "scip", "cp-sat"])
def test_json_gives_the_mip_objective_bound_and_gap(tmp_path, solver, mip_gap):
    case = cohort_case(tmp_path).load()
    sol = solve(case, solver, mip_gap=mip_gap)
    assert sol.status == "optimal", sol.result.message
    data = solution_data(sol)
    mip = data["solver"]["mip"]
    assert mip["integer_columns"] == integer_columns(case) > 0
    assert mip["gap_tolerance"] == (DEFAULT_MIP_GAP if mip_gap is None else mip_gap)
    objective, bound = mip["objective_gbp"], mip["best_bound_gbp"]
    assert bound is not None and mip["note"] is None
    assert bound <= objective  # minimisation: no plan costs less than the bound
    # JSON floats have 6 decimals, so the gap is within 5e-7 of the formula on the rounded fields
    assert mip["gap"] == pytest.approx(abs(objective - bound) / abs(objective), abs=6e-7)
    assert mip["gap"] <= mip["gap_tolerance"]
    if solver == "cp-sat":
        # CP-SAT's objective is its whole-number model's, a slight relaxation (rows widened by half a
        # 1/10,000 FTE unit per term): the exact re-solve differs from it by well under 0.001%, is never
        # below the bound and is within the gap tolerance of it
        assert data["objective"] == pytest.approx(objective, rel=1e-5)
        assert bound * (1 - 1e-9) <= data["objective"] <= bound / (1 - mip["gap_tolerance"])
    else:
        # re-solving with the cohorts fixed keeps the MIP's plan feasible and can only lower the cost, not below the bound
        assert bound * (1 - 1e-9) <= data["objective"] <= objective * (1 + 1e-9)
    assert "best bound" in data["solver"]["message"]  # the message keeps its words


def test_cbc_mip_without_a_bound_says_why(tmp_path):
    case = cohort_case(tmp_path).load()
    sol = solve(case, "pulp-cbc")
    assert sol.status == "optimal", sol.result.message
    mip = solution_data(sol)["solver"]["mip"]
    assert mip["integer_columns"] == integer_columns(case)
    assert mip["gap_tolerance"] == DEFAULT_MIP_GAP and mip["objective_gbp"] is not None
    if mip["best_bound_gbp"] is None:
        assert mip["gap"] is None
        assert "CBC" in mip["note"] and "no best bound" in mip["note"]
    else:
        assert mip["note"] is None and mip["best_bound_gbp"] <= mip["objective_gbp"]
        assert mip["gap"] == pytest.approx(abs(mip["objective_gbp"] - mip["best_bound_gbp"]) / abs(mip["objective_gbp"]),
                                           abs=6e-7)


def test_lp_has_a_null_mip_block():
    case = load_case(FIXTURE)
    assert integer_columns(case) == 0
    sol = solve(case)
    solver = solution_data(sol)["solver"]
    assert "mip" in solver and solver["mip"] is None and sol.mip is None


@pytest.mark.parametrize("solver", ["highs", "pulp-highs", "cp-sat"])
def test_mip_json_is_byte_identical_apart_from_timing(tmp_path, solver):
    case = cohort_case(tmp_path).load()
    texts = [solve(case, solver, mip_gap=0.05).to_json() for _ in range(2)]
    assert json.loads(texts[0])["solver"]["mip"]["best_bound_gbp"] is not None
    first, again = (t.replace(f'"seconds":{json.loads(t)["solver"]["seconds"]}', "") for t in texts)
    assert first == again


def test_summary_gives_the_bound_and_gap_in_words(tmp_path):
    text, mip = solve_summary(tmp_path, "pulp-highs", "0.05")
    assert f"Whole cohorts (MIP): the solver's best cohort plan costs £{mip['objective_gbp']:,.0f}; no plan can cost " \
           f"less than £{mip['best_bound_gbp']:,.0f} (the proven bound)" in text
    assert "(gap " in text and "tolerance asked for 5%)" in text


def test_lp_only_solvers_say_which_backends_can_solve_whole_cohorts(tmp_path):
    case = cohort_case(tmp_path).load()
    for solver in ("glop", "pdlp"):
        sol = solve(case, solver)
        assert sol.status == "error" and sol.objective is None
        assert "scip" in sol.result.message and "highs" in sol.result.message


# --- the national scenario --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def national_cohorts():
    """The whole_cohorts scenario without commissioning.csv and absorption.csv, for SCIP and CP-SAT to
    agree on: with them, SCIP (which has no start plan) takes many minutes. The shipped scenario is
    tested with HiGHS below."""
    case = national("whole_cohorts")
    return replace(case, tables={k: v for k, v in case.tables.items() if k not in ("commissioning", "absorption")})


@pytest.fixture(scope="module")
def national_mip(national_cohorts):
    return {solver: solve(national_cohorts, solver) for solver in ("scip", "cp-sat")}  # CBC: the two_stp MIP tests


def test_national_whole_cohorts_agree_within_the_mip_gap(national_cohorts, national_mip):
    gap = national_cohorts.config.solver.mip_gap
    assert gap == 0.001
    bound = national_mip["scip"].result.best_bound  # SCIP's proven lower bound (CBC's file gives none)
    objectives = {}
    for solver, sol in national_mip.items():
        assert sol.status == "optimal", (solver, sol.result.message)
        objectives[solver] = sol.objective
        # each is within the gap of the optimum, which the bound bounds from below
        assert bound * (1 - 1e-9) <= sol.objective <= bound * (1 + gap)
    assert max(objectives.values()) - min(objectives.values()) <= gap * max(objectives.values())
    # CP-SAT's own bound (on its whole-number model, a relaxation) is a bound on the true cost too
    assert national_mip["cp-sat"].result.best_bound <= min(objectives.values())


def test_national_whole_cohorts_respect_every_cohort_rule_and_verify(national_cohorts, national_mip):
    progs = national_cohorts.table("programmes").set_index("programme")
    for solver, sol in national_mip.items():
        for programme in ("nursing_degree", "nursing_degree_apprenticeship", "clinical_psychology_doctorate"):
            assert_cohort_rule(starts(sol, programme), progs.loc[programme, "min_cohort"])
        report = verify_solution(national_cohorts, json.loads(sol.to_json()))
        assert report.ok, (solver, [(f.family, f.relative, f.where) for f in report.families if not f.ok])


def test_the_shipped_scenario_with_its_commissioning_limits_solves_within_the_gap():
    """As shipped (commissioning and absorption in force; run-out 0). The scenario's LP relaxation is
    the base case's LP (a cohort switch may take starts / bound), whose least cost the base
    fingerprint pins: the plan must cost at least that and at most the gap above it."""
    case = national("whole_cohorts")
    sol = solve(case, "highs")
    assert sol.status == "optimal", sol.result.message
    relaxation = FINGERPRINTS[("cases/england_2017", None)][1]
    assert relaxation * (1 - 1e-9) <= sol.objective <= relaxation * (1 + case.config.solver.mip_gap)
    progs = case.table("programmes").set_index("programme")
    for programme in ("nursing_degree", "nursing_degree_apprenticeship", "clinical_psychology_doctorate"):
        assert_cohort_rule(starts(sol, programme), progs.loc[programme, "min_cohort"])
    assert assert_commissioning_limits(sol) == 18
    report = verify_solution(case, json.loads(sol.to_json()))
    assert report.ok, [(f.family, f.relative, f.where) for f in report.families if not f.ok]


@pytest.mark.parametrize("solver", ["highs", "pulp-cbc", "cp-sat"])
def test_time_limited_national_mip_reports_its_true_status(national_cohorts, solver):
    sol = solve(national_cohorts, solver, time_limit_seconds=1.0)
    assert sol.status == "time_limit", sol.result.message
    assert sol.objective is None and sol.allocations.empty
    data = solution_data(sol)
    assert data["status"] == "time_limit"
    mip = data["solver"]["mip"]  # still a MIP: no plan to report, and the note says why
    assert mip["objective_gbp"] is None and mip["gap"] is None and "time_limit" in mip["note"]
    assert mip["gap_tolerance"] == national_cohorts.config.solver.mip_gap


# --- analysis of a whole-cohort case -------------------------------------------------------------------

def test_analysis_points_of_a_whole_cohort_case_use_its_gap_and_report_their_bound(tmp_path):
    from optimiser.analysis import sweep
    from optimiser.analysis.live import LiveModel

    copy = cohort_case(tmp_path)
    copy.set_yaml("solver", {"mip_gap": 0.05})
    case = copy.load()
    live = LiveModel(case)
    assert live._new_highs().getOptionValue("mip_rel_gap")[1] == 0.05
    assert LiveModel(cohort_case(tmp_path / "default").load())._new_highs().getOptionValue("mip_rel_gap")[1] == \
        DEFAULT_MIP_GAP
    curve = sweep(case, {"recruitment_pools.pool_fte": [0.9, 1.0]}, scale=["recruitment_pools.pool_fte"])
    assert (curve["status"] == "optimal").all() and (curve["mip_gap"] <= 0.05).all()
    assert curve["marginal_cost.trad"].isna().all()  # a MIP has no duals

    point = live.solve()
    data = solution_data(live.solution(point))
    mip = data["solver"]["mip"]
    assert mip["integer_columns"] == integer_columns(case) and mip["gap_tolerance"] == 0.05
    assert mip["best_bound_gbp"] <= mip["objective_gbp"] == pytest.approx(point.objective)
    assert mip["gap"] <= 0.05 and "no duals" in data["solver"]["duals"]
    exact = solve(case)
    assert mip["best_bound_gbp"] <= exact.objective * (1 + 1e-9) \
        and exact.mip.best_bound_gbp <= mip["objective_gbp"] * (1 + 1e-9)
    assert_cohort_rule(starts(live.solution(point), "nursing"), 30)
