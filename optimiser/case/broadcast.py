"""Broadcast national and regional values to STPs, and blank years to every planning year."""
from __future__ import annotations

import numpy as np
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
    add ``_year_specific`` (1 for a named year, 0.5 carried forward, 0 blank).

    Each row is repeated in place (one take of the rows): a blank row once a year, a row of the last
    planning year once and then once a run-out year, any other row once.
    """
    year = df["year"].to_numpy(object)
    blank = pd.isna(year)
    every = np.array(list(years) + list(run_out), dtype=object)
    carried = ~blank & (year == years[-1]) if len(run_out) else np.zeros(len(df), bool)
    counts = np.where(blank, len(every), 1 + carried * len(run_out))
    take = np.repeat(np.arange(len(df)), counts)
    copy = np.arange(len(take)) - np.repeat(np.cumsum(counts) - counts, counts)  # 0 for a row's first copy, 1, ...
    blank, later = blank[take], ~blank[take] & (copy > 0)
    named = year[take]  # a copy: the year each row names, then the years given to blank and carried rows
    named[blank] = every[copy[blank]]
    named[later] = np.array(list(run_out), dtype=object)[copy[later] - 1]
    out = df.iloc[take].reset_index(drop=True)
    out["year"] = named
    out["_year_specific"] = np.select([blank, later], [0.0, 0.5], default=1.0)
    return out


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
        rank = ["_year_specific"]
    keys = list(spec.keys)
    # in key order, the most specific row of each key first (a valid case has no two rows of one key and rank)
    df = df.sort_values(keys + rank, ascending=[True] * len(keys) + [False] * len(rank)).drop_duplicates(keys)
    return df[list(spec.row.model_fields) + ["_file", "_row"]].reset_index(drop=True)
