"""Schema of ``case.yaml``: the case's settings and the names of its tables."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from optimiser.case.years import parse_year, year_label

SolverName = Literal["highs", "pulp-cbc", "pulp-highs", "glop", "pdlp", "cp-sat", "scip"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class SolverSettings(_Strict):
    """Which solver to use and its options."""

    name: SolverName = Field("highs", description="Solver backend")
    time_limit_seconds: float | None = Field(None, gt=0, description="Stop after this many seconds (s)")
    mip_gap: float | None = Field(None, ge=0, le=1, description="Relative MIP gap (share) for integer cases")
    threads: int | None = Field(None, ge=1, description="Solver threads")
    random_seed: int | None = Field(None, ge=0, description="Solver random seed")
    crossover: bool = Field(True, description="pdlp only: finish at an exact vertex with HiGHS's simplex method, "
                                              "started from PDLP's plan")


class TableFiles(_Strict):
    """File name of each table, relative to the case folder."""

    regions: str = "regions.csv"
    stps: str = "stps.csv"
    staff_groups: str = "staff_groups.csv"
    baseline_workforce: str = "baseline_workforce.csv"
    leaver_rates: str = "leaver_rates.csv"
    programmes: str = "programmes.csv"
    pipeline: str = "pipeline.csv"
    recruitment_sources: str = "recruitment_sources.csv"
    recruitment_costs: str = "recruitment_costs.csv"
    recruitment_pools: str = "recruitment_pools.csv"
    retention_segments: str = "retention_segments.csv"
    exits: str = "exits.csv"
    placement_capacity: str = "placement_capacity.csv"
    course_capacity: str = "course_capacity.csv"
    establishment: str = "establishment.csv"
    budgets: str = "budgets.csv"
    targets: str = "targets.csv"
    commissioning: str = "commissioning.csv"
    absorption: str = "absorption.csv"


class BalanceSettings(_Strict):
    """Stage 2 (MODEL.md §14): among plans within ``cost_tolerance`` of the least cost, the most balanced.

    The imbalance minimised is ``growth_weight × Σ_{g,s} |growth[g,s] − share[s]·growth[g]|`` (FTE, last
    planning year) ``+ intake_weight × Σ_{p,c,t} |I[p,c,t] − I[p,c,t−1]|`` (starts) ``+ spread_weight ×``
    the distance of each STP's starts, recruits and retained leavers from its reference share of its
    scope's total (units of each lever).
    """

    enabled: bool = Field(True, description="Run stage 2 after the minimum-cost solve (LP cases)")
    cost_tolerance: float = Field(1e-6, ge=0, le=1, description="Stage 2 may cost at most C*·(1 + this) (share)")
    growth_weight: float = Field(1.0, ge=0, description="Weight per FTE of an STP's growth away from its share")
    intake_weight: float = Field(1.0, ge=0, description="Weight per start of a year-on-year change in a "
                                                        "commissioned intake")
    spread_weight: float = Field(0.01, ge=0, description="Weight per unit of an STP's starts, recruits or retained "
                                                         "leavers away from its share of its scope's total")


class PlanCheckSettings(_Strict):
    """Thresholds of the plan checks (MODEL.md "Plan checks"); a check that fails is a finding, not an error."""

    max_intake_change_share: float = Field(0.25, ge=0, description="Largest year-on-year change in a commissioned "
                                                                   "intake before it counts as a jump (share)")
    min_final_intake_share: float = Field(0.8, ge=0, description="Intake in the last planning year at least this "
                                                                 "share of the average of the earlier years (share)")
    growth_share_ratio: float = Field(2.0, gt=1, description="An STP's share of a family's growth may be at most "
                                                             "this times, and at least 1/this of, its reference share")
    min_growth_share_fte: float = Field(100.0, ge=0, description="Families growing by less than this (FTE) nationally "
                                                                 "are not checked for their STP shares")
    max_local_shrink_share: float = Field(0.1, ge=0, le=1, description="A group may shrink in an STP by at most "
                                                                       "this share over the plan while it grows "
                                                                       "nationally")


class CaseConfig(_Strict):
    """The settings of an allocation case (``case.yaml``)."""

    name: str = Field(min_length=1, description="Short name used in outputs")
    description: str = Field("", description="What the case is for")
    first_year: str = Field(description="First planning year, e.g. 2016/17")
    last_year: str = Field(description="Last planning year, e.g. 2020/21")
    price_base_year: str = Field(description="Year whose prices all £ figures are in, e.g. 2016/17")
    discount_rate: float = Field(0.0, ge=0, le=1, description="Discount rate (share a year); Green Book 0.035")
    default_penalty_gbp_per_fte: float = Field(
        1_000_000.0, gt=0, description="Penalty per FTE short on a soft target that states none (£/FTE)"
    )
    run_out_years: int = Field(0, ge=0, le=20, description="Years the model runs on after last_year with no "
                                                           "targets, holding each group's staff in post per region "
                                                           "(MODEL.md §13)")
    solver: SolverSettings = Field(default_factory=SolverSettings)
    balance: BalanceSettings = Field(default_factory=BalanceSettings)
    plan_checks: PlanCheckSettings = Field(default_factory=PlanCheckSettings)
    tables: TableFiles = Field(default_factory=TableFiles)

    @field_validator("first_year", "last_year", "price_base_year")
    @classmethod
    def _year(cls, v: str) -> str:
        parse_year(v)
        return v.strip()

    @property
    def years(self) -> list[str]:
        """Planning year labels, first to last (the years targets may name)."""
        return [year_label(y) for y in range(parse_year(self.first_year), parse_year(self.last_year) + 1)]

    @property
    def run_out(self) -> list[str]:
        """Run-out year labels after the last planning year (MODEL.md §13)."""
        last = parse_year(self.last_year)
        return [year_label(last + u) for u in range(1, self.run_out_years + 1)]

    @property
    def model_years(self) -> list[str]:
        """Every year the model runs: the planning years, then the run-out years."""
        return self.years + self.run_out
