"""The solution file as arrays over the case's index sets: the plan (:class:`Plan`) and its rounded
figures (:class:`Figures`), and what every family reads from them."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from optimiser.verify.case import CaseArrays
from optimiser.verify.report import SolutionFileError

LEVERS = ("training", "recruitment", "retention", "exit")

WORKFORCE = ["stp", "region", "staff_group", "family", "year", "period", "fte"]
ALLOCATION = ["lever", "item", "stp", "region", "staff_group", "year", "period", "quantity", "unit", "cost_gbp"]


def records(solution: dict, key: str, columns: list[str], numeric: list[str]) -> pd.DataFrame:
    rows = solution.get(key)
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise SolutionFileError(f"'{key}' must be a list of records")
    df = pd.DataFrame.from_records(rows, columns=columns) if rows else pd.DataFrame(columns=columns)
    for c in numeric:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    return df


def _wrong_period(c: CaseArrays, df: pd.DataFrame, y: np.ndarray, key: str, problems: list[str]) -> None:
    """A problem for rows whose ``period`` (where given) is not their year's: baseline, plan or run_out."""
    expected = np.where(y == 0, "baseline", np.where(y <= c.T_plan, "plan", "run_out"))
    wrong = df["period"].notna().to_numpy() & (df["period"].to_numpy(object) != expected)
    if wrong.any():
        problems.append(f"{key}: {wrong.sum()} row(s) give a period other than their year's: "
                        + few(df.loc[wrong, ["year", "period"]].itertuples(index=False)))


def few(items, n: int = 3) -> str:
    """The first ``n`` items (rows as ``a / b / c``) and how many more there are."""
    items = [" / ".join(map(str, i)) if isinstance(i, tuple) else str(i) for i in items]
    return "; ".join(items[:n]) + (f"; and {len(items) - n} more" if len(items) > n else "")


