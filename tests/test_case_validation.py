"""Each validation rule, on a broken copy of the two_stp fixture.

Every test checks the Problem's file, row (CSV line number, header = line 1), column, and that its
message says what was expected. Line numbers refer to tests/cases/two_stp:

    baseline_workforce.csv  2 A,nurse,100   3 A,psw,10   4 B,nurse,200   5 B,psw,20
    leaver_rates.csv        2 england,nurse,0.1   3 england,psw,0.2   4 B,nurse,0.15
    programmes.csv          2 nursing (nurse, 2 years, mentor nurse)   3 psw_course (psw, 1 year)
    recruitment_costs.csv   2 england,domestic,nurse   3 england,domestic,psw
    recruitment_pools.csv   2 england,domestic,,,30
    stps.csv                2 A (north)   3 B (south)
    staff_groups.csv        2 nurse   3 psw
    targets.csv             2 trad (growth, traditional, 2018/19, minimum 20)
"""
from __future__ import annotations

import pytest

from conftest import CaseCopy, find, only
from optimiser.case import Problem

HORIZON = "2016/17–2018/19"


def check(problem: Problem, *fragments: str) -> None:
    for fragment in fragments:
        assert fragment in problem.expected, f"{fragment!r} not in {problem.expected!r}"


# --- files and columns --------------------------------------------------------------------------

REQUIRED = {
    "regions": "regions.csv", "stps": "stps.csv", "staff_groups": "staff_groups.csv",
    "baseline_workforce": "baseline_workforce.csv", "leaver_rates": "leaver_rates.csv",
    "programmes": "programmes.csv", "recruitment_sources": "recruitment_sources.csv",
    "recruitment_costs": "recruitment_costs.csv", "targets": "targets.csv",
}


@pytest.mark.parametrize("table", sorted(REQUIRED))
def test_missing_required_file(case_copy: CaseCopy, table):
    case_copy.remove(REQUIRED[table])
    p = only(case_copy.problems(), file=REQUIRED[table], row=None, column=None)
    check(p, "file not found", f"the '{table}' table is required")


def test_missing_files_are_all_reported(case_copy: CaseCopy):
    case_copy.remove("targets.csv").remove("stps.csv")
    problems = case_copy.problems()
    assert {p.file for p in problems} == {"targets.csv", "stps.csv"}


def test_missing_file_named_in_case_yaml(case_copy: CaseCopy):
    case_copy.set_yaml("tables.leaver_rates", "data/rates.csv")
    check(only(case_copy.problems(), file="data/rates.csv", row=None), "file not found", "'leaver_rates'")


def test_missing_case_yaml(case_copy: CaseCopy):
    case_copy.remove("case.yaml")
    check(only(case_copy.problems(), file="case.yaml", row=None, column=None), "file not found", "needs case.yaml")


def test_empty_csv_file(case_copy: CaseCopy):
    (case_copy.path / "stps.csv").write_text("")
    check(only(case_copy.problems(), file="stps.csv", row=None), "is empty; expected a header line")


@pytest.mark.parametrize("file, column, table", [
    ("leaver_rates.csv", "leaver_rate", "leaver_rates"),
    ("baseline_workforce.csv", "fte_in_post", "baseline_workforce"),
    ("programmes.csv", "completion_rate", "programmes"),
    ("stps.csv", "region", "stps"),
    ("targets.csv", "measure", "targets"),
    ("recruitment_pools.csv", "pool_fte", "recruitment_pools"),
])
def test_missing_column(case_copy: CaseCopy, file, column, table):
    case_copy.drop_column(file, column)
    p = only(case_copy.problems(), file=file, row=None, column=column)
    check(p, "column missing", f"the '{table}' table needs it")


def test_missing_optional_column_takes_its_default(case_copy: CaseCopy):
    case_copy.drop_column("recruitment_costs.csv", "first_year_retention")
    costs = case_copy.load().table("recruitment_costs")
    assert set(costs["first_year_retention"]) == {1.0}


def test_unknown_column(case_copy: CaseCopy):
    case_copy.add_column("stps.csv", "colour", "red")
    p = only(case_copy.problems(), file="stps.csv", row=None, column="colour")
    check(p, "unknown column", "expected one of: stp, name, region, population_millions")


