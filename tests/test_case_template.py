"""``optimiser new-case``: a template with every table, an example row in each, documented, that validates and
solves, as a folder or as a workbook with drop-down lists of codes."""
from __future__ import annotations

import json
import subprocess
import sys

import openpyxl
import pytest

from optimiser import load_case, solve
from optimiser.case.tables import TABLES
from optimiser.verify import verify_solution

from conftest import ROOT


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "optimiser", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """``new-case my_case`` and ``new-case my_case.xlsx --xlsx``, run as a planner would."""
    folder = tmp_path_factory.mktemp("new")
    for args in (["my_case"], ["my_case.xlsx", "--xlsx"]):
        run = cli("new-case", *[folder / args[0], *args[1:]])
        assert run.returncode == 0, run.stderr
    return folder / "my_case", folder / "my_case.xlsx"


def test_every_table_has_an_example_row_and_its_columns(made):
    folder, _ = made
    case = load_case(folder)
    for name, spec in TABLES.items():
        header = (folder / f"{name}.csv").read_text().splitlines()[0].split(",")
        assert header == list(spec.row.model_fields), name
        assert len(case.tables[name]) >= 1, name
    readme = (folder / "README.md").read_text()
    assert all(f"## {name}.csv" in readme for name in TABLES)
    assert "| `leaver_rate` | yes | Share (0-1) of opening staff in post who leave in a year |" in readme
    assert "an assumption, not a source" in " ".join((folder / "SOURCES.md").read_text().split())


def test_the_template_solves_meets_its_targets_and_verifies(made):
    folder, book = made
    for path in (folder, book):
        run = cli("validate", path)
        assert run.returncode == 0 and "valid" in run.stdout, run.stderr
    case = load_case(folder)
    sol = solve(case)
    assert sol.status == "optimal"
    targets = sol.targets.set_index("target")
    assert targets.loc["nurse_growth", "achieved_fte"] == pytest.approx(60, abs=1e-6)   # a hard minimum of 60
    assert targets.loc["peer_support_growth", "shortfall_fte"] == pytest.approx(0, abs=1e-6)
    assert verify_solution(case, json.loads(sol.to_json())).ok
    fewer = solve(load_case(folder, "fewer_hires"))  # a smaller pool can only cost more; here it binds
    assert fewer.status == "optimal" and fewer.objective > sol.objective + 1


def test_the_workbook_is_the_same_case_with_drop_down_lists_and_notes(made):
    folder, book = made
    assert load_case(book).content_hash == load_case(folder).content_hash   # both named my_case
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames[:2] == ["_about", "case"] and "scenarios" in wb.sheetnames
    rules = {(str(r.sqref).split(":")[0], r.formula1) for r in wb["programmes"].data_validations.dataValidation}
    assert ("C2", "=staff_groups!$A$2:$A$20000") in rules      # staff_group: the codes of staff_groups
    assert ("J2", "=staff_groups!$A$2:$A$20000") in rules      # mentor_group
    families = {r.formula1 for r in wb["staff_groups"].data_validations.dataValidation}
    assert families == {'"traditional,new_role"'}
    assert wb["leaver_rates"]["C1"].comment.text.startswith("Share (0-1) of opening staff in post who leave")
    assert wb["case"]["A1"].value == "setting" and wb["leaver_rates"].freeze_panes == "A2"
    about = [row[0] for row in wb["_about"].iter_rows(values_only=True)]
    assert "leaver_rates" in about


def test_new_case_never_writes_over_a_case(made):
    folder, book = made
    for args in ([folder], [book, "--xlsx"]):
        run = cli("new-case", *args)
        assert run.returncode == 2 and "exists already" in " ".join(run.stderr.split())
