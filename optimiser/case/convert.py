"""Writing a case as a folder of CSV files or as one workbook (``optimiser convert``, ``optimiser new-case``).

A case is read (and fully checked: base case and every scenario) into :class:`CaseContent`, its
settings, tables and scenarios *as given* (before broadcasting), and written in the other form.
Both forms load to the same case: the same settings, the same rows in the same order, the same
scenarios, so the same case sha256 (``Case.content_hash``). What is not case content is not
carried: YAML comments, the formatting of numbers (``0.50`` is written ``0.5``), a folder's other
files (SOURCES.md, uncertainty.yaml) and a workbook's own ``_`` sheets.
"""
from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import pandas as pd
import yaml

from optimiser.case.config import CaseConfig
from optimiser.case.load import case_source, read_scenario, read_tables, resolved_case, with_scenario
from optimiser.case.tables import TABLES
from optimiser.case.workbook import (SCENARIO_COLUMNS, SCENARIOS_SHEET, SETTINGS_COLUMNS, SETTINGS_SHEET,
                                     leaf_settings)

#: Excel's longest text in a cell (characters).
MAX_CELL_CHARS = 32_767
#: Rows of a sheet that a code column's drop-down list covers (data validation).
VALIDATED_ROWS = 20_000


@dataclass
class CaseContent:
    """A case as given: what both a folder and a workbook hold.

    Attributes:
        settings: case.yaml's settings that the case gives (nested, without ``tables``).
        tables: each table present: its cells as written (text; blank ``""``), its columns and rows in the
            order given.
        typed: the same cells as the values they were read as (numbers, text, true/false).
        scenarios: each scenario as a scenario file's mapping (``description``, ``changes``).
        notes: files of the source that are not case content and are not carried (for the planner).
    """

    settings: dict
    tables: dict[str, pd.DataFrame]
    typed: dict[str, pd.DataFrame]
    scenarios: dict[str, dict]
    notes: list[str]


def read_content(path: str | Path) -> CaseContent:
    """Read and check a case (the base case and every scenario) as given.

    Raises:
        CaseError: the case, or one of its scenarios, is not valid.
    """
    source = case_source(path)
    given: dict[str, pd.DataFrame] = {}
    config, tables = read_tables(source, given=given)
    base = resolved_case(source, config, tables)
    scenarios = {}
    for name in source.scenario_names():
        with_scenario(base, source, name)  # a scenario that does not apply is refused here, not written
        parsed, _, _ = read_scenario(source, name)
        scenarios[name] = parsed.model_dump(mode="json", exclude_defaults=True)
    settings = config.model_dump(mode="json", exclude_unset=True, exclude={"tables"})
    typed = {name: tables[name][list(df.columns)] for name, df in given.items()}
    folder = Path(path)
    read = {"case.yaml", "scenarios"} | {getattr(config.tables, name) for name in tables}
    notes = sorted(p.name for p in folder.iterdir() if p.name not in read) if folder.is_dir() else []
    return CaseContent(settings, given, typed, scenarios, notes)


def _cells(content: CaseContent, name: str) -> list[list[Any]]:
    """A table's rows as workbook cells: blank where the case has a blank, else the value it was read as."""
    text, typed = content.tables[name], content.typed[name]
    columns = [[None if t == "" else v for t, v in zip(text[c].tolist(), typed[c].tolist())] for c in text.columns]
    return [list(row) for row in zip(*columns)] if columns else []


# --- a folder --------------------------------------------------------------------------------------
def write_folder(content: CaseContent, dest: Path, extra: dict[str, str] | None = None) -> None:
    """Write a case folder: case.yaml, a CSV file per table, scenarios/NAME.yaml (and ``extra`` files).

    The folder appears whole or not at all: it is written beside ``dest`` and then renamed.
    """
    files: dict[str, str] = {"case.yaml": _yaml(content.settings)}
    for name, df in content.tables.items():
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(list(df.columns))
        writer.writerows(df.itertuples(index=False))
        files[f"{name}.csv"] = buf.getvalue()
    for name, scenario in content.scenarios.items():
        files[f"scenarios/{name}.yaml"] = _yaml(scenario)
    files.update(extra or {})
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        for file, text in files.items():
            (tmp / file).parent.mkdir(parents=True, exist_ok=True)
            (tmp / file).write_text(text, encoding="utf-8")
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it 0700
        os.rename(tmp, dest)  # an empty dest is replaced; a full one is refused by the caller
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class _Dumper(yaml.SafeDumper):
    """YAML as a planner writes it: whole numbers without ``.0``, long texts folded (``>-``)."""


_Dumper.add_representer(float, lambda d, v: d.represent_int(int(v)) if v.is_integer() and abs(v) < 1e15
                        else yaml.SafeDumper.represent_float(d, v))
_Dumper.add_representer(str, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", v,
                                                             style=">" if len(v) > 80 and "\n" not in v else None))


def _yaml(data: dict) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


