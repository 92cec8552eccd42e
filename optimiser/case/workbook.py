"""Reading a case given as one Excel workbook (``.xlsx``).

Layout (cases/README.md, "A case as one workbook"):

- a sheet per table, named as the table (``stps``, ``leaver_rates``, ...), with the CSV file's
  columns: a header row of column names, then one row per record;
- a ``case`` sheet of settings (case.yaml): columns ``setting`` and ``value`` (and an optional
  ``description``), one row per setting, nested settings dotted (``solver.name``); a blank value
  takes the default;
- an optional ``scenarios`` sheet: one row per change, columns ``scenario``, ``description``,
  ``setting``, ``table``, ``column``, ``set``, ``scale`` and ``where`` (a YAML mapping such as
  ``{source: international}``), the changes of a scenario in order;
- sheets whose names start with ``_`` are the planner's own (notes) and are not read; any other
  sheet is refused, so that a misspelt optional table is not left out without a word.

Cells are read as they are shown: numbers, text, TRUE/FALSE and the saved result of a formula.
Error cells (``#DIV/0!``), formulas without a saved result, dates, and merged cells are refused at
their cell. Tables are then checked exactly as CSV tables are, naming ``sheet 'NAME'``, the row
(as Excel numbers it) and the column.
"""
from __future__ import annotations

import datetime as dt
import warnings
import zipfile
from pathlib import Path
from typing import Any

from optimiser.case import files
from optimiser.case.changes import SCENARIO_NAME
from optimiser.case.problems import Problem
from optimiser.case.tables import TABLES

SETTINGS_SHEET, SCENARIOS_SHEET = "case", "scenarios"
SETTINGS_COLUMNS = ("setting", "value", "description")
SCENARIO_COLUMNS = ("scenario", "description", "setting", "table", "column", "set", "scale", "where")
#: Largest workbook once unzipped (bytes, the sum of its parts): about four times a CSV table's limit,
#: as a worksheet's XML takes about four times the bytes of the same CSV. A workbook whose parts say
#: they are larger (a zip bomb) is refused before it is unpacked.
MAX_UNZIPPED_BYTES = 4 * files.MAX_FILE_BYTES
#: A workbook's first bytes: a zip file (.xlsx), or an OLE2 container (.xls, or any password-protected workbook).
_ZIP, _OLE2 = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"
SAVE_XLSX = "save it from Excel as 'Excel Workbook (*.xlsx)', without a password"


def sheet_label(name: str) -> str:
    """How problems name a workbook's sheet (in place of a CSV file's name)."""
    return f"sheet '{name}'"


def is_workbook(path: Path) -> bool:
    """Whether a case path is a workbook (by its suffix) rather than a folder."""
    return path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods") and not path.is_dir()


