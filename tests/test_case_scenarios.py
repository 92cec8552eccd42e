"""Scenario overrides: set and scale, where filters, settings, and bad scenarios.

Base values (tests/cases/two_stp), resolved to STPs A (north) and B (south):
leaver rates A nurse 0.1, A psw 0.2, B nurse 0.15 (B's own row), B psw 0.2;
recruitment costs nurse 10,000, psw 2,000 in both STPs; one england pool of 30 a year.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURE, ROOT, CaseCopy, find, only
from optimiser.case import Case, CaseError, list_scenarios, load_case


def rates(case: Case) -> dict[tuple[str, str], float]:
    df = case.table("leaver_rates")
    return {(a, g): pytest.approx(r) for a, g, r in zip(df["area"], df["staff_group"], df["leaver_rate"])}


BASE_RATES = {("A", "nurse"): 0.1, ("A", "psw"): 0.2, ("B", "nurse"): 0.15, ("B", "psw"): 0.2}


# --- the scenarios shipped with the fixture -------------------------------------------------------

def test_fixture_scenarios_are_listed():
    assert list_scenarios(FIXTURE) == ["north_leavers", "pool_halved"]


def test_pool_halved_scales_a_limit_and_changes_a_setting(base_case: Case):
    c = load_case(FIXTURE, "pool_halved")
    assert c.scenario == "pool_halved"
    assert len(c.changes) == 2
    assert c.config.discount_rate == 0.035
    assert list(c.table("recruitment_pools")["pool_fte"]) == [15.0, 15.0, 15.0]
    assert c.content_hash != base_case.content_hash
    # everything else as in the base case
    assert rates(c) == BASE_RATES
    assert c.config.name == "two_stp"


def test_region_filter_reaches_stps_given_only_a_national_value():
    # the north has no leaver-rate row of its own: the england rates are broadcast to A first
    c = load_case(FIXTURE, "north_leavers")
    assert rates(c) == {("A", "nurse"): 0.15, ("A", "psw"): 0.3, ("B", "nurse"): 0.15, ("B", "psw"): 0.2}


# --- set and scale with where ---------------------------------------------------------------------

def test_set_by_column(base_case: Case):
    c = base_case.with_changes([{"table": "programmes", "column": "completion_rate", "set": 0.7,
                                 "where": {"programme": "nursing"}}])
    progs = c.table("programmes").set_index("programme")["completion_rate"]
    assert progs.to_dict() == {"nursing": 0.7, "psw_course": 1.0}


def test_scale_by_column(base_case: Case):
    c = base_case.with_changes([{"table": "recruitment_costs", "column": "cost_per_recruit_gbp", "scale": 1.1,
                                 "where": {"staff_group": "nurse"}}])
    costs = c.table("recruitment_costs")
    got = {(a, g): v for a, g, v in zip(costs["area"], costs["staff_group"], costs["cost_per_recruit_gbp"])}
    assert got == {("A", "nurse"): pytest.approx(11000), ("B", "nurse"): pytest.approx(11000),
                   ("A", "psw"): 2000, ("B", "psw"): 2000}


def test_scale_without_where_changes_every_row(base_case: Case):
    c = base_case.with_changes([{"table": "leaver_rates", "column": "leaver_rate", "scale": 0.5}])
    assert rates(c) == {k: v / 2 for k, v in BASE_RATES.items()}


def test_set_by_region_changes_an_stp_row_and_broadcast_rows(base_case: Case):
    # B has its own nurse row and takes psw from england: both change
    c = base_case.with_changes([{"table": "leaver_rates", "column": "leaver_rate", "set": 0.3,
                                 "where": {"region": "south"}}])
    assert rates(c) == {("A", "nurse"): 0.1, ("A", "psw"): 0.2, ("B", "nurse"): 0.3, ("B", "psw"): 0.3}


def test_region_filter_on_a_limit_table_matches_its_scope(case_copy: CaseCopy):
    case_copy.add_row("recruitment_pools.csv", scope="north", source="domestic", staff_group="nurse", pool_fte=8)
    c = case_copy.load().with_changes([{"table": "recruitment_pools", "column": "pool_fte", "scale": 0.5,
                                        "where": {"region": "north"}}])
    pools = c.table("recruitment_pools")
    assert pools[pools["scope"] == "north"]["pool_fte"].tolist() == [4.0, 4.0, 4.0]
    assert pools[pools["scope"] == "england"]["pool_fte"].tolist() == [30.0, 30.0, 30.0]


def test_family_filter(base_case: Case):
    c = base_case.with_changes([{"table": "leaver_rates", "column": "leaver_rate", "set": 0.25,
                                 "where": {"family": "new_role"}}])
    assert rates(c) == {("A", "nurse"): 0.1, ("A", "psw"): 0.25, ("B", "nurse"): 0.15, ("B", "psw"): 0.25}


def test_filters_combine_and_accept_lists(base_case: Case):
    c = base_case.with_changes([{"table": "leaver_rates", "column": "leaver_rate", "set": 0.12,
                                 "where": {"area": ["A", "B"], "family": "traditional", "region": ["north"]}}])
    assert rates(c) == {**BASE_RATES, ("A", "nurse"): 0.12}


def test_year_filter_on_a_limit_table(base_case: Case):
    c = base_case.with_changes([{"table": "recruitment_pools", "column": "pool_fte", "scale": 0.5,
                                 "where": {"year": "2017/18"}}])
    pools = c.table("recruitment_pools").set_index("year")["pool_fte"]
    assert pools.to_dict() == {"2016/17": 30.0, "2017/18": 15.0, "2018/19": 30.0}


def test_changes_apply_in_order(base_case: Case):
    c = base_case.with_changes([
        {"table": "leaver_rates", "column": "leaver_rate", "set": 0.1, "where": {"staff_group": "psw"}},
        {"table": "leaver_rates", "column": "leaver_rate", "scale": 3, "where": {"area": "B"}},
    ])
    assert rates(c) == {("A", "nurse"): 0.1, ("A", "psw"): 0.1, ("B", "nurse"): 0.45, ("B", "psw"): 0.3}


def test_changed_rows_point_at_the_scenario(case_copy: CaseCopy):
    name = case_copy.scenario("t", {"table": "leaver_rates", "column": "leaver_rate", "set": 0.3,
                                    "where": {"area": "A", "staff_group": "psw"}})
    c = case_copy.load(name)
    origin = c.tables["leaver_rates"].set_index(["area", "staff_group"])
    assert (origin.loc[("A", "psw"), "_file"], origin.loc[("A", "psw"), "_row"]) == ("scenarios/t.yaml", 1)
    assert (origin.loc[("B", "psw"), "_file"], origin.loc[("B", "psw"), "_row"]) == ("leaver_rates.csv", 3)


def test_set_a_text_column(base_case: Case):
    c = base_case.with_changes([{"table": "programmes", "column": "mentor_group", "set": "psw",
                                 "where": {"programme": "nursing"}}])
    assert c.table("programmes").set_index("programme").loc["nursing", "mentor_group"] == "psw"


# --- settings -------------------------------------------------------------------------------------

def test_setting_changes(case_copy: CaseCopy):
    name = case_copy.scenario("settings", {"setting": "discount_rate", "set": 0.035},
                              {"setting": "solver.time_limit_seconds", "set": 60},
                              {"setting": "default_penalty_gbp_per_fte", "set": 5000})
    c = case_copy.load(name)
    assert c.config.discount_rate == 0.035
    assert c.config.solver.time_limit_seconds == 60
    assert c.config.solver.name == "highs"
    assert c.config.default_penalty_gbp_per_fte == 5000
    assert c.table("leaver_rates").equals(case_copy.load().table("leaver_rates"))


@pytest.mark.parametrize("setting, value", [
    ("last_year", "2019/20"),   # would leave 2019/20 without the (blank-year) pool limit
    ("last_year", "2017/18"),
    ("first_year", "2017/18"),
    ("tables.leaver_rates", "other.csv"),  # the tables are already read
    ("tables", {}),
])
def test_settings_fixed_when_tables_are_resolved(base_case: Case, setting, value):
    with pytest.raises(CaseError) as info:
        base_case.with_changes([{"table": "leaver_rates", "column": "leaver_rate", "scale": 1},
                                {"setting": setting, "set": value}], label="scenarios/h.yaml")
    p = only(info.value.problems, file="scenarios/h.yaml", row=2, column="setting")
    assert p.value == setting
    assert "cannot be changed by a scenario" in p.expected


def test_price_base_year_may_be_relabelled(base_case: Case):
    assert base_case.with_changes([{"setting": "price_base_year", "set": "2017/18"}]).config.price_base_year == "2017/18"


# --- bad scenarios ---------------------------------------------------------------------------------

def scenario_problems(case_copy: CaseCopy, *changes: dict) -> tuple[list, str]:
    name = case_copy.scenario("bad", *changes)
    with pytest.raises(CaseError) as info:
        case_copy.load(name)
    return info.value.problems, str(info.value)


FILE = "scenarios/bad.yaml"


@pytest.mark.parametrize("change, column, fragments", [
    ({"table": "leavers", "column": "leaver_rate", "set": 0.1}, "table", ["unknown table", "leaver_rates"]),
    ({"table": "exits", "column": "cost_per_exit_gbp", "set": 1}, "table", ["no such table"]),
    ({"table": "leaver_rates", "column": "rate", "set": 0.1}, "column",
     ["unknown column of leaver_rates", "area, staff_group, leaver_rate"]),
    ({"table": "leaver_rates", "column": "leaver_rate", "set": 0.1, "where": {"colour": "red"}}, "where",
     ["unknown filter", "region or family"]),
    ({"table": "leaver_rates", "column": "leaver_rate", "set": 0.1, "where": {"staff_group": "doctor"}}, "where",
     ["'where' matches no row of leaver_rates"]),
    ({"table": "leaver_rates", "column": "leaver_rate", "set": 0.1, "where": {"region": "london"}}, "where",
     ["matches no row"]),
    ({"table": "leaver_rates", "column": "area", "set": "A"}, "column", ["'area' is a key of leaver_rates"]),
    ({"table": "recruitment_pools", "column": "year", "set": "2017/18"}, "column", ["is a key"]),
    ({"table": "programmes", "column": "cost_per_place_gbp", "scale": 2, "where": {"region": "north"}}, "where",
     ["no STP, area or scope"]),
    ({"table": "stps", "column": "name", "set": "X", "where": {"family": "traditional"}}, "where",
     ["no staff_group to find a family"]),
    ({"table": "programmes", "column": "name", "scale": 2}, "column", ["cannot be scaled"]),
    ({"setting": "discount", "set": 0.1}, "setting", ["unknown setting"]),
    ({"setting": "solver.colour", "set": "red"}, "setting", ["unknown setting"]),
])
def test_bad_change(case_copy: CaseCopy, change, column, fragments):
    problems, message = scenario_problems(case_copy, change)
    p = only(problems, file=FILE, row=1, column=column)
    for fragment in fragments:
        assert fragment in p.expected
    assert f"{FILE}, change 1" in message


@pytest.mark.parametrize("change, column, fragment", [
    # 0.15 * 7 = 1.05 for B's nurses; A's 0.1 * 7 = 0.7 is fine
    ({"table": "leaver_rates", "column": "leaver_rate", "scale": 7, "where": {"staff_group": "nurse"}},
     "leaver_rate", "≤ 1"),
    ({"table": "leaver_rates", "column": "leaver_rate", "scale": -1, "where": {"area": "B", "staff_group": "nurse"}},
     "leaver_rate", "≥ 0"),
    ({"table": "programmes", "column": "completion_rate", "set": 1.2, "where": {"programme": "nursing"}},
     "completion_rate", "≤ 1"),
    ({"table": "baseline_workforce", "column": "fte_in_post", "set": "lots", "where": {"stp": "A", "staff_group": "psw"}},
     "fte_in_post", "not a number"),
    ({"table": "recruitment_pools", "column": "pool_fte", "scale": -2, "where": {"year": "2018/19"}},
     "pool_fte", "≥ 0"),
])
def test_changed_value_outside_the_valid_range(case_copy: CaseCopy, change, column, fragment):
    problems, message = scenario_problems(case_copy, change)
    p = only(problems, file=FILE, row=1, column=column)
    assert fragment in p.expected
    assert f"{FILE}, change 1, column '{column}'" in message


def test_scaled_leaver_rate_reports_only_the_rows_out_of_range(case_copy: CaseCopy):
    problems, _ = scenario_problems(case_copy, {"table": "leaver_rates", "column": "leaver_rate", "scale": 7})
    # 0.15 * 7 = 1.05 (B nurse) and 0.2 * 7 = 1.4 (A psw and B psw: same change, same value, reported once)
    assert sorted(round(p.value, 6) for p in problems) == [1.05, 1.4]


def test_changed_case_is_checked_across_rows(case_copy: CaseCopy):
    problems, message = scenario_problems(case_copy, {"table": "targets", "column": "maximum_fte", "set": 10,
                                                      "where": {"target": "trad"}})
    p = only(problems, file=FILE, row=1, column="maximum_fte")
    assert "maximum must not be below the minimum (20)" in p.expected


def test_checks_across_rows_are_skipped_only_for_columns_they_do_not_read(base_case: Case, monkeypatch):
    """A change to a number no check across rows reads (a rate) runs its cells' checks alone, and a bad
    value is refused with the message it always had; a change to a column those checks read (a target's
    maximum) or a setting runs them all."""
    import optimiser.case.load as load

    calls = []
    monkeypatch.setattr(load, "check_case", lambda *a, **k: calls.append("check_case") or [])
    base_case.with_changes([{"table": "leaver_rates", "column": "leaver_rate", "scale": 1.1}])
    base_case.with_changes([{"table": "programmes", "column": "completion_rate", "set": 0.7}])
    assert calls == []
    with pytest.raises(CaseError) as refused:
        base_case.with_changes([{"table": "leaver_rates", "column": "leaver_rate", "set": 1.5}])
    assert str(refused.value) == ("case changes, change 1, column 'leaver_rate': 1.5 — expected a value ≤ 1: "
                                  "Share (0-1) of opening staff in post who leave in a year")
    assert calls == []
    base_case.with_changes([{"table": "targets", "column": "maximum_fte", "set": 50, "where": {"target": "trad"}}])
    base_case.with_changes([{"setting": "discount_rate", "set": 0.01}])
    assert calls == ["check_case", "check_case"]


def test_every_column_the_checks_across_rows_read_is_listed():
    """``CROSS_CHECKED`` holds every table column named in checks.py, except where a name only labels a
    problem's column (``column=...``, or ``_at``'s third argument): those are not reads."""
    import ast

    from optimiser.case import checks
    from optimiser.case.tables import TABLES

    columns = {c for spec in TABLES.values() for c in spec.row.model_fields}
    tree = ast.parse(Path(checks.__file__).read_text(encoding="utf-8"))
    labels = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            labels |= {id(k.value) for k in node.keywords if k.arg == "column"}
            if isinstance(node.func, ast.Name) and node.func.id == "_at" and len(node.args) >= 3:
                labels.add(id(node.args[2]))
    read = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and n.value in columns and id(n) not in labels}
    assert read <= checks.CROSS_CHECKED, sorted(read - checks.CROSS_CHECKED)
    assert {"leaver_rate", "completion_rate", "take_up_rate", "placement_use", "mentor_share",
            "first_year_retention", "fte_in_post", "pool_fte"}.isdisjoint(checks.CROSS_CHECKED)


def test_changed_programme_source_group_is_checked(case_copy: CaseCopy):
    problems, _ = scenario_problems(case_copy, {"setting": "discount_rate", "set": 0.01},
                                    {"table": "programmes", "column": "source_group", "set": "psw",
                                     "where": {"programme": "psw_course"}})
    only(problems, file=FILE, row=2, column="source_group")


def test_bad_setting_value_names_its_change(case_copy: CaseCopy):
    problems, message = scenario_problems(case_copy, {"table": "leaver_rates", "column": "leaver_rate", "scale": 1},
                                          {"setting": "discount_rate", "set": 2})
    p = only(problems, file=FILE, row=2, column="discount_rate")
    assert "less than or equal to 1" in p.expected
    assert f"{FILE}, change 2" in message


def test_every_bad_change_is_reported(case_copy: CaseCopy):
    problems, _ = scenario_problems(
        case_copy,
        {"table": "leaver_rates", "column": "leaver_rate", "set": 0.1},
        {"table": "leavers", "column": "leaver_rate", "set": 0.1},
        {"table": "leaver_rates", "column": "leaver_rate", "set": 0.1, "where": {"staff_group": "doctor"}},
        {"setting": "discount", "set": 0.1},
    )
    assert [(p.row, p.column) for p in problems] == [(2, "table"), (3, "where"), (4, "setting")]


@pytest.mark.parametrize("change, row, column, fragment", [
    ({"table": "leaver_rates", "column": "leaver_rate", "set": 0.1, "scale": 2}, 1, None, "exactly one of 'set' or 'scale'"),
    ({"table": "leaver_rates", "column": "leaver_rate"}, 1, None, "exactly one of 'set' or 'scale'"),
    ({"setting": "discount_rate", "scale": 2}, 1, None, "a setting takes 'set' only"),
    ({"table": "leaver_rates", "set": 0.1}, 1, None, "needs 'column'"),
    ({"column": "leaver_rate", "set": 0.1}, 1, None, "either 'setting' or 'table'"),
    ({"table": "leaver_rates", "column": "leaver_rate", "set": 0.1, "colour": "red"}, 1, "colour", "xtra"),
])
def test_malformed_change(case_copy: CaseCopy, change, row, column, fragment):
    problems, message = scenario_problems(case_copy, change)
    p = only(problems, file=FILE, row=row, column=column)
    assert fragment in p.expected
    assert f"{FILE}, change 1" in message


def test_scenario_without_changes(case_copy: CaseCopy):
    (case_copy.path / "scenarios").mkdir(exist_ok=True)
    (case_copy.path / "scenarios" / "empty.yaml").write_text("description: nothing\nchanges: []\n")
    with pytest.raises(CaseError) as info:
        case_copy.load("empty")
    find(info.value.problems, file="scenarios/empty.yaml", column="changes")


def test_scenario_with_an_unknown_top_level_field(case_copy: CaseCopy):
    (case_copy.path / "scenarios").mkdir(exist_ok=True)
    (case_copy.path / "scenarios" / "odd.yaml").write_text(
        "description: x\nchange:\n  - setting: discount_rate\n    set: 0.1\n")
    with pytest.raises(CaseError) as info:
        case_copy.load("odd")
    problems = info.value.problems
    find(problems, file="scenarios/odd.yaml", column="change")
    find(problems, file="scenarios/odd.yaml", column="changes")


def test_missing_scenario_lists_those_available():
    with pytest.raises(CaseError) as info:
        load_case(FIXTURE, "no_such")
    p = only(info.value.problems, file="scenarios/no_such.yaml", row=None)
    assert "file not found" in p.expected
    assert "scenarios available: north_leavers, pool_halved" in p.expected


def test_scenario_that_is_not_yaml(case_copy: CaseCopy):
    (case_copy.path / "scenarios").mkdir(exist_ok=True)
    (case_copy.path / "scenarios" / "broken.yaml").write_text("changes: [unclosed\n")
    with pytest.raises(CaseError) as info:
        case_copy.load("broken")
    assert "could not be read as YAML" in only(info.value.problems, file="scenarios/broken.yaml").expected


def test_bad_base_case_is_reported_before_the_scenario(case_copy: CaseCopy):
    case_copy.set_cell("baseline_workforce.csv", 2, "fte_in_post", "-1")
    problems = case_copy.problems("pool_halved")
    only(problems, file="baseline_workforce.csv", row=2, column="fte_in_post")


# --- shipped cases ------------------------------------------------------------------------------------

SHIPPED = sorted(p.parent for p in (ROOT / "cases").glob("*/case.yaml"))
SHIPPED_SCENARIOS = [(case, name) for case in SHIPPED for name in list_scenarios(case)]


def test_england_2017_is_shipped_with_scenarios():
    assert ROOT / "cases" / "england_2017" in SHIPPED
    assert list_scenarios(ROOT / "cases" / "england_2017")


@pytest.mark.parametrize("folder", SHIPPED, ids=lambda p: p.name)
def test_shipped_case_validates(folder):
    c = load_case(folder)
    assert c.name == folder.name
    assert c.table("baseline_workforce")["fte_in_post"].sum() > 0


@pytest.fixture(scope="module")
def shipped_hashes() -> dict:
    return {}


@pytest.mark.parametrize("folder, scenario", SHIPPED_SCENARIOS, ids=lambda v: getattr(v, "name", v))
def test_shipped_scenario_validates_and_changes_the_case(folder, scenario, shipped_hashes):
    c = load_case(folder, scenario)
    assert c.scenario == scenario and c.changes
    if folder not in shipped_hashes:
        shipped_hashes[folder] = load_case(folder).content_hash
    assert c.content_hash != shipped_hashes[folder], "the scenario changes nothing"
