"""Independent check of a solution file against the case it claims to solve (``optimiser verify``).

From the case tables and the exported solution JSON alone, with no solver and none of the LP
builder (``optimiser.model``, ``constraints/``, ``optimiser.solvers``, ``optimiser.solution``),
every equation of MODEL.md is re-derived and checked, as numpy arrays:

========================  ==========================================================================
family                    what is checked (one check per row of the model, or per reported figure)
========================  ==========================================================================
stock_flow                ``H[g,s,t]`` equals the flow of MODEL.md §1 for every group, STP and model year
retention                 ``R[g,s,t,j] ≤ φ_j·a[g,s]·H[g,s,t-1]`` for every segment the case offers
upskilling_source         ``X[p,s,t] ≤ σ_p·H[f(p),s,t-1]``
placements                ``Σ_{s∈scope} Σ_p w_p·ST[p,s,t] ≤ PC`` (pipeline students included)
mentoring                 ``Σ_{p: m(p)=m} ST[p,s,t]/ρ_p ≤ μ_m·H[m,s,t-1]``
course_capacity           ``Σ_{s∈scope} X[p,s,t] ≤ CC``
recruitment_pools         ``Σ_{g, s∈scope} Rec[k,g,s,t] ≤ Pool``
establishment             ``Σ_{s∈scope} H[g,s,t] ≤ posts``
budget                    cash outlay (training spread over the course years inside the model years,
                          recruitment, retention, exits; undiscounted) within each budget row (a blank
                          ``to_year`` ends at the last planning year)
targets                   minimum (with the soft shortfall) and maximum of every target; the reported
                          achieved, shortfall, minimum, maximum and penalty cost equal the recomputed ones
costs                     each allocation's cost = quantity × the case's unit cost; costs by lever,
                          year and region (committed, present value, outlay) add up to the allocations;
                          total, objective and penalties (soft targets and soft absorption limits)
                          equal the recomputed objective
commissioning             each commissioned intake ``I[t] = Σ_{s∈scope} X[p,s,t]`` (``I[-1]`` the baseline
                          intake): ``I[t] ≤ (1+rise)·I[t-1] + opening``, ``I[t] ≥ (1−fall)·I[t-1]``,
                          ``I[t] ≥ floor·I[-1]``, where the case gives the share (MODEL.md §11)
absorption                hard limits ``H[t] ≤ (1+γ)·H[t-1] + β`` and ``H[t] ≥ (1−λ)·H[t-1] − E[t]``
                          (MODEL.md §12); a soft one may be broken, its penalty is checked under costs
run_out                   in each run-out year each group's staff in post in each region is at least
                          the last planning year's (MODEL.md §13)
stage_two_cost            the plan (reported and recomputed objective) costs at most the least cost
                          ``C*`` plus ``cost_tolerance·max(|C*|, 1)`` (MODEL.md §14)
bounds                    quantities, staff in post and shortfalls ≥ 0; exits within their limit; levers
                          used only where the case offers them; integer programmes whole, with their
                          minimum cohort
baseline                  the baseline year's staff in post equal the case's
========================  ==========================================================================

A check passes when its violation is within ``TOLERANCE`` (1e-6) of ``max(1, magnitude of its terms)``,
after allowing for the file's rounding (every figure is written to 6 decimals, so each figure read
is known to ±5e-7; that allowance is added per figure, weighted by its coefficient).

Every family runs over the model years: the planning years, then the case's run-out years;
targets name planning years only.

Besides the families, the report lists *problems* that make the file unusable as a plan of this
case: a status other than optimal, a case sha256 that differs from the loaded case (another case
or scenario), labels the case does not know, missing or duplicated rows.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from optimiser.case import Case, CaseError, load_case
from optimiser.case.tables import NATIONAL, split_list
from optimiser.case.years import parse_year, year_label

#: Relative tolerance of every check.
TOLERANCE = 1e-6
#: Half a unit in the last place of the file's figures (they are written to 6 decimals).
ROUNDING = 5e-7

FAMILIES = ["stock_flow", "retention", "upskilling_source", "placements", "mentoring", "course_capacity",
            "recruitment_pools", "establishment", "budget", "targets", "commissioning", "absorption", "run_out",
            "stage_two_cost", "costs", "bounds", "baseline"]
LEVERS = ("training", "recruitment", "retention", "exit")
EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


@dataclass
class FamilyResult:
    """Checks of one family: how many, the largest violation and where it is.

    ``violation`` is the largest violation in the rows' own units (FTE, starts, £, ...);
    ``relative`` the largest part of a violation beyond the rounding allowance, over
    ``max(1, magnitude of the row's terms)``; ``where`` names the row with the largest relative
    violation (or, when every row is within the allowance, the one with the largest absolute one).
    """

    family: str
    checks: int = 0
    violation: float = 0.0
    relative: float = 0.0
    where: str = ""
    failed: int = 0  # checks beyond the tolerance
    _where_abs: str = field(default="", repr=False)

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def add(self, violation, magnitude, where: Callable[[int], str], allowance=0.0) -> None:
        """Record a block of checks: ``violation ≥ 0`` (NaN counts as infinite), per check."""
        v = np.asarray(violation, float)
        shape = v.shape
        v = np.nan_to_num(v.ravel(), nan=np.inf)
        if v.size == 0:
            return
        scale = np.maximum(1.0, np.abs(np.broadcast_to(np.asarray(magnitude, float), shape).ravel()))
        scale = np.nan_to_num(scale, nan=1.0, posinf=1.0)
        excess = np.maximum(0.0, v - np.broadcast_to(np.asarray(allowance, float), shape).ravel())
        rel = excess / scale
        rel[rel < 1e-12] = 0.0  # float noise of subtracting the allowance
        self.checks += v.size
        self.failed += int((rel > TOLERANCE).sum())
        i, j = int(np.argmax(rel)), int(np.argmax(v))
        if rel[i] > self.relative:
            self.relative, self.where = float(rel[i]), where(i)
        if v[j] > self.violation:
            self.violation, self._where_abs = float(v[j]), where(j)
        if self.relative == 0.0:
            self.where = self._where_abs


@dataclass
class VerifyReport:
    """The outcome of :func:`verify_solution`.

    Attributes:
        case_name, scenario: the loaded case the solution was checked against.
        status: the solution's status (only ``optimal`` carries a plan to check).
        families: one result per constraint family (see the module docstring), in ``FAMILIES`` order.
        problems: reasons the file is not a plan of this case (each one fails the verification).
    """

    case_name: str
    scenario: str | None
    status: str
    families: list[FamilyResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.families) and all(f.ok for f in self.families)

    @property
    def checks(self) -> int:
        return sum(f.checks for f in self.families)

    def family(self, name: str) -> FamilyResult:
        return next(f for f in self.families if f.family == name)

    @property
    def failed_families(self) -> list[str]:
        return [f.family for f in self.families if not f.ok]


class SolutionFileError(ValueError):
    """The solution file cannot be read as a solution JSON."""


# --------------------------------------------------------------------------------------------------
# The case as arrays (built here from the tables, independently of optimiser.model)
# --------------------------------------------------------------------------------------------------

class _Case:
    """Index sets and parameters of a case as numpy arrays; t is 0-based over the model years (the
    planning years, then the run-out years; ``T_plan`` of them are planning years)."""

    def __init__(self, case: Case):
        self.case = case
        stps = case.table("stps")
        self.stps = pd.Index(stps["stp"])
        self.stp_region = stps["region"].to_numpy(object)
        self.regions = pd.Index(case.table("regions")["region"])
        groups = case.table("staff_groups")
        self.groups = pd.Index(groups["staff_group"])
        self.family = groups["family"].to_numpy(object)
        self.mentor_share = groups["mentor_share"].to_numpy(float)
        self.years = list(case.model_years)
        self.planning_years = list(case.years)
        self.T_plan = len(self.planning_years)
        self.base_year = year_label(parse_year(self.years[0]) - 1)
        self.all_years = pd.Index([self.base_year] + self.years)  # position 0 is the baseline
        G, S, T = self.G, self.S, self.T = len(self.groups), len(self.stps), len(self.years)
        self.discount = (1.0 + case.config.discount_rate) ** -np.arange(T, dtype=float)

        def gs(df, stp_col, col, fill=0.0):
            out = np.full((G, S), fill)
            out[self.groups.get_indexer(df["staff_group"]), self.stps.get_indexer(df[stp_col])] = df[col].to_numpy(float)
            return out

        self.baseline = gs(case.table("baseline_workforce"), "stp", "fte_in_post")
        self.leaver_rate = gs(case.table("leaver_rates"), "area", "leaver_rate")

        progs = case.table("programmes").reset_index(drop=True)
        self.programmes = pd.Index(progs["programme"])
        self.prog_group = self.groups.get_indexer(progs["staff_group"])
        self.prog_source = _codes(self.groups, progs["source_group"])
        self.prog_mentor = _codes(self.groups, progs["mentor_group"])
        self.duration = progs["duration_years"].to_numpy(np.int64)
        self.completion = progs["completion_rate"].to_numpy(float)
        self.take_up = progs["take_up_rate"].to_numpy(float)
        self.place_cost = progs["cost_per_place_gbp"].to_numpy(float)
        self.placement_use = progs["placement_use"].to_numpy(float)
        self.per_mentor = progs["students_per_mentor"].to_numpy(float)
        self.source_share = progs["max_source_share"].to_numpy(float)
        self.integer = progs["integer"].to_numpy(bool)
        self.min_cohort = progs["min_cohort"].to_numpy(float)
        P = len(progs)

        pipe = case.table("pipeline")
        self.pipe_p = self.programmes.get_indexer(pipe["programme"])
        self.pipe_s = self.stps.get_indexer(pipe["stp"])
        self.pipe_q = self.year_index(pipe["qualification_year"])
        self.pipe_n = pipe["students"].to_numpy(float)
        # pipeline students in training in year t: every model year up to and including qualification
        change = np.zeros((P, S, T + 1))
        np.add.at(change, (self.pipe_p, self.pipe_s, 0), self.pipe_n)
        np.add.at(change, (self.pipe_p, self.pipe_s, np.minimum(self.pipe_q, T - 1) + 1), -self.pipe_n)
        self.pipe_students = np.cumsum(change, axis=2)[:, :, :T]

        self.sources = pd.Index(case.table("recruitment_sources")["source"])
        K = len(self.sources)
        rc = case.table("recruitment_costs")
        k, g, s = self.sources.get_indexer(rc["source"]), self.groups.get_indexer(rc["staff_group"]), self.stps.get_indexer(rc["area"])
        self.rec_open = np.zeros((K, G, S), bool)
        self.rec_cost = np.zeros((K, G, S))
        self.rec_retention = np.ones((K, G, S))
        self.rec_open[k, g, s] = True
        self.rec_cost[k, g, s] = rc["cost_per_recruit_gbp"].to_numpy(float)
        self.rec_retention[k, g, s] = rc["first_year_retention"].to_numpy(float)

        seg = case.table("retention_segments")
        self.segments = pd.Index(sorted(set(int(x) for x in seg["segment"])), dtype=np.int64)
        J = len(self.segments)
        g, s, j = self.groups.get_indexer(seg["staff_group"]), self.stps.get_indexer(seg["area"]), self.segments.get_indexer(seg["segment"].astype(np.int64))
        self.seg_exists = np.zeros((G, S, J), bool)
        self.seg_share = np.zeros((G, S, J))
        self.seg_cost = np.zeros((G, S, J))
        self.seg_exists[g, s, j] = True
        self.seg_share[g, s, j] = seg["share_of_leavers"].to_numpy(float)
        self.seg_cost[g, s, j] = seg["cost_per_avoided_leaver_gbp"].to_numpy(float)

        ex = case.table("exits")
        g, s, t = self.groups.get_indexer(ex["staff_group"]), self.stps.get_indexer(ex["area"]), self.year_index(ex["year"])
        self.exit_allowed = np.zeros((G, S, T), bool)
        self.exit_cost = np.zeros((G, S, T))
        self.exit_max = np.full((G, S, T), np.inf)
        self.exit_allowed[g, s, t] = True
        self.exit_cost[g, s, t] = ex["cost_per_exit_gbp"].to_numpy(float)
        self.exit_max[g, s, t] = pd.to_numeric(ex["max_exits_fte"], errors="coerce").fillna(np.inf).to_numpy(float)

        com = case.table("commissioning").reset_index(drop=True)
        self.commissioning = com.assign(**{k: pd.to_numeric(com[k]) for k in (
            "baseline_intake", "max_rise_share", "max_fall_share", "opening_allowance", "floor_share")})
        self.com_p = self.programmes.get_indexer(com["programme"])
        self.com_members = self.members(com["scope"]).astype(float)

        ab = case.table("absorption").reset_index(drop=True)  # one row per group and STP
        self.ab_g, self.ab_s = self.groups.get_indexer(ab["staff_group"]), self.stps.get_indexer(ab["area"])
        self.ab_growth = pd.to_numeric(ab["max_growth_share"]).to_numpy(float)
        self.ab_growth_fte = pd.to_numeric(ab["max_growth_fte"]).fillna(0.0).to_numpy(float)
        self.ab_fall = pd.to_numeric(ab["max_fall_share"]).to_numpy(float)
        self.ab_soft = (ab["kind"] == "soft").to_numpy()
        self.ab_penalty = pd.to_numeric(ab["penalty_gbp_per_fte"]).fillna(
            case.config.default_penalty_gbp_per_fte).to_numpy(float)

    def year_index(self, labels) -> np.ndarray:
        first = parse_year(self.years[0])
        return np.array([parse_year(y) - first for y in labels], dtype=np.int64)

    def members(self, scopes) -> np.ndarray:
        """(rows, S) bool: the STPs each scope (england, a region or an STP) covers."""
        scopes = np.asarray(list(scopes), dtype=object)[:, None]
        stps, regions = self.stps.to_numpy(object)[None, :], self.stp_region[None, :]
        return (scopes == NATIONAL) | (scopes == regions) | (scopes == stps)


def _codes(index: pd.Index, values: pd.Series) -> np.ndarray:
    out = np.full(len(values), -1, dtype=np.int64)
    present = values.notna().to_numpy()
    out[present] = index.get_indexer(values[present])
    return out


# --------------------------------------------------------------------------------------------------
# The solution as arrays
# --------------------------------------------------------------------------------------------------

_WORKFORCE = ["stp", "region", "staff_group", "family", "year", "period", "fte"]
_ALLOCATION = ["lever", "item", "stp", "region", "staff_group", "year", "period", "quantity", "unit", "cost_gbp"]
_COSTS = ["cost_gbp", "present_value_gbp", "outlay_gbp"]
_TARGET_FTE = ["minimum_fte", "maximum_fte", "achieved_fte", "shortfall_fte"]


def _records(solution: dict, key: str, columns: list[str], numeric: list[str]) -> pd.DataFrame:
    rows = solution.get(key)
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise SolutionFileError(f"'{key}' must be a list of records")
    df = pd.DataFrame.from_records(rows, columns=columns) if rows else pd.DataFrame(columns=columns)
    for c in numeric:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    return df


def _wrong_period(c: _Case, df: pd.DataFrame, y: np.ndarray, key: str, problems: list[str]) -> None:
    """A problem for rows whose ``period`` (where given) is not their year's: baseline, plan or run_out."""
    expected = np.where(y == 0, "baseline", np.where(y <= c.T_plan, "plan", "run_out"))
    wrong = df["period"].notna().to_numpy() & (df["period"].to_numpy(object) != expected)
    if wrong.any():
        problems.append(f"{key}: {wrong.sum()} row(s) give a period other than their year's: "
                        + _few(df.loc[wrong, ["year", "period"]].itertuples(index=False)))


def _few(items, n: int = 3) -> str:
    """The first ``n`` items (rows as ``a / b / c``) and how many more there are."""
    items = [" / ".join(map(str, i)) if isinstance(i, tuple) else str(i) for i in items]
    return "; ".join(items[:n]) + (f"; and {len(items) - n} more" if len(items) > n else "")


class _Plan:
    """Staff in post and the levers of a solution file as arrays over the case's index sets."""

    def __init__(self, c: _Case, solution: dict, problems: list[str]):
        G, S, T = c.G, c.S, c.T
        P, K, J = len(c.programmes), len(c.sources), len(c.segments)

        # staff in post: H[g,s,y], y = 0 the baseline year, y = t+1 the end of planning year t
        wf = _records(solution, "workforce", _WORKFORCE, ["fte"])
        g, s, y = c.groups.get_indexer(wf["staff_group"]), c.stps.get_indexer(wf["stp"]), c.all_years.get_indexer(wf["year"])
        known = (g >= 0) & (s >= 0) & (y >= 0)
        if (~known).any():
            problems.append(f"workforce: {(~known).sum()} row(s) name an STP, staff group or year the case does not have: "
                            + _few(wf.loc[~known, ["stp", "staff_group", "year"]].itertuples(index=False)))
        wf, g, s, y = wf[known], g[known], s[known], y[known]
        dup = wf.duplicated(["stp", "staff_group", "year"])
        if dup.any():
            problems.append(f"workforce: {dup.sum()} duplicated row(s): "
                            + _few(wf.loc[dup, ["stp", "staff_group", "year"]].itertuples(index=False)))
        _wrong_period(c, wf, y, "workforce", problems)
        if wf["fte"].isna().any():
            problems.append(f"workforce: {wf['fte'].isna().sum()} row(s) without a number in 'fte'")
        bad_label = (wf["region"].to_numpy(object) != c.stp_region[s]) | (wf["family"].to_numpy(object) != c.family[g])
        if bad_label.any():
            problems.append(f"workforce: {bad_label.sum()} row(s) give a region or family that does not match the case's "
                            "STP or staff group: " + _few(wf.loc[bad_label, ["stp", "region", "staff_group", "family"]]
                                                          .itertuples(index=False)))
        self.H = np.full((G, S, T + 1), np.nan)
        self.H[g, s, y] = wf["fte"].to_numpy(float)
        missing = np.isnan(self.H)
        if missing.any():
            mg, ms, my = np.nonzero(missing)
            problems.append(f"workforce: no staff in post for {missing.sum()} STP, staff group and year cell(s): "
                            + _few(f"{c.stps[a]} {c.groups[b]} {c.all_years[d]}" for b, a, d in zip(mg, ms, my)))
        self.H = np.nan_to_num(self.H, nan=0.0)

        # allocations
        al = _records(solution, "allocations", _ALLOCATION, ["quantity", "cost_gbp"])
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
                            "the case does not have: " + _few(al.loc[unknown, ["lever", "item", "stp", "staff_group", "year"]]
                                                               .itertuples(index=False)))
        ok = ~unknown
        wrong = ok & tr & (g != np.append(c.prog_group, -2)[np.where(tr & (item >= 0), item, -1)])  # -2: none
        if wrong.any():
            problems.append(f"allocations: {wrong.sum()} training row(s) give a staff group other than the programme's: "
                            + _few(al.loc[wrong, ["item", "staff_group"]].itertuples(index=False)))
        bad_region = ok & (al["region"].to_numpy(object) != c.stp_region[np.maximum(s, 0)])
        if bad_region.any():
            problems.append(f"allocations: {bad_region.sum()} row(s) give a region that is not the STP's: "
                            + _few(al.loc[bad_region, ["stp", "region"]].itertuples(index=False)))
        if al["quantity"].isna().any() or al["cost_gbp"].isna().any():
            problems.append("allocations: rows without a number in 'quantity' or 'cost_gbp'")
        dup = al.duplicated(["lever", "item", "stp", "staff_group", "year"])
        if dup.any():
            problems.append(f"allocations: {dup.sum()} duplicated row(s) (same lever, item, STP, group and year): "
                            + _few(al.loc[dup, ["lever", "item", "stp", "staff_group", "year"]].itertuples(index=False)))
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


