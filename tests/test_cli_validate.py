"""``optimiser validate``: exit codes and output, run as a planner would (a subprocess)."""
from __future__ import annotations

import subprocess
import sys

from conftest import FIXTURE, ROOT, CaseCopy


def validate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "optimiser", "validate", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)


def flat(text: str) -> str:
    """Output with line wrapping undone."""
    return " ".join(text.split())


def test_valid_case_exits_0_with_a_summary():
    run = validate(FIXTURE)
    assert run.returncode == 0, run.stderr
    out = flat(run.stdout)
    assert out.startswith("valid two_stp")
    assert "2016/17 to 2018/19 (3 years)" in out
    assert "baseline 330 FTE in post" in out
    assert "nurse (traditional), psw (new_role)" in out
    assert run.stderr == ""


def test_valid_scenario_exits_0():
    run = validate(FIXTURE, "--scenario", "pool_halved")
    assert run.returncode == 0, run.stderr
    assert flat(run.stdout).startswith("valid two_stp + scenario pool_halved")


def test_broken_case_exits_2_listing_every_problem(case_copy: CaseCopy):
    case_copy.set_cell("leaver_rates.csv", 3, "leaver_rate", "-0.2")
    case_copy.set_cell("baseline_workforce.csv", 4, "stp", "Z")
    run = validate(case_copy.path)
    assert run.returncode == 2
    err = flat(run.stderr)
    assert "2 problem(s)" in err
    assert "leaver_rates.csv, row 3, column 'leaver_rate': '-0.2'" in err
    assert "baseline_workforce.csv, row 4, column 'stp': 'Z' — unknown STP" in err
    assert "Traceback" not in run.stderr
    assert "valid" not in run.stdout


def test_missing_scenario_exits_2():
    run = validate(FIXTURE, "-s", "no_such")
    assert run.returncode == 2
    err = flat(run.stderr)
    assert "scenarios/no_such.yaml — file not found; scenarios available: north_leavers, pool_halved" in err
    assert "Traceback" not in run.stderr


def test_bad_scenario_names_file_and_change(case_copy: CaseCopy):
    name = case_copy.scenario("bad", {"table": "leaver_rates", "column": "leaver_rate", "scale": 7})
    run = validate(case_copy.path, "--scenario", name)
    assert run.returncode == 2
    assert "scenarios/bad.yaml, change 1, column 'leaver_rate'" in flat(run.stderr)
    assert "Traceback" not in run.stderr


def test_missing_case_folder_exits_2(tmp_path):
    run = validate(tmp_path / "nowhere")
    assert run.returncode == 2
    assert "case.yaml — file not found" in flat(run.stderr)
    assert "Traceback" not in run.stderr