class Workbook:
    """A case workbook, opened and checked: its sheets as rows of plain Python values.

    Attributes:
        path: the workbook file.
        problems: what is wrong with the workbook as a whole or with cells (merged, errors, dates).
        sheets: each sheet read, as ``(line, values)`` rows (the header is line 1); values are ``None``,
            ``bool``, ``int``, ``float`` or stripped ``str``.
        settings: the ``case`` sheet as case.yaml's mapping (``None`` if it cannot be read), and
            ``setting_rows`` the row of each dotted setting.
        scenarios: each scenario as a scenario file's mapping, with the row of each of its changes.
    """

    def __init__(self, path: Path):
        self.path = path
        self.problems: list[Problem] = []
        self.sheets: dict[str, list[tuple[int, list[Any]]]] = {}
        self.cell_problems: dict[str, list[Problem]] = {}  # a table sheet's cells that cannot be read ...
        self.bad_rows: dict[str, set[int]] = {}  # ... and their rows, left out of the table
        self.settings: dict | None = None
        self.setting_rows: dict[str, int] = {}
        self.scenarios: dict[str, tuple[dict, list[int]]] = {}
        book = self._open()
        if book is not None:
            self._read(book)
            self.settings, self.setting_rows = self._settings()
            self.scenarios = self._scenarios()

    # --- the file -------------------------------------------------------------------------------
    def _open(self):
        name = self.path.name
        refused = _check_file(self.path)
        if refused is not None:
            self.problems.append(refused)
            return None
        try:
            with zipfile.ZipFile(self.path) as zf:
                unzipped = sum(i.file_size for i in zf.infolist())
        except (zipfile.BadZipFile, OSError) as exc:
            self.problems.append(Problem(name, f"is damaged: it cannot be opened as a zip file ({exc}); {SAVE_XLSX}"))
            return None
        limit = MAX_UNZIPPED_BYTES
        if unzipped > limit:
            self.problems.append(Problem(name, f"unzips to {unzipped:,} bytes; case workbooks are limited to {limit:,} "
                                               f"bytes unzipped ({limit / 2**20:,.0f} MiB; docs/guarantees.md)"))
            return None
        import openpyxl

        try:
            with warnings.catch_warnings():  # openpyxl warns of parts it drops (extensions, slicers): not ours
                warnings.simplefilter("ignore")
                sizes = openpyxl.load_workbook(self.path, read_only=True)
                try:
                    tall = [(ws.title, ws.max_row) for ws in sizes.worksheets
                            if (ws.max_row or 0) > files.MAX_ROWS + 1 and not ws.title.startswith("_")]
                finally:
                    sizes.close()
                if tall:  # refused from the dimension the sheet declares, before it is read
                    self.problems += [_too_long(t, n) for t, n in tall]
                    return None
                return openpyxl.load_workbook(self.path, data_only=False)
        except Exception as exc:  # noqa: BLE001 - any failure of a damaged or foreign file, said plainly
            self.problems.append(Problem(name, f"could not be read as an Excel workbook ({type(exc).__name__}: {exc}); "
                                               f"{SAVE_XLSX}"))
            return None

    # --- the sheets -----------------------------------------------------------------------------
    def _read(self, book) -> None:
        known = set(TABLES) | {SETTINGS_SHEET, SCENARIOS_SHEET}
        formulas: dict[str, dict[tuple[int, int], str]] = {}
        for ws in book.worksheets:
            if ws.title.startswith("_"):
                continue
            if ws.title not in known:
                self.problems.append(Problem(sheet_label(ws.title), "unknown sheet; expected a table ("
                                             + ", ".join(TABLES) + f"), '{SETTINGS_SHEET}' or '{SCENARIOS_SHEET}'. "
                                             "Name a sheet of your own starting with '_' (e.g. _notes) and it is "
                                             "not read"))
                continue
            if ws.max_row > files.MAX_ROWS + 1:  # a sheet that gives no dimension (not written by Excel)
                self.problems.append(_too_long(ws.title, ws.max_row))
                continue
            self.sheets[ws.title], formulas[ws.title] = self._sheet(ws)
        for chart in getattr(book, "chartsheets", []):
            if not chart.title.startswith("_"):
                self.problems.append(Problem(sheet_label(chart.title), "is a chart sheet; a case has data sheets only "
                                                                       "(start its name with '_' to keep it)"))
        if any(formulas.values()):
            self._formula_results(formulas)
        for sheet in (SETTINGS_SHEET, SCENARIOS_SHEET):  # settings and scenarios must be read whole
            self.problems += self.cell_problems.pop(sheet, [])

    def _sheet(self, ws) -> tuple[list[tuple[int, list[Any]]], dict[tuple[int, int], str]]:
        """The rows of one sheet with their values, and its formula cells (to be read for their results)."""
        for merged in sorted(ws.merged_cells.ranges, key=lambda r: (r.min_row, r.min_col)):
            self._refuse(ws.title, merged.min_row, f"cells {merged.coord} are merged; unmerge them and give each cell "
                                                   "its value (all but the first cell of a merged range read as blank)",
                         rows=range(merged.min_row, merged.max_row + 1))
        header: list[Any] = []
        rows: list[tuple[int, list[Any]]] = []
        formulas: dict[tuple[int, int], str] = {}
        for cells in ws.iter_rows():
            values = []
            for cell in cells:
                if cell.data_type == "f":
                    formulas[(cell.row, cell.column)] = str(cell.value)
                    values.append(None)  # its saved result is read later
                    continue
                value, why = _value(cell.value, cell.data_type)
                if why:
                    self._refuse(ws.title, cell.row, f"cell {cell.coordinate} {why}", _name(header, cell.column))
                values.append(value)
            if cells and cells[0].row == 1:
                header = values
            rows.append((cells[0].row if cells else len(rows) + 1, values))
        return rows, formulas

    def _formula_results(self, formulas: dict[str, dict[tuple[int, int], str]]) -> None:
        """Put each formula's saved result in its cell, or refuse the cell (no result, or an error)."""
        import openpyxl

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        try:
            for title, cells in formulas.items():
                if not cells:
                    continue
                rows = dict(self.sheets[title])
                last = max(r for r, _ in cells)
                for r, row in enumerate(book[title].iter_rows(max_row=last), start=1):
                    for cell in row:
                        key = (r, getattr(cell, "column", None))
                        if key not in cells:
                            continue
                        coordinate = f"{openpyxl.utils.get_column_letter(key[1])}{r}"
                        if cell.value is None:
                            why = (f"holds a formula ({cells[key][:60]}) with no saved result: the workbook was "
                                   "saved by a program that does not calculate; open it in Excel and save it, or "
                                   "paste the values")
                        else:
                            value, why = _value(cell.value, cell.data_type)
                            rows[r][key[1] - 1] = value
                        if why:
                            self._refuse(title, r, f"cell {coordinate} {why}", _name(self.sheets[title][0][1], key[1]))
        finally:
            book.close()

    def _refuse(self, sheet: str, row: int, why: str, column: str | None = None, rows=None) -> None:
        """A cell (or merged cells) that cannot be read: said, and its rows left out of the table."""
        self.cell_problems.setdefault(sheet, []).append(Problem(sheet_label(sheet), why, row=row, column=column))
        self.bad_rows.setdefault(sheet, set()).update(rows or [row])

    # --- what the loader asks for ---------------------------------------------------------------
    def table(self, name: str) -> tuple[list[str], list[tuple[int, list[str]]], list[Problem]] | None:
        """A table's header and ``(line, cells)`` rows as text, as a CSV file gives them, and the problems of its
        cells (their rows are left out); ``None`` if there is no such sheet."""
        rows = self.sheets.get(name)
        if rows is None:
            return None
        label = sheet_label(name)
        bad = self.bad_rows.get(name, set())
        header_values = rows[0][1] if rows and rows[0][0] == 1 else []
        header = [_text(v) for v in header_values]
        while header and not header[-1]:
            header.pop()
        if not header:
            return [], [], [Problem(label, "is empty; expected a header row of column names in row 1")]
        width, problems, body = len(header), list(self.cell_problems.get(name, [])), []
        for line, values in rows[1:]:
            cells = [_text(v) for v in values]
            if not any(cells) or line in bad:
                continue
            if any(cells[width:]):
                problems.append(Problem(label, f"a value beyond the last named column ({len(header)} named in row 1)",
                                        row=line))
                continue
            body.append((line, cells[:width] + [""] * (width - len(cells))))
        return header, body, problems

    def _settings(self) -> tuple[dict | None, dict[str, int]]:
        """The ``case`` sheet as case.yaml's mapping, and the row of each (dotted) setting."""
        from optimiser.case.config import CaseConfig

        label = sheet_label(SETTINGS_SHEET)
        if SETTINGS_SHEET not in self.sheets:
            self.problems.append(Problem(label, "sheet missing; a case workbook needs a 'case' sheet of settings "
                                                "(columns setting and value; cases/README.md)"))
            return None, {}
        rows = self._keyed(SETTINGS_SHEET, SETTINGS_COLUMNS, required=("setting", "value"))
        if rows is None:
            return None, {}
        known = leaf_settings(CaseConfig)
        data: dict = {}
        where: dict[str, int] = {}
        for line, row in rows:
            key, value = _text(row.get("setting")), row.get("value")
            if not key:
                if value is not None:
                    self.problems.append(Problem(label, "a value with no setting name", row=line, column="setting"))
                continue
            if key.split(".")[0] == "tables":
                self.problems.append(Problem(label, "a workbook's tables are its sheets, each named after its table; "
                                                    "remove this row", row=line, column="setting", value=key))
            elif key not in known:
                self.problems.append(Problem(label, "unknown setting; expected one of " + ", ".join(known),
                                             row=line, column="setting", value=key))
            elif key in where:
                self.problems.append(Problem(label, f"setting given twice (also in row {where[key]})", row=line,
                                             column="setting", value=key))
            else:
                where[key] = line
                if value is not None:
                    *path, last = key.split(".")
                    node = data
                    for part in path:
                        node = node.setdefault(part, {})
                    node[last] = value
        return data, where

    def _scenarios(self) -> dict[str, tuple[dict, list[int]]]:
        """Each scenario of the ``scenarios`` sheet as a scenario file's mapping, with the row of each change."""
        label = sheet_label(SCENARIOS_SHEET)
        found: dict[str, tuple[dict, list[int]]] = {}
        described: dict[str, int] = {}
        for line, row in self._keyed(SCENARIOS_SHEET, SCENARIO_COLUMNS, required=("scenario",)) or []:
            name = _text(row.get("scenario"))
            if not SCENARIO_NAME.fullmatch(name):
                self.problems.append(Problem(label, "expected the scenario's name on every row: letters, digits, '_', "
                                                    "'.' or '-' (it names its file when the case becomes a folder)",
                                             row=line, column="scenario", value=name or None))
                continue
            data, lines = found.setdefault(name, ({"changes": []}, []))
            description = _text(row.get("description"))
            if description and name in described:
                self.problems.append(Problem(label, f"a second description of scenario '{name}' (row {described[name]} "
                                                    "has one); give it once", row=line, column="description"))
            elif description:
                data["description"], described[name] = description, line
            change = {k: row[k] for k in ("setting", "table", "column", "set", "scale", "where") if k in row}
            if "where" in change:
                change["where"] = _where(_text(change["where"]))
                if not isinstance(change["where"], dict):
                    self.problems.append(Problem(label, "expected a YAML mapping of column to value, e.g. "
                                                        "{source: international} or {region: [london, north]}",
                                                 row=line, column="where", value=row["where"]))
                    continue
            if change:
                data["changes"].append(change)
                lines.append(line)
        return found

    def _keyed(self, sheet: str, columns: tuple[str, ...],
               required: tuple[str, ...]) -> list[tuple[int, dict[str, Any]]] | None:
        """Rows of a settings or scenarios sheet as ``(line, {column: value})``; ``None`` if the sheet is
        missing or its header is wrong (said in ``problems``)."""
        label = sheet_label(sheet)
        rows = self.sheets.get(sheet)
        if rows is None:
            return None
        header = [_text(v) for v in (rows[0][1] if rows and rows[0][0] == 1 else [])]
        while header and not header[-1]:
            header.pop()
        problems = [Problem(label, f"column missing; expected columns {', '.join(columns)}", column=c)
                    for c in required if c not in header]
        problems += [Problem(label, f"unknown column; expected one of: {', '.join(columns)}", column=c)
                     for c in header if c not in columns]
        problems += [Problem(label, "column given twice", column=c) for c in sorted({c for c in header
                                                                                    if header.count(c) > 1})]
        if problems:
            self.problems += problems
            return None
        out = []
        for line, values in rows[1:]:
            row = {c: v for c, v in zip(header, values) if c and v is not None and v != ""}
            if any(v is not None and v != "" for v in values[len(header):]):
                self.problems.append(Problem(label, "a value beyond the last named column", row=line))
                continue
            if row:
                out.append((line, row))
        return out


