"""Loading the two_stp fixture: resolved tables, defaults, content hash, broadcast and override rules.

Expected values are worked out by hand from tests/cases/two_stp/*.csv.
"""
from __future__ import annotations

import math

import pandas as pd
import pytest

from optimiser.case import Case, CaseError, Change, list_scenarios, load_case
from conftest import FIXTURE

YEARS = ["2016/17", "2017/18", "2018/19"]


def records(df: pd.DataFrame, columns: list[str]) -> set[tuple]:
    """Rows of ``df`` as a set of tuples (None and NaN both shown as None)."""
    out = set()
    for row in df[columns].itertuples(index=False):
        out.add(tuple(None if (v is None or (isinstance(v, float) and math.isnan(v))) else v for v in row))
    return out


# --- the fixture --------------------------------------------------------------------------------

def test_fixture_loads_with_its_settings(base_case: Case):
    c = base_case
    assert c.name == "two_stp"
    assert c.scenario is None and c.changes == ()
    assert c.folder == FIXTURE
    assert c.years == YEARS
    assert c.config.first_year == "2016/17" and c.config.last_year == "2018/19"
    assert c.config.price_base_year == "2016/17"
    assert c.config.discount_rate == 0.0
    # defaults of fields case.yaml leaves out
    assert c.config.default_penalty_gbp_per_fte == 1_000_000
    assert c.config.solver.name == "highs"
    assert c.config.solver.time_limit_seconds is None
    assert c.config.tables.leaver_rates == "leaver_rates.csv"


def test_fixture_has_required_tables_only(base_case: Case):
    assert set(base_case.tables) == {
        "regions", "stps", "staff_groups", "baseline_workforce", "leaver_rates", "programmes",
        "recruitment_sources", "recruitment_costs", "recruitment_pools", "targets",
    }
    # an absent optional table reads as empty, with its columns
    pipe = base_case.table("pipeline")
    assert pipe.empty
    assert list(pipe.columns) == ["stp", "programme", "qualification_year", "students"]


def test_definition_tables(base_case: Case):
    assert records(base_case.table("regions"), ["region", "name"]) == {("north", "North"), ("south", "South")}
    assert records(base_case.table("stps"), ["stp", "region", "population_millions"]) == {
        ("A", "north", None), ("B", "south", None)}
    assert records(base_case.table("staff_groups"), ["staff_group", "family", "mentor_share"]) == {
        ("nurse", "traditional", 0.5), ("psw", "new_role", 0.0)}  # blank mentor_share -> 0
    base = base_case.table("baseline_workforce")
    assert base.shape == (4, 3)
    assert records(base, ["stp", "staff_group", "fte_in_post"]) == {
        ("A", "nurse", 100.0), ("A", "psw", 10.0), ("B", "nurse", 200.0), ("B", "psw", 20.0)}
    assert base["fte_in_post"].sum() == 330.0
    assert records(base_case.table("recruitment_sources"), ["source", "name"]) == {("domestic", "Experienced domestic")}


def test_programmes_take_defaults_for_blank_and_missing_columns(base_case: Case):
    progs = base_case.table("programmes").set_index("programme")
    assert list(progs.index) == ["nursing", "psw_course"]
    nursing, psw = progs.loc["nursing"], progs.loc["psw_course"]
    assert nursing["staff_group"] == "nurse" and nursing["source_group"] is None
    assert nursing["duration_years"] == 2
    assert (nursing["completion_rate"], nursing["take_up_rate"]) == (0.8, 0.9)
    assert nursing["cost_per_place_gbp"] == 50_000
    assert nursing["placement_use"] == 1.0
    assert (nursing["mentor_group"], nursing["students_per_mentor"]) == ("nurse", 2.0)
    # columns not in the file: max_source_share 1, integer false, min_cohort 0
    assert nursing["max_source_share"] == 1.0 and not nursing["integer"] and nursing["min_cohort"] == 0.0
    assert psw["duration_years"] == 1 and psw["completion_rate"] == 1.0 and psw["cost_per_place_gbp"] == 3000
    assert psw["placement_use"] == 0.0
    assert psw["mentor_group"] is None
    assert pd.isna(psw["students_per_mentor"])


