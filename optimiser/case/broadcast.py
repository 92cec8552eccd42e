"""Broadcast national and regional values to STPs, and blank years to every planning year."""
from __future__ import annotations

import pandas as pd

from optimiser.case.tables import NATIONAL, TableSpec


def area_members(stps: pd.DataFrame) -> pd.DataFrame:
    """Every area code with the STPs it covers and how specific it is.

    Columns: ``area``, ``stp``, ``level`` (0 national, 1 region, 2 STP).
    """
    national = pd.DataFrame({"area": NATIONAL, "stp": stps["stp"], "level": 0})
    region = pd.DataFrame({"area": stps["region"], "stp": stps["stp"], "level": 1})
    own = pd.DataFrame({"area": stps["stp"], "stp": stps["stp"], "level": 2})
    return pd.concat([national, region, own], ignore_index=True)


def expand_years(df: pd.DataFrame, years: list[str], run_out: list[str] = ()) -> pd.DataFrame:
    """Repeat blank-year rows in every year, and rows of the last planning year in each run-out year;
    add ``_year_specific`` (1 for a named year, 0.5 carried forward, 0 blank)."""
    blank = df["year"].isna()
    named = df[~blank].assign(_year_specific=1.0)
    every = list(years) + list(run_out)
    repeated = df[blank].drop(columns="year").merge(pd.DataFrame({"year": every}), how="cross")
    parts = [named, repeated.assign(_year_specific=0.0)]
    if len(run_out):
        last = named[named["year"] == years[-1]].drop(columns="year")
        parts.append(last.merge(pd.DataFrame({"year": list(run_out)}), how="cross").assign(_year_specific=0.5))
    return pd.concat(parts, ignore_index=True)


def broadcast(df: pd.DataFrame, spec: TableSpec, members: pd.DataFrame, years: list[str],
              run_out: list[str] = ()) -> pd.DataFrame:
    """Resolve a parameter or limit table so that each key appears once.

    Parameter tables come back with one row per STP in ``area`` (the most specific row wins:
    STP over region over national, then a named year over a blank one). Limit tables keep
    their scope; only blank years are repeated. A blank year covers the run-out years too, and a
    value named for the last planning year carries forward into run-out years that name none.
    """
    if spec.kind == "definition" or df.empty:
        return df
    if "year" in df.columns:
        df = expand_years(df, years, run_out)
    else:
        df = df.assign(_year_specific=0)
    if spec.kind == "parameter":
        df = df.merge(members, on="area").drop(columns="area").rename(columns={"stp": "area"})
        rank = ["level", "_year_specific"]
    else:
        df = df.assign(level=0)
        rank = ["_year_specific"]
    keys = list(spec.keys)
    df = df.sort_values(rank, ascending=False, kind="stable").drop_duplicates(keys)
    df = df.drop(columns=["level", "_year_specific"])
    return df[list(spec.row.model_fields) + ["_file", "_row"]].sort_values(keys, kind="stable").reset_index(drop=True)
