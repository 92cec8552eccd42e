"""A solved case as pandas tables, in the planner's words."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from optimiser.model.data import ModelData
from optimiser.model.lp import LinearProgram
from optimiser.solvers.base import MipSummary, SolverResult

#: Variable block -> (lever, unit) as reported in allocations.
LEVERS = {
    "training_starts": ("training", "starts"),
    "recruits": ("recruitment", "recruits"),
    "leavers_retained": ("retention", "leavers retained"),
    "planned_exits": ("exit", "FTE"),
}
TOL = 1e-7


@dataclass
class Solution:
    """The result of solving a case.

    Attributes:
        status: ``optimal``, ``infeasible``, ``time_limit``, ... (see ``optimiser.solvers.base.STATUSES``).
        objective: total cost (£ present value, including soft-target penalties), when solved.
        workforce: staff in post (FTE) by STP, staff group and year (the baseline year included).
        allocations: every lever used: lever, item, STP, staff group, year, quantity, unit, cost (£).
        costs: cost by lever, year and region (£ undiscounted, £ present value, £ cash outlay).
        targets: each target's minimum, maximum, achieved, shortfall and marginal cost (£ per FTE).
        constraints: every row of the LP with labels, slack, binding flag and shadow price (£ per unit).
        unused_levers: for each lever, item and staff group with unused options, the smallest
            reduced cost: how far (£ present value per unit) its cost must fall before it is worth using.
        mip: for whole cohorts (a MIP), the MIP solver's own objective (£), its proven best bound (£;
            None when the backend gives none), the relative gap and the tolerance asked for, and the
            count of integer columns (:class:`~optimiser.solvers.base.MipSummary`); None for an LP.
    """

    case_name: str
    scenario: str | None
    case_hash: str
    result: SolverResult
    workforce: pd.DataFrame = field(default_factory=pd.DataFrame)
    allocations: pd.DataFrame = field(default_factory=pd.DataFrame)
    costs: pd.DataFrame = field(default_factory=pd.DataFrame)
    targets: pd.DataFrame = field(default_factory=pd.DataFrame)
    constraints: pd.DataFrame = field(default_factory=pd.DataFrame)
    unused_levers: pd.DataFrame = field(default_factory=pd.DataFrame)
    data: ModelData | None = None
    lp: LinearProgram | None = None
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage; not reproducible
    diagnosis: object | None = None  # optimiser.analysis.diagnosis.Diagnosis, when an infeasible case was explained
    balance: object | None = None  # optimiser.engine.Balance: what stage 2 did (MODEL.md §14)

    @property
    def status(self) -> str:
        return self.result.status

    @property
    def objective(self) -> float | None:
        return self.result.objective

    @property
    def mip(self) -> MipSummary | None:
        return self.result.mip

    def to_json(self, constraints: bool = True) -> str:
        """The solution JSON (``schemas/solution.schema.json``); the same case gives the same bytes but timings.
        ``constraints=False`` leaves out every LP row and its shadow price (``constraints`` is then null)."""
        from optimiser.export.solution import solution_json

        return solution_json(self, constraints)


def extract(lp: LinearProgram, data: ModelData, result: SolverResult) -> Solution:
    """Tables of a solved LP."""
    case = data.case
    sol = Solution(case.name, case.scenario, case.content_hash, result, data=data)
    sol.targets = _targets(lp, data, result)
    if result.x is None:
        return sol
    x = result.x
    H = lp.variables["staff_in_post"]
    family = dict(zip(data.groups, data.family))
    wf = H.labels.assign(fte=x[H.offset:H.offset + H.size])
    base_year = _previous_year(data.years[0])
    g, s = np.meshgrid(np.arange(data.G), np.arange(data.S), indexing="ij")
    baseline = pd.DataFrame({"stp": data.stps.to_numpy(object)[s.ravel()], "region": data.stp_region.astype(object)[s.ravel()],
                             "staff_group": data.groups.to_numpy(object)[g.ravel()], "year": base_year,
                             "fte": data.baseline.ravel()})
    wf = pd.concat([baseline, wf[["stp", "region", "staff_group", "year", "fte"]]], ignore_index=True)
    wf["family"] = wf["staff_group"].map(family)
    wf["period"] = period(data, wf["year"])
    names = Names.of(case)
    sol.workforce = names.beside(wf[["stp", "region", "staff_group", "family", "year", "period", "fte"]])

    parts, unused = [], []
    cost = lp.cost  # assembled once, not once per lever
    for name, (lever, unit) in LEVERS.items():
        block = lp.variables[name]
        q = x[block.offset:block.offset + block.size]
        used = q > TOL
        parts.append(block.labels[used].assign(lever=lever, quantity=q[used], unit=unit,
                                               cost_gbp=q[used] * block.unit_cost[used],
                                               present_value_gbp=q[used] * cost[block.offset:block.offset + block.size][used]))
        if result.col_dual is not None:
            rc = result.col_dual[block.offset:block.offset + block.size]
            unused.append(block.labels[~used].assign(lever=lever, reduced_cost=rc[~used]))
    alloc = pd.concat(parts, ignore_index=True)
    alloc["period"] = period(data, alloc["year"])
    sol.allocations = names.beside(alloc[["lever", "item", "stp", "region", "staff_group", "year", "period",
                                          "quantity", "unit", "cost_gbp", "present_value_gbp"]])
    sol.costs = names.beside(_costs(lp, data, sol.allocations))
    if unused:
        u = pd.concat(unused, ignore_index=True)
        sol.unused_levers = names.beside(u.groupby(["lever", "item", "staff_group"], sort=False)
                                         .agg(options=("reduced_cost", "size"),
                                              min_reduced_cost_gbp=("reduced_cost", "min"))
                                         .reset_index())
    sol.constraints = names.beside(_constraints(lp, result), item=False)
    return sol


@dataclass
class Names:
    """The case's names for its codes (``stps.csv``, ``regions.csv``, ``staff_groups.csv``, ``programmes.csv``,
    ``recruitment_sources.csv``), to put beside the codes in every output table."""

    stp: dict
    region: dict
    staff_group: dict
    programme: dict
    source: dict

    @classmethod
    def of(cls, case) -> "Names":
        def lookup(table: str, key: str) -> dict:
            t = case.table(table)
            return dict(zip(t[key], t["name"])) if "name" in t else {}

        return cls(lookup("stps", "stp"), lookup("regions", "region"), lookup("staff_groups", "staff_group"),
                   lookup("programmes", "programme"), lookup("recruitment_sources", "source"))

    def item(self, lever: pd.Series, item: pd.Series) -> pd.Series:
        """A lever's item in words: the programme's or source's name; retention segments and exits as they are."""
        levers, codes = lever.to_numpy(object), item.to_numpy(object)
        out = codes.copy()
        for name, table in (("training", self.programme), ("recruitment", self.source)):
            m = levers == name
            out[m] = [table.get(code, code) for code in codes[m]]
        m = levers == "retention"
        out[m] = ["retention " + str(code) for code in codes[m]]
        out[levers == "exit"] = "planned exits"
        return pd.Series(out, index=item.index, dtype=object)

    def beside(self, df: pd.DataFrame, item: bool = True) -> pd.DataFrame:
        """``df`` with ``stp_name``, ``region_name``, ``staff_group_name`` (and ``item_name``) after their codes."""
        df = df.copy()
        for code, table in (("stp", self.stp), ("region", self.region), ("staff_group", self.staff_group)):
            if code in df:
                df.insert(df.columns.get_loc(code) + 1, f"{code}_name", df[code].map(table).astype(object))
        if item and "item" in df and "lever" in df:
            df.insert(df.columns.get_loc("item") + 1, "item_name", self.item(df["lever"], df["item"]))
        return df