def test_leaver_rates_are_resolved_per_stp(base_case: Case):
    rates = base_case.table("leaver_rates")
    # england nurse 0.1 and psw 0.2 reach both STPs; B's own nurse row (0.15) overrides england
    assert rates.shape == (4, 3)
    assert records(rates, ["area", "staff_group", "leaver_rate"]) == {
        ("A", "nurse", 0.1), ("A", "psw", 0.2), ("B", "nurse", 0.15), ("B", "psw", 0.2)}


def test_resolved_rows_remember_their_origin(base_case: Case):
    rates = base_case.tables["leaver_rates"].set_index(["area", "staff_group"])
    assert rates.loc[("A", "nurse"), "_row"] == 2  # england,nurse is line 2
    assert rates.loc[("B", "nurse"), "_row"] == 4  # B,nurse is line 4
    assert rates.loc[("B", "psw"), "_row"] == 3
    assert set(rates["_file"]) == {"leaver_rates.csv"}


def test_recruitment_costs_are_broadcast_with_default_retention(base_case: Case):
    costs = base_case.table("recruitment_costs")
    assert costs.shape == (4, 5)
    assert records(costs, ["area", "source", "staff_group", "cost_per_recruit_gbp", "first_year_retention"]) == {
        ("A", "domestic", "nurse", 10000.0, 0.9), ("B", "domestic", "nurse", 10000.0, 0.9),
        ("A", "domestic", "psw", 2000.0, 1.0), ("B", "domestic", "psw", 2000.0, 1.0)}


def test_pool_keeps_its_scope_and_repeats_a_blank_year(base_case: Case):
    pools = base_case.table("recruitment_pools")
    assert pools.shape == (3, 5)
    assert list(pools["year"]) == YEARS
    assert set(pools["scope"]) == {"england"}
    assert set(pools["source"]) == {"domestic"}
    assert pools["staff_group"].isna().all()
    assert list(pools["pool_fte"]) == [30.0, 30.0, 30.0]


def test_targets_with_defaults(base_case: Case):
    t = base_case.table("targets")
    assert t.shape[0] == 1
    row = t.iloc[0]
    assert (row["target"], row["measure"], row["family"], row["year"]) == ("trad", "growth", "traditional", "2018/19")
    assert row["minimum_fte"] == 20.0
    assert row["maximum_fte"] is None or pd.isna(row["maximum_fte"])
    assert row["staff_group"] is None and row["region"] is None and row["stp"] is None
    assert row["kind"] == "hard"
    assert row["priority"] == 1.0  # column not in the file


def test_table_hides_origin_columns(base_case: Case):
    for name in base_case.tables:
        assert "_file" in base_case.tables[name].columns
        assert "_file" not in base_case.table(name).columns and "_row" not in base_case.table(name).columns


def test_no_scenarios_listed_for_a_folder_without_them(tmp_path):
    assert list_scenarios(tmp_path) == []


# --- content hash -------------------------------------------------------------------------------

def test_content_hash_is_stable_across_loads_and_folders(base_case: Case, case_copy):
    again = load_case(FIXTURE)
    assert again.content_hash == base_case.content_hash
    assert len(base_case.content_hash) == 64 and int(base_case.content_hash, 16) >= 0
    # the same content in another folder has the same hash
    assert case_copy.load().content_hash == base_case.content_hash


def test_content_hash_changes_when_a_value_changes(base_case: Case, case_copy):
    case_copy.set_cell("baseline_workforce.csv", 2, "fte_in_post", 101)
    assert case_copy.load().content_hash != base_case.content_hash