def test_misspelt_column_is_both_unknown_and_missing(case_copy: CaseCopy):
    rows = case_copy.read("leaver_rates.csv")
    rows[0][2] = "leaver_rte"
    case_copy._write_rows("leaver_rates.csv", rows)
    problems = case_copy.problems()
    assert len(problems) == 2
    check(find(problems, file="leaver_rates.csv", column="leaver_rate"), "column missing")
    check(find(problems, file="leaver_rates.csv", column="leaver_rte"), "unknown column")


# --- cells --------------------------------------------------------------------------------------

@pytest.mark.parametrize("file, line, column, value, fragments", [
    ("baseline_workforce.csv", 3, "fte_in_post", "ten", ["not a number", "Staff in post at the baseline (FTE)"]),
    ("baseline_workforce.csv", 5, "fte_in_post", "1,000", ["not a number"]),
    ("programmes.csv", 2, "cost_per_place_gbp", "£50k", ["not a number", "cost of one start"]),
    ("programmes.csv", 2, "duration_years", "two", ["not a whole number", "Course length"]),
    ("programmes.csv", 3, "duration_years", "1.5", ["not a whole number"]),
    ("leaver_rates.csv", 4, "leaver_rate", "15%", ["not a number", "Share (0-1)"]),
    ("staff_groups.csv", 3, "family", "modern", ["expected one of", "traditional", "new_role"]),
    ("targets.csv", 2, "measure", "total", ["expected one of", "growth", "level"]),
    ("targets.csv", 2, "kind", "firm", ["expected one of", "hard", "soft"]),
    ("targets.csv", 2, "year", "2018", ["a financial year written like 2016/17"]),
    ("targets.csv", 2, "year", "2018/20", ["a financial year written like 2016/17"]),
    ("targets.csv", 2, "family", "old_role", ["traditional or new_role"]),
    ("stps.csv", 3, "stp", "B C", ["code of letters, digits"]),
])
def test_wrong_type(case_copy: CaseCopy, file, line, column, value, fragments):
    case_copy.set_cell(file, line, column, value)
    p = only(case_copy.problems(), file=file, row=line, column=column)
    assert p.value == value
    check(p, *fragments)


def test_wrong_boolean(case_copy: CaseCopy):
    case_copy.add_column("programmes.csv", "integer", "true")
    case_copy.set_cell("programmes.csv", 3, "integer", "maybe")
    p = only(case_copy.problems(), file="programmes.csv", row=3, column="integer")
    check(p, "expected true or false")


@pytest.mark.parametrize("file, line, column", [
    ("leaver_rates.csv", 2, "leaver_rate"),
    ("baseline_workforce.csv", 4, "fte_in_post"),
    ("programmes.csv", 3, "cost_per_place_gbp"),
    ("programmes.csv", 2, "completion_rate"),
    ("recruitment_costs.csv", 3, "cost_per_recruit_gbp"),
    ("recruitment_pools.csv", 2, "pool_fte"),
    ("targets.csv", 2, "minimum_fte"),
    ("stps.csv", 2, "region"),
])
def test_empty_cell_where_a_value_is_needed(case_copy: CaseCopy, file, line, column):
    case_copy.set_cell(file, line, column, "")
    p = only(case_copy.problems(), file=file, row=line, column=column)
    check(p, "empty cell; expected")


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf"])
def test_not_a_finite_number(case_copy: CaseCopy, value):
    case_copy.set_cell("baseline_workforce.csv", 3, "fte_in_post", value)
    p = only(case_copy.problems(), file="baseline_workforce.csv", row=3, column="fte_in_post")
    check(p, "not a finite number")


def test_nan_in_a_rate(case_copy: CaseCopy):
    case_copy.set_cell("leaver_rates.csv", 3, "leaver_rate", "NaN")
    check(only(case_copy.problems(), file="leaver_rates.csv", row=3, column="leaver_rate"), "not a finite number")


# optional tables written for the tests below (one valid row on line 2)
OPTIONAL = {
    "placement_capacity.csv": "scope,year,placements\nengland,,100\n",
    "course_capacity.csv": "scope,programme,year,places\nnorth,nursing,,20\n",
    "establishment.csv": "scope,staff_group,year,posts_fte\nA,nurse,,150\n",
    "budgets.csv": "budget,scope,lever,from_year,to_year,limit_gbp\ntotal,england,all,,,1000000\n",
    "exits.csv": "area,staff_group,year,cost_per_exit_gbp,max_exits_fte\nengland,psw,,5000,3\n",
    "retention_segments.csv": "area,staff_group,segment,share_of_leavers,cost_per_avoided_leaver_gbp\nengland,nurse,1,0.3,1000\n",
    "pipeline.csv": "stp,programme,qualification_year,students\nA,nursing,2017/18,5\n",
}


