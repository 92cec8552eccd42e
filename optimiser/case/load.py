"""Load a case folder into a validated :class:`Case`."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable

import pandas as pd
import yaml
from pydantic import ValidationError

from optimiser.case.broadcast import area_members, broadcast
from optimiser.case.changes import Change, apply_setting, apply_table_change, parse_changes
from optimiser.case.checks import check_case, check_resolved
from optimiser.case.config import CaseConfig
from optimiser.case.files import check_path, load_yaml, read_text
from optimiser.case.problems import CaseError, Problem
from optimiser.case.rows import ORIGIN, read_csv, validate_rows
from optimiser.case.tables import TABLES


@dataclass(frozen=True)
class Case:
    """A validated allocation case.

    Attributes:
        config: the settings from case.yaml (after scenario changes).
        tables: every table present, resolved: parameter tables hold one row per STP
            (column ``area`` is the STP), limit tables one row per year. Columns ``_file`` and
            ``_row`` say where each row came from.
        folder: the case folder.
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
        """sha256 of the case content after changes: settings and every resolved table."""
        digest = hashlib.sha256()
        digest.update(json.dumps(self.config.model_dump(mode="json"), sort_keys=True).encode())
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
    """Read, validate and resolve a case folder, optionally with a named scenario.

    Args:
        path: the case folder (holding case.yaml).
        scenario: name of a file ``scenarios/NAME.yaml`` in the folder.
        run_out_years: instead of case.yaml's ``run_out_years`` (MODEL.md §13); 0 plans the target
            years alone (quicker, but prices nothing after them).

    Raises:
        CaseError: listing every problem found, each with its file, row and column.
    """
    folder = Path(path)
    problems: list[Problem] = []
    raw = _read_yaml(folder / "case.yaml", "case.yaml", problems)
    if raw is None:
        raise CaseError(problems)
    if run_out_years is not None and isinstance(raw, dict):
        raw = {**raw, "run_out_years": run_out_years}
    try:
        config = CaseConfig.model_validate(raw)
    except ValidationError as exc:
        raise CaseError([_config_problem(err, "case.yaml") for err in exc.errors()]) from None

    tables: dict[str, pd.DataFrame] = {}
    incomplete: set[str] = set()  # tables with rows left out for bad cells
    for name, spec in TABLES.items():
        df, found = read_csv(folder, getattr(config.tables, name), spec, name in config.tables.model_fields_set)
        problems += found
        if df is not None:
            tables[name], found = validate_rows(df, spec)
            problems += found
            if found:
                incomplete.add(name)
    if any(TABLES[n].required and n not in tables for n in TABLES):
        raise CaseError(problems)
    problems += check_case(config, tables, frozenset(incomplete))  # in the same pass as the row problems
    if problems:
        raise CaseError(problems)
    tables = _resolve(config, tables)
    problems += check_resolved(tables, config)
    if problems:
        raise CaseError(problems)

    changes: tuple[Change, ...] = ()
    if scenario is not None:
        file = f"scenarios/{scenario}.yaml"
        if not _SCENARIO_NAME.fullmatch(scenario):
            available = ", ".join(list_scenarios(folder)) or "none"
            raise CaseError([Problem("--scenario", "a scenario is named by its file in the case's scenarios/ folder, "
                                                   f"without folders or '..'; scenarios available: {available}",
                                     value=scenario[:80])])
        data = _read_yaml(folder / file, file, problems)
        if data is None:
            raise CaseError(problems)
        parsed, problems = parse_changes(data, file)
        if problems:
            raise CaseError(problems)
        config, tables = _apply(config, tables, parsed.changes, file)
        changes = tuple(parsed.changes)
    return Case(config=config, tables=tables, folder=folder, scenario=scenario, changes=changes)


def list_scenarios(path: str | Path) -> list[str]:
    """Names of the scenarios shipped in a case folder."""
    return sorted(p.stem for p in (Path(path) / "scenarios").glob("*.yaml"))


def _resolve(config: CaseConfig, tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    members = area_members(tables["stps"])
    return {name: broadcast(df, TABLES[name], members, config.years, config.run_out) for name, df in tables.items()}


def _apply(config: CaseConfig, tables: dict[str, pd.DataFrame], changes: list[Change], file: str):
    """Apply changes in order, then validate the changed case like a base case."""
    settings = config.model_dump()
    tables = dict(tables)
    region_of = dict(zip(tables["stps"]["stp"], tables["stps"]["region"]))
    region_of.update({r: r for r in tables["regions"]["region"]})
    family_of = dict(zip(tables["staff_groups"]["staff_group"], tables["staff_groups"]["family"]))
    problems: list[Problem] = []
    changed: set[str] = set()
    for n, change in enumerate(changes, start=1):
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
        number = {c.setting: n for n, c in enumerate(changes, start=1) if c.setting is not None}
        problems += [replace(p, row=number.get(p.column)) for p in (_config_problem(err, file) for err in exc.errors())]
        new_config = config
    for name in sorted(changed):
        tables[name], found = validate_rows(tables[name], TABLES[name])
        problems += found
    if not problems:
        problems += check_case(new_config, tables) + check_resolved(tables, new_config)
    if problems:
        raise CaseError(problems)
    return new_config, _resolve(new_config, tables)


#: A scenario's name: its file's stem in scenarios/, never a path.
_SCENARIO_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def _read_yaml(path: Path, file: str, problems: list[Problem]) -> Any:
    folder = path.parent if file == "case.yaml" else path.parent.parent
    what = ("a case folder needs case.yaml" if file == "case.yaml" else
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