# --------------------------------------------------------------------------------------------------
# The checks
# --------------------------------------------------------------------------------------------------

def _where_gst(c: _Case, shape, extra: str = "") -> Callable[[int], str]:
    def where(i: int) -> str:
        g, s, t = np.unravel_index(i, shape)
        return f"{extra}{c.groups[g]}, {c.stps[s]}, {c.years[t]}"
    return where


def _rows_where(labels: list[str]) -> Callable[[int], str]:
    return lambda i: labels[i]


def _scope_row_labels(df: pd.DataFrame, columns: list[str]) -> list[str]:
    return [", ".join(str(v) for v in r if v is not None and not (isinstance(v, float) and np.isnan(v)))
            for r in df[columns].itertuples(index=False)]


class _Figures:
    """The same arrays as a :class:`_Plan`, but 1 where the file gives a non-zero figure, 0 elsewhere,
    and 0 for every constant of the case. A check evaluated on it gives the sum of the coefficients
    of the rounded figures in each row: times ``ROUNDING``, the most the file's rounding can move the row."""

    def __init__(self, c: _Case, x: _Plan):
        self.X, self.Rec, self.R, self.E = ((a != 0).astype(float) for a in (x.X, x.Rec, x.R, x.E))
        self.H = (x.H != 0).astype(float)
        self.base = np.zeros_like(c.baseline)
        self.pipe_students = np.zeros_like(c.pipe_students)
        self.constant = 0.0