def with_optional(case_copy: CaseCopy, *files: str) -> CaseCopy:
    for f in files:
        (case_copy.path / f).write_text(OPTIONAL[f])
    return case_copy


def test_optional_tables_written_for_tests_are_valid(case_copy: CaseCopy):
    with_optional(case_copy, *OPTIONAL)
    c = case_copy.load()
    assert set(c.tables) >= {f.removesuffix(".csv") for f in OPTIONAL}


@pytest.mark.parametrize("file, line, column", [
    ("baseline_workforce.csv", 3, "fte_in_post"),            # FTE
    ("recruitment_costs.csv", 2, "cost_per_recruit_gbp"),    # cost
    ("programmes.csv", 3, "cost_per_place_gbp"),             # cost
    ("recruitment_pools.csv", 2, "pool_fte"),                # capacity
    ("placement_capacity.csv", 2, "placements"),             # capacity
    ("course_capacity.csv", 2, "places"),                    # capacity
    ("establishment.csv", 2, "posts_fte"),                   # capacity
    ("budgets.csv", 2, "limit_gbp"),                         # money
    ("exits.csv", 2, "cost_per_exit_gbp"),                   # cost
    ("exits.csv", 2, "max_exits_fte"),                       # FTE
    ("retention_segments.csv", 2, "cost_per_avoided_leaver_gbp"),
    ("pipeline.csv", 2, "students"),
])
def test_negative_value(case_copy: CaseCopy, file, line, column):
    if file in OPTIONAL:
        with_optional(case_copy, file)
    case_copy.set_cell(file, line, column, "-5")
    p = only(case_copy.problems(), file=file, row=line, column=column)
    assert p.value == "-5"
    check(p, "expected a value ≥ 0")


@pytest.mark.parametrize("file, line, column, value, bound", [
    ("leaver_rates.csv", 4, "leaver_rate", "1.5", "≤ 1"),
    ("leaver_rates.csv", 2, "leaver_rate", "-0.1", "≥ 0"),
    ("programmes.csv", 2, "completion_rate", "1.2", "≤ 1"),
    ("programmes.csv", 3, "take_up_rate", "-0.5", "≥ 0"),
    ("recruitment_costs.csv", 2, "first_year_retention", "1.1", "≤ 1"),
    ("staff_groups.csv", 2, "mentor_share", "2", "≤ 1"),
    ("retention_segments.csv", 2, "share_of_leavers", "1.01", "≤ 1"),
])
def test_rate_or_share_outside_0_1(case_copy: CaseCopy, file, line, column, value, bound):
    if file in OPTIONAL:
        with_optional(case_copy, file)
    case_copy.set_cell(file, line, column, value)
    p = only(case_copy.problems(), file=file, row=line, column=column)
    check(p, f"expected a value {bound}")


def test_max_source_share_outside_0_1(case_copy: CaseCopy):
    case_copy.add_column("programmes.csv", "max_source_share", "")
    case_copy.set_cell("programmes.csv", 3, "max_source_share", "1.5")
    check(only(case_copy.problems(), file="programmes.csv", row=3, column="max_source_share"), "≤ 1")


def test_bad_cells_on_several_rows_are_all_reported(case_copy: CaseCopy):
    case_copy.set_cell("baseline_workforce.csv", 2, "fte_in_post", "-1")
    case_copy.set_cell("baseline_workforce.csv", 5, "fte_in_post", "x")
    case_copy.set_cell("programmes.csv", 3, "completion_rate", "")
    problems = case_copy.problems()
    assert len(problems) == 3
    find(problems, file="baseline_workforce.csv", row=2, column="fte_in_post")
    find(problems, file="baseline_workforce.csv", row=5, column="fte_in_post")
    find(problems, file="programmes.csv", row=3, column="completion_rate")


def test_blank_lines_are_skipped_and_keep_line_numbers(case_copy: CaseCopy):
    (case_copy.path / "baseline_workforce.csv").write_text(
        "stp,staff_group,fte_in_post\nA,nurse,100\n\nA,psw,10\n,,\nB,nurse,x\nB,psw,20\n")
    p = only(case_copy.problems(), file="baseline_workforce.csv", column="fte_in_post")
    assert p.row == 6  # the line a spreadsheet or editor shows


