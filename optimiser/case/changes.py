"""Changes to a case: named scenarios (``scenarios/NAME.yaml``) and changes made from scripts."""
from __future__ import annotations

import re
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from optimiser.case.problems import Problem
from optimiser.case.tables import NATIONAL, TABLES

#: A scenario's name: its file's stem in scenarios/, never a path (or a row of a workbook's scenarios sheet).
SCENARIO_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


class Change(BaseModel):
    """One change: a ``setting`` of case.yaml, or a ``column`` of a ``table`` set or scaled."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    setting: str | None = Field(None, description="Dotted case.yaml field, e.g. discount_rate")
    table: str | None = Field(None, description="Table name, e.g. recruitment_pools")
    column: str | None = Field(None, description="Column of the table")
    set: Any = Field(None, description="New value")
    scale: float | None = Field(None, description="Factor to multiply the column by")
    where: dict[str, Any] = Field(default_factory=dict, description="Column (or region, family) -> value or list")

    @model_validator(mode="after")
    def _one_target(self):
        if (self.setting is None) == (self.table is None):
            raise ValueError("give either 'setting' or 'table' with 'column'")
        if self.table is not None and self.column is None:
            raise ValueError("a table change needs 'column'")
        if self.setting is not None and (self.scale is not None or self.where):
            raise ValueError("a setting takes 'set' only")
        if (self.set is None) == (self.scale is None):
            raise ValueError("give exactly one of 'set' or 'scale'")
        return self


class ScenarioFile(BaseModel):
    """A named scenario: a description and a list of changes applied in order."""

    model_config = ConfigDict(extra="forbid")

    description: str = ""
    changes: list[Change] = Field(min_length=1)


def parse_changes(data: Any, file: str) -> tuple[ScenarioFile | None, list[Problem]]:
    """Validate the structure of a scenario file."""
    try:
        return ScenarioFile.model_validate(data), []
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = err["loc"]
            row = int(loc[1]) + 1 if len(loc) > 1 and loc[0] == "changes" and isinstance(loc[1], int) else None
            column = str(loc[-1]) if loc and not isinstance(loc[-1], int) else None
            msg = err["msg"].removeprefix("Value error, ")
            problems.append(Problem(file, msg, row=row, column=column))
        return None, problems


def apply_setting(config: dict, change: Change, file: str, n: int) -> list[Problem]:
    """Set a (dotted) field of the case.yaml settings in place."""
    if change.setting in _FIXED_SETTINGS or change.setting.split(".")[0] == "tables":
        return [Problem(file, "cannot be changed by a scenario: the tables are read and resolved for the base case's "
                              "files and planning years; make a copy of the case instead",
                        row=n, column="setting", value=change.setting)]
    *path, last = change.setting.split(".")
    node = config
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            break
    if not isinstance(node, dict) or last not in _known_settings(path):
        return [Problem(file, "unknown setting; expected a case.yaml field such as discount_rate "
                              "or solver.time_limit_seconds", row=n, column="setting", value=change.setting)]
    node[last] = change.set
    return []


#: Settings fixed when the tables are resolved (``tables.*`` too): a change would leave them inconsistent.
_FIXED_SETTINGS = {"first_year", "last_year", "run_out_years", "tables"}


def _known_settings(path: list[str]) -> set[str]:
    from optimiser.case.config import CaseConfig

    model = CaseConfig
    for part in path:
        model = model.model_fields[part].annotation if part in model.model_fields else None
        if model is None or not hasattr(model, "model_fields"):
            return set()
    return set(model.model_fields)


def apply_table_change(
    tables: dict[str, pd.DataFrame], change: Change, file: str, n: int, region_of: dict[str, str], family_of: dict[str, str]
) -> list[Problem]:
    """Set or scale a column of the rows that match ``where``, in place in ``tables``."""
    def problem(expected, column=None, value=None):
        return [Problem(file, expected, row=n, column=column, value=value)]

    spec = TABLES.get(change.table)
    if spec is None:
        return problem(f"unknown table; expected one of {', '.join(TABLES)}", "table", change.table)
    df = tables.get(change.table)
    if df is None:
        return problem("this case has no such table to change", "table", change.table)
    columns = list(spec.row.model_fields)
    if change.column not in columns:
        return problem(f"unknown column of {change.table}; expected one of {', '.join(columns)}", "column", change.column)
    if change.column in spec.keys:
        return problem(f"'{change.column}' is a key of {change.table} and cannot be changed", "column", change.column)
    mask = pd.Series(True, index=df.index)
    for key, wanted in change.where.items():
        values = wanted if isinstance(wanted, list) else [wanted]
        wanted_text = {str(v) for v in values}
        if key in columns:
            column = df[key]
        elif key == "region":
            place = df["area"] if "area" in df.columns else df["scope"] if "scope" in df.columns else df.get("stp")
            if place is None:
                return problem(f"{change.table} has no STP, area or scope to find a region from", "where", key)
            column = place.map(lambda a: a if a in region_of.values() else region_of.get(a, NATIONAL))
        elif key == "family":
            if "staff_group" not in df.columns:
                return problem(f"{change.table} has no staff_group to find a family from", "where", key)
            column = df["staff_group"].map(family_of)
        else:
            return problem(f"unknown filter; expected a column of {change.table}, region or family", "where", key)
        mask &= column.map(lambda v: _text(v) in wanted_text)
    if not mask.any():
        return problem(f"'where' matches no row of {change.table}", "where", change.where)
    if change.scale is not None:
        current = pd.to_numeric(df.loc[mask, change.column], errors="coerce")
        if current.isna().any():
            return problem(f"column '{change.column}' holds values that are not numbers and cannot be scaled",
                           "column", change.column)
        new = current * change.scale
    else:
        new = change.set
    df = df.astype({change.column: object})
    df.loc[mask, change.column] = new
    df.loc[mask, "_file"] = file
    df.loc[mask, "_row"] = n
    tables[change.table] = df
    return []


def _text(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return "" if v is None else str(v)
