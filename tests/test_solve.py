"""End to end: solve the shipped national case, the JSON contract, reproducibility and exit codes."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from optimiser import solve

from conftest import FIXTURE, NATIONAL, QUICK, copy_case, national

ROOT = Path(__file__).resolve().parents[1]
IAPT = {  # cumulative extra staff, MODEL.md §10 / REFERENCE.md (seed 002)
    "iapt_pwp": [210, 560, 898, 1306, 1714],
    "iapt_hit": [390, 1040, 1670, 2430, 3190],
}


@pytest.fixture(scope="module")
def solved_national():
    return solve(national())


def test_national_case_meets_headline_targets_and_iapt_trajectories(solved_national):
    assert solved_national.status == "optimal"
    wf = solved_national.workforce
    baseline_year, last = wf["year"].iloc[0], solved_national.data.years[-1]
    by_family = wf.pivot_table(index="family", columns="year", values="fte", aggfunc="sum")
    growth = by_family[last] - by_family[baseline_year]
    assert growth["traditional"] >= 11_000 - 1e-6
    assert growth["new_role"] >= 8_000 - 1e-6
    for group, trajectory in IAPT.items():
        by_year = wf[wf["staff_group"] == group].groupby("year")["fte"].sum()
        for year, extra in zip(solved_national.data.years, trajectory):
            assert by_year[year] - by_year[baseline_year] >= extra - 1e-6, (group, year)


def test_solution_json_validates_against_schema(solved_national):
    schema = json.loads((ROOT / "schemas" / "solution.schema.json").read_text())
    data = json.loads(solved_national.to_json())
    jsonschema.validate(data, schema)
    assert data["case"]["sha256"] == national().content_hash
    assert set(data) >= {"schema_version", "case", "engine", "solver", "status", "objective", "costs", "targets",
                         "workforce", "allocations", "constraints"}


def _without_timing(text: str) -> dict:
    data = json.loads(text)
    data["solver"].pop("seconds")
    return data


def test_two_runs_give_identical_json_apart_from_timing(solved_national):
    again = solve(national()).to_json()
    first = solved_national.to_json()
    assert _without_timing(first) == _without_timing(again)
    # byte-identical once the timing field is equalised
    assert first.replace(f'"seconds":{json.loads(first)["solver"]["seconds"]}', "") == \
        again.replace(f'"seconds":{json.loads(again)["solver"]["seconds"]}', "")


def test_costs_add_up_to_the_objective(solved_national):
    pv = solved_national.allocations["present_value_gbp"].sum()
    penalties = json.loads(solved_national.to_json())["costs"]["penalties_gbp"]
    assert pv + penalties == pytest.approx(solved_national.objective, rel=1e-9)


def _cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "optimiser", *args], capture_output=True, text=True, cwd=cwd)


def test_cli_solve_writes_json_and_exits_0(tmp_path):
    run = _cli("solve", str(NATIONAL), *QUICK, "--out", str(tmp_path))
    assert run.returncode == 0, run.stderr
    assert json.loads((tmp_path / "solution.json").read_text())["status"] == "optimal"
    assert "Traceback" not in run.stderr


def test_cli_solve_an_infeasible_case_exits_3_and_keeps_no_partial_file(tmp_path):
    """The two_stp fixture with a £1,000 budget (the national tight_budget's diagnosis: test_diagnosis.py)."""
    copy = copy_case(FIXTURE, tmp_path / "two_stp")
    copy.write("budgets.csv", """
        budget,scope,lever,from_year,to_year,limit_gbp
        all_spend,england,all,,,1000
    """)
    out = tmp_path / "out"
    run = _cli("solve", str(copy.path), "--out", str(out))
    assert run.returncode == 3, run.stdout + run.stderr
    assert "infeasible" in run.stderr
    data = json.loads((out / "solution.json").read_text())
    assert data["status"] == "infeasible"
    assert [p.name for p in out.iterdir()] == ["solution.json"]
    # the automatic diagnosis (tests/test_diagnosis.py): it names the budget, in the JSON and on screen
    assert any(lim["name"] == "spending_limit" for lim in data["diagnosis"]["conflict"]["limits"])
    assert "all_spend budget" in run.stdout and "budget +£" in run.stdout


def test_cli_solve_bad_case_exits_2_without_traceback(tmp_path):
    run = _cli("solve", str(tmp_path / "missing"), "--out", str(tmp_path / "out"))
    assert run.returncode == 2
    assert "Traceback" not in run.stderr and "case.yaml" in run.stderr
    assert not (tmp_path / "out").exists()
