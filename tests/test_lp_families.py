"""Hand-solved LPs, one or two per constraint family of MODEL.md.

Each test writes a tiny case (one or two STPs, one or two staff groups, two or three years)
into ``tmp_path`` with :func:`make_case`, solves it, and checks the optimal cost, the key
allocations and, where a limit binds, its shadow price. Every expected number is worked out
by hand in the test's docstring; none is copied from the program's output.

Conventions used in the arithmetic:

- years Y1 = 2016/17, Y2 = 2017/18, Y3 = 2018/19; ``H0`` baseline FTE, ``Ht`` staff in post at
  the end of year t, ``a`` leaver rate, ``c`` completion, ``e`` take-up, ``v`` first-year retention;
- ``Xt`` training starts in year t, ``rt`` recruits in year t, ``Et`` planned exits;
- a programme of duration d started in year t qualifies at the end of year t+d-1;
- shadow prices are ∂(optimal cost)/∂(the row's limit), £ per unit of the limit: a binding ``≤``
  limit that holds the plan back has a negative shadow price, a binding minimum a positive one.
"""
from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
import yaml

from optimiser.case import Case, load_case
from optimiser.case.tables import TABLES
from optimiser.engine import solve
from optimiser.solution import Solution

Y1, Y2, Y3 = "2016/17", "2017/18", "2018/19"


def approx(value: float):
    return pytest.approx(value, rel=1e-9, abs=1e-6)


# --- building tiny cases --------------------------------------------------------------------------

#: Tables every case needs; a test overrides any of them by keyword.
DEFAULTS: dict[str, list[dict]] = {
    "regions": [dict(region="north", name="North"), dict(region="south", name="South")],
    "stps": [dict(stp="A", name="Alpha", region="north")],
    "staff_groups": [dict(staff_group="nurse", name="Nurse", family="traditional")],
    "baseline_workforce": [dict(stp="A", staff_group="nurse", fte_in_post=100)],
    "leaver_rates": [dict(area="england", staff_group="nurse", leaver_rate=0)],
    "programmes": [],
    "recruitment_sources": [dict(source="dom", name="Experienced domestic"), dict(source="intl", name="International")],
    "recruitment_costs": [],
    "targets": [],
}


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return repr(v) if isinstance(v, float) else str(v)


