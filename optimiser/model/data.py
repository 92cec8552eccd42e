"""Index sets and parameter arrays of a case, ready for LP assembly.

Axes use these letters throughout: ``g`` staff group, ``s`` STP, ``t`` model year
(0-based: year 0 is the first planning year; the baseline is the stock before it; the run-out
years of MODEL.md §13 follow the planning years), ``p`` programme, ``k`` source.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimiser.case import Case
from optimiser.case.tables import NATIONAL, split_list
from optimiser.case.years import parse_year


@dataclass
class ModelData:
    """Everything the LP needs from a case, as numpy arrays and small tidy tables."""

    case: Case
    stps: pd.Index
    stp_region: np.ndarray  # (S,) region code of each STP
    regions: pd.Index
    groups: pd.Index
    family: np.ndarray  # (G,) family of each group
    years: list[str]  # every model year: the planning years, then the run-out years
    planning_years: list[str]  # the years targets may name
    reference_share: np.ndarray  # (S,) each STP's reference share of growth: need, else population, else equal
    baseline: np.ndarray  # (G, S) FTE in post at the baseline
    leaver_rate: np.ndarray  # (G, S) share a year
    mentor_share: np.ndarray  # (G,) share of staff able to mentor
    programmes: pd.DataFrame  # one row per programme, with integer columns g, f (source, -1), m (mentor, -1)
    pipeline: pd.DataFrame  # p, s, q (0-based qualification year, may be >= T), students
    recruit: pd.DataFrame  # open (source, group) pairs: k, g, source, staff_group
    recruit_cost: np.ndarray  # (KG, S) £ per recruit
    recruit_retention: np.ndarray  # (KG, S) share still in post after the first year
    recruit_open: np.ndarray  # (KG, S) bool: the source is open to the group in the STP (a cost row exists)
    discount: np.ndarray  # (T,) discount factor of each year

    @property
    def T(self) -> int:
        return len(self.years)

    @property
    def T_plan(self) -> int:
        """Planning years; model years ``T_plan..T-1`` are run-out years."""
        return len(self.planning_years)

    @property
    def S(self) -> int:
        return len(self.stps)

    @property
    def G(self) -> int:
        return len(self.groups)

    def year_index(self, labels) -> np.ndarray:
        """0-based planning-year index of each year label."""
        first = parse_year(self.years[0])
        codes, distinct = pd.factorize(pd.Series(labels, dtype=object))
        return np.array([parse_year(y) - first for y in distinct], dtype=np.int64)[codes]

    def members(self, scope: str) -> np.ndarray:
        """Indices of the STPs covered by a scope (england, a region or an STP)."""
        if scope == NATIONAL:
            return np.arange(self.S)
        if scope in self.regions:
            return np.flatnonzero(self.stp_region == scope)
        return np.array([self.stps.get_loc(scope)])

    def scope_matrix(self, scopes) -> tuple[np.ndarray, np.ndarray]:
        """(row, stp) index pairs: for each scope in ``scopes``, the STPs it covers."""
        codes, distinct = pd.factorize(pd.Series(scopes, dtype=object))
        members = [self.members(s) for s in distinct]
        sizes = np.array([len(members[c]) for c in codes], dtype=np.int64)
        if not sizes.sum():
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.repeat(np.arange(len(codes)), sizes), np.concatenate([members[c] for c in codes])

    def target_cells(self, target: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """(group, stp) index pairs counted by a target's filters."""
        fams, grps = split_list(target["family"]), split_list(target["staff_group"])
        regs, stps = split_list(target["region"]), split_list(target["stp"])
        g_ok = np.ones(self.G, bool)
        if fams:
            g_ok &= np.isin(self.family, fams)
        if grps:
            g_ok &= np.isin(self.groups, grps)
        s_ok = np.ones(self.S, bool)
        if regs:
            s_ok &= np.isin(self.stp_region, regs)
        if stps:
            s_ok &= np.isin(self.stps, stps)
        g, s = np.meshgrid(np.flatnonzero(g_ok), np.flatnonzero(s_ok), indexing="ij")
        return g.ravel(), s.ravel()


