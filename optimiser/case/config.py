"""Schema of ``case.yaml``: the case's settings and the names of its tables."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from optimiser.case.years import parse_year

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
    solver: SolverSettings = Field(default_factory=SolverSettings)
    tables: TableFiles = Field(default_factory=TableFiles)

    @field_validator("first_year", "last_year", "price_base_year")
    @classmethod
    def _year(cls, v: str) -> str:
        parse_year(v)
        return v.strip()

    @property
    def years(self) -> list[str]:
        """Planning year labels, first to last."""
        from optimiser.case.years import year_label

        return [year_label(y) for y in range(parse_year(self.first_year), parse_year(self.last_year) + 1)]