def write_case(folder: Path, *, last_year: str = Y2, discount_rate: float = 0.0,
               default_penalty: float | None = None, **tables: list[dict]) -> Path:
    """Write a case folder from rows given as dicts (one list per table; absent columns are blank).

    Tables not given take :data:`DEFAULTS` (required ones) or are left out (optional ones); a table
    given as ``[]`` is written as a header line only.
    """
    folder.mkdir(parents=True, exist_ok=True)
    unknown = set(tables) - set(TABLES)
    assert not unknown, f"no such table {unknown}"
    config = {"name": folder.name, "description": "hand-solved test case", "first_year": Y1, "last_year": last_year,
              "price_base_year": Y1, "discount_rate": discount_rate}
    if default_penalty is not None:
        config["default_penalty_gbp_per_fte"] = default_penalty
    tables = {**DEFAULTS, **tables}
    (folder / "case.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    for name, rows in tables.items():
        columns = list(TABLES[name].row.model_fields)
        for r in rows:
            assert set(r) <= set(columns), f"{name} has no column {set(r) - set(columns)}"
        with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(columns)
            w.writerows([[_cell(r.get(c)) for c in columns] for r in rows])
    return folder


def make_case(tmp_path: Path, name: str = "case", **kw) -> Case:
    return load_case(write_case(tmp_path / name, **kw))


def solved(case: Case) -> Solution:
    sol = solve(case)
    assert sol.status == "optimal", sol.result.message
    return sol


# --- reading a solution -----------------------------------------------------------------------------

def _match(df: pd.DataFrame, **labels) -> pd.DataFrame:
    mask = pd.Series(True, index=df.index)
    for k, v in labels.items():
        mask &= df[k].isna() if v is None else df[k] == v  # None: a blank label (e.g. an england scope)
    return df[mask]


def qty(sol: Solution, lever: str, **labels) -> float:
    """Total quantity of a lever (summed over whatever labels are not given)."""
    return float(_match(sol.allocations, lever=lever, **labels)["quantity"].sum())


def staff(sol: Solution, year: str, staff_group: str = "nurse", stp: str = "A") -> float:
    rows = _match(sol.workforce, year=year, staff_group=staff_group, stp=stp)
    assert len(rows) == 1
    return float(rows["fte"].iloc[0])


def row(sol: Solution, name: str, **labels) -> pd.Series:
    """The one constraint row of block ``name`` with these labels."""
    rows = _match(sol.constraints, name=name, **labels)
    assert len(rows) == 1, f"{len(rows)} rows of {name} match {labels}"
    return rows.iloc[0]


def shadow(sol: Solution, name: str, **labels) -> float:
    return float(row(sol, name, **labels)["shadow_price"])


def target(sol: Solution, name: str) -> pd.Series:
    rows = sol.targets[sol.targets["target"] == name]
    assert len(rows) == 1
    return rows.iloc[0]


def tgt(name: str, year: str, minimum: float, measure: str = "level", **kw) -> dict:
    return dict(target=name, measure=measure, year=year, minimum_fte=minimum, **kw)


def prog(name: str, duration: int, cost: float, completion: float = 1.0, take_up: float = 1.0,
         group: str = "nurse", **kw) -> dict:
    return dict(programme=name, name=name, staff_group=group, duration_years=duration, completion_rate=completion,
                take_up_rate=take_up, cost_per_place_gbp=cost, **kw)


def rec(cost: float, source: str = "dom", group: str = "nurse", area: str = "england", **kw) -> dict:
    return dict(area=area, source=source, staff_group=group, cost_per_recruit_gbp=cost, **kw)


TWO_STPS = [dict(stp="A", name="Alpha", region="north"), dict(stp="B", name="Beta", region="south")]


# --- 1. stock flow ----------------------------------------------------------------------------------

def test_stock_flow_leavers_and_pipeline_qualifiers(tmp_path):
    """No lever is needed; staff in post follow leavers and the pipeline alone.

    H0 = 100, a = 0.1. A 2-year degree (c = 0.8, e = 0.75) has 50 students at the baseline who
    qualify at the end of Y2, adding Q2 = e·c·50 = 0.75·0.8·50 = 30 FTE.
        H1 = 0.9·100        = 90
        H2 = 0.9·90  + 30   = 111
        H3 = 0.9·111        = 99.9
    The only target (level ≥ 0) is met for free, so the cost is 0 and nothing is bought.
    """
    case = make_case(tmp_path, last_year=Y3,
                     leaver_rates=[dict(area="england", staff_group="nurse", leaver_rate=0.1)],
                     programmes=[prog("degree", 2, 10_000, completion=0.8, take_up=0.75)],
                     pipeline=[dict(stp="A", programme="degree", qualification_year=Y2, students=50)],
                     recruitment_costs=[rec(5_000)],
                     targets=[tgt("any", Y3, 0)])
    sol = solved(case)
    assert sol.objective == approx(0)
    assert sol.allocations.empty
    assert staff(sol, "2015/16") == approx(100)
    assert staff(sol, Y1) == approx(90)
    assert staff(sol, Y2) == approx(111)
    assert staff(sol, Y3) == approx(99.9)


def test_stock_flow_recruits_with_first_year_retention(tmp_path):
    """Recruits count at their first-year retention v = 0.8.

    H0 = 100, a = 0.1; domestic recruits cost £5,000 with v = 0.8. Targets: level ≥ 100 at the
    end of Y1 and of Y2.
        Y1: 0.9·100 + 0.8·r1 = 100  ->  r1 = 10/0.8 = 12.5
        Y2: 0.9·100 + 0.8·r2 = 100  ->  r2 = 12.5
    Recruiting early does not pay: a Y1 recruit is worth 0.8·0.9 = 0.72 FTE at Y2, a Y2 recruit 0.8.
    Cost = 25 · 5,000 = £125,000.
    Marginal cost of the Y2 target: 5,000/0.8 = £6,250 per FTE. Of the Y1 target: an extra FTE at Y1
    needs 1.25 recruits (£6,250) but leaves 0.9 FTE more at Y2, saving 0.9·6,250 = £5,625: £625.
    """
    case = make_case(tmp_path,
                     leaver_rates=[dict(area="england", staff_group="nurse", leaver_rate=0.1)],
                     recruitment_costs=[rec(5_000, first_year_retention=0.8)],
                     targets=[tgt("y1", Y1, 100), tgt("y2", Y2, 100)])
    sol = solved(case)
    assert sol.objective == approx(125_000)
    assert qty(sol, "recruitment", year=Y1) == approx(12.5)
    assert qty(sol, "recruitment", year=Y2) == approx(12.5)
    assert staff(sol, Y1) == approx(100)
    assert staff(sol, Y2) == approx(100)
    assert target(sol, "y2")["marginal_cost_per_fte"] == approx(6_250)
    assert target(sol, "y1")["marginal_cost_per_fte"] == approx(625)


def test_stock_flow_training_counts_completion_times_take_up(tmp_path):
    """A start adds e·c FTE when it qualifies, d years after it starts.

    H0 = 100, a = 0.1, three years; a 2-year degree, c = 0.8, e = 0.5, £20,000 a place.
    Target: level ≥ 100 at the end of Y3. Without action H3 = 100·0.9³ = 72.9, so 27.1 FTE are needed.
      - a Y1 start qualifies at the end of Y2: 0.4 FTE, 0.36 left at Y3 -> £55,556 per FTE;
      - a Y2 start qualifies at the end of Y3: 0.4 FTE -> £50,000 per FTE;
      - a Y3 start qualifies after the horizon: nothing.
    So X2 = 27.1/0.4 = 67.75, cost 67.75·20,000 = £1,355,000; H2 = 81 (nobody has qualified yet).
    Marginal cost of the target: £50,000 per FTE.
    """
    case = make_case(tmp_path, last_year=Y3,
                     leaver_rates=[dict(area="england", staff_group="nurse", leaver_rate=0.1)],
                     programmes=[prog("degree", 2, 20_000, completion=0.8, take_up=0.5)],
                     targets=[tgt("y3", Y3, 100)])
    sol = solved(case)
    assert sol.objective == approx(1_355_000)
    assert qty(sol, "training", year=Y2) == approx(67.75)
    assert qty(sol, "training") == approx(67.75)
    assert staff(sol, Y2) == approx(81)
    assert staff(sol, Y3) == approx(100)
    assert target(sol, "y3")["marginal_cost_per_fte"] == approx(50_000)


def test_stock_flow_upskilling_pipeline_leaves_the_source_group(tmp_path):
    """Pipeline apprentices move from their source group when they qualify.

    Support workers (200, a = 0) train as nurses (100, a = 0) on a 1-year apprenticeship, c = 0.8,
    e = 0.5; 10 are in training at the baseline, qualifying at the end of Y1.
        nurse   H1 = 100 + e·c·10 = 100 + 4 = 104
        support H1 = 200 −   c·10 = 200 − 8 = 192
    All completers leave the support group (c·10), only those who take a post (e·c·10) join nurses.
    """
    case = make_case(tmp_path,
                     staff_groups=[dict(staff_group="nurse", name="Nurse", family="traditional"),
                                   dict(staff_group="support", name="Support worker", family="new_role")],
                     baseline_workforce=[dict(stp="A", staff_group="nurse", fte_in_post=100),
                                         dict(stp="A", staff_group="support", fte_in_post=200)],
                     leaver_rates=[dict(area="england", staff_group="nurse", leaver_rate=0),
                                   dict(area="england", staff_group="support", leaver_rate=0)],
                     programmes=[prog("apprentice", 1, 2_000, completion=0.8, take_up=0.5, source_group="support")],
                     pipeline=[dict(stp="A", programme="apprentice", qualification_year=Y1, students=10)],
                     targets=[tgt("any", Y2, 0)])
    sol = solved(case)
    assert sol.objective == approx(0)
    assert staff(sol, Y1) == approx(104)
    assert staff(sol, Y1, "support") == approx(192)
    assert staff(sol, Y2) == approx(104)
    assert staff(sol, Y2, "support") == approx(192)


# --- lead times -----------------------------------------------------------------------------------

def test_lead_time_programme_qualifying_after_horizon_is_never_chosen(tmp_path):
    """A cheap 4-year programme cannot qualify anyone by Y3, so the dearer 1-year one is used.

    H0 = 100, a = 0.1, three years; target level ≥ 100 at Y3; natural H3 = 72.9, so 27.1 FTE short.
    long4: 4 years, £1,000 a start (c = e = 1): a Y1 start qualifies at the end of 2019/20 — useless.
    short: 1 year, £5,000 a start: a Y3 start gives 1 FTE at Y3 (a Y1 start only 0.81, Y2 0.9).
    So X_short,Y3 = 27.1, cost 27.1·5,000 = £135,500, and no long4 start at all.
    """
    case = make_case(tmp_path, last_year=Y3,
                     leaver_rates=[dict(area="england", staff_group="nurse", leaver_rate=0.1)],
                     programmes=[prog("long4", 4, 1_000), prog("short", 1, 5_000)],
                     targets=[tgt("y3", Y3, 100)])
    sol = solved(case)
    assert sol.objective == approx(135_500)
    assert qty(sol, "training", item="long4") == approx(0)
    assert qty(sol, "training", item="short", year=Y3) == approx(27.1)
    assert qty(sol, "training", item="short") == approx(27.1)


def test_lead_time_long_programme_used_only_where_it_qualifies_in_time(tmp_path):
    """A 3-year programme at £3,000 beats the £5,000 1-year one, but only its Y1 starts qualify by Y3.

    As above plus long3 (3 years, £3,000, c = e = 1): a Y1 start qualifies at the end of Y3 (1 FTE
    at Y3, £3,000 per FTE); Y2 and Y3 starts qualify after the horizon.
    So X_long3,Y1 = 27.1 at £3,000: £81,300; nothing else.
    """
    case = make_case(tmp_path, last_year=Y3,
                     leaver_rates=[dict(area="england", staff_group="nurse", leaver_rate=0.1)],
                     programmes=[prog("long4", 4, 1_000), prog("long3", 3, 3_000), prog("short", 1, 5_000)],
                     targets=[tgt("y3", Y3, 100)])
    sol = solved(case)
    assert sol.objective == approx(81_300)
    assert qty(sol, "training", item="long3", year=Y1) == approx(27.1)
    assert qty(sol, "training") == approx(27.1)


# --- 2. retention -----------------------------------------------------------------------------------

def test_retention_cheaper_segments_fill_first(tmp_path):
    """Retention segments fill in cost order up to share·a·opening stock; recruits beat dear segments.

    H0 = 100, a = 0.2. Segments: 1) 25% of expected leavers at £1,000; 2) 25% at £3,000; 3) 50% at
    £20,000. Recruits £10,000 (v = 1). Targets: level ≥ 110 at Y1, ≥ 100 at Y2.
        Y1: 20 leavers, need 30 FTE. Limits 0.25·0.2·100 = 5, 5 and 0.5·0.2·100 = 10.
            Keep 5 (seg 1) + 5 (seg 2), recruit 20 (cheaper than seg 3):
            5,000 + 15,000 + 200,000 = £220,000.
        Y2: opening stock H1 = 110: 22 leavers, H2 = 88 + kept + recruits; limits 0.05·110 = 5.5, 5.5, 11.
            Keep 5.5 + 5.5, recruit 1: 5,500 + 16,500 + 10,000 = £32,000.
    Overshooting Y1 by one recruit (£10,000) would save at most 0.8·10,000 + 0.05·9,000 + 0.05·7,000
    = £8,800 in Y2, so it does not pay. Total £252,000.
    Shadow prices in Y1: one more leaver kept in segment 1 replaces a recruit: 1,000 − 10,000 = −£9,000;
    segment 2: 3,000 − 10,000 = −£7,000; segment 3 is slack: 0.
    Targets: Y2 £10,000 per FTE; Y1 10,000 − 8,800 = £1,200 per FTE.
    """
    seg = [dict(area="england", staff_group="nurse", segment=1, share_of_leavers=0.25, cost_per_avoided_leaver_gbp=1_000),
           dict(area="england", staff_group="nurse", segment=2, share_of_leavers=0.25, cost_per_avoided_leaver_gbp=3_000),
           dict(area="england", staff_group="nurse", segment=3, share_of_leavers=0.5, cost_per_avoided_leaver_gbp=20_000)]
    case = make_case(tmp_path,
                     leaver_rates=[dict(area="england", staff_group="nurse", leaver_rate=0.2)],
                     retention_segments=seg, recruitment_costs=[rec(10_000)],
                     targets=[tgt("y1", Y1, 110), tgt("y2", Y2, 100)])
    sol = solved(case)
    assert sol.objective == approx(252_000)
    for year, kept, recruits in ((Y1, 5, 20), (Y2, 5.5, 1)):
        assert qty(sol, "retention", item="segment 1", year=year) == approx(kept)
        assert qty(sol, "retention", item="segment 2", year=year) == approx(kept)
        assert qty(sol, "retention", item="segment 3", year=year) == approx(0)
        assert qty(sol, "recruitment", year=year) == approx(recruits)
    assert staff(sol, Y1) == approx(110) and staff(sol, Y2) == approx(100)
    assert shadow(sol, "leavers_retained_limit", item="segment 1", year=Y1) == approx(-9_000)
    assert shadow(sol, "leavers_retained_limit", item="segment 2", year=Y1) == approx(-7_000)
    assert shadow(sol, "leavers_retained_limit", item="segment 3", year=Y1) == approx(0)
    assert target(sol, "y2")["marginal_cost_per_fte"] == approx(10_000)
    assert target(sol, "y1")["marginal_cost_per_fte"] == approx(1_200)


# --- 3. upskilling source ---------------------------------------------------------------------------

def test_upskilling_starts_capped_by_source_share_and_source_loses_completers(tmp_path):
    """Starts ≤ 10% of the source group's opening stock; every completer leaves the source group.

    Nurses 100 (a = 0), support workers 200 (a = 0.1). Apprenticeship support -> nurse, 1 year,
    c = 0.8, e = 0.5, £2,000, max_source_share 0.1: 0.4 nurse per start, £5,000 per nurse FTE,
    half the £10,000 of a nurse recruit, so starts run at their cap. Target: nurses ≥ 150 at Y2.
        Y1: X1 ≤ 0.1·200 = 20 -> nurses +0.4·20 = 8; support H1 = 0.9·200 − 0.8·20 = 164
        Y2: X2 ≤ 0.1·164 = 16.4 -> nurses +6.56; support H2 = 0.9·164 − 0.8·16.4 = 134.48
    (A Y1 start also trims the Y2 cap by 0.08 starts: net 0.368 nurse for £1,840 — still £5,000/FTE.)
    Nurses at Y2 before recruits: 100 + 8 + 6.56 = 114.56 -> 35.44 recruits (Y1 or Y2; a = 0, a tie).
    Cost = 36.4·2,000 + 35.44·10,000 = 72,800 + 354,400 = £427,200.
    Shadow prices: the Y1 cap (X1 ≤ 20) buys a start worth 0.368 nurse (£3,680 of recruits) for
    £1,840: −£1,840. The Y2 cap (X2 − 0.1·H1 ≤ 0): 0.4 nurse (£4,000) for £2,000: −£2,000.
    """
    case = make_case(tmp_path,
                     staff_groups=[dict(staff_group="nurse", name="Nurse", family="traditional"),
                                   dict(staff_group="support", name="Support worker", family="new_role")],
                     baseline_workforce=[dict(stp="A", staff_group="nurse", fte_in_post=100),
                                         dict(stp="A", staff_group="support", fte_in_post=200)],
                     leaver_rates=[dict(area="england", staff_group="nurse", leaver_rate=0),
                                   dict(area="england", staff_group="support", leaver_rate=0.1)],
                     programmes=[prog("apprentice", 1, 2_000, completion=0.8, take_up=0.5, source_group="support",
                                      max_source_share=0.1)],
                     recruitment_costs=[rec(10_000)],
                     targets=[tgt("nurses", Y2, 150, staff_group="nurse")])
    sol = solved(case)
    assert sol.objective == approx(427_200)
    assert qty(sol, "training", year=Y1) == approx(20)
    assert qty(sol, "training", year=Y2) == approx(16.4)
    assert qty(sol, "recruitment") == approx(35.44)
    assert staff(sol, Y1, "support") == approx(164)
    assert staff(sol, Y2, "support") == approx(134.48)
    assert staff(sol, Y2) == approx(150)
    assert shadow(sol, "starts_within_source_group", year=Y1) == approx(-1_840)
    assert shadow(sol, "starts_within_source_group", year=Y2) == approx(-2_000)


# --- 4. placements ----------------------------------------------------------------------------------

def test_placements_bind_with_pipeline_students(tmp_path):
    """Placement places cap students in training, pipeline students included.

    H0 = 100, a = 0, two years. A 2-year degree, c = e = 1, £2,000 a place, 0.5 placements per
    student; 4 pipeline students qualify at the end of Y1. Placements: 5 a year. Recruits £5,000.
    Target: growth ≥ 20 at Y2. Only Y1 starts qualify in time (a Y2 start qualifies in 2018/19).
        Y1 placements: 0.5·(X1 + 4) ≤ 5 -> X1 ≤ 6;   Y2: 0.5·(X1 + X2) = 3 ≤ 5 (slack 2)
        growth = 4 (pipeline) + 6 (X1) + r = 20 -> r = 10
    Cost = 6·2,000 + 10·5,000 = £62,000.
    Shadow price of the Y1 placements: one more place = 2 more starts replacing 2 recruits:
    2·(2,000 − 5,000) = −£6,000 per place; Y2: 0.
    """
    case = make_case(tmp_path,
                     programmes=[prog("degree", 2, 2_000, placement_use=0.5)],
                     pipeline=[dict(stp="A", programme="degree", qualification_year=Y1, students=4)],
                     placement_capacity=[dict(scope="england", placements=5)],
                     recruitment_costs=[rec(5_000)],
                     targets=[tgt("growth", Y2, 20, measure="growth")])
    sol = solved(case)
    assert sol.objective == approx(62_000)
    assert qty(sol, "training", year=Y1) == approx(6)
    assert qty(sol, "training", year=Y2) == approx(0)
    assert qty(sol, "recruitment") == approx(10)
    y1, y2 = row(sol, "placement_capacity", year=Y1), row(sol, "placement_capacity", year=Y2)
    assert y1["binding"] and y1["shadow_price"] == approx(-6_000)
    assert not y2["binding"] and y2["slack"] == approx(2) and y2["shadow_price"] == approx(0)


# --- 5. mentoring -----------------------------------------------------------------------------------

def test_mentoring_binds_on_last_years_staff(tmp_path):
    """Mentors are 10% of the mentor group's opening stock, 2 students each.

    H0 = 100, a = 0, two years; 1-year course, c = e = 1, £1,000; recruits £5,000. Target growth ≥ 60
    at Y2. Mentoring: Y1: X1/2 ≤ 0.1·100 -> X1 ≤ 20;  Y2: X2/2 ≤ 0.1·H1 -> X2 ≤ 0.2·(100 + X1 + r1).
    Starts are cheap, so X1 = 20. A Y1 recruit gives 1 FTE and 0.2 more Y2 starts: 1.2 FTE for
    5,000 + 0.2·1,000 = £5,200, i.e. £4,333.33 per FTE, cheaper than a Y2 recruit (£5,000). So r2 = 0 and
        X1 + r1 + X2 = 60 with X2 = 0.2·(120 + r1) -> 1.2·r1 = 16 -> r1 = 13.333.., X2 = 26.666..
    Cost = 20·1,000 + 26.667·1,000 + 13.333·5,000 = 20,000 + 26,666.67 + 66,666.67 = £113,333.33.
    Target marginal cost: £5,200/1.2 = £4,333.33 per FTE.
    Shadow prices (per mentor): Y1, 2 more starts, each doing a Y1 recruit's job (1 FTE at the end of Y1)
    for £4,000 less: −£8,000. Y2, 2 more Y2 starts: X2 = 0.2·(120 + r1) + 2 and X2 + r1 = 40 give
    r1 = (16 − 2)/1.2, and cost = 20,000 + 1,000·X2 + 5,000·r1 = 60,000 + 4,000·r1 falls by
    4,000·2/1.2 = £6,666.67: −£6,666.67.
    """
    case = make_case(tmp_path,
                     staff_groups=[dict(staff_group="nurse", name="Nurse", family="traditional", mentor_share=0.1)],
                     programmes=[prog("course", 1, 1_000, mentor_group="nurse", students_per_mentor=2)],
                     recruitment_costs=[rec(5_000)],
                     targets=[tgt("growth", Y2, 60, measure="growth")])
    sol = solved(case)
    assert sol.objective == approx(20_000 + 80_000 / 3 + 200_000 / 3)
    assert qty(sol, "training", year=Y1) == approx(20)
    assert qty(sol, "training", year=Y2) == approx(80 / 3)
    assert qty(sol, "recruitment", year=Y1) == approx(40 / 3)
    assert qty(sol, "recruitment", year=Y2) == approx(0)
    assert target(sol, "growth")["marginal_cost_per_fte"] == approx(13_000 / 3)
    assert shadow(sol, "mentor_capacity_nurse", year=Y1) == approx(-8_000)
    assert shadow(sol, "mentor_capacity_nurse", year=Y2) == approx(-20_000 / 3)


# --- 6. course capacity -----------------------------------------------------------------------------

@pytest.mark.parametrize("national", [100, 30])
def test_course_capacity_stp_and_national_scope(tmp_path, national):
    """An STP cap and a national cap on a course; the national one is shared by both STPs.

    STPs A and B, 100 nurses each, a = 0, two years. A 1-year course, c = e = 1, £1,000 a start,
    capped at 10 starts a year in A and ``national`` a year in England. Recruits £5,000 in A, £6,000
    in B (an STP row). Targets at Y2: growth ≥ 25 in A, ≥ 50 in B. A place saves £4,000 in A, £5,000 in B.
    national = 100 (slack): A trains 2·10 = 20 and recruits 5; B trains 50.
        Cost = 70·1,000 + 5·5,000 = £95,000. A's cap: one more place saves 5,000 − 1,000: −£4,000.
    national = 30 (binds: 60 places in two years): B, where a place saves more, takes the 50 it
    needs; A gets the other 10 and recruits 15.
        Cost = 60·1,000 + 15·5,000 = £135,000. One more national place goes to A: −£4,000.
        A's cap is worth 0: a start it frees in A must come out of the national cap, i.e. from B,
        where a place saves more (£5,000 against £4,000).
    """
    case = make_case(tmp_path, stps=TWO_STPS,
                     baseline_workforce=[dict(stp="A", staff_group="nurse", fte_in_post=100),
                                         dict(stp="B", staff_group="nurse", fte_in_post=100)],
                     programmes=[prog("course", 1, 1_000)],
                     course_capacity=[dict(scope="A", programme="course", places=10),
                                      dict(scope="england", programme="course", places=national)],
                     recruitment_costs=[rec(5_000), rec(6_000, area="B")],
                     targets=[tgt("a", Y2, 25, measure="growth", stp="A"), tgt("b", Y2, 50, measure="growth", stp="B")])
    sol = solved(case)
    if national == 100:
        assert sol.objective == approx(95_000)
        assert qty(sol, "training", stp="A") == approx(20)
        assert qty(sol, "training", stp="B") == approx(50)
        assert qty(sol, "recruitment", stp="A") == approx(5)
        for year in (Y1, Y2):
            assert shadow(sol, "course_places", stp="A", year=year) == approx(-4_000)
            assert shadow(sol, "course_places", region=None, year=year) == approx(0)
    else:
        assert sol.objective == approx(135_000)
        assert qty(sol, "training", stp="A") == approx(10)
        assert qty(sol, "training", stp="B") == approx(50)
        assert qty(sol, "recruitment", stp="A") == approx(15)
        assert qty(sol, "recruitment", stp="B") == approx(0)
        for year in (Y1, Y2):
            assert row(sol, "course_places", region=None, year=year)["binding"]
            assert shadow(sol, "course_places", region=None, year=year) == approx(-4_000)
            assert shadow(sol, "course_places", stp="A", year=year) == approx(0)


# --- 7. recruitment pools ---------------------------------------------------------------------------

def _pool_case(tmp_path, **kw) -> Case:
    groups = [dict(staff_group="nurse", name="Nurse", family="traditional"),
              dict(staff_group="psw", name="Peer support worker", family="new_role")]
    base = [dict(stp=s, staff_group=g, fte_in_post=n) for s in "AB" for g, n in (("nurse", 100), ("psw", 20))]
    rates = [dict(area="england", staff_group=g, leaver_rate=0) for g in ("nurse", "psw")]
    return make_case(tmp_path, stps=TWO_STPS, staff_groups=groups, baseline_workforce=base, leaver_rates=rates, **kw)


def test_recruitment_pools_shared_by_two_stps_and_per_group(tmp_path):
    """A national domestic pool shared by both STPs and both groups, and a psw-only pool inside it.

    STPs A, B (regions north, south), nurses 100 and psw 20 in each, a = 0, two years.
    Domestic: nurse £5,000, psw £2,000; international nurse £8,000 (no pool); psw course (1 year,
    c = e = 1) £6,000. Pools a year: domestic, all groups, England 30; domestic psw, England 8.
    Targets at Y2: nurse growth ≥ 20 in A and ≥ 30 in B; psw growth ≥ 25 over England.
    A domestic slot saves 8,000 − 5,000 = £3,000 on a nurse and 6,000 − 2,000 = £4,000 on a psw,
    so psw take all they may: 2·8 = 16; nurses the other 2·30 − 16 = 44; nurses still need
    50 − 44 = 6 international; psw still need 25 − 16 = 9 from the course.
    Cost = 16·2,000 + 44·5,000 + 6·8,000 + 9·6,000 = 32,000 + 220,000 + 48,000 + 54,000 = £354,000.
    Shadow prices (both years): the shared pool −£3,000 (a slot replaces an international nurse);
    the psw pool −£1,000 (a psw slot saves £4,000 but takes a shared slot from a nurse, £3,000).
    """
    case = _pool_case(tmp_path,
                      programmes=[prog("psw_course", 1, 6_000, group="psw")],
                      recruitment_costs=[rec(5_000), rec(2_000, group="psw"), rec(8_000, source="intl")],
                      recruitment_pools=[dict(scope="england", source="dom", pool_fte=30),
                                         dict(scope="england", source="dom", staff_group="psw", pool_fte=8)],
                      targets=[tgt("nurse_a", Y2, 20, measure="growth", staff_group="nurse", stp="A"),
                               tgt("nurse_b", Y2, 30, measure="growth", staff_group="nurse", stp="B"),
                               tgt("psw", Y2, 25, measure="growth", staff_group="psw")])
    sol = solved(case)
    assert sol.objective == approx(354_000)
    assert qty(sol, "recruitment", item="dom", staff_group="psw") == approx(16)
    assert qty(sol, "recruitment", item="dom", staff_group="nurse") == approx(44)
    assert qty(sol, "recruitment", item="intl") == approx(6)
    assert qty(sol, "training") == approx(9)
    for year in (Y1, Y2):
        shared = row(sol, "recruitment_pool", item="dom", staff_group=None, year=year)
        assert shared["binding"] and shared["shadow_price"] == approx(-3_000)
        per_group = row(sol, "recruitment_pool", item="dom", staff_group="psw", year=year)
        assert per_group["binding"] and per_group["shadow_price"] == approx(-1_000)
    assert target(sol, "psw")["marginal_cost_per_fte"] == approx(6_000)
    assert target(sol, "nurse_a")["marginal_cost_per_fte"] == approx(8_000)
    assert target(sol, "nurse_b")["marginal_cost_per_fte"] == approx(8_000)


def test_recruitment_source_is_open_only_where_a_cost_row_exists(tmp_path):
    """A source with a cost row for STP A only is not open in STP B (cases/README.md: "A source is
    open to a group only where a row exists").

    STPs A and B, nurses 100 each, a = 0. Domestic nurse recruits: a row for A only (£5,000);
    international: a national row (£8,000). Target: nurse growth ≥ 10 in B at Y2.
    B cannot recruit domestically, so it recruits 10 internationally: £80,000.
    """
    case = make_case(tmp_path, stps=TWO_STPS,
                     baseline_workforce=[dict(stp="A", staff_group="nurse", fte_in_post=100),
                                         dict(stp="B", staff_group="nurse", fte_in_post=100)],
                     recruitment_costs=[rec(5_000, area="A"), rec(8_000, source="intl")],
                     targets=[tgt("b", Y2, 10, measure="growth", stp="B")])
    sol = solved(case)
    assert qty(sol, "recruitment", item="dom", stp="B") == approx(0)
    assert qty(sol, "recruitment", item="intl", stp="B") == approx(10)
    assert sol.objective == approx(80_000)


# --- 8. establishment -------------------------------------------------------------------------------

def test_establishment_cap_binds(tmp_path):
    """Funded posts cap staff in post, so cheap early recruits cannot be stockpiled.

    H0 = 100, a = 0.1, two years. Domestic recruits £5,000 but only in Y1 (pool 50 in Y1, 0 in Y2);
    a 1-year course (c = e = 1) at £20,000. Funded posts in Y1: 115. Target level ≥ 110 at Y2.
    A Y1 recruit is worth 0.9 FTE at Y2 (£5,556 per FTE), far below a Y2 course start (£20,000), so Y1
    fills the establishment: H1 = 90 + r1 = 115 -> r1 = 25. Then H2 = 0.9·115 + X2 = 103.5 + X2 -> X2 = 6.5.
    Cost = 25·5,000 + 6.5·20,000 = 125,000 + 130,000 = £255,000.
    Shadow prices: one more post in Y1 = one more recruit (+£5,000) and 0.9 fewer starts (−£18,000):
    −£13,000. The Y2 pool (0): a Y2 recruit would replace a start: 5,000 − 20,000 = −£15,000.
    The Y1 pool is slack (25 < 50): 0. Target: £20,000 per FTE.
    """
    case = make_case(tmp_path,
                     leaver_rates=[dict(area="england", staff_group="nurse", leaver_rate=0.1)],
                     programmes=[prog("course", 1, 20_000)],
                     recruitment_costs=[rec(5_000)],
                     recruitment_pools=[dict(scope="england", source="dom", year=Y1, pool_fte=50),
                                        dict(scope="england", source="dom", year=Y2, pool_fte=0)],
                     establishment=[dict(scope="A", staff_group="nurse", year=Y1, posts_fte=115)],
                     targets=[tgt("y2", Y2, 110)])
    sol = solved(case)
    assert sol.objective == approx(255_000)
    assert qty(sol, "recruitment", year=Y1) == approx(25)
    assert qty(sol, "training", year=Y2) == approx(6.5)
    assert qty(sol, "training", year=Y1) == approx(0)
    assert staff(sol, Y1) == approx(115)
    posts = row(sol, "funded_posts", year=Y1)
    assert posts["binding"] and posts["shadow_price"] == approx(-13_000)
    assert shadow(sol, "recruitment_pool", year=Y2) == approx(-15_000)
    assert shadow(sol, "recruitment_pool", year=Y1) == approx(0)
    assert target(sol, "y2")["marginal_cost_per_fte"] == approx(20_000)


# --- 9. budget --------------------------------------------------------------------------------------

def test_budget_spreads_training_over_course_years_and_counts_one_lever(tmp_path):
    """A training budget for Y1 counts half of a 2-year place; a recruitment budget ignores training.

    H0 = 100, a = 0, two years. A 2-year degree (c = e = 1), £12,000 a place: £6,000 of outlay in each
    course year. Recruits £20,000, in Y1 only (pool 50 in Y1, 0 in Y2). Soft target: growth ≥ 30 at Y2,
    £100,000 per FTE short. Only Y1 starts qualify by Y2. Budgets: training in Y1 only ≤ £60,000 -> 6,000·X1 ≤ 60,000 -> X1 ≤ 10
    (not 5: the second half falls in Y2); recruitment over both years ≤ £300,000 -> r ≤ 15
    (the £120,000 of training does not count against it, nor the £300,000 of Y1 recruits against the
    training budget). Shortfall 30 − 10 − 15 = 5.
    Cost = 10·12,000 + 15·20,000 + 5·100,000 = 120,000 + 300,000 + 500,000 = £920,000.
    Shadow prices (£ per £ of budget): training, 1/6,000 start saves (100,000 − 12,000)/6,000:
    −£14.667; recruitment, (100,000 − 20,000)/20,000 = −£4. Target: £100,000 (the penalty).
    Cash outlay of training: £60,000 in Y1 and £60,000 in Y2.
    """
    case = make_case(tmp_path,
                     programmes=[prog("degree", 2, 12_000)],
                     recruitment_costs=[rec(20_000)],
                     recruitment_pools=[dict(scope="england", source="dom", year=Y1, pool_fte=50),
                                        dict(scope="england", source="dom", year=Y2, pool_fte=0)],
                     budgets=[dict(budget="train", scope="england", lever="training", from_year=Y1, to_year=Y1,
                                   limit_gbp=60_000),
                              dict(budget="recruit", scope="england", lever="recruitment", limit_gbp=300_000)],
                     targets=[tgt("growth", Y2, 30, measure="growth", kind="soft", penalty_gbp_per_fte=100_000)])
    sol = solved(case)
    assert sol.objective == approx(920_000)
    assert qty(sol, "training", year=Y1) == approx(10)
    assert qty(sol, "training", year=Y2) == approx(0)
    assert qty(sol, "recruitment", year=Y1) == approx(15)
    t = target(sol, "growth")
    assert t["shortfall_fte"] == approx(5) and t["achieved_fte"] == approx(25)
    assert t["marginal_cost_per_fte"] == approx(100_000)
    assert shadow(sol, "spending_limit", item="train (training)") == approx(-88_000 / 6_000)
    assert shadow(sol, "spending_limit", item="recruit (recruitment)") == approx(-4)
    training = sol.costs[sol.costs["lever"] == "training"].set_index("year")["outlay_gbp"]
    assert training[Y1] == approx(60_000) and training[Y2] == approx(60_000)


def test_regional_budget_on_all_levers_leaves_the_other_region_alone(tmp_path):
    """A budget on all levers for the north region caps retention and recruitment in A, not in B.

    STPs A (north) and B (south), 100 nurses each, a = 0.1, two years. Retention segment: half the
    leavers at £2,000; recruits £10,000. Targets at Y1: level ≥ 100 in A (soft, £50,000 per FTE short)
    and in B (hard). Budget: north, all levers, Y1, £40,000.
    Each STP loses 10 in Y1 and may keep 0.5·0.1·100 = 5 of them (£10,000).
        A: keep 5 (£10,000), then the £30,000 left buys 3 recruits; 2 FTE short (£100,000).
        B: keep 5 (£10,000), recruit 5 (£50,000); the north budget does not reach it.
    Y2 has no target: nothing is bought. Cost = 10,000 + 30,000 + 100,000 + 60,000 = £200,000.
    Budget shadow price: £1 more buys 1/10,000 recruit, saving (50,000 − 10,000)/10,000: −£4 per £.
    """
    case = make_case(tmp_path, stps=TWO_STPS,
                     baseline_workforce=[dict(stp="A", staff_group="nurse", fte_in_post=100),
                                         dict(stp="B", staff_group="nurse", fte_in_post=100)],
                     leaver_rates=[dict(area="england", staff_group="nurse", leaver_rate=0.1)],
                     retention_segments=[dict(area="england", staff_group="nurse", segment=1, share_of_leavers=0.5,
                                              cost_per_avoided_leaver_gbp=2_000)],
                     recruitment_costs=[rec(10_000)],
                     budgets=[dict(budget="north_all", scope="north", lever="all", from_year=Y1, to_year=Y1,
                                   limit_gbp=40_000)],
                     targets=[tgt("a", Y1, 100, stp="A", kind="soft", penalty_gbp_per_fte=50_000),
                              tgt("b", Y1, 100, stp="B")])
    sol = solved(case)
    assert sol.objective == approx(200_000)
    assert qty(sol, "retention", stp="A") == approx(5) and qty(sol, "recruitment", stp="A") == approx(3)
    assert qty(sol, "retention", stp="B") == approx(5) and qty(sol, "recruitment", stp="B") == approx(5)
    assert qty(sol, "recruitment", year=Y2) == approx(0) and qty(sol, "retention", year=Y2) == approx(0)
    assert target(sol, "a")["shortfall_fte"] == approx(2)
    budget = row(sol, "spending_limit", item="north_all (all)")
    assert budget["region"] == "north" and budget["binding"]
    assert budget["shadow_price"] == approx(-4)


# --- discounting ------------------------------------------------------------------------------------

@pytest.mark.parametrize("rate", [0.0, 0.05])
def test_discounting_prefers_the_latest_start_that_still_qualifies(tmp_path, rate):
    """Discounting makes later starts cheaper, but a start that qualifies too late is still useless.

    H0 = 100, a = 0, three years; a 2-year degree (c = e = 1) at £10,000; no recruitment.
    Target: growth ≥ 10 at Y3. Y1 and Y2 starts qualify in time (ends of Y2 and Y3); Y3 starts do not.
    rate 0:    Y1 and Y2 starts tie: 10 starts in all, £100,000.
    rate 0.05: a Y2 start costs 10,000/1.05 = £9,523.81 now (a Y3 start, 10,000/1.05², is cheaper
               still but too late), so X2 = 10: 100,000/1.05 = £95,238.10 present value,
               £100,000 undiscounted. Target: £9,523.81 per FTE.
    """
    case = make_case(tmp_path, last_year=Y3, discount_rate=rate,
                     programmes=[prog("degree", 2, 10_000)],
                     targets=[tgt("growth", Y3, 10, measure="growth")])
    sol = solved(case)
    assert qty(sol, "training", year=Y3) == approx(0)
    assert qty(sol, "training") == approx(10)
    if rate == 0:
        assert sol.objective == approx(100_000)
    else:
        assert sol.objective == approx(100_000 / 1.05)
        assert qty(sol, "training", year=Y2) == approx(10)
        alloc = sol.allocations.iloc[0]
        assert alloc["cost_gbp"] == approx(100_000)
        assert alloc["present_value_gbp"] == approx(100_000 / 1.05)
        assert target(sol, "growth")["marginal_cost_per_fte"] == approx(10_000 / 1.05)


# --- exits and redeployment ---------------------------------------------------------------------------

def test_level_maximum_forces_redeployment_then_exits(tmp_path):
    """A maximum on a level target is met by free redeployment first, then paid exits.

    Ward staff 100, community staff 50, a = 0, two years. Redeployment ward -> community: a 1-year
    "programme", c = e = 1, cost 0, at most 10% of ward staff a year. Ward exits £3,000 each
    (community has no exits row, so none). Targets: ward level ≤ 80 at Y1 and ≤ 70 at Y2.
        Y1: 100 -> 80: redeploy 0.1·100 = 10 free, exit 10 (£30,000)
        Y2:  80 -> 70: redeploy 0.1·80 = 8 free, exit 2 (£6,000)
    (Exiting δ more in Y1 trims the Y2 redeployment cap by 0.1·δ: 0.1·δ more exits in all.)
    Cost £36,000; community H1 = 60, H2 = 68.
    Shadow prices of the maxima: Y2, one more ward post allowed saves an exit: −£3,000. Y1: one exit
    fewer (−£3,000) but 0.9 more at Y2 (0.1 of it redeployed): +0.9·3,000 -> −£300.
    Redeployment caps: one more redeployment replaces one exit in the same year: −£3,000 each.
    """
    case = make_case(tmp_path,
                     staff_groups=[dict(staff_group="ward", name="Ward", family="traditional"),
                                   dict(staff_group="community", name="Community", family="traditional")],
                     baseline_workforce=[dict(stp="A", staff_group="ward", fte_in_post=100),
                                         dict(stp="A", staff_group="community", fte_in_post=50)],
                     leaver_rates=[dict(area="england", staff_group="ward", leaver_rate=0),
                                   dict(area="england", staff_group="community", leaver_rate=0)],
                     programmes=[prog("redeploy", 1, 0, group="community", source_group="ward", max_source_share=0.1)],
                     exits=[dict(area="england", staff_group="ward", cost_per_exit_gbp=3_000)],
                     targets=[tgt("ward_y1", Y1, 0, staff_group="ward", maximum_fte=80),
                              tgt("ward_y2", Y2, 0, staff_group="ward", maximum_fte=70)])
    sol = solved(case)
    assert sol.objective == approx(36_000)
    assert qty(sol, "training", year=Y1) == approx(10)
    assert qty(sol, "training", year=Y2) == approx(8)
    assert qty(sol, "exit", year=Y1) == approx(10)
    assert qty(sol, "exit", year=Y2) == approx(2)
    assert qty(sol, "exit", staff_group="community") == approx(0)
    assert staff(sol, Y1, "ward") == approx(80) and staff(sol, Y2, "ward") == approx(70)
    assert staff(sol, Y1, "community") == approx(60) and staff(sol, Y2, "community") == approx(68)
    assert shadow(sol, "target_maximum", item="ward_y2") == approx(-3_000)
    assert shadow(sol, "target_maximum", item="ward_y1") == approx(-300)
    assert shadow(sol, "starts_within_source_group", year=Y1) == approx(-3_000)
    assert shadow(sol, "starts_within_source_group", year=Y2) == approx(-3_000)


def test_equal_bounds_pin_a_level_and_force_exits(tmp_path):
    """Equal minimum and maximum pin a level; a pipeline that overshoots it forces exits.

    H0 = 100, a = 0, two years; 30 pipeline students of a 1-year course (c = e = 1) qualify at the end
    of Y1. Exits £2,000 each, at most 25 a year. Target: level = 110 exactly at Y1; no lever can
    add staff. H1 = 100 + 30 − E1 = 110 -> E1 = 20 (within the 25 allowed): £40,000. Y2 has no
    target: nothing more, H2 = 110.
    """
    case = make_case(tmp_path,
                     programmes=[prog("course", 1, 1_000)],
                     pipeline=[dict(stp="A", programme="course", qualification_year=Y1, students=30)],
                     exits=[dict(area="A", staff_group="nurse", cost_per_exit_gbp=2_000, max_exits_fte=25)],
                     targets=[tgt("pinned", Y1, 110, maximum_fte=110)])
    sol = solved(case)
    assert sol.objective == approx(40_000)
    assert qty(sol, "exit", year=Y1) == approx(20)
    assert qty(sol, "exit", year=Y2) == approx(0)
    assert staff(sol, Y1) == approx(110) and staff(sol, Y2) == approx(110)
    assert target(sol, "pinned")["achieved_fte"] == approx(110)


# --- 10. targets ------------------------------------------------------------------------------------

def test_growth_and_level_targets_with_family_region_and_stp_filters(tmp_path):
    """Growth counts over the filtered baseline; level counts staff in post; filters pick the cells.

    STPs A (north) and B (south); nurses (traditional) A 100, B 200; psw (new role) A 10, B 20; a = 0.
    Recruits: nurse £5,000, psw £2,000. Targets at Y2:
      trad_north: growth, family traditional, region north ≥ 10   -> A nurses +10
      b_level:    level, STP B (both groups: 200 + 20 = 220) ≥ 230 -> +10, the cheaper psw
      new_north:  growth, family new_role, region north ≥ 5        -> A psw +5
    Cost = 10·5,000 + 15·2,000 = £80,000. Achieved: 10, 230, 5. Marginal: £5,000, £2,000, £2,000.
    """
    groups = [dict(staff_group="nurse", name="Nurse", family="traditional"),
              dict(staff_group="psw", name="Peer support worker", family="new_role")]
    base = [dict(stp="A", staff_group="nurse", fte_in_post=100), dict(stp="B", staff_group="nurse", fte_in_post=200),
            dict(stp="A", staff_group="psw", fte_in_post=10), dict(stp="B", staff_group="psw", fte_in_post=20)]
    case = make_case(tmp_path, stps=TWO_STPS, staff_groups=groups, baseline_workforce=base,
                     leaver_rates=[dict(area="england", staff_group=g, leaver_rate=0) for g in ("nurse", "psw")],
                     recruitment_costs=[rec(5_000), rec(2_000, group="psw")],
                     targets=[tgt("trad_north", Y2, 10, measure="growth", family="traditional", region="north"),
                              tgt("b_level", Y2, 230, stp="B"),
                              tgt("new_north", Y2, 5, measure="growth", family="new_role", region="north")])
    sol = solved(case)
    assert sol.objective == approx(80_000)
    assert staff(sol, Y2, "nurse", "A") == approx(110)
    assert staff(sol, Y2, "psw", "A") == approx(15)
    assert staff(sol, Y2, "nurse", "B") == approx(200)
    assert staff(sol, Y2, "psw", "B") == approx(30)
    for name, achieved, marginal in (("trad_north", 10, 5_000), ("b_level", 230, 2_000), ("new_north", 5, 2_000)):
        t = target(sol, name)
        assert t["achieved_fte"] == approx(achieved), name
        assert t["shortfall_fte"] == approx(0), name
        assert t["marginal_cost_per_fte"] == approx(marginal), name


def test_soft_targets_pay_the_penalty_when_cheaper_than_levers(tmp_path):
    """A soft target's shortfall costs its penalty (or the case default) per FTE.

    Nurses 100, psw 10 in A, a = 0, two years. Recruits: nurse £5,000, psw £2,000.
    case.yaml default penalty: £1,500 per FTE.
      nurse_y1: nurse growth ≥ 8 at Y1, soft, £6,000 per FTE short
      nurse_y2: nurse growth ≥ 20 at Y2, soft, £4,000 per FTE short
      psw_y2:   psw growth ≥ 15 at Y2, soft, penalty blank -> £1,500 (less than a £2,000 recruit)
    A Y1 nurse recruit (£5,000) saves 6,000 + 4,000: recruit 8 in Y1. Beyond that a recruit saves only
    £4,000 < £5,000, so nurse_y2 is 20 − 8 = 12 short. psw: 15 short.
    Cost = 8·5,000 + 12·4,000 + 15·1,500 = 40,000 + 48,000 + 22,500 = £110,500.
    Marginal costs: nurse_y2 £4,000; psw_y2 £1,500; nurse_y1: a recruit (5,000) less the 4,000 it
    saves at Y2 = £1,000.
    """
    groups = [dict(staff_group="nurse", name="Nurse", family="traditional"),
              dict(staff_group="psw", name="Peer support worker", family="new_role")]
    case = make_case(tmp_path, default_penalty=1_500, staff_groups=groups,
                     baseline_workforce=[dict(stp="A", staff_group="nurse", fte_in_post=100),
                                         dict(stp="A", staff_group="psw", fte_in_post=10)],
                     leaver_rates=[dict(area="england", staff_group=g, leaver_rate=0) for g in ("nurse", "psw")],
                     recruitment_costs=[rec(5_000), rec(2_000, group="psw")],
                     targets=[tgt("nurse_y1", Y1, 8, measure="growth", staff_group="nurse", kind="soft",
                                  penalty_gbp_per_fte=6_000),
                              tgt("nurse_y2", Y2, 20, measure="growth", staff_group="nurse", kind="soft",
                                  penalty_gbp_per_fte=4_000),
                              tgt("psw_y2", Y2, 15, measure="growth", staff_group="psw", kind="soft")])
    sol = solved(case)
    assert sol.objective == approx(110_500)
    assert qty(sol, "recruitment", staff_group="nurse", year=Y1) == approx(8)
    assert qty(sol, "recruitment", staff_group="nurse") == approx(8)
    assert qty(sol, "recruitment", staff_group="psw") == approx(0)
    for name, achieved, short, marginal in (("nurse_y1", 8, 0, 1_000), ("nurse_y2", 8, 12, 4_000),
                                            ("psw_y2", 0, 15, 1_500)):
        t = target(sol, name)
        assert t["achieved_fte"] == approx(achieved), name
        assert t["shortfall_fte"] == approx(short), name
        assert t["marginal_cost_per_fte"] == approx(marginal), name


def test_marginal_cost_is_the_cheapest_extra_fte(tmp_path):
    """The target's marginal cost is the present-value cost of the cheapest extra FTE.

    H0 = 100, a = 0.1, two years, discount 10% (Y2 costs ÷ 1.1). Recruits £4,400, v = 0.8; a 1-year
    course, c = 0.75, e = 0.8 (0.6 FTE a start), £3,000, at most 10 starts a year in A.
    Target: level ≥ 100 at Y2; natural H2 = 81, so 19 FTE needed. Cost per FTE at Y2 (present value):
      Y2 start  3,000/1.1/0.6        = £4,545.45   <- cheapest, capped at 10 starts = 6 FTE
      Y2 recruit 4,400/1.1/0.8       = £5,000      <- the other 13 FTE: 16.25 recruits
      Y1 start  3,000/(0.6·0.9)      = £5,555.56
      Y1 recruit 4,400/(0.8·0.9)     = £6,111.11
    Cost = 10·3,000/1.1 + 16.25·4,400/1.1 = 27,272.73 + 65,000 = £92,272.73.
    Marginal cost: £5,000 per FTE (a Y2 recruit). Y2 course cap: one more start gives 0.6 FTE
    (£3,000 of recruits) for £2,727.27: −3,000/11 = −£272.73; Y1 cap slack: 0.
    """
    case = make_case(tmp_path, discount_rate=0.1,
                     leaver_rates=[dict(area="england", staff_group="nurse", leaver_rate=0.1)],
                     programmes=[prog("course", 1, 3_000, completion=0.75, take_up=0.8)],
                     course_capacity=[dict(scope="A", programme="course", places=10)],
                     recruitment_costs=[rec(4_400, first_year_retention=0.8)],
                     targets=[tgt("y2", Y2, 100)])
    sol = solved(case)
    assert sol.objective == approx(30_000 / 1.1 + 65_000)
    assert qty(sol, "training", year=Y2) == approx(10)
    assert qty(sol, "training", year=Y1) == approx(0)
    assert qty(sol, "recruitment", year=Y2) == approx(16.25)
    assert qty(sol, "recruitment", year=Y1) == approx(0)
    recruits = _match(sol.allocations, lever="recruitment").iloc[0]
    assert recruits["cost_gbp"] == approx(16.25 * 4_400)
    assert recruits["present_value_gbp"] == approx(65_000)
    assert target(sol, "y2")["marginal_cost_per_fte"] == approx(5_000)
    assert shadow(sol, "course_places", year=Y2) == approx(-3_000 / 11)
    assert shadow(sol, "course_places", year=Y1) == approx(0)


# --- case tables the LP tests rely on ---------------------------------------------------------------

def test_header_only_required_tables_load_as_empty(tmp_path):
    """A required table may have a header and no rows: a case with no programmes (or no recruitment
    source open to anyone) is still a case. Nurses 100, a = 0.1, no levers at all; target level ≥ 0.
    The plan is to do nothing: cost 0, H1 = 90, H2 = 81.
    """
    case = make_case(tmp_path,
                     leaver_rates=[dict(area="england", staff_group="nurse", leaver_rate=0.1)],
                     programmes=[], recruitment_costs=[], targets=[tgt("any", Y2, 0)])
    assert case.table("programmes").empty and "programme" in case.table("programmes").columns
    assert case.table("recruitment_costs").empty
    sol = solved(case)
    assert sol.objective == approx(0)
    assert staff(sol, Y1) == approx(90) and staff(sol, Y2) == approx(81)
