"""Sweeps: parameter paths, in-place LP updates equal rebuilds, warm-started results equal cold solves."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from optimiser import load_case, solve
from optimiser.analysis import Assignment, LiveModel, Parameter, sweep
from optimiser.analysis.params import LPArrays, apply_changes, column_accepts, is_fast
from optimiser.analysis.sweep import grid_points, parse_assignment, parse_values
from optimiser.case import CaseError
from optimiser.model.build import build_lp
from test_lp_families import TWO_STPS, Y1, Y2, Y3, make_case, prog, rec, tgt

from conftest import FIXTURE


def rich_case(tmp_path):
    """Two STPs, two groups, three years, with every limit table, budgets, exits and soft targets."""
    groups = [dict(staff_group="nurse", name="Nurse", family="traditional", mentor_share=0.5),
              dict(staff_group="psw", name="PSW", family="new_role")]
    return make_case(
        tmp_path, last_year=Y3, stps=TWO_STPS, staff_groups=groups,
        baseline_workforce=[dict(stp=s, staff_group=g, fte_in_post=n) for s, g, n in
                            [("A", "nurse", 100), ("B", "nurse", 150), ("A", "psw", 10), ("B", "psw", 20)]],
        leaver_rates=[dict(area="england", staff_group="nurse", leaver_rate=0.1),
                      dict(area="england", staff_group="psw", leaver_rate=0.2)],
        programmes=[prog("degree", 2, 30_000, completion=0.8, take_up=0.9, placement_use=1, mentor_group="nurse",
                         students_per_mentor=2),
                    prog("psw_course", 1, 3_000, group="psw")],
        recruitment_costs=[rec(10_000), rec(2_000, group="psw"), rec(15_000, source="intl", area="south")],
        recruitment_pools=[dict(scope="england", source="dom", pool_fte=25),
                           dict(scope="south", source="intl", year=Y2, pool_fte=5)],
        retention_segments=[dict(area="england", staff_group="nurse", segment=1, share_of_leavers=0.2,
                                 cost_per_avoided_leaver_gbp=4_000)],
        exits=[dict(area="england", staff_group="psw", cost_per_exit_gbp=1_000, max_exits_fte=2)],
        placement_capacity=[dict(scope="england", placements=60)],
        course_capacity=[dict(scope="england", programme="degree", places=30)],
        establishment=[dict(scope="A", staff_group="nurse", posts_fte=140)],
        budgets=[dict(budget="train", scope="england", lever="training", limit_gbp=2_000_000),
                 dict(budget="north_all", scope="north", lever="all", from_year=Y1, to_year=Y2, limit_gbp=900_000)],
        targets=[tgt("trad", Y3, 30, measure="growth", family="traditional"),
                 tgt("psw_y2", Y2, 35, staff_group="psw", kind="soft", penalty_gbp_per_fte=50_000),
                 tgt("nurse_cap", Y3, 0, measure="growth", staff_group="nurse", maximum_fte=60)])


FAST = [
    ("targets.minimum_fte[target=trad]", 35, "set"),
    ("targets.maximum_fte[target=nurse_cap]", 50, "set"),
    ("targets.penalty_gbp_per_fte[target=psw_y2]", 20_000, "set"),
    ("budgets.limit_gbp[budget=north_all]", 0.8, "scale"),
    ("recruitment_pools.pool_fte", 1.5, "scale"),
    ("recruitment_pools.pool_fte[source=intl, year=2017/18]", 9, "set"),
    ("placement_capacity.placements", 45, "set"),
    ("course_capacity.places", 0.5, "scale"),
    ("establishment.posts_fte[scope=A]", 1.05, "scale"),
    ("programmes.cost_per_place_gbp[programme=degree]", 36_000, "set"),
    ("programmes.cost_per_place_gbp", 1.2, "scale"),
    ("recruitment_costs.cost_per_recruit_gbp[region=north]", 0.9, "scale"),
    ("recruitment_costs.cost_per_recruit_gbp[source=intl]", 12_000, "set"),
    ("retention_segments.cost_per_avoided_leaver_gbp", 5_000, "set"),
    ("exits.cost_per_exit_gbp", 1.5, "scale"),
    ("exits.max_exits_fte[area=B]", 4, "set"),
]
REBUILD = [
    ("discount_rate", 0.035, "set"),
    ("programmes.students_per_mentor[programme=degree]", 3, "set"),
    ("retention_segments.share_of_leavers", 0.5, "scale"),
]


def coefficient_case(tmp_path, whole_cohorts: bool = False):
    """Three years, two STPs, every family a coefficient parameter enters: stock flow with a pipeline
    (completion and take-up also move right-hand sides) and an upskilling route (its outflow from the
    source group), retention segments, first-year retention of recruits, mentoring, placements,
    upskilling's source share; ``whole_cohorts``: the degree in whole cohorts of at least 3, whose
    bound on starts reads the placement rows."""
    groups = [dict(staff_group="nurse", name="Nurse", family="traditional", mentor_share=0.5),
              dict(staff_group="hca", name="HCA", family="new_role")]
    return make_case(
        tmp_path, name="cohorts" if whole_cohorts else "coefficients", last_year=Y3, stps=TWO_STPS,
        staff_groups=groups,
        baseline_workforce=[dict(stp=s, staff_group=g, fte_in_post=n) for s, g, n in
                            [("A", "nurse", 100), ("B", "nurse", 150), ("A", "hca", 40), ("B", "hca", 60)]],
        leaver_rates=[dict(area="england", staff_group="nurse", leaver_rate=0.1),
                      dict(area="north", staff_group="nurse", leaver_rate=0.12),
                      dict(area="england", staff_group="hca", leaver_rate=0.2)],
        programmes=[prog("degree", 2, 30_000, completion=0.8, take_up=0.9, placement_use=1, mentor_group="nurse",
                         students_per_mentor=2, integer=whole_cohorts, min_cohort=3 if whole_cohorts else 0),
                    prog("upskill", 1, 8_000, completion=0.9, source_group="hca", max_source_share=0.2,
                         placement_use=0.5),
                    prog("hca_course", 1, 3_000, completion=0.85, take_up=0.8, group="hca")],
        pipeline=[dict(stp="A", programme="degree", qualification_year=Y2, students=20),
                  dict(stp="B", programme="upskill", qualification_year=Y1, students=5),
                  dict(stp="B", programme="hca_course", qualification_year=Y1, students=10)],
        recruitment_costs=[rec(10_000, first_year_retention=0.9), rec(2_000, group="hca"),
                           rec(15_000, source="intl", area="south", first_year_retention=0.8)],
        recruitment_pools=[dict(scope="england", source="dom", pool_fte=25),
                           dict(scope="south", source="intl", pool_fte=5)],
        retention_segments=[dict(area="england", staff_group="nurse", segment=1, share_of_leavers=0.2,
                                 cost_per_avoided_leaver_gbp=4_000),
                            dict(area="england", staff_group="hca", segment=1, share_of_leavers=0.3,
                                 cost_per_avoided_leaver_gbp=1_500)],
        placement_capacity=[dict(scope="england", placements=60)],
        targets=[tgt("trad", Y3, 20, measure="growth", family="traditional"),
                 tgt("hca_y2", Y2, 95, staff_group="hca", kind="soft", penalty_gbp_per_fte=50_000)])


#: Coefficient parameters, updated in place by replaying their constraint families.
COEFFICIENT = [
    ("leaver_rates.leaver_rate[region=north]", 1.2, "scale"),  # stock flow and retention; the baseline's survivors
    ("leaver_rates.leaver_rate", 0.15, "set"),
    ("programmes.completion_rate", 1.3, "scale"),  # capped at 1; qualifiers of starts and of the pipeline
    ("programmes.take_up_rate[programme=degree]", 0.7, "set"),
    ("programmes.completion_rate[programme=upskill]", 0.5, "set"),  # upskilling's outflow from hca
    ("recruitment_costs.first_year_retention", 0.95, "set"),
    ("recruitment_costs.first_year_retention[source=intl]", 0.8, "scale"),
    ("staff_groups.mentor_share[staff_group=nurse]", 0.3, "set"),
    ("programmes.placement_use[programme=degree]", 1.5, "scale"),
    ("programmes.placement_use[programme=upskill]", 0.25, "set"),
    ("programmes.max_source_share", 0.1, "set"),
]


def assert_same_lp(arrays, reference, exact: bool = False):
    """The whole LP: structure, costs, column and row bounds, and every matrix entry (``exact``: to the bit)."""
    assert arrays.same_structure(reference)
    names = ("cost", "col_lower", "col_upper", "row_lower", "row_upper", "data", "integrality")
    for name in names:
        if exact or name == "integrality":
            np.testing.assert_array_equal(getattr(arrays, name), getattr(reference, name), err_msg=name)
        else:
            np.testing.assert_allclose(getattr(arrays, name), getattr(reference, name), rtol=1e-12, atol=1e-9,
                                       err_msg=name)


def check_against_rebuild(case, assignments, in_place: bool = True, exact: bool = False):
    """The arrays of ``assignments`` equal a rebuild of the changed case (``exact``: to the bit)."""
    model = LiveModel(case)
    arrays, _, _, rebuilt = model.arrays_for(assignments)
    assert rebuilt == (not in_place)
    changed = apply_changes(case, assignments)
    reference = LPArrays.from_lp(build_lp(changed)[0])
    assert_same_lp(arrays, reference, exact)
    moved = not np.array_equal(arrays.a.data, model.base.a.data) or any(
        not np.array_equal(getattr(arrays, n), getattr(model.base, n)) for n in ("cost", "col_upper", "row_lower", "row_upper"))
    assert moved, "the parameter should change the LP"
    return model, changed


@pytest.mark.parametrize("path,value,how", FAST + REBUILD)
def test_lp_updates_equal_a_rebuild_from_the_changed_case(tmp_path, path, value, how):
    check_against_rebuild(rich_case(tmp_path), [Assignment(Parameter.parse(path), value, how)],
                          in_place=is_fast(Parameter.parse(path)))


@pytest.mark.parametrize("path,value,how", COEFFICIENT)
def test_coefficients_updated_in_place_equal_a_rebuild_and_its_optimum(tmp_path, path, value, how):
    case = coefficient_case(tmp_path)
    a = [Assignment(Parameter.parse(path), value, how)]
    model, changed = check_against_rebuild(case, a, exact=True)
    point, reference = model.solve(a, start="base"), LiveModel(changed).solve([], start="cold")
    assert not point.rebuilt
    assert point.status == reference.status == "optimal"
    assert point.objective == pytest.approx(reference.objective, rel=1e-9)


def test_scaled_shares_are_capped_at_one(tmp_path):
    case = rich_case(tmp_path)
    changed = apply_changes(case, [Assignment(Parameter.parse("programmes.completion_rate"), 1.3, "scale")])
    assert changed.table("programmes")["completion_rate"].tolist() == [1.0, 1.0]


def test_parameter_paths_parse_and_print():
    p = Parameter.parse("leaver_rates.leaver_rate[region=north|south, staff_group=nurse]")
    assert (p.table, p.column) == ("leaver_rates", "leaver_rate")
    assert p.where_dict == {"region": ["north", "south"], "staff_group": "nurse"}
    assert Parameter.parse(str(p)) == p
    assert Parameter.parse("discount_rate").setting == "discount_rate"
    assert parse_assignment("targets.minimum_fte[target=trad]=1,2.5") == (Parameter.parse("targets.minimum_fte[target=trad]"),
                                                                         [1.0, 2.5])
    assert parse_values("10:20:3") == [10.0, 15.0, 20.0]
    with pytest.raises(ValueError):
        Parameter.parse("budgets.limit_gbp[budget]")
    with pytest.raises(ValueError):
        parse_assignment("budgets.limit_gbp")
    assert grid_points([[1, 2], [3, 4, 5]]) == [(0, (1, 3)), (1, (1, 4)), (2, (1, 5)), (5, (2, 5)), (4, (2, 4)), (3, (2, 3))]


def test_unknown_paths_and_bad_values_are_case_errors(tmp_path):
    case = rich_case(tmp_path)
    with pytest.raises(CaseError, match="matches no row"):
        sweep(case, {"targets.minimum_fte[target=nope]": [1]}, executor="serial")
    with pytest.raises(CaseError, match="unknown column"):
        sweep(case, {"targets.nope": [1]}, executor="serial")
    with pytest.raises(CaseError, match="≤ 1"):
        sweep(case, {"leaver_rates.leaver_rate": [0.1, 1.5]}, executor="serial")
    with pytest.raises(ValueError, match="grid of two"):
        sweep(case, {"budgets.limit_gbp": [1], "recruitment_pools.pool_fte": [1], "exits.cost_per_exit_gbp": [1]})


def _cold(case, changes):
    return solve(case.with_changes(changes)) if changes else solve(case)


def test_warm_sweep_equals_cold_solves_one_parameter(tmp_path):
    case = rich_case(tmp_path)
    values = [20, 30, 38, 45, 60]
    df = sweep(case, {"targets.minimum_fte[target=trad]": values}, executor="serial")
    cold = sweep(case, {"targets.minimum_fte[target=trad]": values}, executor="serial", cold=True)
    assert list(df["status"]) == list(cold["status"])
    ok = df["status"] == "optimal"
    assert ok.sum() >= 3
    for col in ["total_cost_gbp", "penalties_gbp", "shortfall_fte", "growth.traditional_fte", "marginal_cost.trad"]:
        np.testing.assert_allclose(df.loc[ok, col], cold.loc[ok, col], rtol=1e-7, atol=1e-4, err_msg=col)
    for v, (_, r) in zip(values, df.iterrows()):
        sol = _cold(case, [{"table": "targets", "column": "minimum_fte", "set": v, "where": {"target": "trad"}}])
        assert sol.status == r["status"]
        if sol.status == "optimal":
            assert r["total_cost_gbp"] == pytest.approx(sol.objective, rel=1e-7)
            assert r["marginal_cost.trad"] == pytest.approx(
                float(sol.targets.set_index("target").loc["trad", "marginal_cost_per_fte"]), rel=1e-6, abs=1e-4)


def test_warm_grid_sweep_with_rebuilds_equals_cold_solves(tmp_path):
    """A grid of a fast parameter and one that changes coefficients (leaver rates: in place, warm)."""
    case = rich_case(tmp_path)
    grid = {"recruitment_pools.pool_fte": [0.6, 1.0, 1.4], "leaver_rates.leaver_rate": [0.9, 1.1]}
    df = sweep(case, grid, scale=True, executor="serial")
    assert len(df) == 6
    assert list(df["recruitment_pools.pool_fte"]) == [0.6, 0.6, 1.0, 1.0, 1.4, 1.4]
    for _, r in df.iterrows():
        sol = _cold(case, [{"table": "recruitment_pools", "column": "pool_fte", "scale": r["recruitment_pools.pool_fte"]},
                           {"table": "leaver_rates", "column": "leaver_rate", "scale": r["leaver_rates.leaver_rate"]}])
        assert sol.status == r["status"]
        if sol.status == "optimal":
            assert r["total_cost_gbp"] == pytest.approx(sol.objective, rel=1e-7)
            growth = sol.workforce.groupby(["family", "year"])["fte"].sum()
            assert r["growth.traditional_fte"] == pytest.approx(growth[("traditional", Y3)] - growth[("traditional", "2015/16")],
                                                                rel=1e-7, abs=1e-6)


def test_sweep_of_the_fixture_costs_and_budget_values(tmp_path):
    case = load_case(FIXTURE)
    df = sweep(case, {"targets.minimum_fte[target=trad]": [10, 20, 30]}, executor="serial")
    assert list(df.columns[:3]) == ["targets.minimum_fte[target=trad]", "status", "total_cost_gbp"]
    levers = df[[c for c in df.columns if c.startswith("cost.")]].sum(axis=1)
    np.testing.assert_allclose(levers + df["penalties_gbp"], df["total_cost_gbp"], rtol=1e-12)
    np.testing.assert_allclose(df["growth.traditional_fte"], [10, 20, 30], atol=1e-6)
    assert (df["iterations"] >= 0).all()


def test_local_process_pool_gives_the_serial_results(tmp_path):
    case = rich_case(tmp_path)
    values = {"targets.minimum_fte[target=trad]": list(np.linspace(20, 50, 8))}
    serial = sweep(case, values, executor="serial")
    pooled = sweep(case, values, executor="local", workers=2, chunk_size=2)
    cols = ["status", "total_cost_gbp", "shortfall_fte", "growth.traditional_fte"]
    pd.testing.assert_frame_equal(serial[cols], pooled[cols], rtol=1e-7)


def test_elastic_sweep_reports_shortfall_instead_of_infeasible(tmp_path):
    case = rich_case(tmp_path)
    hard = sweep(case, {"targets.minimum_fte[target=trad]": [30, 500]}, executor="serial")
    assert list(hard["status"]) == ["optimal", "infeasible"]
    soft = sweep(case, {"targets.minimum_fte[target=trad]": [30, 500]}, executor="serial", elastic=1e7)
    assert list(soft["status"]) == ["optimal", "optimal"]
    assert soft["hard_shortfall_fte"].iloc[0] == pytest.approx(0, abs=1e-6)
    assert soft["hard_shortfall_fte"].iloc[1] > 100
    assert soft["total_cost_gbp"].iloc[0] == pytest.approx(hard["total_cost_gbp"].iloc[0], rel=1e-7)


def test_sweep_does_not_change_the_case(tmp_path):
    case = rich_case(tmp_path)
    before = case.content_hash
    tables = {k: v.copy() for k, v in case.tables.items()}
    sweep(case, {"leaver_rates.leaver_rate": [0.8, 1.2]}, scale=True, executor="serial")
    assert case.content_hash == before
    for k, v in tables.items():
        pd.testing.assert_frame_equal(case.tables[k], v)


def test_placement_use_in_place_moves_the_whole_cohort_bound(tmp_path):
    """Whole cohorts: a start's bound ``M = PC / w`` reads the placement rows (MODEL.md §Integer
    variant): 60 places at 1.5 places a student allow 40 starts, so the cohort_upper rows take −40 on
    cohort_runs (a rebuild gives the same), and the MIP's optimum is the rebuild's."""
    case = coefficient_case(tmp_path, whole_cohorts=True)
    a = [Assignment(Parameter.parse("programmes.placement_use[programme=degree]"), 1.5, "scale")]
    model, changed = check_against_rebuild(case, a, exact=True)
    arrays, lp, _, _ = model.arrays_for(a)
    upper = next(b for b in lp.row_blocks if b.name == "cohort_upper")
    runs = lp.variables["cohort_runs"]
    entries = arrays.a[upper.rows][:, runs.offset:runs.offset + runs.size].toarray()
    assert np.allclose(entries[entries != 0], -40.0)
    point, reference = model.solve(a, start="base"), LiveModel(changed).solve([], start="cold")
    assert point.status == reference.status == "optimal" and not point.rebuilt
    assert point.objective == pytest.approx(reference.objective, rel=2 * model.mip_gap)


@pytest.mark.parametrize("assignments", [
    [("leaver_rates.leaver_rate", 1.1, "scale"), ("programmes.completion_rate[programme=degree]", 0.9, "scale"),
     ("programmes.take_up_rate", 0.95, "scale"), ("recruitment_costs.first_year_retention", 0.85, "set"),
     ("recruitment_pools.pool_fte", 0.8, "scale"), ("programmes.cost_per_place_gbp", 1.2, "scale")],
    [("programmes.placement_use", 0.5, "scale"), ("placement_capacity.placements", 50, "set")],  # the same rows
    [("staff_groups.mentor_share", 0.4, "set"), ("targets.minimum_fte[target=trad]", 25, "set"),
     ("targets.penalty_gbp_per_fte[target=hca_y2]", 0.5, "scale")],
])
def test_several_parameters_together_equal_a_rebuild_to_the_bit(tmp_path, assignments):
    """Coefficients entering the same rows (leaver, completion and first-year retention rates all enter
    the stock-flow rows) are replayed together from one changed case; limits beside them reach the LP
    through the same case (their families replayed), so every entry is the rebuild's, to the bit."""
    a = [Assignment(Parameter.parse(p), v, h) for p, v, h in assignments]
    check_against_rebuild(coefficient_case(tmp_path), a, exact=True)


