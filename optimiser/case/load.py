"""Load a case folder, or a case workbook, into a validated :class:`Case`."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable

import pandas as pd
import yaml
from pydantic import ValidationError

from optimiser.case.broadcast import area_members, broadcast
from optimiser.case.changes import SCENARIO_NAME, Change, ScenarioFile, apply_setting, apply_table_change, parse_changes
from optimiser.case.checks import CROSS_CHECKED, check_case, check_resolved
from optimiser.case.config import CaseConfig
from optimiser.case.files import check_path, load_yaml, read_text
from optimiser.case.problems import CaseError, Problem
from optimiser.case.rows import ORIGIN, read_csv, table_frame, validate_rows
from optimiser.case.tables import TABLES
from optimiser.case.workbook import SCENARIOS_SHEET, SETTINGS_SHEET, Workbook, is_workbook, sheet_label


@dataclass(frozen=True)
class Case:
    """A validated allocation case.

    Attributes:
        config: the settings from case.yaml (after scenario changes).
        tables: every table present, resolved: parameter tables hold one row per STP
            (column ``area`` is the STP), limit tables one row per year. Columns ``_file`` and
            ``_row`` say where each row came from.
        folder: the case folder, or the case workbook.
        scenario: the scenario applied, or ``None``.
    """

    config: CaseConfig
    tables: dict[str, pd.DataFrame]
    folder: Path
    scenario: str | None = None
    changes: tuple[Change, ...] = field(default=())

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def years(self) -> list[str]:
        """Planning year labels, first to last."""
        return self.config.years

    @property
    def model_years(self) -> list[str]:
        """Planning years, then run-out years (MODEL.md §13)."""
        return self.config.model_years

    def table(self, name: str) -> pd.DataFrame:
        """A resolved table without its origin columns (empty if the case has none)."""
        df = self.tables.get(name)
        if df is None:
            return pd.DataFrame(columns=list(TABLES[name].row.model_fields))
        return df.drop(columns=ORIGIN)

    @cached_property
    def content_hash(self) -> str:
        """sha256 of the case content after changes: settings and every resolved table, the same for a case
        folder and its workbook (file and sheet names are not content)."""
        digest = hashlib.sha256()
        settings = self.config.model_dump(mode="json", exclude={"tables"})  # where tables are read is not content
        digest.update(json.dumps(settings, sort_keys=True).encode())
        for name in sorted(self.tables):
            digest.update(name.encode())
            digest.update(self.table(name).to_csv(index=False, lineterminator="\n").encode())
        return digest.hexdigest()

    def with_changes(self, changes: Iterable[Change | dict], label: str = "case changes") -> "Case":
        """A new case with ``changes`` applied (the same form as a scenario's); this one is unchanged.

        Raises:
            CaseError: if a change is malformed or the changed case is not valid.
        """
        parsed, problems = parse_changes({"changes": [c if isinstance(c, dict) else c.model_dump(exclude_none=True)
                                                      for c in changes]}, label)
        if problems:
            raise CaseError(problems)
        config, tables = _apply(self.config, self.tables, parsed.changes, label)
        return replace(self, config=config, tables=tables, changes=self.changes + tuple(parsed.changes))


def load_case(path: str | Path, scenario: str | None = None, run_out_years: int | None = None) -> Case:
    """Read, validate and resolve a case (a folder, or one workbook), optionally with a named scenario.

    Args:
        path: the case folder (holding case.yaml), or a case workbook (``.xlsx``; cases/README.md).
        scenario: name of a file ``scenarios/NAME.yaml`` in the folder (of the workbook's ``scenarios`` sheet).
        run_out_years: instead of case.yaml's ``run_out_years`` (MODEL.md §13); 0 plans the target
            years alone (quicker, but prices nothing after them).

    Raises:
        CaseError: listing every problem found, each with its file (or sheet), row and column.
    """
    source = case_source(path)
    case = resolved_case(source, *read_tables(source, run_out_years))
    return case if scenario is None else with_scenario(case, source, scenario)


def resolved_case(source: "CaseFolder | CaseWorkbook", config: CaseConfig, tables: dict[str, pd.DataFrame]) -> Case:
    """The base case of ``read_tables``' output, its tables broadcast and checked."""
    tables = _resolve(config, tables)
    problems = check_resolved(tables, config)
    if problems:
        raise CaseError(problems)
    return Case(config=config, tables=tables, folder=source.path)


def read_scenario(source: "CaseFolder | CaseWorkbook", name: str) -> tuple[ScenarioFile, str, list[int] | None]:
    """A scenario's changes, checked for their form; where they were read; the row of each (workbook)."""
    data, file, rows = source.scenario(name)
    parsed, problems = parse_changes(data, file)
    if problems:
        raise CaseError([replace(p, row=rows[p.row - 1]) if rows and p.row else p for p in problems])
    return parsed, file, rows


def with_scenario(case: Case, source: "CaseFolder | CaseWorkbook", name: str) -> Case:
    """``case`` (a base case) with the scenario ``name`` of its source applied and checked."""
    parsed, file, rows = read_scenario(source, name)
    config, tables = _apply(case.config, case.tables, parsed.changes, file, rows)
    return replace(case, config=config, tables=tables, scenario=name, changes=tuple(parsed.changes))


def read_tables(source: "CaseFolder | CaseWorkbook", run_out_years: int | None = None,
                given: dict[str, pd.DataFrame] | None = None) -> tuple[CaseConfig, dict[str, pd.DataFrame]]:
    """The settings and the typed tables of a case as given (before broadcasting), checked.

    ``given``: if a dict, it receives each table's cells as written (text, the columns given).

    Raises:
        CaseError: listing every problem found.
    """
    problems: list[Problem] = []
    raw, found = source.settings()
    problems += found
    if raw is None:
        raise CaseError(problems)
    if run_out_years is not None:
        raw = {**raw, "run_out_years": run_out_years}
    try:
        config = CaseConfig.model_validate(raw)
    except ValidationError as exc:
        raise CaseError(problems + [source.config_problem(err) for err in exc.errors()]) from None

    tables: dict[str, pd.DataFrame] = {}
    incomplete: set[str] = set()  # tables with rows left out for bad cells
    for name, spec in TABLES.items():
        df, found = source.table(config, name, spec)
        problems += found
        if df is not None:
            if given is not None:
                given[name] = df.drop(columns=ORIGIN)
            tables[name], invalid = validate_rows(df, spec)
            problems += invalid
            if found or invalid:  # rows left out: a workbook's unreadable cells, or bad values
                incomplete.add(name)
    if any(TABLES[n].required and n not in tables for n in TABLES):
        raise CaseError(problems)
    problems += check_case(config, tables, frozenset(incomplete), source.settings_file)  # with the row problems
    if problems:
        raise CaseError(problems)
    return config, tables


def case_source(path: str | Path) -> "CaseFolder | CaseWorkbook":
    """Where a case is read from: a workbook for a path ending ``.xlsx`` (or another spreadsheet), else a folder."""
    path = Path(path)
    return CaseWorkbook(path) if is_workbook(path) else CaseFolder(path)


class CaseFolder:
    """A case folder: case.yaml, a CSV file per table, scenarios/NAME.yaml."""

    settings_file = "case.yaml"

    def __init__(self, path: Path):
        self.path = path

    def settings(self) -> tuple[dict | None, list[Problem]]:
        problems: list[Problem] = []
        return _read_yaml(self.path / "case.yaml", "case.yaml", problems), problems

    def config_problem(self, err: dict) -> Problem:
        return _config_problem(err, "case.yaml")

    def table(self, config: CaseConfig, name: str, spec) -> tuple[pd.DataFrame | None, list[Problem]]:
        return read_csv(self.path, getattr(config.tables, name), spec, name in config.tables.model_fields_set)

    def scenario_names(self) -> list[str]:
        return sorted(p.stem for p in (self.path / "scenarios").glob("*.yaml"))

    def scenario(self, name: str) -> tuple[dict, str, None]:
        """A scenario file's mapping and its file name (its changes are numbered 1, 2, ...)."""
        _check_scenario_name(name, self)
        file = f"scenarios/{name}.yaml"
        problems: list[Problem] = []
        data = _read_yaml(self.path / file, file, problems)
        if data is None:
            raise CaseError(problems)
        return data, file, None


class CaseWorkbook:
    """A case workbook: a ``case`` sheet of settings, a sheet per table, a ``scenarios`` sheet."""

    settings_file = sheet_label(SETTINGS_SHEET)

    def __init__(self, path: Path):
        self.path = path
        self.book = Workbook(path)

    def settings(self) -> tuple[dict | None, list[Problem]]:
        settings = self.book.settings  # with the workbook's problems, reported with those of the tables
        if settings is None:
            return None, self.book.problems
        return {**settings, "tables": {name: sheet_label(name) for name in TABLES}}, self.book.problems

    def config_problem(self, err: dict) -> Problem:
        p = _config_problem(err, self.settings_file)
        if err["type"] == "missing":
            return replace(p, expected=f"setting missing; the '{SETTINGS_SHEET}' sheet needs a row for it")
        row = self.book.setting_rows.get(p.column)
        return replace(p, row=row, column="value", expected=f"{p.column}: {p.expected}") if row else p

    def table(self, config: CaseConfig, name: str, spec) -> tuple[pd.DataFrame | None, list[Problem]]:
        read = self.book.table(name)
        if read is None:
            return None, ([Problem(sheet_label(name), f"sheet missing; the '{name}' table is required")]
                          if spec.required else [])
        header, rows, problems = read
        if not header:
            return None, problems
        df, found = table_frame(sheet_label(name), header, rows, spec)
        return df, problems + found

    def scenario_names(self) -> list[str]:
        return sorted(self.book.scenarios)

    def scenario(self, name: str) -> tuple[dict, str, list[int]]:
        """A scenario's mapping, the sheet's label and the row of each of its changes."""
        _check_scenario_name(name, self)
        if name not in self.book.scenarios:
            raise CaseError([Problem("--scenario", f"no scenario of this name in the '{SCENARIOS_SHEET}' sheet; "
                                                   f"scenarios available: {', '.join(self.scenario_names()) or 'none'}",
                                     value=name)])
        data, rows = self.book.scenarios[name]
        return data, sheet_label(SCENARIOS_SHEET), rows


def list_scenarios(path: str | Path) -> list[str]:
    """Names of the scenarios shipped in a case folder (or workbook)."""
    return case_source(path).scenario_names()


def _check_scenario_name(name: str, source) -> None:
    if not SCENARIO_NAME.fullmatch(name):
        available = ", ".join(source.scenario_names()) or "none"
        raise CaseError([Problem("--scenario", "a scenario is named by its file in the case's scenarios/ folder, "
                                               f"without folders or '..'; scenarios available: {available}",
                                 value=name[:80])])


def _resolve(config: CaseConfig, tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    members = area_members(tables["stps"])
    return {name: broadcast(df, TABLES[name], members, config.years, config.run_out) for name, df in tables.items()}


def _apply(config: CaseConfig, tables: dict[str, pd.DataFrame], changes: list[Change], file: str,
           rows: list[int] | None = None):
    """Apply changes in order, then validate the changed case like a base case (the checks across rows and
    tables only if a change is a setting or a column they read). ``rows``: the row of each change in a
    workbook's scenarios sheet (else changes are numbered 1, 2, ...)."""
    settings = config.model_dump()
    tables = dict(tables)
    region_of = dict(zip(tables["stps"]["stp"], tables["stps"]["region"]))
    region_of.update({r: r for r in tables["regions"]["region"]})
    family_of = dict(zip(tables["staff_groups"]["staff_group"], tables["staff_groups"]["family"]))
    problems: list[Problem] = []
    changed: set[str] = set()
    numbers = rows or list(range(1, len(changes) + 1))
    for n, change in zip(numbers, changes):
        if change.setting is not None:
            problems += apply_setting(settings, change, file, n)
        else:
            found = apply_table_change(tables, change, file, n, region_of, family_of)
            problems += found
            if not found:
                changed.add(change.table)
    try:
        new_config = CaseConfig.model_validate(settings)
    except ValidationError as exc:
        number = {c.setting: n for n, c in zip(numbers, changes) if c.setting is not None}
        problems += [replace(p, row=number.get(p.column)) for p in (_config_problem(err, file) for err in exc.errors())]
        new_config = config
    for name in sorted(changed):
        tables[name], found = validate_rows(tables[name], TABLES[name])
        problems += found
    if not problems and any(c.setting is not None or c.column in CROSS_CHECKED for c in changes):
        problems += check_case(new_config, tables) + check_resolved(tables, new_config)
    if problems:
        raise CaseError(problems)
    return new_config, _resolve(new_config, tables)


def _read_yaml(path: Path, file: str, problems: list[Problem]) -> Any:
    folder = path.parent if file == "case.yaml" else path.parent.parent
    what = ("a case folder needs case.yaml (or give a case workbook, .xlsx)" if file == "case.yaml" else
            f"scenarios available: {', '.join(list_scenarios(folder)) or 'none'}")
    refused = check_path(folder, file, what)
    if refused is None:
        text, refused = read_text(path, file)
    if refused is not None:
        problems.append(refused)
        return None
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        problems.append(Problem(file, f"could not be read as YAML: {exc}"))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(file, "expected a YAML mapping of field: value"))
        return None
    return data


def _config_problem(err: dict, file: str) -> Problem:
    column = ".".join(str(p) for p in err["loc"])
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "missing":
        msg = "field missing; case.yaml needs it"
    elif err["type"] == "extra_forbidden":
        msg = "unknown field"
    value = err.get("input") if err["type"] not in ("missing",) and not isinstance(err.get("input"), dict) else None
    return Problem(file, msg, column=column, value=value)
