"""The solution JSON that dashboards read, and its schema (``schemas/solution.schema.json``).

Long tables are lists of records in the LP's fixed order. Every float is rounded to
``DECIMALS`` places, so the same case gives the same bytes apart from timing fields.
"""
from __future__ import annotations

import math
from dataclasses import asdict
from functools import partial
from typing import Literal

import numpy as np
import orjson
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from optimiser.plan_checks import plan_checks

SCHEMA_VERSION = "2.0"
DECIMALS = 6


Status = Literal["optimal", "infeasible", "unbounded", "infeasible_or_unbounded", "time_limit", "interrupted",
                 "numerical_trouble", "error"]  # optimiser.solvers.base.STATUSES


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CaseInfo(_Out):
    name: str
    description: str = Field("", description="What the case is for (case.yaml description), in words")
    scenario: str | None = Field(description="Scenario applied, or null for the base case")
    sha256: str = Field(description="sha256 of the case content after scenario changes")
    first_year: str
    last_year: str
    price_base_year: str = Field(description="All £ figures are at this year's prices")
    discount_rate: float = Field(description="Share a year used to discount costs to present value")
    run_out_years: int = Field(0, description="Years the model runs on after last_year to keep the workforce in post "
                                              "(MODEL.md §13); their costs are in the total and reported apart")


class EngineInfo(_Out):
    name: str
    version: str


class MipInfo(_Out):
    """How good a whole-cohort (MIP) plan is: the MIP solver's objective, its proven bound and the gap."""

    objective_gbp: float | None = Field(
        description="The MIP solver's own objective: total cost of its plan (£ present value, penalties included), "
                    "before the LP re-solve with the whole-cohort decisions fixed (whose cost is the top-level "
                    "objective); null when the MIP gave no plan (see note)")
    best_bound_gbp: float | None = Field(
        description="The solver's proven lower bound on the total cost of any plan (£ present value); null when "
                    "the backend gives none, e.g. CBC through PuLP (see note)")
    gap: float | None = Field(
        description="Relative gap |objective_gbp - best_bound_gbp| / |objective_gbp| (a share: 0.001 = 0.1%); "
                    "null when the bound is unknown")
    gap_tolerance: float = Field(
        description="Relative gap the solver was asked to stop within (a share; case.yaml solver.mip_gap or "
                    "--mip-gap, else 1e-4)")
    integer_columns: int = Field(description="Integer columns of the model (whole-cohort starts and cohort binaries)")
    note: str | None = Field(description="Why objective_gbp or best_bound_gbp is null; null when both are known")


class SolverInfo(_Out):
    name: str
    version: str
    status: Status = Field(description="The engine's status of this solve (the same words as the top-level status; "
                                       "the solver's own words are in message)")
    message: str
    seconds: float = Field(description="Wall time of the solve (s); a timing field, not reproducible")
    duals: str | None = Field(description="Where the shadow prices come from, or why there are none")
    mip: MipInfo | None = Field(description="Whole cohorts (a MIP): objective, best bound and gap; null for an LP")


class CostLine(_Out):
    lever: str | None = None
    year: str | None = None
    period: str | None = Field(None, description="plan, or run_out for the years after last_year")
    region: str | None = None
    region_name: str | None = Field(None, description="The region's name (regions.csv)")
    cost_gbp: float = Field(description="Committed cost in the year the lever is pulled (£, undiscounted)")
    present_value_gbp: float = Field(description="Committed cost discounted to the first year (£)")
    outlay_gbp: float = Field(description="Cash spent in the year, as budgets count it (£, undiscounted)")


class Costs(_Out):
    total_gbp: float | None = Field(description="The objective: present value of all levers plus penalties (£)")
    penalties_gbp: float = Field(description="Penalties included in the total (£): soft-target shortfalls and soft absorption limits broken")
    plan_gbp: float | None = Field(None, description="Present value of the levers in the planning years (£)")
    run_out_gbp: float | None = Field(None, description="Present value of the levers in the run-out years: the cost to "
                                                        "keep the last planning year's workforce in post afterwards (£)")
    by_lever: list[CostLine]
    by_year: list[CostLine]
    by_region: list[CostLine]
    by_lever_year_region: list[CostLine]