# --- a workbook ------------------------------------------------------------------------------------
def write_workbook(content: CaseContent, dest: Path, about: list[str] | None = None) -> None:
    """Write a case workbook (layout: optimiser/case/workbook.py): an ``_about`` sheet, the ``case`` sheet,
    a sheet per table with drop-down lists for codes, and the ``scenarios`` sheet; written atomically.

    Raises:
        ValueError: a text longer than an Excel cell holds.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from optimiser.export.atomic import write_atomic

    book = Workbook()
    notes = book.active
    notes.title = "_about"
    for line in (about or []) + ABOUT + _column_docs():
        notes.append([line] if isinstance(line, str) else line)
    notes.column_dimensions["A"].width = 24

    settings = book.create_sheet(SETTINGS_SHEET)
    settings.append(list(SETTINGS_COLUMNS))
    for key, description in leaf_settings(CaseConfig).items():
        node: Any = content.settings
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        _append(settings, [key, node, description])
    _header(settings, [36, 24, 100], Font)

    for name, df in content.tables.items():
        sheet = book.create_sheet(name)
        sheet.append(list(df.columns))
        for row in _cells(content, name):
            _append(sheet, row)
        _header(sheet, [max(14, len(c) + 2) for c in df.columns], Font)
        for column, field in TABLES[name].row.model_fields.items():
            if column in df.columns:
                sheet.cell(1, list(df.columns).index(column) + 1).comment = _comment(field.description)
        _drop_downs(sheet, name, list(df.columns), content.tables)

    scenarios = book.create_sheet(SCENARIOS_SHEET)
    scenarios.append(list(SCENARIO_COLUMNS))
    for name, scenario in content.scenarios.items():
        for i, change in enumerate(scenario["changes"]):
            where = change.get("where")
            _append(scenarios, [name, scenario.get("description") if i == 0 else None] + [
                change.get(k) for k in ("setting", "table", "column", "set", "scale")]
                + [yaml.safe_dump(where, default_flow_style=True, width=10**6).strip() if where else None])
    _header(scenarios, [22, 40, 22, 22, 26, 14, 10, 40], Font)

    buf = io.BytesIO()
    book.save(buf)
    write_atomic(dest, buf.getvalue())


def _append(sheet, values: list[Any]) -> None:
    """A row of values; text stays text (``=x`` is not a formula, ``2016/17`` not a date)."""
    for value in values:
        if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
            raise ValueError(f"a text of {len(value):,} characters in '{sheet.title}' is longer than an Excel cell "
                             f"holds ({MAX_CELL_CHARS:,}); shorten it, or keep the case as a folder")
        if value is not None and not isinstance(value, (str, bool, int, float)):
            raise ValueError(f"a value of an unexpected kind ({type(value).__name__}) in '{sheet.title}'")
    sheet.append(values)
    for cell, value in zip(sheet[sheet.max_row], values):
        if isinstance(value, str):
            cell.data_type = "s"


def _header(sheet, widths: list[int], font) -> None:
    from openpyxl.utils import get_column_letter

    for i, width in enumerate(widths, start=1):
        sheet.cell(1, i).font = font(bold=True)
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"


def _comment(text: str | None):
    from openpyxl.comments import Comment

    return Comment(text or "", "optimiser", width=300, height=80)


#: Code columns and the table whose codes they take (a drop-down list of that sheet's first column).
CODE_OF = {"region": "regions", "stp": "stps", "staff_group": "staff_groups", "source_group": "staff_groups",
           "mentor_group": "staff_groups", "programme": "programmes", "source": "recruitment_sources"}


def _drop_downs(sheet, name: str, columns: list[str], tables: dict[str, pd.DataFrame]) -> None:
    """Data validation: codes from their table's sheet, and the fixed words (family, lever, kind, measure)."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    fields = TABLES[name].row.model_fields
    for i, column in enumerate(columns, start=1):
        words = [a for a in get_args(fields[column].annotation) if isinstance(a, str)] or \
            [a for arg in get_args(fields[column].annotation) for a in get_args(arg) if isinstance(a, str)]
        source = CODE_OF.get(column)
        if name == "targets" or (source == name and column == TABLES[name].keys[0]):
            continue  # targets' filters are lists (a;b); a table's own key is where its codes are made
        if words:
            formula = '"' + ",".join(words) + '"'
        elif source in tables:
            formula = f"={source}!$A$2:$A${VALIDATED_ROWS}"
        else:
            continue
        rule = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                              errorTitle="Not a known code",
                              error=f"{column}: expected one of the {'values listed' if words else source + ' codes'}")
        letter = get_column_letter(i)
        rule.add(f"{letter}2:{letter}{VALIDATED_ROWS}")
        sheet.add_data_validation(rule)


ABOUT = [
    "A case workbook for the NHS mental health workforce optimiser (cases/README.md, 'A case as one workbook').",
    "",
    "case: the settings of case.yaml, one per row (setting, value); a blank value takes the default in the "
    "description column. Nested settings are dotted (solver.name).",
    "One sheet per table, named as the table, with the columns of its CSV file (below); row 1 names the columns. "
    "Hover over a column name for what it holds.",
    "scenarios: one row per change of a scenario (scenario, description, setting or table and column, set or "
    "scale, where as a YAML mapping such as {source: international}); a scenario's changes apply in order.",
    "Sheets whose names start with _ (like this one) are yours: they are not read. Any other sheet is refused.",
    "Cells hold values: numbers, text, TRUE/FALSE, or formulas with their saved result. Merged cells, error "
    "cells and dates are refused; write years as text, e.g. 2016/17.",
    "",
]


def _column_docs() -> list[list[str]]:
    rows: list[list[str]] = [["table", "column", "required", "meaning"]]
    for name, spec in TABLES.items():
        for column, field in spec.row.model_fields.items():
            rows.append([name + ("" if spec.required else " (optional table)"), column,
                         "yes" if field.is_required() else "no", field.description or ""])
    return rows

