"""Cases given as one Excel workbook (issue 13): the same case as its folder, problems named by sheet, row and
column exactly as by file, row and column, and hostile workbooks refused with a clear message."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from optimiser.case import CaseError, files, load_case, workbook
from optimiser.case.convert import read_content, write_folder, write_workbook

from conftest import FIXTURE, ROOT, copy_case


def to_workbook(folder: Path, dest: Path) -> Path:
    write_workbook(read_content(folder), dest)
    return dest


@pytest.fixture
def book(tmp_path) -> Path:
    """tests/cases/two_stp as a workbook, to break."""
    return to_workbook(FIXTURE, tmp_path / "two_stp.xlsx")


def edit(path: Path, change) -> Path:
    """Open the workbook, let ``change(wb)`` edit it, save it."""
    wb = openpyxl.load_workbook(path)
    change(wb)
    wb.save(path)
    return path


def problems(path: Path, scenario: str | None = None) -> list[str]:
    with pytest.raises(CaseError) as info:
        load_case(path, scenario)
    return [str(p) for p in info.value.problems]


# --- the same case ----------------------------------------------------------------------------------

def test_the_fixture_and_its_scenarios_load_the_same_from_a_workbook(book, tmp_path):
    for scenario in (None, "north_leavers", "pool_halved"):
        assert load_case(book, scenario).content_hash == load_case(FIXTURE, scenario).content_hash
    back = tmp_path / "back"
    write_folder(read_content(book), back)
    assert load_case(back, "pool_halved").content_hash == load_case(FIXTURE, "pool_halved").content_hash
    # cells are written as they were given: blanks stay blank, columns stay those of the CSV file
    assert (back / "recruitment_costs.csv").read_text() == (FIXTURE / "recruitment_costs.csv").read_text()
    assert (back / "staff_groups.csv").read_text() == (FIXTURE / "staff_groups.csv").read_text()


def test_text_stays_text_in_a_workbook(tmp_path):
    """A name that starts with '=' is not made a formula, a code of digits is not made a number."""
    copy = copy_case(FIXTURE, tmp_path / "c")
    copy.set_cell("stps.csv", 2, "name", "=Alpha+1")
    copy.set_cell("regions.csv", 3, "name", "0012")
    book = to_workbook(copy.path, tmp_path / "c.xlsx")
    assert load_case(book).content_hash == copy.load().content_hash
    assert openpyxl.load_workbook(book)["stps"]["B2"].data_type == "s"


def test_the_case_sha256_is_content_so_renaming_a_table_file_keeps_it(tmp_path):
    copy = copy_case(FIXTURE, tmp_path / "c")
    before = copy.load().content_hash
    (copy.path / "stps.csv").rename(copy.path / "my_stps.csv")
    copy.set_yaml("tables", {"stps": "my_stps.csv"})
    assert copy.load().content_hash == before
    copy.set_cell("my_stps.csv", 2, "name", "Alpha Two")
    assert copy.load().content_hash != before


def test_a_setting_changed_in_the_workbook_changes_the_case(book):
    def set_discount(wb):
        ws = wb["case"]
        row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "discount_rate")
        ws.cell(row, 2).value = 0.035
    edit(book, set_discount)
    case = load_case(book)
    assert case.config.discount_rate == 0.035 and case.content_hash != load_case(FIXTURE).content_hash


def test_formulas_are_read_by_their_saved_result(book, tmp_path):
    """openpyxl cannot save a formula's result, so the result is put in the sheet's XML as Excel would."""
    def formula(wb):
        wb["leaver_rates"]["C2"] = "=0.05*2"
    edit(book, formula)
    saved = tmp_path / "saved.xlsx"
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(saved, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if b"<f>0.05*2</f>" in data:
                data = data.replace(b"<f>0.05*2</f><v />", b"<f>0.05*2</f><v>0.1</v>")
                assert b"<v>0.1</v>" in data
            zout.writestr(item, data)
    assert load_case(saved).content_hash == load_case(FIXTURE).content_hash
    assert problems(book) == ["sheet 'leaver_rates', row 2, column 'leaver_rate' — cell C2 holds a formula (=0.05*2) with no saved result: "
                              "the workbook was saved by a program that does not calculate; open it in Excel and "
                              "save it, or paste the values"]


# --- problems: the sheet, row and column, as for CSV -------------------------------------------------

BREAKS = [  # (table, row, column, value): a bad cell, an unknown code, a blank required cell, text in a number
    ("leaver_rates", 3, "leaver_rate", -0.2),
    ("baseline_workforce", 4, "stp", "Z"),
    ("programmes", 2, "duration_years", None),
    ("targets", 2, "minimum_fte", "twenty"),
    ("programmes", 3, "duration_years", 1.5),
    ("staff_groups", 2, "mentor_share", True),  # TRUE in a number column: as 'true' in a CSV file
]


def test_problems_name_the_sheet_row_and_column_as_csv_problems_name_the_file(book, tmp_path):
    copy = copy_case(FIXTURE, tmp_path / "csv")

    def breaks(wb):
        for table, row, column, value in BREAKS:
            ws = wb[table]
            header = [c.value for c in ws[1]]
            ws.cell(row, header.index(column) + 1).value = value
    edit(book, breaks)
    for table, row, column, value in BREAKS:
        copy.set_cell(f"{table}.csv", row, column, {None: "", True: "true"}.get(value, value))
    from_csv = [re.sub(r"^(\w+)\.csv,", r"sheet '\1',", p) for p in problems(copy.path)]
    from_book = problems(book)
    assert from_book == from_csv and len(from_book) == len(BREAKS)
    assert any(p.startswith("sheet 'leaver_rates', row 3, column 'leaver_rate': '-0.2' — expected a value ≥ 0")
               for p in from_book)


def test_a_missing_required_sheet_and_column_and_an_unknown_sheet(book):
    def breaks(wb):
        del wb["stps"]
        wb["leaver_rates"].delete_cols(3)
        wb.create_sheet("budget")          # a misspelt optional table: refused, not left out without a word
        wb.create_sheet("_notes")["A1"] = "my notes: not read"
    edit(book, breaks)
    found = problems(book)
    assert "sheet 'stps' — sheet missing; the 'stps' table is required" in found
    assert any(p.startswith("sheet 'leaver_rates', column 'leaver_rate' — column missing") for p in found)
    assert any(p.startswith("sheet 'budget' — unknown sheet; expected a table") for p in found)
    assert not any(p.startswith("sheet '_notes'") for p in found)


def test_settings_problems_name_their_row(book):
    def breaks(wb):
        ws = wb["case"]
        rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
        ws.cell(rows["discount_rate"], 2).value = 2
        ws.append(["tables.stps", "stps.csv"])
        ws.append(["discount_rat", 0.1])
    edit(book, breaks)
    wb = openpyxl.load_workbook(book)
    row = next(r for r in range(2, wb["case"].max_row + 1) if wb["case"].cell(r, 1).value == "discount_rate")
    found = problems(book)
    last = wb["case"].max_row
    assert any(p.startswith(f"sheet 'case', row {last - 1}, column 'setting': 'tables.stps' — a workbook's tables are "
                            "its sheets") for p in found), found
    assert any(p.startswith(f"sheet 'case', row {last}, column 'setting': 'discount_rat' — unknown setting")
               for p in found), found
    edit(book, lambda wb: [wb["case"].delete_rows(last - 1, 2)])
    assert problems(book) == [f"sheet 'case', row {row}, column 'value': 2 — discount_rate: Input should be less than "
                              "or equal to 1"]


def test_scenario_problems_name_their_row_in_the_scenarios_sheet(book):
    def breaks(wb):
        ws = wb["scenarios"]
        ws.append(["bad", "a bad change", None, "leaver_rates", "leaver_rat", None, 2])
        ws.append(["bad", None, None, "leaver_rates", "leaver_rate", None, 2, "[north]"])
    edit(book, breaks)
    last = openpyxl.load_workbook(book)["scenarios"].max_row
    found = problems(book, "bad")
    assert found == [f"sheet 'scenarios', row {last}, column 'where': '[north]' — expected a YAML mapping of "
                     "column to value, e.g. {source: international} or {region: [london, north]}"]
    edit(book, lambda wb: wb["scenarios"].delete_rows(last))
    assert problems(book, "bad") == [f"sheet 'scenarios', row {last - 1}, column 'column': 'leaver_rat' — unknown "
                                     "column of leaver_rates; expected one of area, staff_group, leaver_rate"]
    assert "scenarios available: bad, north_leavers, pool_halved" in problems(book, "nothing")[0]


# --- hostile workbooks -------------------------------------------------------------------------------

def test_cells_that_cannot_be_values_are_refused_at_their_cell(book):
    def breaks(wb):
        ws = wb["leaver_rates"]
        ws["C2"].value, ws["C2"].data_type = "#DIV/0!", "e"
        wb["recruitment_pools"]["D2"] = dt.datetime(2016, 4, 1)
        wb["stps"].merge_cells("C2:C3")
        wb["baseline_workforce"]["E3"] = "stray"
    edit(book, breaks)
    found = problems(book)
    assert "sheet 'leaver_rates', row 2, column 'leaver_rate' — cell C2 holds the error #DIV/0!; expected a value" \
        in found
    assert any(p.startswith("sheet 'recruitment_pools', row 2, column 'year' — cell D2 holds a date or time "
                            "(2016-04-01 00:00:00); years are written as text") for p in found), found
    assert any(p.startswith("sheet 'stps', row 2 — cells C2:C3 are merged; unmerge them") for p in found), found
    assert "sheet 'baseline_workforce', row 3 — a value beyond the last named column (3 named in row 1)" in found
    assert len(found) == 4, found  # rows with a cell that cannot be read are left out, not also reported as blank


@pytest.mark.parametrize("content, says", [
    (b"stp,name,region\nA,Alpha,north\n", "is not an Excel workbook (an .xlsx file is a zip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "is an old Excel 97-2003 workbook, or a password-protected one"),
    (b"PK\x03\x04 not really a zip", "is damaged: it cannot be opened as a zip file"),
])
def test_files_that_are_not_workbooks(tmp_path, content, says):
    path = tmp_path / "case.xlsx"
    path.write_bytes(content)
    found = problems(path)
    assert len(found) == 1 and found[0].startswith(f"case.xlsx — {says}") and "Excel Workbook (*.xlsx)" in found[0]


def test_a_zip_that_is_not_a_workbook_and_other_spreadsheets(tmp_path):
    path = tmp_path / "case.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "not a workbook")
    assert problems(path)[0].startswith("case.xlsx — could not be read as an Excel workbook")
    assert problems(tmp_path / "case.ods") == ["case.ods — is an OpenDocument workbook; save it from Excel as "
                                               "'Excel Workbook (*.xlsx)', without a password"]
    assert problems(tmp_path / "missing.xlsx") == ["missing.xlsx — file not found; expected a case workbook (.xlsx) "
                                                   "or a case folder"]


def test_size_limits(book, monkeypatch):
    monkeypatch.setattr(files, "MAX_ROWS", 2)
    found = problems(book)
    assert "sheet 'baseline_workforce' — has 4 rows; tables are limited to 2 rows (docs/guarantees.md)" \
        in found
    monkeypatch.setattr(workbook, "MAX_UNZIPPED_BYTES", 1000)
    assert re.fullmatch(r"two_stp.xlsx — unzips to [\d,]+ bytes; case workbooks are limited to 1,000 bytes unzipped .*",
                        problems(book)[0])
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 100)
    assert re.fullmatch(r"two_stp.xlsx — is [\d,]+ bytes; case files are limited to 100 bytes .*", problems(book)[0])


def test_a_huge_sheet_is_refused_before_it_is_read(book, monkeypatch):
    """A sheet of more rows than a table may hold is refused from the size it declares, without being read; one
    that declares none (not written by Excel) after it is read (its size is bounded by the unzipped limit)."""
    monkeypatch.setattr(files, "MAX_ROWS", 25)  # the case sheet has 23 rows
    edit(book, lambda wb: [wb["stps"].append([f"S{i}", "STP", "north"]) for i in range(25)])

    def unread(self, book):
        raise AssertionError("the workbook was read")
    with monkeypatch.context() as m:
        m.setattr(workbook.Workbook, "_read", unread)
        assert problems(book) == ["sheet 'stps' — has 27 rows; tables are limited to 25 rows (docs/guarantees.md)"]
    undeclared = openpyxl.Workbook(write_only=True)  # writes no dimension
    sheet = undeclared.create_sheet("stps")
    for i in range(28):
        sheet.append([f"S{i}", "STP", "north"])
    undeclared.save(book)
    assert "sheet 'stps' — has 27 rows; tables are limited to 25 rows (docs/guarantees.md)" in problems(book)


# --- the command line ----------------------------------------------------------------------------------

def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "optimiser", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def test_validate_and_convert_from_the_command_line(book, tmp_path):
    edit(book, lambda wb: wb["leaver_rates"].cell(3, 3, -0.2))
    run = cli("validate", book)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "sheet 'leaver_rates', row 3, column 'leaver_rate': '-0.2' — expected a value ≥ 0" in " ".join(run.stderr.split())
    good = to_workbook(FIXTURE, tmp_path / "good.xlsx")
    assert cli("validate", good, "-s", "pool_halved").returncode == 0
    run = cli("convert", good, "--to", "csv", "--out", tmp_path / "folder")
    assert run.returncode == 0, run.stderr
    assert f"case sha256 {load_case(FIXTURE).content_hash[:12]}, the same as" in " ".join(run.stdout.split())
    again = cli("convert", good, "--to", "csv", "--out", tmp_path / "folder")
    assert again.returncode == 2 and "exists already" in again.stderr
    assert cli("convert", FIXTURE, "--to", "xlsx", "--out", tmp_path / "x.csv").returncode == 2


def test_the_national_case_round_trips_through_a_workbook_and_solves_to_the_same_optimum(tmp_path):
    """csv -> xlsx -> csv: the same case sha256 (base case and a scenario); the workbook solves to the same least
    cost and plan as the folder (run-out 0 keeps the solve short). The command line is tested on the fixture."""
    from optimiser import solve
    from conftest import NATIONAL, national

    xlsx, back = tmp_path / "england.xlsx", tmp_path / "england"
    content = read_content(NATIONAL)
    assert content.notes == ["SOURCES.md", "derive_tables.py", "uncertainty.yaml"]  # not case content: not copied
    write_workbook(content, xlsx)
    write_folder(read_content(xlsx), back)
    for path in (xlsx, back):
        assert load_case(path).content_hash == load_case(NATIONAL).content_hash
    assert load_case(back, "brexit_pool").content_hash == load_case(NATIONAL, "brexit_pool").content_hash
    a, b = solve(national(), balance=False), solve(load_case(xlsx, run_out_years=0), balance=False)
    assert a.status == b.status == "optimal" and a.objective == b.objective
    assert a.allocations.equals(b.allocations)