def _plan_constants(c: _Case, x: _Plan) -> None:
    x.base, x.pipe_students, x.constant = c.baseline, c.pipe_students, 1.0


def _opening(x) -> np.ndarray:
    """H[g,s,t-1] for each planning year t: the case's baseline, then the file's staff in post."""
    opening = x.H[:, :, :-1].copy()
    opening[:, :, 0] = x.base
    return opening


def _students(c: _Case, x) -> np.ndarray:
    """ST[p,s,t]: starts of the last d_p years plus pipeline students still in training."""
    csum = np.cumsum(x.X, axis=2)
    st = csum.copy()
    for p, d in enumerate(c.duration):
        if d < c.T:
            st[p, :, d:] -= csum[p, :, :-d]
    return st + x.pipe_students


def _limit(out: FamilyResult, rows: Callable, x: _Plan, figures: _Figures, where: Callable[[int], str]) -> None:
    """Check ``lhs ≤ rhs`` row by row; ``rows(plan)`` gives (lhs, rhs) for the plan or its figures."""
    lhs, rhs = rows(x)
    lhs_n, rhs_n = rows(figures)
    out.add(np.maximum(0.0, lhs - rhs), np.maximum(np.abs(lhs), np.abs(rhs)), where,
            ROUNDING * (np.abs(lhs_n) + np.abs(rhs_n)))