def test_content_hash_changes_when_a_setting_changes(base_case: Case, case_copy):
    case_copy.set_yaml("discount_rate", 0.035)
    assert case_copy.load().content_hash != base_case.content_hash


def test_content_hash_ignores_layout_that_does_not_change_the_content(base_case: Case, case_copy):
    # rows in another order and an explicit 'england' written as a blank area resolve the same
    case_copy.write("leaver_rates.csv", """
        area,staff_group,leaver_rate
        B,nurse,0.15
        ,psw,0.2
        england,nurse,0.10
    """)
    assert case_copy.load().content_hash == base_case.content_hash


# --- with_changes -------------------------------------------------------------------------------

def test_with_changes_returns_a_new_case_and_leaves_the_original(base_case: Case):
    before_hash = base_case.content_hash
    before_rates = base_case.table("leaver_rates").copy()
    changed = base_case.with_changes([
        {"table": "leaver_rates", "column": "leaver_rate", "scale": 2, "where": {"staff_group": "psw"}},
        Change(setting="discount_rate", set=0.035),
    ])
    assert changed is not base_case
    rates = changed.table("leaver_rates")
    assert records(rates, ["area", "staff_group", "leaver_rate"]) == {
        ("A", "nurse", 0.1), ("A", "psw", 0.4), ("B", "nurse", 0.15), ("B", "psw", 0.4)}
    assert changed.config.discount_rate == 0.035
    assert len(changed.changes) == 2 and changed.changes[1].setting == "discount_rate"
    assert changed.content_hash != before_hash
    # the original is untouched
    assert base_case.config.discount_rate == 0.0
    assert base_case.changes == ()
    pd.testing.assert_frame_equal(base_case.table("leaver_rates"), before_rates)
    assert base_case.content_hash == before_hash


def test_with_changes_can_be_chained(base_case: Case):
    once = base_case.with_changes([{"table": "recruitment_pools", "column": "pool_fte", "scale": 0.5}])
    twice = once.with_changes([{"table": "recruitment_pools", "column": "pool_fte", "scale": 0.5}])
    assert list(once.table("recruitment_pools")["pool_fte"]) == [15.0, 15.0, 15.0]
    assert list(twice.table("recruitment_pools")["pool_fte"]) == [7.5, 7.5, 7.5]
    assert len(twice.changes) == 2


def test_with_changes_that_change_nothing_keep_the_hash(base_case: Case):
    same = base_case.with_changes([{"table": "leaver_rates", "column": "leaver_rate", "scale": 1.0}])
    assert same.content_hash == base_case.content_hash


def test_with_changes_reports_a_bad_change(base_case: Case):
    with pytest.raises(CaseError) as info:
        base_case.with_changes([{"table": "leaver_rates", "column": "leaver_rate", "set": 1.5}], label="my changes")
    p = info.value.problems[0]
    assert (p.file, p.row, p.column) == ("my changes", 1, "leaver_rate")
    assert "≤ 1" in p.expected


# --- broadcast and override semantics ------------------------------------------------------------

def test_national_value_reaches_every_stp(case_copy):
    case_copy.write("leaver_rates.csv", """
        area,staff_group,leaver_rate
        england,nurse,0.1
        england,psw,0.2
    """)
    rates = case_copy.load().table("leaver_rates")
    assert records(rates, ["area", "staff_group", "leaver_rate"]) == {
        ("A", "nurse", 0.1), ("B", "nurse", 0.1), ("A", "psw", 0.2), ("B", "psw", 0.2)}


def test_blank_area_means_england(case_copy):
    case_copy.write("leaver_rates.csv", """
        area,staff_group,leaver_rate
        ,nurse,0.1
        ,psw,0.2
    """)
    rates = case_copy.load().table("leaver_rates")
    assert records(rates, ["area", "staff_group", "leaver_rate"]) == {
        ("A", "nurse", 0.1), ("B", "nurse", 0.1), ("A", "psw", 0.2), ("B", "psw", 0.2)}


