"""The actuals table: observed staff in post (and optionally starts, recruits and leavers) by STP, staff group
and year, up to and including the year a re-plan starts after.

Columns: ``stp``, ``staff_group``, ``year``, ``fte_in_post`` (FTE at the end of the year), and optionally
``intakes`` (training starts on the programmes that qualify into the group), ``recruits`` and ``leavers`` (FTE
in the year). Every STP and staff group of the case needs a row for every year from the case's first year to
``--through``.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from pydantic import Field

from optimiser.case import Case, CaseError, Problem
from optimiser.case.rows import read_csv, validate_rows
from optimiser.case.tables import Id, NonNeg, Row, TableSpec, Year, _opt
from optimiser.case.years import parse_year

#: Most missing (STP, staff group, year) cells listed one by one; the rest are counted.
MOST_MISSING_SHOWN = 20


class ActualRow(Row):
    stp: Id = Field(description="STP code")
    staff_group: Id = Field(description="Staff group code")
    year: Year = Field(description="Year at whose end the staff were in post (up to and including --through)")
    fte_in_post: NonNeg = Field(description="Staff in post observed at the end of the year (FTE)")
    intakes: _opt(NonNeg | None, None, description="Training starts in the year on the programmes that qualify into "
                                                   "the group (starts); blank = as planned")
    recruits: _opt(NonNeg | None, None, description="Recruits in the year, all sources (FTE); blank = not observed")
    leavers: _opt(NonNeg | None, None, description="Leavers in the year (FTE); blank = not observed")


ACTUALS = TableSpec("actuals", ActualRow, ("stp", "staff_group", "year"), "definition", True)


def check_through(case: Case, through: str) -> list[Problem]:
    """Why ``--through`` cannot start a re-plan of ``case``: it must be a planning year before the last."""
    try:
        year = parse_year(through)
    except ValueError as exc:
        return [Problem("--through", f"expected {exc}", value=through)]
    first, last = parse_year(case.years[0]), parse_year(case.years[-1])
    if not first <= year < last:
        return [Problem("--through", f"expected a planning year from {case.years[0]} to {case.years[-2]}: the actuals "
                                     f"run to its end and the years after it, to {case.years[-1]}, are re-planned",
                        value=through)]
    return []


def read_actuals(path: str | Path, case: Case, through: str) -> pd.DataFrame:
    """Read and check the actuals table for a re-plan of ``case`` after ``through``.

    Returns:
        One row per STP, staff group and year from the first planning year to ``through``, with the columns
        of :class:`ActualRow` (blanks as NaN) and origin columns ``_file`` and ``_row``.

    Raises:
        CaseError: every problem found, each with the file, row, column and what was expected.
    """
    path = Path(path)
    problems = check_through(case, through)
    if problems:
        raise CaseError(problems)
    df, problems = read_csv(path.parent, path.name, ACTUALS)
    if df is None:
        raise CaseError(problems)
    typed, problems = validate_rows(df, ACTUALS)
    problems += _check_codes(typed, case, through)
    if problems:
        raise CaseError(problems)
    for column in ("intakes", "recruits", "leavers"):
        typed[column] = typed[column].astype(float)
    return typed


def _check_codes(df: pd.DataFrame, case: Case, through: str) -> list[Problem]:
    stps = list(case.table("stps")["stp"])
    groups = list(case.table("staff_groups")["staff_group"])
    trained = set(case.table("programmes")["staff_group"])
    years = case.years[: case.years.index(through) + 1]
    problems, seen = [], {}
    for r in df.rename(columns={"_file": "file", "_row": "line"}).itertuples(index=False):
        at = dict(row=int(r.line), value=None)
        bad = False
        if r.stp not in stps:
            problems.append(Problem(r.file, f"unknown STP; expected one of {_few(stps)}", column="stp", **{**at, "value": r.stp}))
            bad = True
        if r.staff_group not in groups:
            problems.append(Problem(r.file, f"unknown staff group; expected one of {_few(groups)}", column="staff_group",
                                    **{**at, "value": r.staff_group}))
            bad = True
        if r.year not in years:
            after = parse_year(r.year) > parse_year(through)
            problems.append(Problem(r.file, f"a year after --through {through}: actuals run from {years[0]} to {through} "
                                             "and the years after are re-planned" if after else
                                    f"a year before the case's first year {years[0]}; the baseline is the case's own",
                                    column="year", **{**at, "value": r.year}))
            bad = True
        if r.intakes is not None and r.intakes > 0 and r.staff_group in groups and r.staff_group not in trained:
            problems.append(Problem(r.file, "starts for a staff group no programme qualifies into; expected blank or 0",
                                    column="intakes", **{**at, "value": r.intakes}))
        if bad:
            continue
        key = (r.stp, r.staff_group, r.year)
        if key in seen:
            problems.append(Problem(r.file, f"STP {r.stp}, staff group {r.staff_group}, year {r.year} given twice "
                                             f"(also row {seen[key]}); expected one row each", row=int(r.line)))
        seen.setdefault(key, int(r.line))
    file = df["_file"].iat[0] if len(df) else ACTUALS.name
    missing = [(s, g, y) for s in stps for g in groups for y in years if (s, g, y) not in seen]
    shown = missing[:MOST_MISSING_SHOWN]
    problems += [Problem(file, f"missing year: no row for STP {s}, staff group {g}, year {y}; the actuals need staff "
                               f"in post for every STP and staff group in every year from {years[0]} to {through}")
                 for s, g, y in shown]
    if len(missing) > len(shown):
        problems.append(Problem(file, f"and {len(missing) - len(shown):,} more (STP, staff group, year) rows missing"))
    return problems


def _few(items: list[str], n: int = 6) -> str:
    return ", ".join(items[:n]) + (f", … ({len(items)} in all)" if len(items) > n else "")