def test_a_lever_cost_in_a_budgeted_case_replays_the_budget_rows(tmp_path):
    """Training costs enter the budget rows as coefficients (cost per place / years × years covered): they
    are replayed from the budget family, to the bit; setting a cost where it is 0 would add coefficients,
    and is rebuilt."""
    case = rich_case(tmp_path)
    for path, value, how, in_place in [("programmes.cost_per_place_gbp", 1.1, "scale", True),
                                       ("recruitment_costs.cost_per_recruit_gbp[source=intl]", 12_345, "set", True),
                                       ("exits.cost_per_exit_gbp", 0, "set", False)]:
        check_against_rebuild(case, [Assignment(Parameter.parse(path), value, how)], in_place=in_place, exact=in_place)


@pytest.mark.parametrize("assignments", [
    [("recruitment_costs.first_year_retention[source=intl]", 0, "set")],  # a coefficient becomes 0: dropped
    [("leaver_rates.leaver_rate", 1.1, "scale"), ("leaver_rates.leaver_rate[region=north]", 0.9, "scale")],
])
def test_changes_that_cannot_be_made_in_place_are_rebuilt(tmp_path, assignments):
    a = [Assignment(Parameter.parse(p), v, h) for p, v, h in assignments]
    check_against_rebuild(coefficient_case(tmp_path), a, in_place=False)