class TargetResult(_Out):
    target: str = Field(description="The target's code (targets.csv)")
    description: str
    kind: Literal["hard", "soft"]
    year: str
    measure: Literal["growth", "level"]
    minimum_fte: float = Field(description="FTE")
    maximum_fte: float | None = Field(description="FTE; null for none")
    achieved_fte: float | None = Field(description="FTE: growth over the baseline or level in post")
    shortfall_fte: float | None = Field(description="FTE short of the minimum (soft targets only)")
    marginal_cost_per_fte: float | None = Field(description="£ of total cost per extra FTE on the minimum (the dual)")
    # the target's filters (as in targets.csv, lists ';'-separated; null = all), so a shortfall reads by
    # family, staff group, region and STP; and what a shortfall costs
    family: str | None = Field(None, description="Families counted; null = all")
    staff_group: str | None = Field(None, description="Staff groups counted; null = all")
    region: str | None = Field(None, description="Regions counted; null = all")
    stp: str | None = Field(None, description="STPs counted; null = all")
    priority: float | None = Field(None, description="Weight of the shortfall in the elastic diagnosis")
    penalty_gbp_per_fte: float | None = Field(
        None, description="£ per FTE short (soft targets; the case default where the target states none); null for hard")
    penalty_cost_gbp: float | None = Field(
        None, description="shortfall × penalty_gbp_per_fte (£, included in the total cost); null for hard")


class WorkforceRow(_Out):
    stp: str
    stp_name: str | None = Field(description="The STP's name (stps.csv)")
    region: str
    region_name: str | None = Field(description="The region's name (regions.csv)")
    staff_group: str
    staff_group_name: str | None = Field(description="The staff group's name (staff_groups.csv)")
    family: str
    year: str = Field(description="Staff in post at the end of this year; the year before the horizon is the baseline")
    period: str = Field(description="baseline, plan or run_out")
    fte: float


class Allocation(_Out):
    lever: Literal["training", "recruitment", "retention", "exit"]
    item: str = Field(description="Programme, recruitment source, retention segment or 'exits'")
    item_name: str = Field(description="The programme's or source's name (programmes.csv, recruitment_sources.csv); "
                                       "'retention segment N'; 'planned exits'")
    stp: str
    stp_name: str | None = Field(description="The STP's name (stps.csv)")
    region: str
    region_name: str | None = Field(description="The region's name (regions.csv)")
    staff_group: str
    staff_group_name: str | None = Field(description="The staff group's name (staff_groups.csv)")
    year: str
    period: str = Field(description="plan, or run_out for the years after last_year")
    quantity: float
    unit: str
    cost_gbp: float = Field(description="Committed cost in the year the lever is pulled (£, undiscounted)")
    present_value_gbp: float = Field(description="cost_gbp discounted to the first year (£)")


class ConstraintRow(_Out):
    family: str
    name: str
    stp: str | None
    stp_name: str | None
    region: str | None
    region_name: str | None
    staff_group: str | None
    staff_group_name: str | None
    item: str | None
    year: str | None
    binding: bool
    limit: float | None = Field(description="The row's bound nearer its value (row units: £ for a budget, FTE, places, "
                                            "starts; fixed terms such as the pipeline moved to it); null for a free row")
    slack: float | None = Field(description="Room left before the limit binds (row units); null for a free row")
    shadow_price: float | None = Field(description="£ change in total cost per unit increase of the limit")


class UnusedLever(_Out):
    lever: Literal["training", "recruitment", "retention", "exit"]
    item: str
    item_name: str
    staff_group: str
    staff_group_name: str | None
    options: int = Field(description="Unused STP-year options of this lever, item and group")
    min_reduced_cost_gbp: float | None = Field(
        description="Smallest reduced cost among them: £ (present value) per unit its cost must fall before it is used")


class DiagnosisShortfall(_Out):
    target: str = Field(description="Hard target")
    description: str
    year: str
    measure: Literal["growth", "level"]
    family: str | None
    staff_group: str | None
    region: str | None
    stp: str | None
    priority: float
    minimum_fte: float = Field(description="FTE the case asks for")
    achievable_fte: float = Field(description="FTE reachable with every other limit kept (minimum - shortfall)")
    shortfall_fte: float = Field(description="Smallest FTE short (priority-weighted over all hard targets)")
    words: str


class DiagnosisElastic(_Out):
    """(a) Every hard target may fall short: the least priority-weighted shortfall."""

    status: Literal["optimal", "infeasible"] = Field(
        description="infeasible: even dropping every hard target leaves limits in conflict")
    message: str
    weighted_shortfall_fte: float | None = Field(description="Σ priority × shortfall (FTE)")
    total_cost_gbp: float | None = Field(description="Cost of the cheapest plan with these shortfalls (£ present value)")
    shortfalls: list[DiagnosisShortfall] = Field(description="Hard targets that fall short (others are met)")


