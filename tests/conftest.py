"""Shared helpers: copy a fixture case into ``tmp_path`` and break it one cell or field at a time."""
from __future__ import annotations

import csv
import io
import os
import shutil
from pathlib import Path

import pytest
import yaml

# GNU readline, once Python loads it (pytest does), exports COLUMNS=80 to every child process (xdist's
# workers too); the command line honours COLUMNS, so its tests would print 80 columns. Blank it before any
# test module creates the command line's consoles: they print 132 columns, as any pipe does without
# COLUMNS (tests that want a width pass it).
os.environ["COLUMNS"] = ""

from optimiser.case import Case, CaseError, Problem, load_case  # noqa: E402

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
FIXTURE = TESTS / "cases" / "two_stp"
NATIONAL = ROOT / "cases" / "england_2017"
#: The national case planned over its target years alone: national size, seconds a solve. Its six
#: run-out years (case.yaml) make every solve minutes long; test_national_case.py solves it as shipped.
QUICK = ("--run-out-years", "0")


def national(scenario: str | None = None) -> Case:
    """``cases/england_2017`` (with ``scenario``) and no run-out years (see ``QUICK``)."""
    return load_case(NATIONAL, scenario, run_out_years=0)

_DELETE = object()


class CaseCopy:
    """A writable copy of a fixture case, with small editing helpers.

    Row numbers are CSV line numbers as a spreadsheet shows them: the header is line 1.
    """

    DELETE = _DELETE

    def __init__(self, path: Path):
        self.path = path

    # --- CSV tables -------------------------------------------------------------------------
    def read(self, file: str) -> list[list[str]]:
        with open(self.path / file, newline="", encoding="utf-8") as f:
            return [row for row in csv.reader(f)]

    def _write_rows(self, file: str, rows: list[list[str]]) -> None:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        (self.path / file).write_text(buf.getvalue(), encoding="utf-8")

    def set_cell(self, file: str, line: int, column: str, value) -> "CaseCopy":
        """Set the cell in ``column`` on CSV line ``line`` (header = line 1)."""
        rows = self.read(file)
        assert line >= 2, "line 1 is the header"
        rows[line - 1][rows[0].index(column)] = str(value)
        self._write_rows(file, rows)
        return self

    def cell(self, file: str, line: int, column: str) -> str:
        rows = self.read(file)
        return rows[line - 1][rows[0].index(column)]

    def add_row(self, file: str, **cells) -> int:
        """Append a row (missing columns blank); return its line number."""
        rows = self.read(file)
        unknown = set(cells) - set(rows[0])
        assert not unknown, f"{file} has no column {unknown}"
        rows.append([str(cells.get(c, "")) for c in rows[0]])
        self._write_rows(file, rows)
        return len(rows)

    def drop_row(self, file: str, line: int) -> "CaseCopy":
        rows = self.read(file)
        del rows[line - 1]
        self._write_rows(file, rows)
        return self

    def drop_column(self, file: str, column: str) -> "CaseCopy":
        rows = self.read(file)
        i = rows[0].index(column)
        self._write_rows(file, [r[:i] + r[i + 1:] for r in rows])
        return self

    def add_column(self, file: str, column: str, value: str = "") -> "CaseCopy":
        rows = self.read(file)
        self._write_rows(file, [rows[0] + [column]] + [r + [value] for r in rows[1:]])
        return self

    def write(self, file: str, text: str) -> "CaseCopy":
        """Write a file from text; leading indentation of each line is removed."""
        lines = [line.strip() for line in text.strip("\n").splitlines()]
        (self.path / file).parent.mkdir(parents=True, exist_ok=True)
        (self.path / file).write_text("\n".join(lines) + "\n", encoding="utf-8")
        return self

    def remove(self, file: str) -> "CaseCopy":
        (self.path / file).unlink()
        return self

    # --- YAML ---------------------------------------------------------------------------------
    def yaml(self, file: str = "case.yaml") -> dict:
        return yaml.safe_load((self.path / file).read_text(encoding="utf-8"))

    def set_yaml(self, field: str, value, file: str = "case.yaml") -> "CaseCopy":
        """Set a dotted field of a YAML file (``CaseCopy.DELETE`` removes it)."""
        data = self.yaml(file)
        *path, last = field.split(".")
        node = data
        for part in path:
            node = node.setdefault(part, {})
        if value is _DELETE:
            del node[last]
        else:
            node[last] = value
        (self.path / file).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return self

    def scenario(self, name: str, *changes: dict, description: str = "test scenario") -> str:
        """Write ``scenarios/NAME.yaml`` with the given changes; return its name."""
        (self.path / "scenarios").mkdir(exist_ok=True)
        data = {"description": description, "changes": list(changes)}
        (self.path / "scenarios" / f"{name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return name

    # --- loading ------------------------------------------------------------------------------
    def load(self, scenario: str | None = None) -> Case:
        return load_case(self.path, scenario)

    def problems(self, scenario: str | None = None) -> list[Problem]:
        """The problems the loader reports; fails the test if the case loads."""
        with pytest.raises(CaseError) as info:
            load_case(self.path, scenario)
        assert info.value.problems, "CaseError without problems"
        return info.value.problems


def copy_case(source: Path, dest: Path) -> CaseCopy:
    shutil.copytree(source, dest)
    return CaseCopy(dest)


def find(problems: list[Problem], **fields) -> Problem:
    """The one problem whose attributes equal ``fields`` (e.g. file=, row=, column=)."""
    hits = [p for p in problems if all(getattr(p, k) == v for k, v in fields.items())]
    listing = "\n".join(f"  {p.file!r} row={p.row} column={p.column!r}: {p}" for p in problems)
    assert len(hits) == 1, f"expected one problem with {fields}, got {len(hits)} among:\n{listing}"
    return hits[0]


def only(problems: list[Problem], **fields) -> Problem:
    """The single problem reported, checked against ``fields``."""
    listing = "\n".join(f"  {p}" for p in problems)
    assert len(problems) == 1, f"expected exactly one problem, got {len(problems)}:\n{listing}"
    return find(problems, **fields)


@pytest.fixture
def case_copy(tmp_path) -> CaseCopy:
    """A fresh copy of tests/cases/two_stp to break."""
    return copy_case(FIXTURE, tmp_path / "two_stp")


@pytest.fixture(scope="session")
def base_case() -> Case:
    """The two_stp fixture, loaded once (do not mutate)."""
    return load_case(FIXTURE)


#: Files with the longest national solves, run first so that the two xdist workers finish together
#: (longest first; pyproject's addopts: -n 2 --dist loadfile).
SLOWEST_FIRST = ["test_national_case.py", "test_whole_cohorts.py", "test_diagnosis.py", "test_solvers.py",
                 "test_realism.py", "test_fingerprints.py", "test_solve.py", "test_hostile_input.py"]


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: file order kept otherwise


