"""Fixes found by a newcomer's run (issue 13 §6): compare validates its inputs, --version, COLUMNS, plain
sweep.csv, no -0 marginal costs. Each test failed before its fix."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from optimiser import load_case, solve
from optimiser.analysis.compare import compare
from optimiser.cli import app

from conftest import FIXTURE, ROOT

runner = CliRunner()


def cli(*args, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "optimiser", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300, env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def solution_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("sol") / "solution.json"
    path.write_text(solve(load_case(FIXTURE)).to_json(), encoding="utf-8")
    return path


# --- compare ------------------------------------------------------------------------------------------

def test_compare_refuses_what_is_not_a_solution_file(solution_file, tmp_path):
    """``{"a": 1}`` used to be compared as an empty plan."""
    with pytest.raises(ValueError, match=r"not a solution file written by optimiser solve: missing fields: "
                                         r"schema_version, case, engine, solver, status, .*; unknown fields: a$"):
        compare({"a": 1}, solution_file)
    bad = tmp_path / "bad.json"
    bad.write_text('{"a": 1}', encoding="utf-8")
    result = runner.invoke(app, ["compare", str(bad), str(solution_file)])
    output = "".join(result.output.split())  # without the line breaks: a long path is wrapped mid-word
    assert result.exit_code == 2 and "".join(f"{bad}: not a solution file written by optimiser solve".split()) in output
    assert "unknownfields:a" in output
    tampered = json.loads(solution_file.read_text())
    tampered["allocations"][0]["quantity"] = "many"
    with pytest.raises(ValueError, match=r"allocations\.0\.quantity: Input should be a valid number"):
        compare(solution_file, tampered)
    assert compare(solution_file, solution_file).summary["diff"].iloc[1] == 0  # a real file still compares


# --- --version ------------------------------------------------------------------------------------------

def test_version_names_the_engine_and_every_solver():
    import highspy
    from importlib.metadata import version

    run = cli("--version")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith(f"mh-workforce-optimiser {version('mh-workforce-optimiser')}")
    backends = {line.split()[0]: line for line in lines[2:]}
    assert set(backends) == {"highs", "pulp-cbc", "pulp-highs", "glop", "pdlp", "scip", "cp-sat"}
    assert backends["highs"].split()[1] == version("highspy") == "1.14.0"
    assert f"OR-Tools {version('ortools')}" in backends["glop"]


# --- COLUMNS ----------------------------------------------------------------------------------------------

def test_output_that_is_not_a_terminal_honours_columns():
    """Piped output used to be 132 columns whatever COLUMNS said; without COLUMNS it still is."""
    narrow = cli("validate", FIXTURE, env={"COLUMNS": "60"})
    wide = cli("validate", FIXTURE, env={"COLUMNS": ""})
    assert narrow.returncode == wide.returncode == 0
    assert max(map(len, narrow.stdout.splitlines())) <= 60
    assert 60 < max(map(len, wide.stdout.splitlines())) <= 132
    bad = cli("validate", FIXTURE, "--scenario", "nothing", env={"COLUMNS": "50"})
    assert bad.returncode == 2 and max(map(len, bad.stderr.splitlines())) <= 50


# --- sweep.csv --------------------------------------------------------------------------------------------

def test_sweep_csv_has_plain_headers_with_units_and_rounded_values(tmp_path):
    """sweep.csv had headers like ``targets.minimum_fte[target=trad]`` and values like 9999.999999999956."""
    import pandas as pd

    out = tmp_path / "sweep"
    result = runner.invoke(app, ["sweep", str(FIXTURE), "--set", "targets.minimum_fte[target=trad]=10:30:3",
                                 "--out", str(out), "--executor", "serial"])
    assert result.exit_code == 0, result.output
    text = (out / "sweep.csv").read_text()
    header = text.splitlines()[0].split(",")
    assert all(re.fullmatch(r"[A-Za-z0-9_]+", h) for h in header), header
    assert {"targets_minimum_fte_where_target_trad", "total_cost_gbp", "cost_training_gbp",
            "growth_traditional_fte", "marginal_cost_trad_gbp_per_fte"} <= set(header)
    assert not re.search(r"\.\d{7,}", text)  # at most 6 decimals
    df = pd.read_csv(out / "sweep.csv")
    # one more nurse FTE: a nursing place, £50,000, yields 0.8 × 0.9 FTE: £69,444.44 per FTE, to 6 decimals
    assert (df["marginal_cost_trad_gbp_per_fte"] == round(50_000 / 0.72, 6)).all()
    data = json.loads((out / "sweep.json").read_text())
    assert data["columns"] == {"targets.minimum_fte[target=trad]": "targets_minimum_fte_where_target_trad"}
    assert list(data["rows"][0]) == header


# --- no -0 ------------------------------------------------------------------------------------------------

def test_a_target_that_does_not_bind_costs_0_per_fte_never_minus_0(tmp_path):
    """A hard target far below what the plan reaches has a zero dual; HiGHS gives -0.0, printed as '-0'."""
    import math
    import shutil

    from optimiser.console import _cell

    case = tmp_path / "case"
    shutil.copytree(FIXTURE, case)
    with open(case / "targets.csv", "a", encoding="utf-8") as f:
        f.write("slack,Far below the plan,level,,nurse,,,2017/18,1,,hard,\n")
    sol = solve(load_case(case))
    marginal = sol.targets.set_index("target").loc["slack", "marginal_cost_per_fte"]
    assert marginal == 0 and math.copysign(1, marginal) == 1
    run = cli("solve", case, "--out", tmp_path / "out", env={"COLUMNS": "200"})
    assert run.returncode == 0, run.stderr
    row = next(line for line in run.stdout.splitlines() if line.lstrip().startswith("slack "))
    assert row.split()[-1] == "0", row
    assert [_cell(v) for v in (-0.0, -1e-12, 0.0, -0.5, -150.0)] == ["0", "0", "0", "-0.5", "-150"]


# --- a Windows-1252 CSV -----------------------------------------------------------------------------------

def test_a_windows_1252_csv_with_a_pound_sign_says_which_file_and_line_and_how_to_save_it(tmp_path):
    """Excel's plain 'CSV' writes £ as byte 0xa3 (Windows-1252). Already handled by optimiser/case/files.py
    (issue 14); this pins the message the issue asked for: the file, the line, and 'CSV UTF-8'."""
    import shutil

    case = tmp_path / "case"
    shutil.copytree(FIXTURE, case)
    text = (case / "programmes.csv").read_text(encoding="utf-8").replace("PSW course", "PSW course (£3k)")
    (case / "programmes.csv").write_bytes(text.encode("cp1252"))
    run = cli("validate", case, env={"COLUMNS": "300"})
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert ("programmes.csv, row 3 — is not UTF-8 text (byte 0xa3; Windows-1252 or Latin-1?); save it from Excel as "
            "'CSV UTF-8 (Comma delimited)'") in run.stderr


@pytest.mark.parametrize("args, says", [(["solve", str(FIXTURE), "--bogus"], "No such option: --bogus"),
                                        (["solve"], "Missing argument"),
                                        (["no-such-command"], "No such command")])
def test_usage_errors_exit_2_with_clicks_message_not_an_internal_error(args, says):
    run = cli(*args)
    assert run.returncode == 2, run.stderr
    assert says in run.stderr and "internal error" not in run.stderr and "Traceback" not in run.stderr
