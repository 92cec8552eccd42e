"""``optimiser export-model``: the national model as MPS or LP with readable names, read back by
highspy's own reader, solves to the engine's objective."""
from __future__ import annotations

from pathlib import Path

import highspy
import numpy as np
import pytest
from typer.testing import CliRunner

from optimiser import solve
from optimiser.cli import app

from conftest import NATIONAL, QUICK, national

ROOT = Path(__file__).resolve().parents[1]


def read(path: Path) -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    assert h.readModel(str(path)) == highspy.HighsStatus.kOk
    return h


def export(*args) -> str:
    run = CliRunner().invoke(app, ["export-model", *map(str, args)])
    assert run.exit_code == 0, run.output
    return run.stdout


def test_exported_national_mps_solves_to_the_engines_objective(tmp_path):
    sol = solve(national(), balance=False)
    out = export(NATIONAL, *QUICK, "--format", "mps", "--out", tmp_path / "england_2017.mps")
    assert "20,833 columns, 22,161 rows" in " ".join(out.split())
    h = read(tmp_path / "england_2017.mps")
    assert (h.getNumCol(), h.getNumRow()) == (sol.lp.num_col, sol.lp.num_row)
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    assert h.getInfo().objective_function_value == pytest.approx(sol.objective, rel=1e-9)
    # readable names a planner can find in Gurobi's or CPLEX's output
    status, col = h.getColByName("training_starts.nursing_degree.E54000046.2016_17")
    assert status == highspy.HighsStatus.kOk
    assert sol.lp.column_labels().iloc[col][["block", "item", "stp", "year"]].tolist() == [
        "training_starts", "nursing_degree", "E54000046", "2016/17"]
    assert h.getRowByName("target_minimum.traditional_growth_2020_21.2020_21")[0] == highspy.HighsStatus.kOk


def test_exported_whole_cohorts_lp_file_keeps_the_integer_decisions(tmp_path):
    out = export(NATIONAL, *QUICK, "--scenario", "whole_cohorts", "--format", "lp", "--out", tmp_path / "cohorts.lp")
    assert "(1,320 integer)" in out
    text = (tmp_path / "cohorts.lp").read_text()
    assert "cohort_runs.nursing_degree.E54000046.2016_17" in text
    h = read(tmp_path / "cohorts.lp")
    model = h.getLp()
    integer = np.asarray(model.integrality_) == highspy.HighsVarType.kInteger
    assert integer.sum() == 1320  # whole starts of 3 programmes x 44 STPs x 5 years, and one binary each
    y = [i for i in range(h.getNumCol()) if h.getColName(i)[1].startswith("cohort_runs.")]
    assert len(y) == 660 and np.all(np.asarray(model.col_upper_)[y] <= 1.0)


def test_format_follows_the_suffix_and_bad_input_exits_2(tmp_path):
    export(NATIONAL, *QUICK, "--out", tmp_path / "model.lp")
    assert (tmp_path / "model.lp").read_text().lstrip().startswith("\\")
    run = CliRunner().invoke(app, ["export-model", str(NATIONAL), "--scenario", "no_such", "--out",
                                   str(tmp_path / "x.mps")])
    assert run.exit_code == 2 and not (tmp_path / "x.mps").exists()
    run = CliRunner().invoke(app, ["export-model", str(NATIONAL), "--format", "xlsx", "--out", str(tmp_path / "x")])
    assert run.exit_code == 2
