"""The case as arrays, built here from the case tables, independently of ``optimiser.model``."""
from __future__ import annotations

import numpy as np
import pandas as pd

from optimiser.case import Case
from optimiser.case.tables import NATIONAL
from optimiser.case.years import parse_year, year_label


class CaseArrays:
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
