"""Reading CSV tables and checking each row against its schema."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from pydantic import TypeAdapter, ValidationError

from optimiser.case.problems import Problem
from optimiser.case.tables import TableSpec

#: Columns that record where each row came from, kept beside the data.
ORIGIN = ["_file", "_row"]

_ADAPTERS: dict[type, TypeAdapter] = {}


def read_csv(folder: Path, file: str, spec: TableSpec) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read one table as text, checking that the file and its columns exist.

    Returns the raw cells (all strings, blanks as ``""``) with origin columns, or ``None``
    when the table cannot be read.
    """
    path = folder / file
    if not path.is_file():
        if spec.required:
            return None, [Problem(file, f"file not found; the '{spec.name}' table is required")]
        return None, []
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True, encoding="utf-8-sig",
                         skip_blank_lines=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        return None, [Problem(file, f"could not be read as CSV: {exc}".strip())]
    df.columns = [c.strip() for c in df.columns]
    fields = spec.row.model_fields
    problems = [
        Problem(file, f"column missing; the '{spec.name}' table needs it ({fields[c].description})", column=c)
        for c, f in fields.items()
        if f.is_required() and c not in df.columns
    ]
    problems += [
        Problem(file, f"unknown column; expected one of: {', '.join(fields)}", column=c)
        for c in df.columns
        if c not in fields
    ]
    if problems:
        return None, problems
    df["_file"] = file
    df["_row"] = range(2, len(df) + 2)  # line numbers as a spreadsheet shows them; header is line 1
    # blank lines (or only commas) are skipped, keeping the line numbers of the rows after them
    filled = [bool("".join(v for v in cells if isinstance(v, str)).strip()) for cells in df.drop(columns=ORIGIN).to_numpy()]
    return df[pd.Series(filled, index=df.index, dtype=bool)].reset_index(drop=True), []


def validate_rows(df: pd.DataFrame, spec: TableSpec) -> tuple[pd.DataFrame, list[Problem]]:
    """Check every row against the table's pydantic model.

    Returns the typed rows that passed (with origin columns) and one problem per bad cell.
    """
    adapter = _ADAPTERS.setdefault(spec.row, TypeAdapter(list[spec.row]))
    data = df.drop(columns=ORIGIN)
    records = [{k: _none_if_missing(v) for k, v in r.items()} for r in data.to_dict("records")]
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
    columns = list(spec.row.model_fields)
    typed = pd.DataFrame([r.model_dump() for r in rows], columns=columns)
    typed[ORIGIN] = df[ORIGIN].to_numpy() if len(df) else df[ORIGIN]
    return typed.reset_index(drop=True), problems


def _none_if_missing(v):
    return None if v is None or (isinstance(v, float) and pd.isna(v)) else v


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