def _too_long(sheet: str, rows: int) -> Problem:
    return Problem(sheet_label(sheet), f"has {rows - 1:,} rows; tables are limited to {files.MAX_ROWS:,} rows "
                                       "(docs/guarantees.md)")


def _name(header: list[Any], column: int) -> str | None:
    """The name of a sheet's column (1 = A) from its header row, if it has one."""
    name = header[column - 1] if column <= len(header) else None
    return name if isinstance(name, str) and name else None


def _check_file(path: Path) -> Problem | None:
    """Why ``path`` cannot be read as a case workbook (not there, too large, not an .xlsx), or ``None``."""
    name = path.name
    if path.suffix.lower() in (".xls", ".ods"):
        return Problem(name, f"is an {'old Excel 97-2003' if path.suffix.lower() == '.xls' else 'OpenDocument'} "
                             f"workbook; {SAVE_XLSX}")
    if not path.exists():
        return Problem(name, "file not found; expected a case workbook (.xlsx) or a case folder")
    if not path.is_file():
        return Problem(name, "is not a regular file; expected a case workbook (.xlsx)")
    size = path.stat().st_size
    if size > files.MAX_FILE_BYTES:
        return Problem(name, f"is {size:,} bytes; case files are limited to {files.MAX_FILE_BYTES:,} bytes "
                             f"({files.MAX_FILE_BYTES / 2**20:,.0f} MiB; docs/guarantees.md)")
    with open(path, "rb") as f:
        start = f.read(4)
    if start == _OLE2:
        return Problem(name, f"is an old Excel 97-2003 workbook, or a password-protected one; {SAVE_XLSX}")
    if start != _ZIP:
        return Problem(name, f"is not an Excel workbook (an .xlsx file is a zip archive; this one is not); {SAVE_XLSX}")
    return None