class DiagnosisLimit(_Out):
    family: str = Field(description="Constraint family")
    name: str = Field(description="Row block, as in constraints[].name")
    item: str | None
    staff_group: str | None
    stp: str | None
    region: str | None
    years: list[str] = Field(description="Years of the limit's rows in the conflict (a budget: its span)")
    rows: int = Field(description="LP rows the limit stands for")
    stps: int | None = Field(description="STPs covered (share limits)")
    sense: Literal["≤", "≥"]
    limit: float | None = Field(description="The amount as the case states it, when the same in every row; null for shares")
    words: str


class DiagnosisConflict(_Out):
    """(b) An irreducible set of limits that cannot all hold (stock flows and bounds always hold)."""

    sentence: str
    irreducible: bool = Field(description="Dropping any one limit (or one year of a narrowed limit) makes it feasible")
    narrowed_to_years: bool = Field(description="Every multi-year quantity limit was narrowed until each year left is "
                                                "needed (false: too many such limits to narrow; each has all its years)")
    limit_count: int
    row_count: int
    limits: list[DiagnosisLimit]


class DiagnosisRelaxation(_Out):
    """(c) The least change of one limit that makes the case feasible."""

    family: str
    name: str
    item: str | None
    staff_group: str | None
    stp: str | None
    region: str | None
    years: list[str]
    change: float | None = Field(description="Least change (in unit; the same in each year if per_year); null: "
                                             "this limit alone cannot make the case feasible")
    unit: str
    per_year: bool
    limit_before: float | None
    limit_after: float | None
    relative_change: float | None = Field(description="change / the limit (share)")
    total_cost_gbp: float | None = Field(description="Cost of the cheapest plan with the change (£ present value)")
    rank_by_cost: int | None
    rank_by_change: int | None = Field(description="Rank by relative change")
    short: str = Field(description="e.g. 'budget +£X', 'pool +N a year', 'target −N'")
    words: str


class Diagnosis(_Out):
    """Why the case is infeasible (``optimiser explain``); present only when the status is infeasible."""

    status: Literal["infeasible", "integer_infeasible", "feasible"]
    message: str
    elastic: DiagnosisElastic | None
    conflict: DiagnosisConflict | None
    relaxations: list[DiagnosisRelaxation] = Field(description="Ranked by total cost")
    lp_solves: int = Field(description="LP solves the diagnosis took")


class BalanceInfo(_Out):
    """Stage 2 (MODEL.md §14): the most balanced plan within the cost tolerance, and what it bought."""

    status: str = Field(description="balanced, or why stage 2 did not run: off, whole_cohorts, no_plan, no_duals, approximate, or the "
                                    "failed stage 2's status (the stage-1 plan is then reported)")
    note: str = Field(description="Which stage each part of the output comes from, in words")
    plan_from: Literal["stage 1", "stage 2"] = Field(description="Stage that gave the plan, workforce and costs")
    shadow_prices_from: Literal["stage 1"] = Field(description="Shadow prices, marginal and reduced costs price "
                                                               "cost, not balance: always stage 1")
    cost_tolerance: float = Field(description="Share of the least cost stage 2 could spend on balance")
    least_cost_gbp: float | None = Field(description="Stage 1's least cost (£ present value, penalties included)")
    spent_on_balance_gbp: float | None = Field(description="The plan's cost less the least cost (£)")
    imbalance_before: dict[str, float] | None = Field(
        description="Imbalance of stage 1's plan per term (FTE, starts, recruits or leavers retained) and the "
                    "weighted total")
    imbalance_after: dict[str, float] | None = Field(description="The same for the reported plan")


class PlanCheckResult(_Out):
    check: str
    description: str
    threshold: str = Field(description="The case's threshold (case.yaml plan_checks), in words")
    passed: bool
    offenders: int = Field(description="How many intakes, STPs or limits fail the check")
    worst: list[str] = Field(description="The worst offenders, in words")


