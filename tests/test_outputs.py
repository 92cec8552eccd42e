"""Schema 2.0 outputs: names beside codes, one naming, --format csv/parquet/xlsx with datapackage.json,
--no-constraints, atomic writes that honour the umask, and the ranking of the costliest limits."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pandas as pd
import pytest
from openpyxl import load_workbook

from optimiser import load_case, solve
from optimiser.console import costliest_limits
from optimiser.export.atomic import write_atomic
from optimiser.export.solution import SCHEMA_VERSION
from optimiser.export.tables import TABLES, parse_formats, write_tables
from optimiser.extras import MissingExtra

from conftest import FIXTURE, ROOT

OPTIMISER = [sys.executable, "-m", "optimiser"]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """``optimiser solve two_stp --format json,csv,parquet,xlsx``: the folder and the solution JSON."""
    out = tmp_path_factory.mktemp("solved")
    run = subprocess.run([*OPTIMISER, "solve", str(FIXTURE), "--out", str(out), "--format", "json,csv,parquet,xlsx"],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    return out, json.loads((out / "solution.json").read_text())


def test_schema_2_names_beside_codes_and_one_naming(written):
    _, sol = written
    assert sol["schema_version"] == SCHEMA_VERSION == "2.0"
    assert sol["solver"]["status"] == sol["status"] == "optimal"  # one vocabulary; the solver's words in message
    assert sol["case"]["description"].startswith("Two STPs in two regions")
    # the fixture's names (stps.csv, regions.csv, staff_groups.csv, programmes.csv, recruitment_sources.csv)
    base = next(r for r in sol["workforce"] if r["stp"] == "A" and r["staff_group"] == "nurse" and r["period"] == "baseline")
    assert (base["stp_name"], base["region_name"], base["staff_group_name"], base["fte"]) == ("Alpha", "North", "Nurse", 100)
    names = {"nursing": "Nursing degree", "psw_course": "PSW course", "domestic": "Experienced domestic"}
    for r in sol["allocations"]:
        assert r["stp_name"] == {"A": "Alpha", "B": "Beta"}[r["stp"]]
        assert r["item_name"] == names.get(r["item"], r["item_name"])
        assert r["cost_gbp"] >= 0 and "cost" not in r
    assert {r["lever"] for r in sol["allocations"]} >= {"training", "recruitment"}
    t = sol["targets"][0]
    assert t["target"] == "trad" and t["minimum_fte"] == 20 and t["achieved_fte"] >= 20 - 1e-6
    assert not {"id", "minimum", "achieved", "shortfall"} & set(t)
    assert {r["region_name"] for r in sol["costs"]["by_region"]} == {"North", "South"}


def test_csv_and_parquet_tables_have_the_documented_columns(written):
    folder, sol = written
    manifest = json.loads((folder / "datapackage.json").read_text())
    assert manifest["case"]["sha256"] == sol["case"]["sha256"] and manifest["schema_version"] == "2.0"
    resources = {r["name"]: r for r in manifest["resources"]}
    assert set(resources) == {f"{t}_{f}" for t in TABLES for f in ("csv", "parquet")}
    for r in manifest["resources"]:
        path = folder / r["path"]
        df = pd.read_csv(path) if r["format"] == "csv" else pd.read_parquet(path)
        documented = [f["name"] for f in r["schema"]["fields"]]
        assert list(df.columns) == documented, r["path"]
        model = TABLES[r["table"]][1]
        assert documented == list(model.model_fields), r["path"]  # the schema's columns, in its order
    # the same numbers as solution.json, row for row
    alloc = pd.read_csv(folder / "allocations.csv")
    assert len(alloc) == len(sol["allocations"])
    assert alloc["cost_gbp"].sum() == pytest.approx(sum(r["cost_gbp"] for r in sol["allocations"]), rel=1e-12)
    wf = pd.read_parquet(folder / "workforce.parquet")
    assert wf.loc[(wf["stp"] == "B") & (wf["period"] == "baseline"), "fte"].sum() == 220  # 200 nurses + 20 PSWs
    fields = {f["name"]: f for f in resources["allocations_csv"]["schema"]["fields"]}
    assert fields["quantity"]["type"] == "number" and "£" in fields["cost_gbp"]["description"]


def test_workbook_has_summary_sheets_formats_and_frozen_headers(written):
    folder, sol = written
    wb = load_workbook(folder / "solution.xlsx")
    assert wb.sheetnames[0] == "summary" and set(wb.sheetnames[1:]) == set(TABLES)
    summary = {r[0]: r[1] for r in wb["summary"].iter_rows(values_only=True) if r[0]}
    assert summary["Status"] == "optimal"
    assert summary["Total cost, present value, penalties included (£)"] == pytest.approx(sol["costs"]["total_gbp"])
    assert summary["Nurse growth (2018/19)"].startswith("met: ")
    ws = wb["allocations"]
    header = [c.value for c in ws[1]]
    assert ws.freeze_panes == "A2" and header[:4] == ["lever", "item", "item_name", "stp"]
    assert ws.cell(row=2, column=header.index("cost_gbp") + 1).number_format.startswith('"£"')
    assert ws.cell(row=2, column=header.index("quantity") + 1).number_format == "#,##0.0"
    assert ws.max_row == len(sol["allocations"]) + 1


def test_no_constraints_leaves_them_out_and_says_so(tmp_path):
    run = subprocess.run([*OPTIMISER, "solve", str(FIXTURE), "--out", str(tmp_path), "--no-constraints",
                          "--format", "csv"], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    sol = json.loads((tmp_path / "solution.json").read_text())
    assert sol["constraints"] is None
    assert not (tmp_path / "constraints.csv").exists() and (tmp_path / "allocations.csv").exists()


def test_bad_format_and_missing_pyarrow_are_bad_input_and_write_nothing(tmp_path, monkeypatch):
    run = subprocess.run([*OPTIMISER, "solve", str(FIXTURE), "--out", str(tmp_path), "--format", "json,xls"],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 2 and "unknown format xls" in run.stderr and not any(tmp_path.iterdir())
    assert parse_formats("JSON, csv,csv") == ["json", "csv"]
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow now raises ImportError
    with pytest.raises(MissingExtra, match=r"pip install 'mh-workforce-optimiser\[parquet\]'"):
        write_tables({"case": {}}, tmp_path, ["csv", "parquet"])
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_every_output_gets_the_mode_the_umask_gives(tmp_path, mask):
    old = os.umask(mask)
    try:
        for name, content in (("a.json", "{}\n"), ("b.bin", b"\x00"), ("c.txt", lambda p: p.write_text("x"))):
            path = write_atomic(tmp_path / name, content)
            assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask, name
    finally:
        os.umask(old)


def test_solve_writes_files_readable_as_the_umask_allows(tmp_path):
    """Before: solution.json came out 0600 (mkstemp) whatever the umask."""
    run = subprocess.run(["sh", "-c", f"umask 022 && {sys.executable} -m optimiser solve {FIXTURE} --out {tmp_path} "
                                      "--format xlsx,csv"], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    for path in tmp_path.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path.name


def test_costliest_limits_rank_by_total_effect_so_a_budget_shows():
    """A binding £1bn budget worth £0.30 per £ (effect £300m) outranks a 1,000-FTE pool worth £20,000 per FTE
    (£20m), though its price per unit is far smaller; two STPs' alike rows add up."""
    rows = pd.DataFrame([
        {"family": "budget", "name": "budget", "item": "training", "stp": None, "region": None, "staff_group": None,
         "year": None, "binding": True, "limit": 1e9, "slack": 0.0, "shadow_price": -0.30},
        {"family": "recruitment_pools", "name": "recruitment pool", "item": "domestic", "stp": "A", "region": "north",
         "staff_group": "nurse", "year": "2016/17", "binding": True, "limit": 500.0, "slack": 0.0, "shadow_price": -20_000.0},
        {"family": "recruitment_pools", "name": "recruitment pool", "item": "domestic", "stp": "B", "region": "south",
         "staff_group": "nurse", "year": "2016/17", "binding": True, "limit": 500.0, "slack": 0.0, "shadow_price": -20_000.0},
        {"family": "placements", "name": "placements", "item": None, "stp": "A", "region": "north", "staff_group": None,
         "year": "2016/17", "binding": False, "limit": 10.0, "slack": 2.0, "shadow_price": -1e6},  # not binding
        {"family": "stock_flow", "name": "staff", "item": None, "stp": "A", "region": "north", "staff_group": "nurse",
         "year": "2016/17", "binding": True, "limit": 1e6, "slack": 0.0, "shadow_price": 9e9},  # not a limit
    ])
    top = costliest_limits(rows)
    assert top["effect_gbp"].tolist() == pytest.approx([-3e8, -2e7])
    assert top["constraint"].iloc[0].startswith("budget") and "2 STPs" in top["constraint"].iloc[1]