def test_region_row_overrides_national_and_stp_row_overrides_both(case_copy):
    # A is in north, B in south. The STP row for B comes first in the file: order does not matter.
    case_copy.write("leaver_rates.csv", """
        area,staff_group,leaver_rate
        B,nurse,0.15
        south,nurse,0.25
        north,nurse,0.3
        england,nurse,0.1
        england,psw,0.2
        south,psw,0.05
    """)
    rates = case_copy.load().tables["leaver_rates"].set_index(["area", "staff_group"])
    assert rates.loc[("A", "nurse"), "leaver_rate"] == 0.3   # north over england
    assert rates.loc[("A", "nurse"), "_row"] == 4
    assert rates.loc[("B", "nurse"), "leaver_rate"] == 0.15  # B over south and england
    assert rates.loc[("B", "nurse"), "_row"] == 2
    assert rates.loc[("A", "psw"), "leaver_rate"] == 0.2     # england only
    assert rates.loc[("B", "psw"), "leaver_rate"] == 0.05    # south over england
    assert len(rates) == 4


def test_region_value_alone_covers_only_its_stps(case_copy):
    case_copy.write("leaver_rates.csv", """
        area,staff_group,leaver_rate
        north,nurse,0.3
        south,nurse,0.25
        england,psw,0.2
    """)
    rates = case_copy.load().table("leaver_rates")
    assert records(rates, ["area", "staff_group", "leaver_rate"]) == {
        ("A", "nurse", 0.3), ("B", "nurse", 0.25), ("A", "psw", 0.2), ("B", "psw", 0.2)}


def test_recruitment_cost_overrides_by_region(case_copy):
    case_copy.add_row("recruitment_costs.csv", area="south", source="domestic", staff_group="nurse",
                      cost_per_recruit_gbp=12000, first_year_retention=0.8)
    costs = case_copy.load().table("recruitment_costs").set_index(["area", "staff_group"])
    assert costs.loc[("A", "nurse"), "cost_per_recruit_gbp"] == 10000
    assert costs.loc[("A", "nurse"), "first_year_retention"] == 0.9
    assert costs.loc[("B", "nurse"), "cost_per_recruit_gbp"] == 12000
    assert costs.loc[("B", "nurse"), "first_year_retention"] == 0.8
    assert costs.loc[("B", "psw"), "cost_per_recruit_gbp"] == 2000


def test_source_open_to_a_group_only_where_a_row_exists(case_copy):
    # a second source open to nurses in B only: no row for A
    case_copy.add_row("recruitment_sources.csv", source="intl", name="International")
    case_copy.add_row("recruitment_costs.csv", area="B", source="intl", staff_group="nurse", cost_per_recruit_gbp=15000)
    costs = case_copy.load().table("recruitment_costs")
    intl = costs[costs["source"] == "intl"]
    assert records(intl, ["area", "staff_group", "cost_per_recruit_gbp", "first_year_retention"]) == {
        ("B", "nurse", 15000.0, 1.0)}
    assert len(costs) == 5


def test_named_year_overrides_blank_year_in_a_limit_table(case_copy):
    line = case_copy.add_row("recruitment_pools.csv", scope="england", source="domestic", year="2017/18", pool_fte=10)
    pools = case_copy.load().tables["recruitment_pools"]
    assert len(pools) == 3
    by_year = pools.set_index("year")
    assert list(pools["year"]) == YEARS
    assert by_year.loc["2016/17", "pool_fte"] == 30 and by_year.loc["2016/17", "_row"] == 2
    assert by_year.loc["2017/18", "pool_fte"] == 10 and by_year.loc["2017/18", "_row"] == line
    assert by_year.loc["2018/19", "pool_fte"] == 30