def test_problem_text_names_file_row_column_and_value(case_copy: CaseCopy):
    case_copy.set_cell("baseline_workforce.csv", 3, "fte_in_post", "ten")
    p = only(case_copy.problems())
    assert str(p) == ("baseline_workforce.csv, row 3, column 'fte_in_post': 'ten' — "
                      "not a number; expected Staff in post at the baseline (FTE)")


# --- duplicate keys -----------------------------------------------------------------------------

@pytest.mark.parametrize("file, cells, column, key", [
    ("stps.csv", dict(stp="A", name="Again", region="south"), "stp", "stp=A"),
    ("baseline_workforce.csv", dict(stp="B", staff_group="psw", fte_in_post=1), "stp", "stp=B, staff_group=psw"),
    # a blank area is england, so this repeats line 2
    ("leaver_rates.csv", dict(area="", staff_group="nurse", leaver_rate=0.12), "area", "area=england, staff_group=nurse"),
    ("recruitment_pools.csv", dict(scope="england", source="domestic", pool_fte=5), "scope",
     "scope=england, source=domestic"),
    ("targets.csv", dict(target="trad", measure="level", year="2017/18", minimum_fte=1), "target", "target=trad"),
    ("programmes.csv", dict(programme="nursing", name="Again", staff_group="nurse", duration_years=1,
                            completion_rate=1, take_up_rate=1, cost_per_place_gbp=1), "programme", "programme=nursing"),
])
def test_duplicate_key(case_copy: CaseCopy, file, cells, column, key):
    line = case_copy.add_row(file, **cells)
    p = only(case_copy.problems(), file=file, row=line, column=column)
    check(p, f"duplicate key ({key})", "each key may appear once")


def test_duplicate_named_year_in_a_limit_table(case_copy: CaseCopy):
    case_copy.add_row("recruitment_pools.csv", scope="england", source="domestic", year="2017/18", pool_fte=5)
    line = case_copy.add_row("recruitment_pools.csv", scope="england", source="domestic", year="2017/18", pool_fte=6)
    p = only(case_copy.problems(), file="recruitment_pools.csv", row=line)
    check(p, "duplicate key (scope=england, source=domestic, year=2017/18)")


# --- references ---------------------------------------------------------------------------------

@pytest.mark.parametrize("file, line, column, value, fragments", [
    ("stps.csv", 3, "region", "east", ["unknown region", "expected one of north, south"]),
    ("baseline_workforce.csv", 4, "stp", "C", ["unknown STP", "expected one of A, B"]),
    ("baseline_workforce.csv", 3, "staff_group", "doctor", ["unknown staff group", "expected one of nurse, psw"]),
    ("leaver_rates.csv", 4, "area", "C", ["unknown area", "A, B, england, north, south"]),
    ("leaver_rates.csv", 3, "staff_group", "doctor", ["unknown staff group"]),
    ("programmes.csv", 3, "staff_group", "doctor", ["unknown staff group"]),
    ("programmes.csv", 3, "source_group", "doctor", ["unknown staff group"]),
    ("programmes.csv", 2, "mentor_group", "doctor", ["unknown staff group"]),
    ("recruitment_costs.csv", 2, "area", "wales", ["unknown area"]),
    ("recruitment_costs.csv", 3, "source", "agency", ["unknown recruitment source", "expected one of domestic"]),
    ("recruitment_costs.csv", 3, "staff_group", "doctor", ["unknown staff group"]),
    ("recruitment_pools.csv", 2, "scope", "wales", ["unknown scope"]),
    ("recruitment_pools.csv", 2, "source", "agency", ["unknown recruitment source"]),
    ("recruitment_pools.csv", 2, "staff_group", "doctor", ["unknown staff group"]),
    ("pipeline.csv", 2, "stp", "C", ["unknown STP"]),
    ("pipeline.csv", 2, "programme", "medicine", ["unknown programme", "expected one of nursing, psw_course"]),
    ("course_capacity.csv", 2, "programme", "medicine", ["unknown programme"]),
    ("course_capacity.csv", 2, "scope", "C", ["unknown scope"]),
    ("placement_capacity.csv", 2, "scope", "C", ["unknown scope"]),
    ("establishment.csv", 2, "staff_group", "doctor", ["unknown staff group"]),
    ("exits.csv", 2, "area", "wales", ["unknown area"]),
    ("retention_segments.csv", 2, "staff_group", "doctor", ["unknown staff group"]),
    ("budgets.csv", 2, "scope", "wales", ["unknown scope"]),
    ("targets.csv", 2, "stp", "C", ["unknown STP", "expected one of A, B"]),
    ("targets.csv", 2, "region", "east", ["unknown region"]),
    ("targets.csv", 2, "staff_group", "doctor", ["unknown staff group"]),
])
def test_unknown_reference(case_copy: CaseCopy, file, line, column, value, fragments):
    if file in OPTIONAL:
        with_optional(case_copy, file)
    case_copy.set_cell(file, line, column, value)
    p = only(case_copy.problems(), file=file, row=line, column=column)
    assert p.value == value
    check(p, *fragments)