def _check_stock_flow(c: _Case, x: _Plan, out: FamilyResult) -> None:
    G, S, T = c.G, c.S, c.T
    H = x.H[:, :, 1:]
    opening = np.concatenate([c.baseline[:, :, None], x.H[:, :, 1:T]], axis=2)  # H[t-1]; the case's baseline first
    keep = (1.0 - c.leaver_rate)[:, :, None]
    terms = [keep * opening]
    coef = [np.concatenate([np.zeros((G, S, 1)), np.broadcast_to(keep, (G, S, T - 1))], axis=2)]  # rounded figures
    terms.append(x.R.sum(axis=3))
    coef.append((x.R != 0).sum(axis=3).astype(float))
    terms.append((c.rec_retention[..., None] * x.Rec).sum(axis=0))
    coef.append((c.rec_retention[..., None] * (x.Rec != 0)).sum(axis=0))
    qualify_in, qualify_out = np.zeros((G, S, T)), np.zeros((G, S, T))
    coef_in, coef_out = np.zeros((G, S, T)), np.zeros((G, S, T))
    for p, d in enumerate(c.duration):
        if d > T:
            continue
        qualifying = np.zeros((S, T))
        qualifying[:, d - 1:] = x.X[p, :, : T - d + 1]  # starts of year u qualify at the end of u+d-1
        qualify_in[c.prog_group[p]] += c.take_up[p] * c.completion[p] * qualifying
        coef_in[c.prog_group[p]] += c.take_up[p] * c.completion[p] * (qualifying != 0)
        if c.prog_source[p] >= 0:
            qualify_out[c.prog_source[p]] += c.completion[p] * qualifying
            coef_out[c.prog_source[p]] += c.completion[p] * (qualifying != 0)
    pipe_in, pipe_out = np.zeros((G, S, T)), np.zeros((G, S, T))
    inside = c.pipe_q < T
    p, s, q, n = c.pipe_p[inside], c.pipe_s[inside], c.pipe_q[inside], c.pipe_n[inside]
    np.add.at(pipe_in, (c.prog_group[p], s, q), c.take_up[p] * c.completion[p] * n)
    up = c.prog_source[p] >= 0
    np.add.at(pipe_out, (c.prog_source[p][up], s[up], q[up]), c.completion[p][up] * n[up])
    rhs = terms[0] + terms[1] + terms[2] + qualify_in + pipe_in - qualify_out - pipe_out - x.E
    magnitude = (np.abs(H) + np.abs(terms[0]) + np.abs(terms[1]) + np.abs(terms[2]) + np.abs(qualify_in)
                 + np.abs(pipe_in) + np.abs(qualify_out) + np.abs(pipe_out) + np.abs(x.E))
    allowance = ROUNDING * (1.0 + coef[0] + coef[1] + coef[2] + coef_in + coef_out + (x.E != 0))
    out.add(np.abs(H - rhs), magnitude, _where_gst(c, (G, S, T)), allowance)


def _check_retention(c: _Case, x: _Plan, f: _Figures, out: FamilyResult) -> None:
    g, s, t, j = np.nonzero(np.broadcast_to(c.seg_exists[:, :, None, :], x.R.shape))
    share = c.seg_share[g, s, j] * c.leaver_rate[g, s]

    def rows(plan):
        return plan.R[g, s, t, j], share * _opening(plan)[g, s, t]
    _limit(out, rows, x, f, lambda i: f"{c.groups[g[i]]}, {c.stps[s[i]]}, {c.years[t[i]]}, segment {c.segments[j[i]]}")


def _check_upskilling(c: _Case, x: _Plan, f: _Figures, out: FamilyResult) -> None:
    drawn = np.flatnonzero(c.prog_source >= 0)
    if not drawn.size:
        return

    def rows(plan):
        return plan.X[drawn], c.source_share[drawn, None, None] * _opening(plan)[c.prog_source[drawn]]

    def where(i):
        p, s, t = np.unravel_index(i, (drawn.size, c.S, c.T))
        return f"{c.programmes[drawn[p]]} from {c.groups[c.prog_source[drawn[p]]]}, {c.stps[s]}, {c.years[t]}"
    _limit(out, rows, x, f, where)


def _check_placements(c: _Case, x: _Plan, f: _Figures, out: FamilyResult) -> None:
    cap = c.case.table("placement_capacity").reset_index(drop=True)
    if cap.empty:
        return
    t, members = c.year_index(cap["year"]), c.members(cap["scope"])

    def rows(plan):
        load = np.einsum("p,pst->st", c.placement_use, _students(c, plan))
        return (members * load[:, t].T).sum(axis=1), plan.constant * cap["placements"].to_numpy(float)
    _limit(out, rows, x, f, _rows_where(_scope_row_labels(cap, ["scope", "year"])))


def _check_mentoring(c: _Case, x: _Plan, f: _Figures, out: FamilyResult) -> None:
    for m in sorted(set(c.prog_mentor[c.prog_mentor >= 0].tolist())):
        mentored = c.prog_mentor == m
        weight = np.where(mentored, 1.0 / np.where(mentored, c.per_mentor, 1.0), 0.0)

        def rows(plan, m=m, weight=weight):
            return np.einsum("p,pst->st", weight, _students(c, plan)), c.mentor_share[m] * _opening(plan)[m]

        def where(i, m=m):
            s, t = np.unravel_index(i, (c.S, c.T))
            return f"mentors from {c.groups[m]}, {c.stps[s]}, {c.years[t]}"
        _limit(out, rows, x, f, where)


def _check_course_capacity(c: _Case, x: _Plan, f: _Figures, out: FamilyResult) -> None:
    cap = c.case.table("course_capacity").reset_index(drop=True)
    if cap.empty:
        return
    p, t, members = c.programmes.get_indexer(cap["programme"]), c.year_index(cap["year"]), c.members(cap["scope"])

    def rows(plan):
        return (members * plan.X[p, :, t]).sum(axis=1), plan.constant * cap["places"].to_numpy(float)
    _limit(out, rows, x, f, _rows_where(_scope_row_labels(cap, ["programme", "scope", "year"])))


def _check_pools(c: _Case, x: _Plan, f: _Figures, out: FamilyResult) -> None:
    pools = c.case.table("recruitment_pools").reset_index(drop=True)
    if pools.empty:
        return
    k, t = c.sources.get_indexer(pools["source"]), c.year_index(pools["year"])
    group = pools["staff_group"].to_numpy(object)
    # a named group counts that group; a blank one every group (recruits of a group the source is
    # not open to are reported under bounds)
    sel = ((group[:, None] == c.groups.to_numpy(object)[None, :]) | pd.isna(pools["staff_group"]).to_numpy()[:, None])
    members = c.members(pools["scope"]).astype(float)

    def rows(plan):
        rec = np.moveaxis(plan.Rec, 0, 2)[:, :, k, t]  # (G, S, rows)
        return np.einsum("rg,rs,gsr->r", sel.astype(float), members, rec), plan.constant * pools["pool_fte"].to_numpy(float)
    _limit(out, rows, x, f, _rows_where(_scope_row_labels(pools, ["source", "staff_group", "scope", "year"])))