def test_limit_tables_keep_their_scope(case_copy):
    # a north pool for nurses is a separate limit: it neither replaces nor is replaced by the england pool
    case_copy.add_row("recruitment_pools.csv", scope="north", source="domestic", staff_group="nurse", pool_fte=5)
    case_copy.add_row("recruitment_pools.csv", scope="north", source="domestic", staff_group="nurse", year="2018/19",
                      pool_fte=7)
    pools = case_copy.load().table("recruitment_pools")
    assert len(pools) == 6
    assert set(pools["scope"]) == {"england", "north"}  # not broadcast to STP A
    north = pools[pools["scope"] == "north"].set_index("year")["pool_fte"]
    assert north.to_dict() == {"2016/17": 5.0, "2017/18": 5.0, "2018/19": 7.0}
    england = pools[pools["scope"] == "england"].set_index("year")["pool_fte"]
    assert england.to_dict() == {y: 30.0 for y in YEARS}


def test_capacity_tables_repeat_blank_years(case_copy):
    case_copy.write("placement_capacity.csv", """
        scope,year,placements
        england,,100
        north,2016/17,40
    """)
    case_copy.write("course_capacity.csv", """
        scope,programme,year,places
        A,nursing,,12
        A,nursing,2018/19,0
    """)
    case_copy.write("establishment.csv", """
        scope,staff_group,year,posts_fte
        south,psw,,25
    """)
    c = case_copy.load()
    placements = c.table("placement_capacity")
    assert records(placements, ["scope", "year", "placements"]) == {
        ("england", y, 100.0) for y in YEARS} | {("north", "2016/17", 40.0)}
    courses = c.table("course_capacity")
    assert records(courses, ["scope", "programme", "year", "places"]) == {
        ("A", "nursing", "2016/17", 12.0), ("A", "nursing", "2017/18", 12.0), ("A", "nursing", "2018/19", 0.0)}
    posts = c.table("establishment")
    assert records(posts, ["scope", "staff_group", "year", "posts_fte"]) == {("south", "psw", y, 25.0) for y in YEARS}


def test_parameter_table_with_years_prefers_area_then_named_year(case_copy):
    # exits: area decides first (STP over region over england), then a named year over a blank one
    case_copy.write("exits.csv", """
        area,staff_group,year,cost_per_exit_gbp,max_exits_fte
        england,nurse,,1000,
        england,nurse,2017/18,800,5
        A,nurse,,600,
    """)
    exits = case_copy.load().table("exits")
    assert records(exits, ["area", "staff_group", "year", "cost_per_exit_gbp", "max_exits_fte"]) == {
        ("A", "nurse", "2016/17", 600.0, None), ("A", "nurse", "2017/18", 600.0, None),
        ("A", "nurse", "2018/19", 600.0, None),
        ("B", "nurse", "2016/17", 1000.0, None), ("B", "nurse", "2017/18", 800.0, 5.0),
        ("B", "nurse", "2018/19", 1000.0, None)}


def test_retention_segments_resolve_segment_by_segment(case_copy):
    case_copy.write("retention_segments.csv", """
        area,staff_group,segment,share_of_leavers,cost_per_avoided_leaver_gbp
        england,nurse,1,0.3,1000
        england,nurse,2,0.2,2000
        A,nurse,2,0.1,3000
    """)
    seg = case_copy.load().table("retention_segments")
    assert records(seg, ["area", "staff_group", "segment", "share_of_leavers", "cost_per_avoided_leaver_gbp"]) == {
        ("A", "nurse", 1, 0.3, 1000.0), ("A", "nurse", 2, 0.1, 3000.0),
        ("B", "nurse", 1, 0.3, 1000.0), ("B", "nurse", 2, 0.2, 2000.0)}