@pytest.mark.parametrize("path,value,how", [
    ("leaver_rates.leaver_rate", 1.5, "set"),
    ("programmes.completion_rate[programme=degree]", -0.2, "scale"),
    ("programmes.placement_use", -1, "set"),
    ("staff_groups.mentor_share", float("inf"), "set"),
    ("recruitment_pools.pool_fte", -1, "scale"),
])
def test_a_bad_value_is_refused_with_the_message_of_a_rebuild(tmp_path, path, value, how):
    """The in-place path checks only the changed column's values; a value they refuse goes to the
    rebuild, whose checks (loading's) name the change, column, value and what was expected."""
    case = coefficient_case(tmp_path)
    a = [Assignment(Parameter.parse(path), value, how)]
    with pytest.raises(CaseError) as refused:
        apply_changes(case, a)
    point = LiveModel(case).solve(a, start="base")
    assert point.status == "invalid"
    assert point.message == "; ".join(str(p) for p in refused.value.problems)
    assert Parameter.parse(path).column in point.message


def test_the_column_checks_accept_only_what_loading_accepts_unchanged():
    """``column_accepts`` (the in-place path's only check) passes a value only if loading's row checks
    pass it in that column and keep it as it is (a blank, NaN, becomes the column's default there)."""
    from optimiser.case.rows import validate_rows
    from optimiser.case.tables import TABLES

    probes = [-1.0, -1e-12, 0.0, 1e-12, 0.5, 1.0, 1.0 + 1e-12, 2.5, 15.0, 16.0, 1e300, float("nan"), float("inf")]
    checked = 0
    for name, spec in TABLES.items():
        for column, field in spec.row.model_fields.items():
            if "float" not in str(field.annotation) and "int" not in str(field.annotation):
                continue
            row = {c: _valid_cell(spec, c) for c in spec.row.model_fields} | {"_file": "f", "_row": 2}
            assert not validate_rows(pd.DataFrame([row], dtype=object), spec)[1], name
            for v in probes:
                accepts = column_accepts(name, column, np.array([v]))
                typed, problems = validate_rows(pd.DataFrame([row | {column: v}], dtype=object), spec)
                if accepts:
                    assert not problems and typed[column].iloc[0] == v, (name, column, v)
                checked += 1
    assert checked > 200
    assert column_accepts("leaver_rates", "leaver_rate", np.array([0.0, 0.3, 1.0]))
    assert not column_accepts("leaver_rates", "leaver_rate", np.array([0.3, 1.5]))
    assert not column_accepts("programmes", "placement_use", np.array([np.nan]))


def _valid_cell(spec, column):
    """A value every check of ``column`` accepts (for the other cells of a probe row)."""
    valid = {"family": "traditional", "measure": "level", "lever": "all", "kind": "soft", "duration_years": 2,
             "segment": 1}
    if column in valid:
        return valid[column]
    if column.endswith("year"):
        return "2016/17"
    annotation = str(spec.row.model_fields[column].annotation)
    return 0.5 if "float" in annotation else "x" if "str" in annotation else None