class Plan:
    """Staff in post and the levers of a solution file as arrays over the case's index sets."""

    def __init__(self, c: CaseArrays, solution: dict, problems: list[str]):
        G, S, T = c.G, c.S, c.T
        P, K, J = len(c.programmes), len(c.sources), len(c.segments)

        # staff in post: H[g,s,y], y = 0 the baseline year, y = t+1 the end of planning year t
        wf = records(solution, "workforce", WORKFORCE, ["fte"])
        g, s, y = c.groups.get_indexer(wf["staff_group"]), c.stps.get_indexer(wf["stp"]), c.all_years.get_indexer(wf["year"])
        known = (g >= 0) & (s >= 0) & (y >= 0)
        if (~known).any():
            problems.append(f"workforce: {(~known).sum()} row(s) name an STP, staff group or year the case does not have: "
                            + few(wf.loc[~known, ["stp", "staff_group", "year"]].itertuples(index=False)))
        wf, g, s, y = wf[known], g[known], s[known], y[known]
        dup = wf.duplicated(["stp", "staff_group", "year"])
        if dup.any():
            problems.append(f"workforce: {dup.sum()} duplicated row(s): "
                            + few(wf.loc[dup, ["stp", "staff_group", "year"]].itertuples(index=False)))
        _wrong_period(c, wf, y, "workforce", problems)
        if wf["fte"].isna().any():
            problems.append(f"workforce: {wf['fte'].isna().sum()} row(s) without a number in 'fte'")
        bad_label = (wf["region"].to_numpy(object) != c.stp_region[s]) | (wf["family"].to_numpy(object) != c.family[g])
        if bad_label.any():
            problems.append(f"workforce: {bad_label.sum()} row(s) give a region or family that does not match the case's "
                            "STP or staff group: " + few(wf.loc[bad_label, ["stp", "region", "staff_group", "family"]]
                                                          .itertuples(index=False)))
        self.H = np.full((G, S, T + 1), np.nan)
        self.H[g, s, y] = wf["fte"].to_numpy(float)
        missing = np.isnan(self.H)
        if missing.any():
            mg, ms, my = np.nonzero(missing)
            problems.append(f"workforce: no staff in post for {missing.sum()} STP, staff group and year cell(s): "
                            + few(f"{c.stps[a]} {c.groups[b]} {c.all_years[d]}" for b, a, d in zip(mg, ms, my)))
        self.H = np.nan_to_num(self.H, nan=0.0)

        # allocations
        al = records(solution, "allocations", ALLOCATION, ["quantity", "cost_gbp"])
        al = al.reset_index(drop=True)
        lever = al["lever"].to_numpy(object)
        s = c.stps.get_indexer(al["stp"])
        g = c.groups.get_indexer(al["staff_group"])
        t = pd.Index(c.years).get_indexer(al["year"])
        item = np.full(len(al), -1, np.int64)
        tr, rec, ret, ex = (lever == "training"), (lever == "recruitment"), (lever == "retention"), (lever == "exit")
        item[tr] = c.programmes.get_indexer(al.loc[tr, "item"])
        item[rec] = c.sources.get_indexer(al.loc[rec, "item"])
        seg_no = al.loc[ret, "item"].map(lambda v: int(m.group(1)) if isinstance(v, str) and (m := re.fullmatch(r"segment (\d+)", v)) else -1)
        item[ret] = c.segments.get_indexer(seg_no.to_numpy(np.int64)) if ret.any() else []
        item[ex] = np.where(al.loc[ex, "item"].to_numpy(object) == "exits", 0, -1)
        unknown = ~np.isin(lever, LEVERS) | (s < 0) | (g < 0) | (t < 0) | (item < 0)
        if unknown.any():
            problems.append(f"allocations: {unknown.sum()} row(s) name a lever, item, STP, staff group or model year "
                            "the case does not have: " + few(al.loc[unknown, ["lever", "item", "stp", "staff_group", "year"]]
                                                               .itertuples(index=False)))
        ok = ~unknown
        wrong = ok & tr & (g != np.append(c.prog_group, -2)[np.where(tr & (item >= 0), item, -1)])  # -2: none
        if wrong.any():
            problems.append(f"allocations: {wrong.sum()} training row(s) give a staff group other than the programme's: "
                            + few(al.loc[wrong, ["item", "staff_group"]].itertuples(index=False)))
        bad_region = ok & (al["region"].to_numpy(object) != c.stp_region[np.maximum(s, 0)])
        if bad_region.any():
            problems.append(f"allocations: {bad_region.sum()} row(s) give a region that is not the STP's: "
                            + few(al.loc[bad_region, ["stp", "region"]].itertuples(index=False)))
        if al["quantity"].isna().any() or al["cost_gbp"].isna().any():
            problems.append("allocations: rows without a number in 'quantity' or 'cost_gbp'")
        dup = al.duplicated(["lever", "item", "stp", "staff_group", "year"])
        if dup.any():
            problems.append(f"allocations: {dup.sum()} duplicated row(s) (same lever, item, STP, group and year): "
                            + few(al.loc[dup, ["lever", "item", "stp", "staff_group", "year"]].itertuples(index=False)))
        _wrong_period(c, al[ok], t[ok] + 1, "allocations", problems)
        al = al.assign(s=s, g=g, t=t, i=item)[ok].reset_index(drop=True)
        self.allocations = al
        q = al["quantity"].fillna(0.0).to_numpy(float)
        L = al["lever"].to_numpy(object)
        a_s, a_g, a_t, a_i = (al[k].to_numpy(np.int64) for k in ("s", "g", "t", "i"))

        self.X = np.zeros((P, S, T))
        self.Rec = np.zeros((K, G, S, T))
        self.R = np.zeros((G, S, T, J))
        self.E = np.zeros((G, S, T))
        m = L == "training"
        np.add.at(self.X, (a_i[m], a_s[m], a_t[m]), q[m])
        m = L == "recruitment"
        np.add.at(self.Rec, (a_i[m], a_g[m], a_s[m], a_t[m]), q[m])
        m = L == "retention"
        np.add.at(self.R, (a_g[m], a_s[m], a_t[m], a_i[m]), q[m])
        m = L == "exit"
        np.add.at(self.E, (a_g[m], a_s[m], a_t[m]), q[m])

        # undiscounted £ per unit of each allocation row, from the case
        unit = np.zeros(len(al))
        m = L == "training"
        unit[m] = c.place_cost[a_i[m]]
        m = L == "recruitment"
        unit[m] = c.rec_cost[a_i[m], a_g[m], a_s[m]]
        m = L == "retention"
        unit[m] = c.seg_cost[a_g[m], a_s[m], a_i[m]]
        m = L == "exit"
        unit[m] = c.exit_cost[a_g[m], a_s[m], a_t[m]]
        self.unit_cost = unit
        # the case's constants in the rows (zero in the :class:`Figures`)
        self.base, self.pipe_students, self.constant = c.baseline, c.pipe_students, 1.0


class Figures:
    """The same arrays as a :class:`Plan`, but 1 where the file gives a non-zero figure, 0 elsewhere,
    and 0 for every constant of the case. A check evaluated on it gives the sum of the coefficients
    of the rounded figures in each row: times ``ROUNDING``, the most the file's rounding can move the row."""

    def __init__(self, c: CaseArrays, x: Plan):
        self.X, self.Rec, self.R, self.E = ((a != 0).astype(float) for a in (x.X, x.Rec, x.R, x.E))
        self.H = (x.H != 0).astype(float)
        self.base = np.zeros_like(c.baseline)
        self.pipe_students = np.zeros_like(c.pipe_students)
        self.constant = 0.0


def opening_staff(x) -> np.ndarray:
    """H[g,s,t-1] for each planning year t: the case's baseline, then the file's staff in post."""
    opening = x.H[:, :, :-1].copy()
    opening[:, :, 0] = x.base
    return opening


def students(c: CaseArrays, x) -> np.ndarray:
    """ST[p,s,t]: starts of the last d_p years plus pipeline students still in training."""
    csum = np.cumsum(x.X, axis=2)
    st = csum.copy()
    for p, d in enumerate(c.duration):
        if d < c.T:
            st[p, :, d:] -= csum[p, :, :-d]
    return st + x.pipe_students


def number(value) -> float:
    """A JSON number as a float (NaN for anything else)."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else np.nan