def period(data: ModelData, years: pd.Series) -> pd.Series:
    """``plan`` for planning years, ``run_out`` for run-out years (MODEL.md §13), ``baseline`` for the year before."""
    kind = np.select([years.isin(data.years[data.T_plan:]), years.isin(data.planning_years)], ["run_out", "plan"],
                     default="baseline").astype(object)
    return pd.Series(kind, index=years.index, dtype=object)


def _previous_year(label: str) -> str:
    from optimiser.case.years import parse_year, year_label

    return year_label(parse_year(label) - 1)


def _costs(lp: LinearProgram, data: ModelData, alloc: pd.DataFrame) -> pd.DataFrame:
    """By lever, year and region: committed cost (£, in the year a lever is pulled), its present
    value (£) and cash outlay (£: a training place's cost spread evenly over its course years
    inside the horizon, as budgets count it)."""
    keys = ["lever", "year", "region"]
    committed = alloc.groupby(keys)[["cost_gbp", "present_value_gbp"]].sum()
    duration = dict(zip(data.programmes["programme"], data.programmes["duration_years"]))
    year_pos = {y: i for i, y in enumerate(data.years)}
    tr = alloc[alloc["lever"] == "training"]
    d, start = tr["item"].map(duration).to_numpy(float), tr["year"].map(year_pos).to_numpy(np.int64)
    lags = np.arange(int(data.programmes["duration_years"].max()) if len(data.programmes) else 0)
    t = start[None, :] + lags[:, None]  # (lag, start): the course years of each start, lag by lag
    lag, i = np.nonzero((lags[:, None] < d[None, :]) & (t < data.T))
    spread = pd.DataFrame({"lever": "training", "year": np.array(data.years, dtype=object)[t[lag, i]],
                           "region": tr["region"].to_numpy(object)[i],
                           "outlay_gbp": (tr["cost_gbp"].to_numpy(float) / d)[i]})
    other = alloc[alloc["lever"] != "training"][keys].assign(outlay_gbp=alloc["cost_gbp"])
    outlay = pd.concat([spread, other], ignore_index=True).groupby(keys)["outlay_gbp"].sum()
    table = committed.join(outlay, how="outer").fillna(0.0).reset_index()
    table.insert(2, "period", period(data, table["year"]))
    return table.sort_values(keys, kind="stable").reset_index(drop=True)