class SolutionFile(_Out):
    """Solution of an allocation case."""

    schema_version: Literal["2.0"]
    case: CaseInfo
    engine: EngineInfo
    solver: SolverInfo
    status: Status = Field(description="Only optimal carries a plan")
    objective: float | None = Field(description="Total cost (£ present value, penalties included)")
    costs: Costs
    targets: list[TargetResult]
    workforce: list[WorkforceRow]
    allocations: list[Allocation]
    constraints: list[ConstraintRow] | None = Field(
        description="Every LP row with its shadow price; null when left out (optimiser solve --no-constraints)")
    unused_levers: list[UnusedLever]
    balance: BalanceInfo | None = Field(None, description="What stage 2 did; null without a plan")
    plan_checks: list[PlanCheckResult] = Field(default_factory=list, description="Checks a planner makes before "
                                                                                 "trusting the plan; empty without one")
    diagnosis: Diagnosis | None = Field(None, description="Why an infeasible case is infeasible; absent otherwise")


def schema_problem(solution: dict) -> str | None:
    """Why ``solution`` (a parsed solution.json) cannot be read as this schema version, or None."""
    version = solution.get("schema_version")
    if version == SCHEMA_VERSION:
        return None
    if isinstance(version, str) and version.startswith("1."):
        return (f"it has schema_version {version}; this engine reads {SCHEMA_VERSION}, which renamed columns "
                "(docs/solution.md, migration from 1.x): solve the case again")
    return f"schema_version is {version!r}, expected '{SCHEMA_VERSION}'; is this a solution.json written by 'optimiser solve'?"


def solution_schema() -> dict:
    """The JSON Schema of the solution file."""
    schema = SolutionFile.model_json_schema()
    schema["title"] = "Allocation solution"
    return schema


def _clean(v):
    """Round a float to ``DECIMALS`` places (no -0.0); NaN and infinity become null."""
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v):
            return None
        return round(v, DECIMALS) + 0.0
    return v


def _records(df: pd.DataFrame | None, rename: dict | None = None, exact: bool = False) -> list[dict]:
    """A table as a list of records, floats rounded as by :func:`_clean` (vectorised, column by column).

    ``exact``: the floats that orjson writes otherwise than Python's ``json`` are given as the text ``json``
    writes (:func:`_as_json_writes`), and the list is marked as done (:class:`_Written`).
    """
    if df is None or df.empty:
        return _Written() if exact else []
    names = [(rename or {}).get(c, c) for c in df.columns]
    columns = [_values(df[c], exact) for c in df.columns]
    rows = [dict(zip(names, row)) for row in zip(*columns)]
    return _Written(rows) if exact else rows


def _values(col: pd.Series, exact: bool) -> list:
    """A column's values as plain Python: floats rounded to ``DECIMALS`` (no -0.0), missing values as None."""
    if pd.api.types.is_float_dtype(col):
        v = col.to_numpy(float).round(DECIMALS) + 0.0
        values = v.tolist()
        finite = np.isfinite(v)
        for i in np.flatnonzero(~finite | ((np.abs(v) < SMALL) & (v != 0) if exact else ~finite)):
            values[i] = _as_json_writes(values[i]) if finite[i] else None
        return values
    if pd.api.types.is_bool_dtype(col) or pd.api.types.is_integer_dtype(col):  # never missing
        return col.tolist()
    values = col.to_numpy(object)
    missing = pd.isna(values)
    return np.where(missing, None, values).tolist() if missing.any() else values.tolist()