def test_unknown_item_in_a_target_list(case_copy: CaseCopy):
    case_copy.set_cell("targets.csv", 2, "stp", "A; C")
    p = only(case_copy.problems(), file="targets.csv", row=2, column="stp")
    assert p.value == "C"
    check(p, "unknown STP")


def test_target_list_of_known_codes_is_valid(case_copy: CaseCopy):
    case_copy.set_cell("targets.csv", 2, "stp", "A;B")
    case_copy.set_cell("targets.csv", 2, "region", "north; south")
    case_copy.set_cell("targets.csv", 2, "family", "traditional;new_role")
    case_copy.load()


def test_target_filters_selecting_no_staff_group(case_copy: CaseCopy):
    case_copy.set_cell("targets.csv", 2, "staff_group", "psw")  # family is traditional; psw is a new role
    p = only(case_copy.problems(), file="targets.csv", row=2, column="staff_group")
    check(p, "select no staff group")


def test_each_target_is_checked_after_an_earlier_bad_one(case_copy: CaseCopy):
    bad = case_copy.add_row("targets.csv", target="t2", measure="level", stp="C", year="2017/18", minimum_fte=1)
    empty = case_copy.add_row("targets.csv", target="t3", measure="level", family="new_role", staff_group="nurse",
                              year="2017/18", minimum_fte=1)
    problems = case_copy.problems()
    assert len(problems) == 2
    check(find(problems, row=bad, column="stp"), "unknown STP")
    check(find(problems, row=empty, column="staff_group"), "select no staff group")


def test_pool_for_a_group_the_source_is_not_open_to(case_copy: CaseCopy):
    case_copy.add_row("recruitment_sources.csv", source="agency", name="Agency")
    case_copy.add_row("recruitment_costs.csv", area="england", source="agency", staff_group="nurse",
                      cost_per_recruit_gbp=500)
    line = case_copy.add_row("recruitment_pools.csv", scope="england", source="agency", staff_group="psw", pool_fte=3)
    p = only(case_copy.problems(), file="recruitment_pools.csv", row=line, column="staff_group")
    check(p, "source 'agency' is not open to this staff group")


def test_stp_and_region_codes_must_differ(case_copy: CaseCopy):
    case_copy.set_cell("stps.csv", 3, "stp", "south")
    case_copy.set_cell("baseline_workforce.csv", 4, "stp", "south")
    case_copy.set_cell("baseline_workforce.csv", 5, "stp", "south")
    case_copy.set_cell("leaver_rates.csv", 4, "area", "north")
    p = only(case_copy.problems(), file="stps.csv", column="stp")
    assert p.value == "south"
    check(p, "STP and region codes must differ")


# --- years --------------------------------------------------------------------------------------

@pytest.mark.parametrize("file, line, column, value", [
    ("targets.csv", 2, "year", "2019/20"),
    ("targets.csv", 2, "year", "2015/16"),
    ("recruitment_pools.csv", 2, "year", "2015/16"),
    ("placement_capacity.csv", 2, "year", "2019/20"),
    ("course_capacity.csv", 2, "year", "2020/21"),
    ("establishment.csv", 2, "year", "2019/20"),
    ("exits.csv", 2, "year", "2019/20"),
    ("budgets.csv", 2, "from_year", "2015/16"),
    ("budgets.csv", 2, "to_year", "2019/20"),
])
def test_year_outside_the_horizon(case_copy: CaseCopy, file, line, column, value):
    if file in OPTIONAL:
        with_optional(case_copy, file)
    case_copy.set_cell(file, line, column, value)
    p = only(case_copy.problems(), file=file, row=line, column=column)
    assert p.value == value
    check(p, f"year outside the planning horizon {HORIZON}")


