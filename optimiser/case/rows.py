"""Reading CSV tables and checking each row against its schema."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import TypeAdapter, ValidationError

from optimiser.case.files import check_path, parse_csv, read_text
from optimiser.case.problems import Problem
from optimiser.case.tables import TableSpec

#: Columns that record where each row came from, kept beside the data.
ORIGIN = ["_file", "_row"]

_ADAPTERS: dict[type, TypeAdapter] = {}


def read_csv(folder: Path, file: str, spec: TableSpec, named: bool = False) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read one table as text, checking that the file and its columns exist.

    ``named``: case.yaml names the file, so it must exist even if the table is optional.
    Returns the raw cells (all strings, blanks as ``""``) with origin columns, or ``None``
    when the table cannot be read.
    """
    path = folder / file
    if not path.exists() and not path.is_symlink() and not spec.required and not named:
        return None, []
    why = ("the '{}' table is required" if spec.required else "case.yaml names it for the '{}' table "
           "(tables.{}); fix the name, or remove the line to leave the table out").format(spec.name, spec.name)
    refused = check_path(folder, file, why)
    if refused is not None:
        return None, [refused]
    text, refused = read_text(path, file)
    if refused is not None:
        return None, [refused]
    header, rows, problems = parse_csv(text, file)
    if header is None:
        return None, problems
    df, found = table_frame(file, header, rows, spec)
    problems += found
    return (None, problems) if problems else (df, [])


def table_frame(file: str, header: list[str], rows: list[tuple[int, list[str]]],
                spec: TableSpec) -> tuple[pd.DataFrame | None, list[Problem]]:
    """The raw cells of a table (strings, with origin columns), or ``None`` and the problems of its header.

    ``file`` names where the table was read (a CSV file, or a workbook's sheet); ``rows`` are
    ``(line, cells)`` with line numbers as a spreadsheet shows them (the header is line 1).
    """
    problems: list[Problem] = []
    fields = spec.row.model_fields
    problems += [
        Problem(file, f"column missing; the '{spec.name}' table needs it ({fields[c].description})", column=c)
        for c, f in fields.items()
        if f.is_required() and c not in header
    ]
    problems += [
        Problem(file, f"unknown column; expected one of: {', '.join(fields)}", column=c)
        for c in header
        if c not in fields
    ]
    duplicated = sorted({c for c in header if header.count(c) > 1})
    problems += [Problem(file, "column given twice", column=c) for c in duplicated]
    if problems:
        return None, problems
    df = pd.DataFrame([cells for _, cells in rows], columns=header, dtype=object) if rows else \
        pd.DataFrame(columns=header, dtype=str)  # cells are text already (a CSV file's, or a sheet's as text)
    df["_file"] = file
    df["_row"] = [line for line, _ in rows]  # line numbers as a spreadsheet shows them; header is line 1
    return df, []


def validate_rows(df: pd.DataFrame, spec: TableSpec) -> tuple[pd.DataFrame, list[Problem]]:
    """Check every row against the table's pydantic model.

    Returns the typed rows that passed (with origin columns) and one problem per bad cell.
    """
    adapter = _ADAPTERS.setdefault(spec.row, TypeAdapter(list[spec.row]))
    columns = [c for c in df.columns if c not in ORIGIN]
    cells = [_cells(df[c]) for c in columns]
    records = [dict(zip(columns, row)) for row in zip(*cells)]
    problems: list[Problem] = []
    bad: set[int] = set()
    try:
        rows = adapter.validate_python(records)
    except ValidationError as exc:
        for err in exc.errors():
            i, column = err["loc"][0], (err["loc"][1] if len(err["loc"]) > 1 else None)
            bad.add(i)
            problems.append(
                Problem(
                    str(df["_file"].iat[i]),
                    _expected(err, spec, column),
                    row=int(df["_row"].iat[i]),
                    column=column,
                    value=err.get("input") if not isinstance(err.get("input"), dict) else None,
                )
            )
        keep = [i for i in range(len(records)) if i not in bad]
        rows = adapter.validate_python([records[i] for i in keep])
        df = df.iloc[keep]
    typed = pd.DataFrame(adapter.dump_python(rows), columns=list(spec.row.model_fields))  # a fresh 0..n-1 index
    for column in ORIGIN:  # one at a time: pandas sets a list of new columns much more slowly
        typed[column] = df[column].to_numpy(object if len(df) else None)
    return typed, problems


def _cells(column: pd.Series) -> list:
    """A column's cells for pydantic: missing (None, NaN) as None, the rest as they are."""
    values = column.to_numpy(object)
    missing = pd.isna(values)
    return np.where(missing, None, values).tolist() if missing.any() else values.tolist()


def _expected(err: dict, spec: TableSpec, column: str | None) -> str:
    """Turn a pydantic error into what the planner should have written."""
    field = spec.row.model_fields.get(column) if column else None
    what = field.description if field is not None and field.description else column or "a value"
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return f"empty cell; expected {what}"
    if kind in ("float_parsing", "float_type"):
        return f"not a number; expected {what}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"not a whole number; expected {what}"
    if kind in ("bool_parsing", "bool_type"):
        return f"expected true or false ({what})"
    if kind == "finite_number":
        return f"not a finite number; expected {what}"
    if kind == "greater_than_equal":
        return f"expected a value ≥ {ctx['ge']:g}: {what}"
    if kind == "greater_than":
        return f"expected a value > {ctx['gt']:g}: {what}"
    if kind == "less_than_equal":
        return f"expected a value ≤ {ctx['le']:g}: {what}"
    if kind == "literal_error":
        return f"expected one of {ctx['expected']}: {what}"
    if kind == "string_pattern_mismatch":
        return f"expected a code of letters, digits, '_', '.' or '-' with no spaces: {what}"
    if kind == "value_error":
        return "expected " + str(ctx.get("error", err["msg"])).removeprefix("Value error, ")
    return f"{err['msg']}; expected {what}"
