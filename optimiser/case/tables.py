"""Row schemas of the case tables, one pydantic model per CSV table.

Every numeric field states its unit. ``TABLES`` lists each table with its kind:

- ``definition``: one row per thing (regions, STPs, staff groups, programmes, ...);
- ``parameter``: keyed by ``area``; national and regional rows are broadcast to STPs,
  the most specific row wins;
- ``limit``: keyed by ``scope``; the limit caps the sum over the STPs in the scope. A blank
  ``year`` repeats the row in every planning year; a named year overrides it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from optimiser.case.years import parse_year

NATIONAL = "england"


def _blank_to_none(v):
    return None if isinstance(v, str) and v.strip() == "" else v


def _to_bool(v):
    if isinstance(v, str):
        s = v.strip().lower()
        if s in ("true", "yes", "1", "y"):
            return True
        if s in ("false", "no", "0", "n", ""):
            return False
    return v


Name = Annotated[str, Field(min_length=1)]
Id = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")]
OptId = Annotated[Annotated[str, Field(pattern=r"^[A-Za-z0-9_.\-]+$")] | None, BeforeValidator(_blank_to_none)]
Area = Annotated[str, BeforeValidator(lambda v: _blank_to_none(v) or NATIONAL), Field(pattern=r"^[A-Za-z0-9_.\-]+$")]
Share = Annotated[float, Field(ge=0, le=1)]
NonNeg = Annotated[float, Field(ge=0)]
Flag = Annotated[bool, BeforeValidator(_to_bool)]
FilterList = Annotated[str | None, BeforeValidator(_blank_to_none)]


def _check_year(v):
    v = _blank_to_none(v)
    if v is not None:
        parse_year(v)
        v = str(v).strip()
    return v


Year = Annotated[str, BeforeValidator(_check_year)]
OptYear = Annotated[str | None, BeforeValidator(_check_year)]


def _opt(field_type, default, description: str):
    """An optional column: a blank cell, or a missing column, takes ``default``."""
    blank = BeforeValidator(lambda v: default if _blank_to_none(v) is None else v)
    return Annotated[field_type, blank, Field(default=default, description=description)]


def _pos(**kw):
    return Annotated[float, Field(**kw)]


class Row(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True)


class Region(Row):
    region: Id = Field(description="Region code")
    name: Name = Field(description="Region name")


class Stp(Row):
    stp: Id = Field(description="STP code, e.g. E54000007")
    name: Name = Field(description="STP name")
    region: Id = Field(description="Region code the STP belongs to")
    population_millions: _opt(_pos(ge=0) | None, None, description="Resident population (millions): the STP's "
                                                                  "reference share of growth unless need is given")
    need: _opt(_pos(ge=0) | None, None, description="Relative need weight: the STP's reference share of growth is "
                                                     "its need over the sum (overrides population)")


class StaffGroup(Row):
    staff_group: Id = Field(description="Staff group code")
    name: Name = Field(description="Staff group name")
    family: Literal["traditional", "new_role"] = Field(description="Workforce family")
    mentor_share: _opt(Share, 0.0, description="Share (0-1) of staff in post able to mentor students")


class BaselineWorkforce(Row):
    stp: Id = Field(description="STP code")
    staff_group: Id = Field(description="Staff group code")
    fte_in_post: NonNeg = Field(description="Staff in post at the baseline (FTE)")


class LeaverRate(Row):
    area: Area = Field(description="england, a region or an STP")
    staff_group: Id = Field(description="Staff group code")
    leaver_rate: Share = Field(description="Share (0-1) of opening staff in post who leave in a year")


class Programme(Row):
    programme: Id = Field(description="Programme code")
    name: Name = Field(description="Programme name")
    staff_group: Id = Field(description="Staff group the programme qualifies into")
    source_group: OptId = Field(None, description="Group trainees come from (upskilling/redeployment); blank for new entrants")
    duration_years: int = Field(ge=1, le=15, description="Course length (whole years)")
    completion_rate: Share = Field(description="Share (0-1) of starters who complete")
    take_up_rate: Share = Field(description="Share (0-1) of completers who take a post in the STP's services")
    cost_per_place_gbp: NonNeg = Field(description="Committed cost of one start over the whole course (£)")
    placement_use: _opt(NonNeg, 0.0, description="Placement places used per student in training (places/student)")
    mentor_group: OptId = Field(None, description="Staff group that mentors the students; blank for none")
    students_per_mentor: _opt(_pos(gt=0) | None, None, description="Students one mentor supports at once")
    max_source_share: _opt(Share, 1.0, description="Starts a year as a share (0-1) of the source group's opening staff")
    integer: _opt(Flag, False, description="Starts are whole places")
    min_cohort: _opt(NonNeg, 0.0, description="Smallest cohort per STP and year when integer (starts)")


class Pipeline(Row):
    stp: Id = Field(description="STP code")
    programme: Id = Field(description="Programme code")
    qualification_year: Year = Field(description="Year at whose end the students qualify")
    students: NonNeg = Field(description="Students in training at the baseline (heads)")


class RecruitmentSource(Row):
    source: Id = Field(description="Recruitment source code")
    name: Name = Field(description="Source name")


class RecruitmentCost(Row):
    area: Area = Field(description="england, a region or an STP")
    source: Id = Field(description="Recruitment source code")
    staff_group: Id = Field(description="Staff group the source is open to")
    cost_per_recruit_gbp: NonNeg = Field(description="Cost of one recruit (£)")
    first_year_retention: _opt(Share, 1.0, description="Share (0-1) of recruits still in post after their first year")


class RecruitmentPool(Row):
    scope: Area = Field(description="england, a region or an STP; the pool is shared by its STPs")
    source: Id = Field(description="Recruitment source code")
    staff_group: OptId = Field(None, description="Staff group; blank = every group the source is open to")
    year: OptYear = Field(None, description="Year; blank = every planning year")
    pool_fte: NonNeg = Field(description="Recruits available (FTE a year)")


class RetentionSegment(Row):
    area: Area = Field(description="england, a region or an STP")
    staff_group: Id = Field(description="Staff group code")
    segment: int = Field(ge=1, description="Segment number, cheapest first")
    share_of_leavers: Share = Field(description="Share (0-1) of expected leavers this segment can keep")
    cost_per_avoided_leaver_gbp: NonNeg = Field(description="Cost of keeping one leaver for a year (£)")


class Exit(Row):
    area: Area = Field(description="england, a region or an STP")
    staff_group: Id = Field(description="Staff group code")
    year: OptYear = Field(None, description="Year; blank = every planning year")
    cost_per_exit_gbp: NonNeg = Field(description="Cost of one planned exit (£)")
    max_exits_fte: _opt(_pos(ge=0) | None, None, description="Most exits allowed per STP a year (FTE); blank = no limit")


class PlacementCapacity(Row):
    scope: Area = Field(description="england, a region or an STP")
    year: OptYear = Field(None, description="Year; blank = every planning year")
    placements: NonNeg = Field(description="Student placement places")


class CourseCapacity(Row):
    scope: Area = Field(description="england, a region or an STP")
    programme: Id = Field(description="Programme code")
    year: OptYear = Field(None, description="Year; blank = every planning year")
    places: NonNeg = Field(description="Course starts available in a year (starts)")


class Establishment(Row):
    scope: Area = Field(description="england, a region or an STP")
    staff_group: Id = Field(description="Staff group code")
    year: OptYear = Field(None, description="Year; blank = every planning year")
    posts_fte: NonNeg = Field(description="Funded posts (FTE); staff in post may not exceed them")


class Budget(Row):
    budget: Id = Field(description="Budget code")
    scope: Area = Field(description="england, a region or an STP")
    lever: Literal["all", "training", "recruitment", "retention", "exit"] = Field(description="Spend it covers")
    from_year: OptYear = Field(None, description="First year covered; blank = start of horizon")
    to_year: OptYear = Field(None, description="Last year covered; blank = end of horizon")
    limit_gbp: NonNeg = Field(description="Cash outlay allowed over the years covered (£, undiscounted)")


class Target(Row):
    target: Id = Field(description="Target code")
    description: str = Field("", description="What the target is, in words")
    measure: Literal["growth", "level"] = Field(description="growth over the baseline, or level of staff in post")
    family: FilterList = Field(None, description="Families counted (; separated); blank = all")
    staff_group: FilterList = Field(None, description="Staff groups counted (; separated); blank = all")
    region: FilterList = Field(None, description="Regions counted (; separated); blank = all")
    stp: FilterList = Field(None, description="STPs counted (; separated); blank = all")
    year: Year = Field(description="Year at whose end the target is measured")
    minimum_fte: float = Field(description="Least the measure may be (FTE)")
    maximum_fte: _opt(float | None, None, description="Most the measure may be (FTE); blank = no maximum")
    kind: _opt(Literal["hard", "soft"], "hard", description="hard: must be met; soft: shortfall pays a penalty")
    penalty_gbp_per_fte: _opt(_pos(gt=0) | None, None, description="Penalty per FTE short (£/FTE); soft only")
    priority: _opt(_pos(gt=0), 1.0, description="Weight of this target's shortfall in the elastic diagnosis")

    @field_validator("family")
    @classmethod
    def _families(cls, v):
        for f in split_list(v):
            if f not in ("traditional", "new_role"):
                raise ValueError("families traditional or new_role, separated by ;")
        return v


class Commissioning(Row):
    scope: Area = Field(description="england, a region or an STP: the starts of its STPs form one commissioned intake")
    programme: Id = Field(description="Programme code")
    baseline_intake: NonNeg = Field(description="Starts commissioned in the year before the first planning year "
                                                "(starts; 0 for a new programme)")
    max_rise_share: _opt(_pos(ge=0) | None, None, description="Largest rise in the intake from one year to the next, "
                                                              "as a share of the year before; blank = no limit")
    max_fall_share: _opt(Share | None, None, description="Largest fall in the intake from one year to the next, as a "
                                                         "share (0-1) of the year before; blank = no limit")
    opening_allowance: _opt(NonNeg, 0.0, description="Starts a year the intake may rise by on top of max_rise_share, "
                                                     "so that a new or closed programme can open (starts)")
    floor_share: _opt(_pos(ge=0) | None, None, description="Least intake in every year as a share of the baseline "
                                                           "intake; blank = no floor")


class Absorption(Row):
    area: Area = Field(description="england, a region or an STP")
    staff_group: Id = Field(description="Staff group code")
    max_growth_share: _opt(_pos(ge=0) | None, None, description="Largest growth a year services can absorb, as a "
                                                                "share of last year's staff in post; blank = no limit")
    max_growth_fte: _opt(NonNeg, 0.0, description="Growth a year services can absorb on top of max_growth_share "
                                                  "(FTE), so that a small or new service can grow")
    max_fall_share: _opt(Share | None, None, description="Largest fall a year, other than planned exits, as a share "
                                                         "(0-1) of last year's staff in post; blank = no limit")
    kind: _opt(Literal["hard", "soft"], "hard", description="hard: must hold; soft: each FTE beyond pays a penalty")
    penalty_gbp_per_fte: _opt(_pos(gt=0) | None, None, description="Penalty per FTE beyond a soft limit (£/FTE)")


def split_list(v: str | None) -> list[str]:
    """Split a ``;``-separated filter cell into its items (blank -> [])."""
    return [s.strip() for s in (v or "").split(";") if s.strip()]


@dataclass(frozen=True)
class TableSpec:
    """How one table is read: its row model, key columns, kind and whether it must exist."""

    name: str
    row: type[Row]
    keys: tuple[str, ...]
    kind: Literal["definition", "parameter", "limit"]
    required: bool


TABLES: dict[str, TableSpec] = {
    s.name: s
    for s in [
        TableSpec("regions", Region, ("region",), "definition", True),
        TableSpec("stps", Stp, ("stp",), "definition", True),
        TableSpec("staff_groups", StaffGroup, ("staff_group",), "definition", True),
        TableSpec("baseline_workforce", BaselineWorkforce, ("stp", "staff_group"), "definition", True),
        TableSpec("leaver_rates", LeaverRate, ("area", "staff_group"), "parameter", True),
        TableSpec("programmes", Programme, ("programme",), "definition", True),
        TableSpec("pipeline", Pipeline, ("stp", "programme", "qualification_year"), "definition", False),
        TableSpec("recruitment_sources", RecruitmentSource, ("source",), "definition", True),
        TableSpec("recruitment_costs", RecruitmentCost, ("area", "source", "staff_group"), "parameter", True),
        TableSpec("recruitment_pools", RecruitmentPool, ("scope", "source", "staff_group", "year"), "limit", False),
        TableSpec("retention_segments", RetentionSegment, ("area", "staff_group", "segment"), "parameter", False),
        TableSpec("exits", Exit, ("area", "staff_group", "year"), "parameter", False),
        TableSpec("placement_capacity", PlacementCapacity, ("scope", "year"), "limit", False),
        TableSpec("course_capacity", CourseCapacity, ("scope", "programme", "year"), "limit", False),
        TableSpec("establishment", Establishment, ("scope", "staff_group", "year"), "limit", False),
        TableSpec("budgets", Budget, ("budget",), "definition", False),
        TableSpec("targets", Target, ("target",), "definition", True),
        TableSpec("commissioning", Commissioning, ("scope", "programme"), "limit", False),
        TableSpec("absorption", Absorption, ("area", "staff_group"), "parameter", False),
    ]
}