def test_budget_to_year_before_from_year(case_copy: CaseCopy):
    with_optional(case_copy, "budgets.csv")
    case_copy.set_cell("budgets.csv", 2, "from_year", "2018/19").set_cell("budgets.csv", 2, "to_year", "2017/18")
    check(only(case_copy.problems(), file="budgets.csv", row=2, column="to_year"), "must not be before from_year")


@pytest.mark.parametrize("programme, year, ok, allowed", [
    # nursing lasts 2 years: students in training at the start of 2016/17 qualify by the end of 2017/18
    ("nursing", "2016/17", True, None),
    ("nursing", "2017/18", True, None),
    ("nursing", "2018/19", False, "between 2016/17 and 2017/18 (the programme lasts 2 years)"),
    ("nursing", "2015/16", False, "between 2016/17 and 2017/18"),
    # psw_course lasts 1 year: only 2016/17
    ("psw_course", "2016/17", True, None),
    ("psw_course", "2017/18", False, "between 2016/17 and 2016/17"),
])
def test_pipeline_qualification_year(case_copy: CaseCopy, programme, year, ok, allowed):
    with_optional(case_copy, "pipeline.csv")
    case_copy.set_cell("pipeline.csv", 2, "programme", programme).set_cell("pipeline.csv", 2, "qualification_year", year)
    if ok:
        assert len(case_copy.load().table("pipeline")) == 1
    else:
        p = only(case_copy.problems(), file="pipeline.csv", row=2, column="qualification_year")
        assert p.value == year
        check(p, allowed)


def test_pipeline_may_qualify_after_the_horizon_for_a_long_course(case_copy: CaseCopy):
    # a 5-year course started before 2016/17 may finish in 2019/20, after the 3-year horizon
    case_copy.set_cell("programmes.csv", 2, "duration_years", 5)
    with_optional(case_copy, "pipeline.csv")
    case_copy.set_cell("pipeline.csv", 2, "qualification_year", "2019/20")
    assert case_copy.load().table("pipeline")["qualification_year"].tolist() == ["2019/20"]
    case_copy.set_cell("pipeline.csv", 2, "qualification_year", "2021/22")
    check(only(case_copy.problems(), file="pipeline.csv", row=2), "between 2016/17 and 2020/21")


# --- programmes, targets, retention --------------------------------------------------------------

def test_programme_source_group_is_its_own_staff_group(case_copy: CaseCopy):
    case_copy.set_cell("programmes.csv", 3, "source_group", "psw")
    p = only(case_copy.problems(), file="programmes.csv", row=3, column="source_group")
    assert p.value == "psw"
    check(p, "the source group must differ from the group the programme qualifies into")


def test_upskilling_from_another_group_is_valid(case_copy: CaseCopy):
    case_copy.set_cell("programmes.csv", 2, "source_group", "psw")
    assert case_copy.load().table("programmes").set_index("programme").loc["nursing", "source_group"] == "psw"


def test_mentor_group_without_students_per_mentor(case_copy: CaseCopy):
    # line 2 (nursing) keeps its students_per_mentor of 2, so the column holds numbers and a blank
    line = case_copy.add_row("programmes.csv", programme="psw_plus", name="PSW plus", staff_group="psw",
                             duration_years=1, completion_rate=1, take_up_rate=1, cost_per_place_gbp=100,
                             mentor_group="nurse")
    p = only(case_copy.problems(), file="programmes.csv", row=line, column="students_per_mentor")
    check(p, "needs students_per_mentor")


def test_min_cohort_needs_integer(case_copy: CaseCopy):
    case_copy.add_column("programmes.csv", "min_cohort", "")
    case_copy.set_cell("programmes.csv", 3, "min_cohort", "4")
    check(only(case_copy.problems(), file="programmes.csv", row=3, column="min_cohort"), "needs integer: true")


def test_target_maximum_below_minimum(case_copy: CaseCopy):
    case_copy.set_cell("targets.csv", 2, "maximum_fte", "10")
    p = only(case_copy.problems(), file="targets.csv", row=2, column="maximum_fte")
    assert p.value == 10
    check(p, "maximum must not be below the minimum (20)")