def _check_establishment(c: _Case, x: _Plan, f: _Figures, out: FamilyResult) -> None:
    posts = c.case.table("establishment").reset_index(drop=True)
    if posts.empty:
        return
    g, t, members = c.groups.get_indexer(posts["staff_group"]), c.year_index(posts["year"]), c.members(posts["scope"])

    def rows(plan):
        return (members * plan.H[g, :, t + 1]).sum(axis=1), plan.constant * posts["posts_fte"].to_numpy(float)
    _limit(out, rows, x, f, _rows_where(_scope_row_labels(posts, ["staff_group", "scope", "year"])))


def _outlay(c: _Case, x) -> dict[str, np.ndarray]:
    """Cash outlay (£, undiscounted) by lever, STP and year, as budgets count it: a start's committed
    cost spread evenly over its course years (only model years count)."""
    spend = c.place_cost[:, None, None] / c.duration[:, None, None] * x.X
    csum = np.cumsum(spend, axis=2)
    running = csum.copy()
    for p, d in enumerate(c.duration):
        if d < c.T:
            running[p, :, d:] -= csum[p, :, :-d]
    return {
        "training": running.sum(axis=0),
        "recruitment": np.einsum("kgs,kgst->st", c.rec_cost, x.Rec),
        "retention": np.einsum("gsj,gstj->st", c.seg_cost, x.R),
        "exit": (c.exit_cost * x.E).sum(axis=0),
    }


def _check_budget(c: _Case, x: _Plan, f: _Figures, out: FamilyResult) -> None:
    budgets = c.case.table("budgets").reset_index(drop=True)
    if budgets.empty:
        return
    t0 = c.year_index(budgets["from_year"].fillna(c.years[0]))
    t1 = c.year_index(budgets["to_year"].fillna(c.planning_years[-1]))  # run-out years only where named
    members = c.members(budgets["scope"])

    def rows(plan):
        outlay = _outlay(c, plan)
        lhs = np.zeros(len(budgets))
        for i, lever in enumerate(budgets["lever"]):
            spend = sum(outlay.values()) if lever == "all" else outlay[lever]
            lhs[i] = (members[i][:, None] * spend[:, t0[i]:t1[i] + 1]).sum()
        return lhs, plan.constant * budgets["limit_gbp"].to_numpy(float)
    _limit(out, rows, x, f, _rows_where(_scope_row_labels(budgets, ["budget", "lever", "scope", "from_year", "to_year"])))


def _target_measures(c: _Case, x: _Plan) -> pd.DataFrame:
    """Each case target with its recomputed measure, shortfall, penalty and magnitude."""
    tg = c.case.table("targets").reset_index(drop=True)
    n = len(tg)
    gsel, ssel = np.ones((n, c.G), bool), np.ones((n, c.S), bool)
    for i, r in tg.iterrows():
        fams, grps, regs, stps = (split_list(r[k]) for k in ("family", "staff_group", "region", "stp"))
        if fams:
            gsel[i] &= np.isin(c.family, fams)
        if grps:
            gsel[i] &= np.isin(c.groups, grps)
        if regs:
            ssel[i] &= np.isin(c.stp_region, regs)
        if stps:
            ssel[i] &= np.isin(c.stps, stps)
    t = c.year_index(tg["year"])
    level = np.einsum("ig,is,gsi->i", gsel.astype(float), ssel.astype(float), x.H[:, :, t + 1])
    size = np.einsum("ig,is,gsi->i", gsel.astype(float), ssel.astype(float), np.abs(x.H[:, :, t + 1]))
    base = np.einsum("ig,is,gs->i", gsel.astype(float), ssel.astype(float), c.baseline)
    growth = (tg["measure"] == "growth").to_numpy()
    measure = level - np.where(growth, base, 0.0)
    soft = (tg["kind"] == "soft").to_numpy()
    minimum = tg["minimum_fte"].to_numpy(float)
    penalty = tg["penalty_gbp_per_fte"].astype(float).fillna(c.case.config.default_penalty_gbp_per_fte).to_numpy()
    cells = gsel.sum(axis=1) * ssel.sum(axis=1)
    return tg.assign(measure_fte=measure, shortfall_fte=np.where(soft, np.maximum(0.0, minimum - measure), 0.0),
                     penalty=np.where(soft, penalty, 0.0), magnitude=size + np.where(growth, base, 0.0), cells=cells)


def _check_targets(c: _Case, x: _Plan, solution: dict, tm: pd.DataFrame, out: FamilyResult,
                   problems: list[str]) -> None:
    rep = _records(solution, "targets", ["target", "kind", "year", "measure"] + _TARGET_FTE, _TARGET_FTE)
    dup = rep["target"].duplicated()
    if dup.any():
        problems.append(f"targets: duplicated target(s): {_few(rep.loc[dup, 'target'])}")
    rep = rep[~dup].set_index("target")
    missing = sorted(set(tm["target"]) - set(rep.index))
    extra = sorted(set(rep.index) - set(tm["target"]))
    if missing:
        problems.append(f"targets: {len(missing)} target(s) of the case not reported: {_few(missing)}")
    if extra:
        problems.append(f"targets: {len(extra)} target(s) reported that the case does not have: {_few(extra)}")
    r = rep.reindex(tm["target"])
    for col in ("kind", "year", "measure"):
        wrong = r[col].notna().to_numpy() & (r[col].to_numpy(object) != tm[col].to_numpy(object))
        if wrong.any():
            problems.append(f"targets: {wrong.sum()} target(s) reported with a {col} other than the case's: "
                            + _few(tm.loc[wrong, "target"]))
    ids = tm["target"].tolist()
    soft = (tm["kind"] == "soft").to_numpy()
    minimum, maximum = tm["minimum_fte"].to_numpy(float), tm["maximum_fte"].astype(float).to_numpy()
    measure, mag = tm["measure_fte"].to_numpy(), tm["magnitude"].to_numpy()
    # the plan meets each minimum (a soft one with its reported shortfall) and maximum
    short = np.where(soft, r["shortfall_fte"].fillna(0.0).to_numpy(float), 0.0)
    scale = np.maximum.reduce([mag, np.abs(minimum), np.nan_to_num(np.abs(maximum))])
    allowance = ROUNDING * (tm["cells"].to_numpy() + 1.0)
    out.add(np.maximum(0.0, minimum - measure - short), scale, lambda i: f"{ids[i]} minimum", allowance)
    has_max = ~np.isnan(maximum)
    out.add(np.maximum(0.0, measure - maximum)[has_max], scale[has_max],
            lambda i: f"{np.array(ids, object)[has_max][i]} maximum", allowance[has_max])
    # the reported figures are the recomputed ones
    present = r["kind"].notna().to_numpy()
    shown = np.array(ids, object)[present]
    for col, value, size, allow in (("minimum_fte", minimum, np.abs(minimum), ROUNDING),
                                    ("maximum_fte", maximum, np.nan_to_num(np.abs(maximum)), ROUNDING),
                                    ("achieved_fte", measure, scale, allowance),
                                    ("shortfall_fte", tm["shortfall_fte"].to_numpy(), scale, allowance)):
        reported = r[col].to_numpy(float)
        both_blank = np.isnan(reported) & np.isnan(value) if col == "maximum_fte" else np.zeros(len(tm), bool)
        viol = np.where(both_blank, 0.0, np.abs(reported - value))
        out.add(viol[present], size[present], lambda i, col=col: f"{shown[i]} reported {col}",
                np.broadcast_to(allow, viol.shape)[present])
    # a soft target's reported penalty cost (where the file gives one) is its shortfall × its penalty
    pen = _records(solution, "targets", ["target", "penalty_cost_gbp"], ["penalty_cost_gbp"])
    pen = pen[~pen["target"].duplicated()].set_index("target").reindex(tm["target"])["penalty_cost_gbp"].to_numpy(float)
    has = soft & ~np.isnan(pen)
    expect = (tm["penalty"] * tm["shortfall_fte"]).to_numpy(float)
    out.add(np.abs(pen - expect)[has], np.abs(expect)[has],
            lambda i: f"{np.array(ids, object)[has][i]} reported penalty cost",
            (tm["penalty"].to_numpy(float) * allowance + ROUNDING)[has])