def solution_dict(sol, constraints: bool = True, exact: bool = False) -> dict:
    """The solution as plain data in the shape of :class:`SolutionFile`; ``constraints=False`` leaves the
    constraints (every LP row and its shadow price) out, as null. ``exact``: long tables as :func:`_records`
    gives them for :func:`solution_bytes`."""
    from optimiser import __version__
    records = partial(_records, exact=exact)

    case = sol.data.case
    cost_cols = ["cost_gbp", "present_value_gbp", "outlay_gbp"]
    costs = sol.costs if not sol.costs.empty else pd.DataFrame(
        columns=["lever", "year", "period", "region", "region_name"] + cost_cols)
    penalties = 0.0
    if sol.result.x is not None and len(sol.targets):
        from optimiser.model.terms import soft_targets

        soft = soft_targets(sol.data)
        penalties = float((sol.targets.loc[sol.targets["kind"] == "soft", "shortfall_fte"].to_numpy()
                           * soft["penalty"].to_numpy()).sum())
    lp = getattr(sol, "lp", None)
    if sol.result.x is not None and lp is not None:  # soft absorption limits broken (MODEL.md §12)
        for v in (lp.variables[n] for n in ("absorption_growth_excess", "local_fall_excess") if n in lp.variables):
            part = slice(v.offset, v.offset + v.size)
            penalties += float(sol.result.x[part] @ lp.cost[part])
    targets = sol.targets if not sol.targets.empty else None
    return {
        "schema_version": SCHEMA_VERSION,
        "case": {"name": case.name, "description": case.config.description, "scenario": case.scenario, "sha256": case.content_hash,
                 "first_year": case.years[0], "last_year": case.years[-1],
                 "price_base_year": case.config.price_base_year, "discount_rate": case.config.discount_rate,
                 "run_out_years": case.config.run_out_years},
        "engine": {"name": "mh-workforce-optimiser", "version": __version__},
        "solver": {"name": sol.result.solver, "version": sol.result.version, "status": sol.status,
                   "message": sol.result.message, "seconds": _clean(sol.result.seconds), "duals": sol.result.duals_note,
                   "mip": None if sol.mip is None else {k: _clean(v) for k, v in asdict(sol.mip).items()}},
        "status": sol.status,
        "objective": _clean(sol.objective),
        "costs": {
            "total_gbp": _clean(sol.objective),
            "penalties_gbp": _clean(penalties),
            "plan_gbp": _clean(float(costs.loc[costs["period"] == "plan", "present_value_gbp"].sum())),
            "run_out_gbp": _clean(float(costs.loc[costs["period"] == "run_out", "present_value_gbp"].sum())),
            "by_lever": records(costs.groupby("lever", as_index=False)[cost_cols].sum()),
            "by_year": records(costs.groupby(["year", "period"], as_index=False)[cost_cols].sum()),
            "by_region": records(costs.groupby(["region", "region_name"], as_index=False, dropna=False)[cost_cols].sum()),
            "by_lever_year_region": records(costs.drop(columns="period")),
        },
        "targets": records(targets),
        "workforce": records(sol.workforce),
        "allocations": records(sol.allocations),
        "constraints": records(sol.constraints) if constraints else None,
        "unused_levers": records(sol.unused_levers),
        "balance": _balance(sol),
        "plan_checks": [_rounded_check(c) for c in plan_checks(sol)],
        **({"diagnosis": sol.diagnosis.to_dict()} if getattr(sol, "diagnosis", None) is not None else {}),
    }


def _balance(sol) -> dict | None:
    b = sol.balance
    if b is None or sol.result.x is None:
        return None
    clean = (lambda d: None if d is None else {k: _clean(v) for k, v in d.items()})
    return {"status": b.status, "note": b.note, "plan_from": "stage 2" if b.status == "balanced" else "stage 1",
            "shadow_prices_from": "stage 1", "cost_tolerance": b.cost_tolerance,
            "least_cost_gbp": _clean(b.least_cost_gbp), "spent_on_balance_gbp": _clean(b.spent_gbp),
            "imbalance_before": clean(b.imbalance_before), "imbalance_after": clean(b.imbalance_after)}


def _rounded_check(check) -> dict:
    return {k: _clean(v) for k, v in asdict(check).items()}


def solution_json(sol, constraints: bool = True) -> str:
    """The solution JSON text: compact, keys in schema order, records in the LP's fixed order."""
    return solution_bytes(sol, constraints).decode()


def solution_bytes(sol, constraints: bool = True) -> bytes:
    """:func:`solution_json` as UTF-8 bytes, written by orjson: the same bytes as ``json.dumps(solution_dict(sol),
    separators=(",", ":"), ensure_ascii=False)`` (tests/test_outputs.py), many times faster."""
    return orjson.dumps(_as_json_writes(solution_dict(sol, constraints, exact=True))) + b"\n"


#: Below this size (and above 0) orjson writes a float otherwise than Python's ``json`` (``1e-6``, not ``1e-06``).
SMALL = 1e-4


class _Written(list):
    """Records whose floats :func:`_as_json_writes` has already seen (orjson writes a list subclass as a list)."""


def _as_json_writes(v):
    """``v`` with every float that orjson would write otherwise than Python's ``json`` replaced by the text
    ``json`` writes (an ``orjson.Fragment`` of ``repr``); NaN and infinity are refused as ``json`` refuses them."""
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"a float that JSON cannot hold: {v!r}")
        return orjson.Fragment(repr(v)) if 0 < abs(v) < SMALL else v
    if isinstance(v, dict):
        return {k: _as_json_writes(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)) and not isinstance(v, _Written):
        return [_as_json_writes(x) for x in v]
    return v