def test_target_maximum_equal_to_minimum_is_valid(case_copy: CaseCopy):
    case_copy.set_cell("targets.csv", 2, "maximum_fte", "20")
    case_copy.load()


def test_penalty_on_a_hard_target(case_copy: CaseCopy):
    case_copy.set_cell("targets.csv", 2, "penalty_gbp_per_fte", "500")
    check(only(case_copy.problems(), file="targets.csv", row=2, column="penalty_gbp_per_fte"),
          "a penalty applies only to a soft target")


def test_soft_target_with_penalty_beside_a_hard_target_without(case_copy: CaseCopy):
    case_copy.add_row("targets.csv", target="psw_level", measure="level", staff_group="psw", year="2017/18",
                      minimum_fte=40, kind="soft", penalty_gbp_per_fte=5000)
    targets = case_copy.load().table("targets").set_index("target")
    assert targets.loc["psw_level", "penalty_gbp_per_fte"] == 5000
    assert targets.loc["psw_level", "kind"] == "soft"


def write_segments(case_copy: CaseCopy, *rows: str) -> None:
    case_copy.write("retention_segments.csv",
                    "area,staff_group,segment,share_of_leavers,cost_per_avoided_leaver_gbp\n" + "\n".join(rows))


def test_retention_segment_cost_falling_with_segment(case_copy: CaseCopy):
    write_segments(case_copy, "england,nurse,1,0.3,1000", "england,nurse,2,0.2,500", "england,nurse,3,0.1,800")
    p = only(case_copy.problems(), file="retention_segments.csv", row=3, column="cost_per_avoided_leaver_gbp")
    assert p.value == 500
    check(p, "a later segment may not cost less than an earlier one (1000)")
    assert ": 500.0 —" in str(p)  # shown as a plain number


def test_retention_segments_compared_by_segment_number_not_line(case_copy: CaseCopy):
    write_segments(case_copy, "england,nurse,2,0.2,500", "england,nurse,1,0.3,1000")
    check(only(case_copy.problems(), file="retention_segments.csv", row=2, column="cost_per_avoided_leaver_gbp"),
          "(1000)")


def test_retention_segments_of_equal_cost_are_valid(case_copy: CaseCopy):
    write_segments(case_copy, "england,nurse,1,0.5,1000", "england,nurse,2,0.5,1000", "england,psw,1,1,10")
    assert len(case_copy.load().table("retention_segments")) == 6  # 3 rows x 2 STPs


def test_retention_segment_shares_summing_over_one(case_copy: CaseCopy):
    write_segments(case_copy, "england,nurse,1,0.6,1000", "england,nurse,2,0.5,2000")
    p = only(case_copy.problems(), file="retention_segments.csv", row=3, column="share_of_leavers")
    check(p, "shares add to 1.1, expected ≤ 1")


def test_retention_segments_are_checked_after_broadcast(case_copy: CaseCopy):
    # A's own segment 2 is cheaper than the national segment 1 it is used with, and A's shares add to 1.2
    write_segments(case_copy, "england,nurse,1,0.6,1000", "A,nurse,2,0.6,500")
    problems = case_copy.problems()
    assert len(problems) == 2
    check(find(problems, file="retention_segments.csv", row=3, column="cost_per_avoided_leaver_gbp"), "(1000)")
    check(find(problems, file="retention_segments.csv", row=3, column="share_of_leavers"), "shares add to 1.2")


# --- leaver rate coverage ------------------------------------------------------------------------

def test_leaver_rate_missing_for_a_group_after_broadcast(case_copy: CaseCopy):
    case_copy.drop_row("leaver_rates.csv", 3)  # england,psw
    p = only(case_copy.problems(), file="leaver_rates.csv", row=None, column="leaver_rate")
    check(p, "no leaver rate for", "psw in A", "psw in B", "add a national (england) row")


def test_leaver_rate_missing_only_where_no_row_covers_it(case_copy: CaseCopy):
    case_copy.drop_row("leaver_rates.csv", 2)  # england,nurse: B keeps its own nurse row
    p = only(case_copy.problems(), file="leaver_rates.csv", column="leaver_rate")
    check(p, "nurse in A")
    assert "nurse in B" not in p.expected and "psw" not in p.expected


def test_leaver_rate_from_one_region_only(case_copy: CaseCopy):
    case_copy.set_cell("leaver_rates.csv", 3, "area", "north")  # psw now only in A
    p = only(case_copy.problems(), file="leaver_rates.csv", column="leaver_rate")
    check(p, "psw in B")
    assert "psw in A" not in p.expected