def _number(value) -> float:
    """A JSON number as a float (NaN for anything else)."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else np.nan


def _check_costs(c: _Case, x: _Plan, f: _Figures, solution: dict, tm: pd.DataFrame, out: FamilyResult,
                 problems: list[str]) -> tuple[float, float]:
    """Check every cost figure; return the recomputed objective and what the file's rounding may move it."""
    al = x.allocations
    q, cost, unit = al["quantity"].fillna(0.0).to_numpy(), al["cost_gbp"].to_numpy(float), x.unit_cost
    labels = [f"{r.lever} {r.item}, {r.staff_group}, {r.stp}, {r.year}" for r in al.itertuples(index=False)]
    expect = q * unit
    out.add(np.abs(cost - expect), np.maximum(np.abs(cost), np.abs(expect)), lambda i: f"allocation cost: {labels[i]}",
            ROUNDING * (unit + 1.0))

    # costs by lever, year and region, recomputed from quantity × the case's unit cost
    t = al["t"].to_numpy(np.int64)
    region = c.stp_region[al["s"].to_numpy(np.int64)]
    lever = al["lever"].to_numpy(object)
    allow = ROUNDING * (unit + 1.0)  # what the rounding of one allocation's figures may move a sum
    committed = pd.DataFrame({"lever": lever, "year": np.array(c.years, object)[t], "region": region,
                              "cost_gbp": expect, "present_value_gbp": expect * c.discount[t], "outlay_gbp": 0.0,
                              "allow": allow})
    # outlay: a training start's cost spread evenly over its course years inside the model years
    training = lever == "training"
    d = np.append(c.duration, 1)[np.where(training, al["i"], -1)]  # 1 for the other levers
    row = np.repeat(np.arange(len(al)), d)
    lag = np.arange(row.size) - np.repeat(np.cumsum(d) - d, d)
    year = t[row] + lag
    inside = year < c.T
    row, year = row[inside], year[inside]
    spread = pd.DataFrame({"lever": lever[row], "year": np.array(c.years, object)[year], "region": region[row],
                           "cost_gbp": 0.0, "present_value_gbp": 0.0, "outlay_gbp": expect[row] / d[row],
                           "allow": allow[row]})
    lines = pd.concat([committed, spread], ignore_index=True)
    costs = solution.get("costs")
    if not isinstance(costs, dict):
        raise SolutionFileError("'costs' must be an object")
    for key, by in (("by_lever_year_region", ["lever", "year", "region"]), ("by_lever", ["lever"]),
                    ("by_year", ["year"]), ("by_region", ["region"])):
        rep = _records(costs, key, by + _COSTS, _COSTS)
        if rep.duplicated(by).any():
            problems.append(f"costs.{key}: duplicated lines: {_few(rep.loc[rep.duplicated(by), by].itertuples(index=False))}")
        rec = lines.groupby(by)[_COSTS + ["allow"]].sum()
        both = rec.join(rep.groupby(by)[_COSTS].sum(), how="outer", rsuffix="_reported").fillna(0.0)
        names = [", ".join(map(str, k if isinstance(k, tuple) else (k,))) for k in both.index]
        for col in _COSTS:
            a, b = both[col].to_numpy(), both[col + "_reported"].to_numpy()
            out.add(np.abs(a - b), np.maximum(np.abs(a), np.abs(b)), lambda i, col=col, key=key: f"costs.{key} {col}: {names[i]}",
                    both["allow"].to_numpy() + ROUNDING)

    # the objective: discounted committed cost (quantity × the case's unit cost) plus the penalties of
    # soft targets and soft absorption limits (not discounted)
    absorbed, absorbed_allow = _absorption_penalties(c, x, f)
    penalties = float((tm["penalty"] * tm["shortfall_fte"]).sum()) + absorbed
    pen_allow = float((tm["penalty"] * ROUNDING * (tm["cells"] + 1.0)).sum()) + absorbed_allow
    pv, pv_allow = expect * c.discount[t], ROUNDING * unit * c.discount[t]
    objective = float(pv.sum()) + penalties
    allow = ROUNDING * (float((unit * c.discount[t]).sum()) + 1.0) + pen_allow
    run_out = t >= c.T_plan
    checks = [("costs.total_gbp", costs.get("total_gbp"), objective, allow),
              ("objective", solution.get("objective"), objective, allow),
              ("costs.penalties_gbp", costs.get("penalties_gbp"), penalties, pen_allow + ROUNDING)]
    checks += [(f"costs.{key}", costs[key], float(pv[part].sum()), float(pv_allow[part].sum()) + ROUNDING)
               for key, part in (("plan_gbp", ~run_out), ("run_out_gbp", run_out)) if costs.get(key) is not None]
    for label, value, expected, allowance in checks:
        v = _number(value)
        out.add([abs(v - expected)], [max(abs(expected), abs(v) if np.isfinite(v) else 0.0)],
                lambda i, label=label, v=v, expected=expected: f"{label} {v:,.2f} vs recomputed {expected:,.2f}",
                allowance)
    return objective, allow


def _check_commissioning(c: _Case, x: _Plan, f: _Figures, out: FamilyResult) -> None:
    """Each commissioned intake's rise, fall and floor rows (MODEL.md §11), in every model year."""
    com = c.commissioning
    if com.empty:
        return
    base = com["baseline_intake"].to_numpy(float)[:, None]
    opening = com["opening_allowance"].fillna(0.0).to_numpy(float)[:, None]
    shares = {name: com[column].to_numpy(float)[:, None] for name, column in (
        ("intake_rise", "max_rise_share"), ("intake_fall", "max_fall_share"), ("intake_floor", "floor_share"))}
    names = _scope_row_labels(com, ["programme", "scope"])

    def limits(plan):
        """``(lhs, rhs)`` of each kind of row, ``lhs ≤ rhs``, per (intake, model year)."""
        now = np.einsum("ks,kst->kt", c.com_members, plan.X[c.com_p])
        before = np.concatenate([plan.constant * base, now[:, :-1]], axis=1)
        return {"intake_rise": (now, (1 + shares["intake_rise"]) * before + plan.constant * opening),
                "intake_fall": ((1 - shares["intake_fall"]) * before, now),
                "intake_floor": (np.broadcast_to(plan.constant * shares["intake_floor"] * base, now.shape), now)}

    for name, share in shares.items():
        on = np.flatnonzero(np.isfinite(share[:, 0]))

        def rows(plan, name=name, on=on):
            lhs, rhs = limits(plan)[name]
            return lhs[on], rhs[on]

        def where(i, name=name, on=on):
            k, t = divmod(i, c.T)
            return f"{name}: {names[on[k]]}, {c.years[t]}"
        _limit(out, rows, x, f, where)