def _targets(lp: LinearProgram, data: ModelData, result: SolverResult) -> pd.DataFrame:
    tg = data.case.table("targets").reset_index(drop=True)
    rows = next(b for b in lp.row_blocks if b.name == "target_minimum").rows
    achieved = shortfall = dual = np.full(len(tg), np.nan)
    if result.x is not None:
        short = lp.variables["target_shortfall"]
        shortfall = np.zeros(len(tg))
        shortfall[np.flatnonzero((tg["kind"] == "soft").to_numpy())] = result.x[short.offset:short.offset + short.size]
        offset = lp.row_lower[rows] - tg["minimum_fte"].to_numpy(float)  # baseline FTE for growth targets, else 0
        achieved = result.row_activity[rows] - shortfall - offset
    if result.row_dual is not None:
        dual = result.row_dual[rows] + 0.0  # a zero dual is 0, not the solver's -0.0
    soft = (tg["kind"] == "soft").to_numpy()
    penalty = np.where(soft, tg["penalty_gbp_per_fte"].astype(float).fillna(data.case.config.default_penalty_gbp_per_fte)
                       .to_numpy(), np.nan)
    return pd.DataFrame({
        "target": tg["target"], "description": tg["description"], "kind": tg["kind"], "year": tg["year"],
        "measure": tg["measure"], "minimum_fte": tg["minimum_fte"], "maximum_fte": tg["maximum_fte"],
        "achieved_fte": achieved, "shortfall_fte": shortfall, "marginal_cost_per_fte": dual,
        "family": tg["family"], "staff_group": tg["staff_group"], "region": tg["region"], "stp": tg["stp"],
        "priority": tg["priority"].astype(float), "penalty_gbp_per_fte": penalty,
        "penalty_cost_gbp": np.where(soft, shortfall * penalty, np.nan),
    })


def _constraints(lp: LinearProgram, result: SolverResult) -> pd.DataFrame:
    rl = lp.row_labels()
    act, lo, up = result.row_activity, lp.row_lower, lp.row_upper
    slack = np.where(np.isfinite(up), up - act, np.inf)
    slack = np.minimum(slack, np.where(np.isfinite(lo), act - lo, np.inf))
    scale = np.maximum(1.0, np.abs(np.where(np.isfinite(up), up, lo)))
    near_upper = np.isfinite(up) & (~np.isfinite(lo) | (np.abs(up - act) <= np.abs(act - lo)))
    limit = np.where(near_upper, up, lo)
    rl["limit"] = np.where(np.isfinite(limit), limit, np.nan)
    rl["slack"] = np.where(np.isfinite(slack), slack, np.nan)
    rl["binding"] = np.abs(np.nan_to_num(slack, nan=np.inf)) <= 1e-6 * scale
    rl["shadow_price"] = result.row_dual if result.row_dual is not None else np.nan
    return rl.rename(columns={"block": "name"})