# --- case.yaml ------------------------------------------------------------------------------------

@pytest.mark.parametrize("field, value, column, fragment", [
    ("discount_rate", 1.5, "discount_rate", "less than or equal to 1"),
    ("discount_rate", "lots", "discount_rate", "valid number"),
    ("default_penalty_gbp_per_fte", 0, "default_penalty_gbp_per_fte", "greater than 0"),
    ("first_year", "2016-17", "first_year", "a financial year written like 2016/17"),
    ("price_base_year", "2016", "price_base_year", "a financial year written like 2016/17"),
    ("colour", "red", "colour", "unknown field"),
    ("name", CaseCopy.DELETE, "name", "field missing"),
    ("first_year", CaseCopy.DELETE, "first_year", "field missing"),
    ("solver.name", "cplex", "solver.name", "'highs'"),
    ("solver.time_limit_seconds", -1, "solver.time_limit_seconds", "greater than 0"),
    ("solver.mip_gap", 2, "solver.mip_gap", "less than or equal to 1"),
    ("tables.rates", "rates.csv", "tables.rates", "unknown field"),
])
def test_bad_case_yaml_field(case_copy: CaseCopy, field, value, column, fragment):
    case_copy.set_yaml(field, value)
    p = only(case_copy.problems(), file="case.yaml", row=None, column=column)
    check(p, fragment)


def test_last_year_before_first_year(case_copy: CaseCopy):
    case_copy.set_yaml("last_year", "2015/16")
    problems = case_copy.problems()
    check(find(problems, file="case.yaml", column="last_year"), "must not be before first_year (2016/17)")


def test_case_yaml_that_is_not_a_mapping(case_copy: CaseCopy):
    (case_copy.path / "case.yaml").write_text("- just\n- a list\n")
    check(only(case_copy.problems(), file="case.yaml"), "expected a YAML mapping")


def test_case_yaml_that_is_not_yaml(case_copy: CaseCopy):
    (case_copy.path / "case.yaml").write_text("name: [unclosed\n")
    check(only(case_copy.problems(), file="case.yaml"), "could not be read as YAML")


def test_several_case_yaml_problems_at_once(case_copy: CaseCopy):
    case_copy.set_yaml("discount_rate", -0.1).set_yaml("colour", "red")
    problems = case_copy.problems()
    assert {p.column for p in problems} == {"discount_rate", "colour"}


# --- one pass -------------------------------------------------------------------------------------

def test_all_problems_are_reported_in_one_pass(case_copy: CaseCopy):
    case_copy.set_cell("leaver_rates.csv", 3, "leaver_rate", "-0.2")   # a bad cell
    case_copy.set_cell("baseline_workforce.csv", 4, "stp", "Z")         # an unknown reference
    problems = case_copy.problems()
    assert len(problems) == 2
    check(find(problems, file="leaver_rates.csv", row=3, column="leaver_rate"), "≥ 0")
    check(find(problems, file="baseline_workforce.csv", row=4, column="stp"), "unknown STP")


def test_many_kinds_of_problem_in_one_pass(case_copy: CaseCopy):
    case_copy.set_cell("programmes.csv", 2, "completion_rate", "1.3")
    case_copy.set_cell("recruitment_costs.csv", 3, "source", "agency")
    case_copy.set_cell("targets.csv", 2, "year", "2020/21")
    case_copy.set_cell("targets.csv", 2, "maximum_fte", "5")
    case_copy.add_row("stps.csv", stp="A", name="Again", region="north")
    problems = case_copy.problems()
    assert {(p.file, p.row, p.column) for p in problems} == {
        ("programmes.csv", 2, "completion_rate"),
        ("recruitment_costs.csv", 3, "source"),
        ("targets.csv", 2, "year"),
        ("targets.csv", 2, "maximum_fte"),
        ("stps.csv", 4, "stp"),
    }


def test_a_bad_cell_in_a_definition_table_is_not_also_an_unknown_code(case_copy: CaseCopy):
    # B's row is left out for its bad population; B is still not reported as an unknown STP elsewhere
    case_copy.add_column("stps.csv", "population_millions", "1.2")
    case_copy.set_cell("stps.csv", 3, "population_millions", "lots")
    p = only(case_copy.problems(), file="stps.csv", row=3, column="population_millions")
    check(p, "not a number")