def _absorption_limits(c: _Case, plan) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Each absorption limit as ``lhs ≤ rhs`` per (table row, model year), with the table rows it has:
    growth ``H[t] ≤ (1+γ)·H[t-1] + β`` and fall ``(1−λ)·H[t-1] ≤ H[t] + E[t]``."""
    opening, H, E = _opening(plan)[c.ab_g, c.ab_s], plan.H[c.ab_g, c.ab_s, 1:], plan.E[c.ab_g, c.ab_s]
    grow, fall = np.isfinite(c.ab_growth), np.isfinite(c.ab_fall)
    return {"growth": (np.flatnonzero(grow), H[grow], (1 + c.ab_growth[grow, None]) * opening[grow]
                       + plan.constant * c.ab_growth_fte[grow, None]),
            "fall": (np.flatnonzero(fall), (1 - c.ab_fall[fall, None]) * opening[fall], H[fall] + E[fall])}


def _check_absorption(c: _Case, x: _Plan, f: _Figures, out: FamilyResult) -> None:
    """Hard absorption and local-fall limits (MODEL.md §12); soft ones are priced under costs."""
    for name, (k, _, _) in _absorption_limits(c, x).items():
        hard = ~c.ab_soft[k]

        def rows(plan, name=name, hard=hard):
            _, lhs, rhs = _absorption_limits(c, plan)[name]
            return lhs[hard], rhs[hard]

        def where(i, name=name, k=k[hard]):
            r, t = divmod(i, c.T)
            return f"{name}: {c.groups[c.ab_g[k[r]]]}, {c.stps[c.ab_s[k[r]]]}, {c.years[t]}"
        _limit(out, rows, x, f, where)


def _absorption_penalties(c: _Case, x: _Plan, f: _Figures) -> tuple[float, float]:
    """£ of soft absorption limits broken (FTE beyond × penalty, not discounted), and what the file's
    rounding may move it."""
    total = allow = 0.0
    for (k, lhs, rhs), (_, lhs_n, rhs_n) in zip(_absorption_limits(c, x).values(), _absorption_limits(c, f).values()):
        penalty = np.where(c.ab_soft[k], c.ab_penalty[k], 0.0)[:, None]
        total += float((penalty * np.maximum(0.0, lhs - rhs)).sum())
        allow += float((penalty * ROUNDING * (np.abs(lhs_n) + np.abs(rhs_n))).sum())
    return total, allow


def _check_run_out(c: _Case, x: _Plan, f: _Figures, out: FamilyResult) -> None:
    """Each group's staff in post in each region in each run-out year is at least the last planning
    year's (MODEL.md §13)."""
    R = c.T - c.T_plan
    if R <= 0:
        return
    in_region = (c.stp_region[None, :] == c.regions.to_numpy(object)[:, None]).astype(float)  # (regions, S)

    def rows(plan):
        held = np.einsum("rs,gst->grt", in_region, plan.H[:, :, c.T_plan:])  # the last planning year, then run-out
        return np.repeat(held[:, :, :1], R, axis=2), held[:, :, 1:]

    def where(i):
        g, r, u = np.unravel_index(i, (c.G, len(c.regions), R))
        return f"workforce_held: {c.groups[g]}, {c.regions[r]}, {c.years[c.T_plan + u]}"
    _limit(out, rows, x, f, where)


def _check_stage_two(c: _Case, solution: dict, objective: float, allow: float, out: FamilyResult,
                     problems: list[str]) -> None:
    """The plan costs at most ``C* + cost_tolerance·max(|C*|, 1)`` (MODEL.md §14), ``C*`` the least cost the
    file reports and the tolerance the case's; both the reported and the recomputed objective."""
    balance = solution.get("balance")
    least = _number(balance.get("least_cost_gbp")) if isinstance(balance, dict) else np.nan
    if np.isnan(least):
        return  # stage 2 off, or no least cost reported
    tolerance = c.case.config.balance.cost_tolerance
    if _number(balance.get("cost_tolerance")) != tolerance:
        problems.append(f"balance: cost_tolerance {balance.get('cost_tolerance')} is not the case's {tolerance:g}")
    cap = least + tolerance * max(abs(least), 1.0)
    for label, value, allowance in (("objective", _number(solution.get("objective")), ROUNDING),
                                    ("recomputed objective", objective, allow)):
        out.add([np.maximum(0.0, value - cap)], [max(abs(value), abs(cap))],
                lambda i, label=label, value=value: f"{label} {value:,.2f} above the cap {cap:,.2f} "
                                                    f"(least cost {least:,.2f} × (1 + {tolerance:g}))",
                allowance + ROUNDING * (1.0 + tolerance))


def _check_bounds(c: _Case, x: _Plan, solution: dict, out: FamilyResult) -> None:
    al = x.allocations
    q = al["quantity"].fillna(0.0).to_numpy()
    labels = [f"{r.lever} {r.item}, {r.staff_group}, {r.stp}, {r.year}" for r in al.itertuples(index=False)]
    out.add(np.maximum(0.0, -q), np.abs(q), lambda i: f"negative quantity: {labels[i]}")
    H = x.H[:, :, 1:]
    out.add(np.maximum(0.0, -H), np.abs(H), _where_gst(c, H.shape, "negative staff in post: "))
    short = _records(solution, "targets", ["target", "shortfall_fte"], ["shortfall_fte"])
    s = short["shortfall_fte"].fillna(0.0).to_numpy()
    ids = short["target"].tolist()
    out.add(np.maximum(0.0, -s), np.abs(s), lambda i: f"negative shortfall: {ids[i]}")

    # levers used only where the case offers them
    L, a_s, a_g, a_t, a_i = (al[k].to_numpy() for k in ("lever", "s", "g", "t", "i"))
    offered = np.ones(len(al), bool)
    m = L == "recruitment"
    offered[m] = c.rec_open[a_i[m].astype(int), a_g[m].astype(int), a_s[m].astype(int)]
    m = L == "retention"
    offered[m] = c.seg_exists[a_g[m].astype(int), a_s[m].astype(int), a_i[m].astype(int)]
    m = L == "exit"
    offered[m] = c.exit_allowed[a_g[m].astype(int), a_s[m].astype(int), a_t[m].astype(int)]
    out.add(np.where(offered, 0.0, np.abs(q)), np.abs(q), lambda i: f"lever not offered by the case: {labels[i]}")

    # exit limits
    out.add(np.maximum(0.0, x.E - c.exit_max), np.maximum(np.abs(x.E), np.nan_to_num(c.exit_max, posinf=0.0)),
            _where_gst(c, x.E.shape, "exits above their limit: "))

    # integer programmes: whole starts, and none below the minimum cohort
    whole = np.flatnonzero(c.integer)
    if whole.size:
        Xw = x.X[whole]
        frac = np.abs(Xw - np.round(Xw))
        below = np.where((Xw > TOLERANCE) & (Xw < c.min_cohort[whole, None, None]), c.min_cohort[whole, None, None] - Xw, 0.0)

        def where(i, what):
            p, s, t = np.unravel_index(i, Xw.shape)
            return f"{what}: {c.programmes[whole[p]]}, {c.stps[s]}, {c.years[t]}"
        out.add(frac, 1.0, lambda i: where(i, "starts not whole"), ROUNDING)  # whole to within 1e-6 of a start
        out.add(below, np.maximum(np.abs(Xw), c.min_cohort[whole, None, None]), lambda i: where(i, "cohort below minimum"))


