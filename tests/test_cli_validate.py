"""``optimiser validate``: exit codes and output, run as a planner would (a subprocess).

The commands are started together once per module, so the set stays fast.
"""
from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

import pytest

from conftest import FIXTURE, ROOT, copy_case


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    @property
    def out(self) -> str:
        """stdout with line wrapping undone."""
        return " ".join(self.stdout.split())

    @property
    def err(self) -> str:
        """stderr with line wrapping undone."""
        return " ".join(self.stderr.split())


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Run]:
    folder = tmp_path_factory.mktemp("cli")
    broken = copy_case(FIXTURE, folder / "broken")
    broken.set_cell("leaver_rates.csv", 3, "leaver_rate", "-0.2")   # a bad cell
    broken.set_cell("baseline_workforce.csv", 4, "stp", "Z")         # an unknown STP
    scenario = copy_case(FIXTURE, folder / "bad_scenario")
    scenario.scenario("bad", {"table": "leaver_rates", "column": "leaver_rate", "scale": 7})
    commands = {
        "valid": [FIXTURE],
        "scenario": [FIXTURE, "--scenario", "pool_halved"],
        "broken": [broken.path],
        "missing_scenario": [FIXTURE, "-s", "no_such"],
        "bad_scenario": [scenario.path, "--scenario", "bad"],
        "no_case": [folder / "nowhere"],
    }
    started = {name: subprocess.Popen([sys.executable, "-m", "optimiser", "validate", *map(str, args)], cwd=ROOT,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for name, args in commands.items()}
    done = {}
    for name, proc in started.items():
        stdout, stderr = proc.communicate(timeout=120)
        done[name] = Run(proc.returncode, stdout, stderr)
    return done


def test_valid_case_exits_0_with_a_summary(runs):
    run = runs["valid"]
    assert run.returncode == 0, run.stderr
    assert run.out.startswith("valid two_stp")
    assert "2016/17 to 2018/19 (3 years)" in run.out
    assert "baseline 330 FTE in post" in run.out
    assert "nurse (traditional), psw (new_role)" in run.out
    assert run.stderr == ""


def test_valid_scenario_exits_0(runs):
    run = runs["scenario"]
    assert run.returncode == 0, run.stderr
    assert run.out.startswith("valid two_stp + scenario pool_halved")


def test_broken_case_exits_2_listing_every_problem(runs):
    run = runs["broken"]
    assert run.returncode == 2
    assert "2 problem(s)" in run.err
    assert "leaver_rates.csv, row 3, column 'leaver_rate': '-0.2' — expected a value ≥ 0" in run.err
    assert "baseline_workforce.csv, row 4, column 'stp': 'Z' — unknown STP" in run.err
    assert "Traceback" not in run.stderr
    assert "valid" not in run.stdout


def test_missing_scenario_exits_2(runs):
    run = runs["missing_scenario"]
    assert run.returncode == 2
    assert "scenarios/no_such.yaml — file not found; scenarios available: north_leavers, pool_halved" in run.err
    assert "Traceback" not in run.stderr


def test_bad_scenario_names_file_and_change(runs):
    run = runs["bad_scenario"]
    assert run.returncode == 2
    assert "with scenario bad" in run.err
    assert "scenarios/bad.yaml, change 1, column 'leaver_rate'" in run.err
    assert "Traceback" not in run.stderr


def test_missing_case_folder_exits_2(runs):
    run = runs["no_case"]
    assert run.returncode == 2
    assert "case.yaml — file not found" in run.err
    assert "Traceback" not in run.stderr