def test_tight_budget_soft_shows_its_binding_budget(tight_soft):
    """Ranked by price per unit alone the list held only retention and intake rows; the £325m training envelope
    binds (its shadow price is the cost of a £ less) and, priced over its £325m, it comes first."""
    top = costliest_limits(tight_soft.constraints)
    assert top["constraint"].iloc[0].startswith("spending limit, plan_training_envelope"), top
    assert top["effect_gbp"].abs().is_monotonic_decreasing


@pytest.fixture(scope="module")
def tight_soft():
    from conftest import national

    return solve(national("tight_budget_soft"))


def test_old_schema_is_refused_with_the_migration_hint(tmp_path):
    from optimiser.verify import SolutionFileError, verify_solution

    old = {"schema_version": "1.1", "case": {}, "status": "optimal", "costs": {}, "targets": [], "workforce": [],
           "allocations": []}
    with pytest.raises(SolutionFileError, match="schema_version 1.1.*migration"):
        verify_solution(load_case(FIXTURE), old)


def test_tornado_chart_has_a_title_values_on_bars_legends_and_the_penalty_note():
    """Base £1,000,000; leaver rates ±10% move it to £980,000 and £1,020,000 and the shortfall by ∓5 FTE."""
    from optimiser.analysis.tornado import tornado_figure

    df = pd.DataFrame([{"group": "leaver rates", "rank_cost": 1, "low_factor": 0.9, "high_factor": 1.1,
                        "base_total_cost_gbp": 1e6, "total_cost_low_gbp": 0.98e6, "total_cost_high_gbp": 1.02e6,
                        "base_shortfall_fte": 10.0, "shortfall_low_fte": 5.0, "shortfall_high_fte": 15.0}])
    fig = tornado_figure(df, "Two STPs in two regions: ±10% on each parameter group")
    assert fig._suptitle.get_text() == "Two STPs in two regions: ±10% on each parameter group"
    cost, short = fig.axes
    assert {t.get_text() for t in cost.texts} == {"−£20k", "+£20k"}
    assert {t.get_text() for t in short.texts} == {"−5 FTE", "+5 FTE"}
    for ax in (cost, short):
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["parameters ×0.90", "parameters ×1.10"]
    assert any("leaves out the penalties" in t.get_text() for t in fig.texts)