def _check_baseline(c: _Case, x: _Plan, out: FamilyResult) -> None:
    H0 = x.H[:, :, 0]
    out.add(np.abs(H0 - c.baseline), np.maximum(np.abs(H0), np.abs(c.baseline)),
            lambda i: (lambda g, s: f"{c.groups[g]}, {c.stps[s]}, {c.base_year}")(*np.unravel_index(i, H0.shape)),
            ROUNDING)


# --------------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------------

def verify_solution(case: Case, solution: dict) -> VerifyReport:
    """Check a solution (the parsed solution JSON) against ``case`` without solving anything.

    Raises:
        SolutionFileError: if ``solution`` is not shaped like a solution file at all.
    """
    if not isinstance(solution, dict):
        raise SolutionFileError("a solution file is a JSON object")
    for key in ("case", "status", "costs", "targets", "workforce", "allocations"):
        if key not in solution:
            raise SolutionFileError(f"no '{key}' field; is this a solution.json written by 'optimiser solve'?")
    from optimiser.export.solution import schema_problem

    if (problem := schema_problem(solution)) is not None:
        raise SolutionFileError(problem)
    info = solution["case"] if isinstance(solution["case"], dict) else {}
    status = str(solution.get("status"))
    report = VerifyReport(case.name, case.scenario, status)
    if info.get("sha256") != case.content_hash:
        hint = ""
        if info.get("name") != case.name or info.get("scenario") != case.scenario:
            hint = (f" (the solution is of case '{info.get('name')}'"
                    + (f" with scenario '{info.get('scenario')}'" if info.get("scenario") else " without a scenario")
                    + f"; the loaded case is '{case.name}'"
                    + (f" with scenario '{case.scenario}'" if case.scenario else " without a scenario") + ")")
        report.problems.append("case sha256 differs: the solution was made from another case or scenario, or the case "
                               f"has changed since{hint}; solution {str(info.get('sha256'))[:12]}…, "
                               f"loaded case {case.content_hash[:12]}…")
    if status != "optimal":
        report.problems.append(f"status is '{status}': the solution carries no plan to verify")
        return report

    c = _Case(case)
    x = _Plan(c, solution, report.problems)
    res = {name: FamilyResult(name) for name in FAMILIES}
    _plan_constants(c, x)
    f = _Figures(c, x)
    _check_stock_flow(c, x, res["stock_flow"])
    _check_retention(c, x, f, res["retention"])
    _check_upskilling(c, x, f, res["upskilling_source"])
    _check_placements(c, x, f, res["placements"])
    _check_mentoring(c, x, f, res["mentoring"])
    _check_course_capacity(c, x, f, res["course_capacity"])
    _check_pools(c, x, f, res["recruitment_pools"])
    _check_establishment(c, x, f, res["establishment"])
    _check_budget(c, x, f, res["budget"])
    tm = _target_measures(c, x)
    _check_targets(c, x, solution, tm, res["targets"], report.problems)
    _check_commissioning(c, x, f, res["commissioning"])
    _check_absorption(c, x, f, res["absorption"])
    _check_run_out(c, x, f, res["run_out"])
    objective, allow = _check_costs(c, x, f, solution, tm, res["costs"], report.problems)
    _check_stage_two(c, solution, objective, allow, res["stage_two_cost"], report.problems)
    _check_bounds(c, x, solution, res["bounds"])
    _check_baseline(c, x, res["baseline"])
    report.families = [res[name] for name in FAMILIES]
    return report


def render(report: VerifyReport):
    """A rich Table of the report: family, checks, largest violation (absolute, relative) and where."""
    from rich.markup import escape
    from rich.table import Table

    verdict = "[bold green]verified[/]" if report.ok else "[bold red]NOT verified[/]"
    title = (f"{verdict}  {report.case_name}" + (f" + scenario {report.scenario}" if report.scenario else "")
             + f": status {report.status}, {report.checks:,} checks within {TOLERANCE:g} relative")
    table = Table(title=title, title_justify="left", show_edge=False)
    table.add_column("family")
    table.add_column("checks", justify="right")
    table.add_column("largest violation", justify="right")
    table.add_column("relative", justify="right")
    table.add_column("where")
    table.add_column("", justify="center")
    for f in report.families:
        table.add_row(f.family, f"{f.checks:,}", f"{f.violation:.3g}" if f.checks else "",
                      f"{f.relative:.2g}" if f.checks else "", escape(f.where) or ("no rows" if not f.checks else ""),
                      ("[green]ok[/]" if f.ok else f"[bold red]{f.failed:,} failed[/]"))
    if report.problems:
        table.caption = "\n".join(f"[red]✗ {escape(p)}[/]" for p in report.problems)
        table.caption_justify = "left"
    return table


def read_solution(path: str | Path) -> dict:
    """The parsed solution JSON.

    Raises:
        SolutionFileError: if the file cannot be read or is not JSON.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SolutionFileError(f"cannot read {path}: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SolutionFileError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise SolutionFileError(f"{path} is not a solution file (expected a JSON object)")
    return data


def verify_command(case: str | Path | Case, solution_path: str | Path, scenario: str | None = None,
                   console=None, err_console=None) -> int:
    """``optimiser verify CASE SOLUTION.json [--scenario S]``: print the report table; return the exit code.

    The case is loaded with the scenario recorded in the solution (its ``case.scenario``); a ``scenario``
    given that differs is refused (exit 2) rather than reported as another case.

    Exit codes: 0 verified; 1 not verified (a violation, another case, or no optimal plan);
    2 the case or the solution file cannot be read. ``console`` (stdout) gets the table,
    ``err_console`` (stderr) the reasons a file cannot be read.
    """
    from rich.console import Console

    console = console or Console()
    errors = err_console or Console(stderr=True)
    try:
        solution = read_solution(solution_path)
    except SolutionFileError as exc:
        errors.print(f"[bold red]bad solution file[/]: {exc}", highlight=False)
        return EXIT_BAD_INPUT
    if isinstance(case, Case):
        loaded = case
    else:
        info = solution.get("case")
        recorded = info.get("scenario") if isinstance(info, dict) else None
        if recorded is not None and not isinstance(recorded, str):
            errors.print(f"[bold red]bad solution file[/]: its case.scenario is {recorded!r}; expected a scenario's "
                         "name or null", highlight=False)
            return EXIT_BAD_INPUT
        if scenario is not None and scenario != recorded:
            solved = f"with scenario '{recorded}'" if recorded else "without a scenario (the base case)"
            errors.print(f"[bold red]scenario mismatch[/]: {solution_path} was solved {solved}, not '{scenario}'; "
                         "leave out --scenario to verify it against the case it was solved with", highlight=False)
            return EXIT_BAD_INPUT
        scenario = recorded  # the scenario the solution was solved with (solution.json case.scenario)
        run_out = (solution.get("case") or {}).get("run_out_years")  # as solved (solve --run-out-years)
        try:
            loaded = load_case(case, scenario, run_out if isinstance(run_out, int) else None)
        except CaseError as exc:
            errors.print(f"[bold red]{len(exc.problems)} problem(s) in case {case}[/]"
                         + (f" with scenario {scenario}" if scenario else ""))
            for p in exc.problems:
                errors.print(f"  • {p}", markup=False, highlight=False)
            return EXIT_BAD_INPUT
    try:
        report = verify_solution(loaded, solution)
    except SolutionFileError as exc:
        errors.print(f"[bold red]bad solution file[/]: {exc}", highlight=False)
        return EXIT_BAD_INPUT
    console.print(render(report))
    return EXIT_OK if report.ok else EXIT_FAILED