def test_optional_tables_pipeline_and_budgets_load(case_copy):
    case_copy.write("pipeline.csv", """
        stp,programme,qualification_year,students
        A,nursing,2016/17,4
        B,nursing,2017/18,6
    """)
    case_copy.write("budgets.csv", """
        budget,scope,lever,from_year,to_year,limit_gbp
        training,england,training,,,1000000
        north_recruit,north,recruitment,2017/18,2018/19,50000
    """)
    c = case_copy.load()
    assert records(c.table("pipeline"), ["stp", "programme", "qualification_year", "students"]) == {
        ("A", "nursing", "2016/17", 4.0), ("B", "nursing", "2017/18", 6.0)}
    budgets = c.table("budgets")
    assert records(budgets, ["budget", "scope", "lever", "from_year", "to_year", "limit_gbp"]) == {
        ("training", "england", "training", None, None, 1e6),
        ("north_recruit", "north", "recruitment", "2017/18", "2018/19", 50000.0)}


def test_optional_table_named_in_case_yaml(case_copy):
    case_copy.write("data/pools.csv", """
        scope,source,staff_group,year,pool_fte
        england,domestic,nurse,,12
    """)
    case_copy.remove("recruitment_pools.csv")
    case_copy.set_yaml("tables.recruitment_pools", "data/pools.csv")
    pools = case_copy.load().tables["recruitment_pools"]
    assert list(pools["pool_fte"]) == [12.0] * 3
    assert set(pools["_file"]) == {"data/pools.csv"}


def test_optional_table_may_be_left_out(case_copy):
    case_copy.remove("recruitment_pools.csv")
    c = case_copy.load()
    assert "recruitment_pools" not in c.tables
    assert c.table("recruitment_pools").empty


def test_booleans_and_whitespace(case_copy):
    case_copy.add_column("programmes.csv", "integer", "yes")
    case_copy.set_cell("programmes.csv", 3, "integer", "FALSE")
    case_copy.add_column("programmes.csv", "min_cohort", "")
    case_copy.set_cell("programmes.csv", 2, "min_cohort", " 3")
    case_copy.set_cell("baseline_workforce.csv", 2, "staff_group", " nurse ")
    c = case_copy.load()
    progs = c.table("programmes").set_index("programme")
    assert bool(progs.loc["nursing", "integer"]) is True and progs.loc["nursing", "min_cohort"] == 3
    assert bool(progs.loc["psw_course", "integer"]) is False and progs.loc["psw_course", "min_cohort"] == 0
    assert "nurse" in set(c.table("baseline_workforce")["staff_group"])


def test_excel_byte_order_mark_is_read(case_copy):
    path = case_copy.path / "regions.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert list(case_copy.load().table("regions")["region"]) == ["north", "south"]


def test_header_only_tables_load_as_empty(case_copy):
    case_copy.write("pipeline.csv", "stp,programme,qualification_year,students")
    case_copy.write("retention_segments.csv", "area,staff_group,segment,share_of_leavers,cost_per_avoided_leaver_gbp")
    c = case_copy.load()
    assert c.table("pipeline").empty and "pipeline" in c.tables
    assert c.table("retention_segments").empty and "share_of_leavers" in c.table("retention_segments").columns


def test_header_only_targets_load_with_a_warning_in_validate_and_solve(case_copy):
    """A case with no target plans only its limits: legitimate (a floor's cost), but most likely a mistake,
    so validate and the solve summary warn (docs/guarantees.md)."""
    import subprocess
    import sys

    case_copy.write("targets.csv", "target,measure,year,minimum_fte")
    assert case_copy.load().table("targets").empty
    for command in (["validate"], ["solve", "--out", str(case_copy.path / "out")]):
        run = subprocess.run([sys.executable, "-m", "optimiser", command[0], str(case_copy.path), *command[1:]],
                             capture_output=True, text=True)
        assert run.returncode == 0 and "has no targets" in run.stdout, run.stdout + run.stderr


def test_rows_of_empty_cells_are_ignored(case_copy):
    # spreadsheets often save rows of commas below the data
    path = case_copy.path / "baseline_workforce.csv"
    path.write_text(path.read_text() + ",,\n , ,\n")
    assert len(case_copy.load().table("baseline_workforce")) == 4