def model_data(case: Case) -> ModelData:
    """Turn a validated case into index sets and parameter arrays."""
    stp_table = case.table("stps")
    stps = pd.Index(stp_table["stp"])
    groups_table = case.table("staff_groups")
    groups = pd.Index(groups_table["staff_group"])
    G, S, T = len(groups), len(stps), len(case.model_years)

    def gs_array(df: pd.DataFrame, stp_col: str, value: str) -> np.ndarray:
        out = np.zeros((G, S))
        out[groups.get_indexer(df["staff_group"]), stps.get_indexer(df[stp_col])] = df[value].to_numpy(float)
        return out

    progs = case.table("programmes").reset_index(drop=True)
    progs["g"] = groups.get_indexer(progs["staff_group"])
    progs["f"] = _codes(groups, progs["source_group"])
    progs["m"] = _codes(groups, progs["mentor_group"])
    programme_index = pd.Index(progs["programme"])

    pipe = case.table("pipeline")
    first = parse_year(case.years[0])
    pipeline = pd.DataFrame({
        "p": programme_index.get_indexer(pipe["programme"]),
        "s": stps.get_indexer(pipe["stp"]),
        "q": np.array([parse_year(y) - first for y in pipe["qualification_year"]], dtype=np.int64),
        "students": pipe["students"].to_numpy(float),
    })

    costs = case.table("recruitment_costs")
    sources = pd.Index(case.table("recruitment_sources")["source"])
    recruit = costs[["source", "staff_group"]].drop_duplicates().sort_values(["source", "staff_group"]).reset_index(drop=True)
    recruit["k"] = sources.get_indexer(recruit["source"])
    recruit["g"] = groups.get_indexer(recruit["staff_group"])
    pair = pd.MultiIndex.from_frame(recruit[["source", "staff_group"]]).get_indexer(
        pd.MultiIndex.from_frame(costs[["source", "staff_group"]]))
    s_idx = stps.get_indexer(costs["area"])
    recruit_cost = np.zeros((len(recruit), S))
    recruit_retention = np.ones((len(recruit), S))
    recruit_open = np.zeros((len(recruit), S), bool)
    recruit_open[pair, s_idx] = True
    recruit_cost[pair, s_idx] = costs["cost_per_recruit_gbp"].to_numpy(float)
    recruit_retention[pair, s_idx] = costs["first_year_retention"].to_numpy(float)

    mentor = groups_table["mentor_share"].to_numpy(float)
    rate = case.config.discount_rate
    return ModelData(
        case=case,
        stps=stps,
        stp_region=stp_table["region"].to_numpy(),
        regions=pd.Index(case.table("regions")["region"]),
        groups=groups,
        family=groups_table["family"].to_numpy(),
        years=case.model_years,
        planning_years=case.years,
        reference_share=reference_share(stp_table),
        baseline=gs_array(case.table("baseline_workforce"), "stp", "fte_in_post"),
        leaver_rate=gs_array(case.table("leaver_rates"), "area", "leaver_rate"),
        mentor_share=mentor,
        programmes=progs,
        pipeline=pipeline,
        recruit=recruit,
        recruit_cost=recruit_cost,
        recruit_retention=recruit_retention,
        recruit_open=recruit_open,
        discount=(1.0 + rate) ** -np.arange(T, dtype=float),
    )


def reference_share(stps: pd.DataFrame) -> np.ndarray:
    """Each STP's reference share (0-1) of growth: its ``need`` weight where every STP has one, else its
    population where every STP has one, else an equal share (MODEL.md §14)."""
    for column in ("need", "population_millions"):
        w = stps[column].astype(float).to_numpy() if column in stps else np.full(len(stps), np.nan)
        if len(w) and np.isfinite(w).all() and w.sum() > 0:
            return w / w.sum()
    return np.full(len(stps), 1.0 / max(len(stps), 1))


def _codes(index: pd.Index, values: pd.Series) -> np.ndarray:
    out = np.full(len(values), -1, dtype=np.int64)
    present = values.notna().to_numpy()
    out[present] = index.get_indexer(values[present])
    return out