def _value(value: Any, data_type: str) -> tuple[Any, str | None]:
    """A cell's value as plain Python, or why it cannot be used."""
    if data_type == "e":
        return None, f"holds the error {value}; expected a value"
    if isinstance(value, (dt.datetime, dt.date, dt.time, dt.timedelta)):
        return None, (f"holds a date or time ({value}); years are written as text, e.g. 2016/17: format the column "
                      "as Text and type the value again")
    if isinstance(value, str):
        return value.strip(), None
    if value is None or isinstance(value, (bool, int, float)):
        return value, None
    return None, f"holds a value of an unexpected kind ({type(value).__name__}); expected a number or text"


def _text(value: Any) -> str:
    """A cell's value as the text a CSV file would hold: whole numbers without a decimal point."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return number_text(value)
    return str(value)


def number_text(value: float) -> str:
    """A float as the shortest text that reads back as the same float (``1000000.0`` -> ``1000000``)."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _where(text: str):
    """A ``where`` cell: a YAML mapping, or the text itself when it is not one."""
    import yaml

    try:
        data = files.load_yaml(text)
    except yaml.YAMLError:
        return text
    return data if isinstance(data, dict) else text


def leaf_settings(model, prefix: str = "") -> dict[str, str]:
    """Each setting of case.yaml but its ``tables``, dotted, with its description and default."""
    names: dict[str, str] = {}
    for name, field in model.model_fields.items():
        if name == "tables":
            continue
        annotation = field.annotation
        if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
            names.update(leaf_settings(annotation, f"{prefix}{name}."))
        else:
            default = "" if field.is_required() else f" (default {'none' if field.default is None else repr(field.default)})"
            names[prefix + name] = (field.description or "") + ("; required" if field.is_required() else default)
    return names
