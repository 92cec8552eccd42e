"""The exported MPS/LP file is the LP the engine solves, with readable, unique, safe names."""
from __future__ import annotations

import re

import highspy
import numpy as np
import pandas as pd
import pytest

from optimiser import solve
from optimiser.export.model_file import label_names, model_names, write_model
from optimiser.model.build import build_lp

SAFE = re.compile(r"^[A-Za-z][A-Za-z0-9_.]*$")


def read_back(path) -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    assert h.readModel(str(path)) == highspy.HighsStatus.kOk
    return h


@pytest.fixture(scope="module")
def solved(base_case):
    sol = solve(base_case)
    assert sol.status == "optimal"
    return sol


@pytest.mark.parametrize("fmt", ["mps", "lp"])
def test_read_back_file_solves_to_the_engines_objective(solved, tmp_path, fmt):
    path = write_model(solved.lp, tmp_path / f"two_stp.{fmt}")
    h = read_back(path)
    assert (h.getNumCol(), h.getNumRow()) == (solved.lp.num_col, solved.lp.num_row)
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    assert h.getInfo().objective_function_value == pytest.approx(solved.objective, rel=1e-9)


def test_names_are_unique_readable_and_kept_in_the_file(solved, tmp_path):
    h = read_back(write_model(solved.lp, tmp_path / "two_stp.mps"))
    cols, rows = model_names(solved.lp)
    assert len(set(cols)) == len(cols) == solved.lp.num_col
    assert len(set(rows)) == len(rows) == solved.lp.num_row
    assert all(SAFE.match(n) for n in list(cols) + list(rows))
    # the file carries the names, in order
    assert [h.getColName(i)[1] for i in range(h.getNumCol())] == list(cols)
    assert [h.getRowName(i)[1] for i in range(h.getNumRow())] == list(rows)
    # readable: block, item, (staff group), area, year
    status, row = h.getRowByName("staff_in_post_balance.nurse.B.2017_18")
    assert status == highspy.HighsStatus.kOk
    assert solved.lp.row_labels().iloc[row][["block", "stp", "staff_group", "year"]].tolist() == [
        "staff_in_post_balance", "B", "nurse", "2017/18"]
    # the programme fixes the staff group, so a training start's name leaves it out
    status, col = h.getColByName("training_starts.nursing.A.2017_18")
    assert status == highspy.HighsStatus.kOk
    assert solved.lp.column_labels().iloc[col][["block", "item", "stp", "year"]].tolist() == [
        "training_starts", "nursing", "A", "2017/18"]
    # a source is open to several groups, so recruits keep theirs; a national pool has no area
    assert "recruits.domestic.psw.B.2016_17" in cols
    assert "recruitment_pool.domestic.2016_17" in rows


def test_spaces_and_slashes_become_underscores(case_copy):
    case_copy.write("retention_segments.csv", """
        area,staff_group,segment,share_of_leavers,cost_per_avoided_leaver_gbp
        england,nurse,1,0.2,1000
    """)
    lp, _ = build_lp(case_copy.load())
    cols, _ = model_names(lp)
    assert "leavers_retained.segment_1.nurse.A.2016_17" in cols  # item label is "segment 1"


def test_repeated_names_get_their_index():
    labels = pd.DataFrame({"stp": ["A", "A", "B"], "region": [None] * 3, "staff_group": ["g g", "g/g", "g"],
                           "item": [None] * 3, "year": ["2016/17"] * 3, "block": ["x"] * 3})
    names = label_names(labels, "c")
    assert list(names) == ["x.g_g.A.2016_17.c0", "x.g_g.A.2016_17.c1", "x.g.B.2016_17"]


def test_write_is_atomic_and_format_follows_suffix(solved, tmp_path):
    target = tmp_path / "sub" / "model.lp"
    write_model(solved.lp, target)
    assert target.read_text().lstrip().startswith("\\")  # an LP file starts with a comment line
    assert [p.name for p in target.parent.iterdir()] == ["model.lp"]  # no temporary file left behind
    write_model(solved.lp, target.with_suffix(".txt"), format="mps")
    assert "ROWS" in target.with_suffix(".txt").read_text()
    with pytest.raises(ValueError):
        write_model(solved.lp, target, format="xlsx")


def test_bounds_and_costs_survive_the_round_trip(solved, tmp_path):
    lp = solved.lp
    model = read_back(write_model(lp, tmp_path / "m.mps")).getLp()
    np.testing.assert_allclose(model.col_cost_, lp.cost, rtol=1e-12)
    np.testing.assert_array_equal(model.col_upper_, lp.col_upper)
    np.testing.assert_allclose(model.row_lower_, lp.row_lower, rtol=1e-12)
    np.testing.assert_allclose(model.row_upper_, lp.row_upper, rtol=1e-12)
