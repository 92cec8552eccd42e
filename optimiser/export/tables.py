"""The solution's tables as files for dashboards and spreadsheets: CSV, Parquet and an Excel workbook.

Every table has the columns of its records in ``solution.json`` (schema 2.0: the same names as the
Python ``Solution`` tables, codes with their names beside them). ``datapackage.json`` (the shape of a
Frictionless tabular data package) names each file written and its columns, with their types and units.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import get_args, get_origin

import pandas as pd
from pydantic import BaseModel

from optimiser.export import solution as schema
from optimiser.export.atomic import write_atomic
from optimiser.extras import require

#: Table -> (where its records are in solution.json, the record's model).
TABLES: dict[str, tuple[tuple[str, ...], type[BaseModel]]] = {
    "targets": (("targets",), schema.TargetResult),
    "workforce": (("workforce",), schema.WorkforceRow),
    "allocations": (("allocations",), schema.Allocation),
    "costs": (("costs", "by_lever_year_region"), schema.CostLine),
    "plan_checks": (("plan_checks",), schema.PlanCheckResult),
    "unused_levers": (("unused_levers",), schema.UnusedLever),
    "constraints": (("constraints",), schema.ConstraintRow),
}
FORMATS = ("json", "csv", "parquet", "xlsx")
MANIFEST = "datapackage.json"


def _type(annotation) -> str:
    """A pydantic field's type as a Frictionless field type."""
    args = [a for a in get_args(annotation) if a is not type(None)] if get_origin(annotation) is not None else [annotation]
    if get_origin(annotation) is list or any(get_origin(a) is list for a in args):
        return "string"  # lists (plan check offenders) are written as '; '-joined text
    first = args[0] if args else annotation
    return {bool: "boolean", int: "integer", float: "number"}.get(first, "string")


def fields(model: type[BaseModel], columns: list[str]) -> list[dict]:
    """Each column's name, type and description (with its unit), from the schema's model."""
    out = []
    for c in columns:
        f = model.model_fields.get(c)
        out.append({"name": c, "type": _type(f.annotation) if f else "string",
                    **({"description": f.description} if f is not None and f.description else {})})
    return out


def solution_tables(solution: dict) -> dict[str, pd.DataFrame]:
    """The solution's tables, each with exactly its model's columns in schema order (empty tables too).

    ``constraints`` is left out when the solution was written without it (``--no-constraints``).
    """
    out = {}
    for name, (where, model) in TABLES.items():
        records = solution
        for key in where:
            records = records.get(key) if isinstance(records, dict) else None
        if records is None and name == "constraints":
            continue
        columns = list(model.model_fields)
        df = pd.DataFrame.from_records(records or [], columns=columns)
        for c in columns:
            if df[c].map(lambda v: isinstance(v, list)).any():
                df[c] = df[c].map(lambda v: "; ".join(map(str, v)) if isinstance(v, list) else v)
        out[name] = df
    return out


def write_tables(solution: dict, folder: Path, formats: list[str]) -> list[Path]:
    """Write the solution's tables beside ``solution.json`` in ``formats`` (``csv``, ``parquet``, ``xlsx``),
    and ``datapackage.json`` naming each CSV and Parquet file and its columns. Returns the paths written.

    Raises:
        MissingExtra: ``parquet`` without pyarrow installed (nothing is written then).
    """
    if "parquet" in formats:
        pyarrow_or_raise()
    tables = solution_tables(solution)
    written: list[Path] = []
    resources = []
    for fmt in ("csv", "parquet"):
        if fmt not in formats:
            continue
        for name, df in tables.items():
            path = folder / f"{name}.{fmt}"
            if fmt == "csv":
                write_atomic(path, df.to_csv(index=False, lineterminator="\n"))
            else:
                write_atomic(path, lambda tmp, df=df: df.to_parquet(tmp, engine="pyarrow", index=False))
            written.append(path)
            resources.append({"name": f"{name}_{fmt}", "table": name, "path": path.name, "format": fmt,
                              **({"mediatype": "text/csv", "encoding": "utf-8"} if fmt == "csv" else {}),
                              "schema": {"fields": fields(TABLES[name][1], list(df.columns))}})
    if "xlsx" in formats:
        from optimiser.export.workbook import solution_workbook

        written.append(write_atomic(folder / "solution.xlsx", lambda tmp: solution_workbook(solution, tables).save(tmp)))
    if resources:
        case = solution.get("case") or {}
        manifest = {"profile": "tabular-data-package", "name": _package_name(case),
                    "title": case.get("description") or case.get("name"),
                    "schema_version": solution.get("schema_version"),
                    "case": {k: case.get(k) for k in ("name", "scenario", "sha256")},
                    "engine": solution.get("engine"), "solver": {k: (solution.get("solver") or {}).get(k)
                                                                 for k in ("name", "version", "status")},
                    "resources": resources}
        written.append(write_atomic(folder / MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False) + "\n"))
    return written


def _package_name(case: dict) -> str:
    """A data package name: lower case, digits, '-', '_' and '.'."""
    name = str(case.get("name") or "solution") + (f"-{case['scenario']}" if case.get("scenario") else "")
    return "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in name.lower())


def pyarrow_or_raise() -> None:
    require("pyarrow", "parquet", "--format parquet")


def parse_formats(text: str) -> list[str]:
    """``json,xlsx,csv`` as a list; raise ValueError naming an unknown format."""
    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown format {', '.join(unknown)}; expected a comma-separated list of {', '.join(FORMATS)}")
    return list(dict.fromkeys(formats))
