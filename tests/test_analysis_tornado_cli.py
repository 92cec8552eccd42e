"""Tornado ranking, and the sweep, tornado, montecarlo and compare commands."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from optimiser import load_case, solve
from optimiser.analysis import tornado, tornado_chart
from optimiser.cli import app
from test_lp_families import Y1, Y2, make_case, prog, rec, tgt

from conftest import FIXTURE

runner = CliRunner()


def test_tornado_ranks_groups_by_their_effect(tmp_path):
    """Nurses H0 = 100, a = 0.1; target level ≥ 100 at Y1 and Y2; recruits (£10,000, v = 1) only.

    Recruits needed: 10 a year, £200,000. Recruitment costs ±10%: ±£20,000. Leaver rates ±10%: ±1
    recruit a year: ±£20,000 too, but the Y1 effect carries: with a = 0.09, 9 + 9 = 18 recruits
    (−£20,000); with a = 0.11, 11 + 11 = 22 (+£20,000). Completion rates do nothing (no programme used).
    """
    case = make_case(tmp_path, leaver_rates=[dict(area="england", staff_group="nurse", leaver_rate=0.1)],
                     programmes=[prog("degree", 3, 50_000)], recruitment_costs=[rec(10_000)],
                     targets=[tgt("y1", Y1, 100), tgt("y2", Y2, 100)])
    df = tornado(case, 0.1, executor="serial")
    base = solve(case).objective
    assert base == pytest.approx(200_000)
    by = df.set_index("group")
    assert by.loc["recruitment costs", "total_cost_low_gbp"] == pytest.approx(180_000)
    assert by.loc["recruitment costs", "total_cost_high_gbp"] == pytest.approx(220_000)
    assert by.loc["leaver rates", "total_cost_low_gbp"] == pytest.approx(180_000)
    assert by.loc["leaver rates", "total_cost_high_gbp"] == pytest.approx(220_000)
    assert by.loc["completion rates", "cost_effect_gbp"] == pytest.approx(0, abs=1e-6)
    assert list(df["rank_cost"]) == sorted(df["rank_cost"])
    assert set(df["group"][:2]) == {"recruitment costs", "leaver rates"}
    assert (df["status_low"] == "optimal").all()
    paths = tornado_chart(df, tmp_path / "chart.png")
    assert [p.suffix for p in paths] == [".png", ".svg"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in paths[1].read_text()[:500]


def test_cli_sweep_writes_csv_and_json(tmp_path):
    out = tmp_path / "sweep"
    result = runner.invoke(app, ["sweep", str(FIXTURE), "--set", "targets.minimum_fte[target=trad]=10:30:3",
                                 "--scale", "recruitment_pools.pool_fte=0.5,1", "--out", str(out), "--executor", "serial"])
    assert result.exit_code == 0, result.output
    df = pd.read_csv(out / "sweep.csv")
    assert len(df) == 6 and (df["status"] == "optimal").all()
    data = json.loads((out / "sweep.json").read_text())
    assert data["parameters"] == {"targets.minimum_fte[target=trad]": "set", "recruitment_pools.pool_fte": "scale"}
    assert len(data["rows"]) == 6
    assert "targets.minimum_fte[target=trad]" in result.output


def test_cli_sweep_bad_path_exits_2_without_traceback(tmp_path):
    result = runner.invoke(app, ["sweep", str(FIXTURE), "--set", "targets.minimum_fte[target=nope]=1,2",
                                 "--executor", "serial", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "matches no row" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["sweep", str(FIXTURE), "--set", "budgets.limit_gbp", "--out", str(tmp_path)])
    assert result.exit_code == 2


def test_cli_tornado_writes_table_and_charts(tmp_path):
    result = runner.invoke(app, ["tornado", str(FIXTURE), "--delta", "0.2", "--out", str(tmp_path), "--executor", "serial"])
    assert result.exit_code == 0, result.output
    for name in ("tornado.csv", "tornado.json", "tornado.png", "tornado.svg"):
        assert (tmp_path / name).stat().st_size > 0
    assert json.loads((tmp_path / "tornado.json").read_text())["delta"] == 0.2


def test_cli_montecarlo_runs_and_resumes(tmp_path):
    spec = tmp_path / "u.yaml"
    spec.write_text("seed: 4\ndraws: 5\nparameters:\n  - path: recruitment_pools.pool_fte\n"
                    "    scale: {distribution: uniform, low: 0.3, high: 1.0}\n")
    args = ["montecarlo", str(FIXTURE), "--spec", str(spec), "--out", str(tmp_path / "mc"), "--executor", "serial"]
    result = runner.invoke(app, args + ["--draws", "3"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "mc" / "summary.json").read_text())
    assert summary["draws_done"] == 5 and summary["probability_met"]["trad"] == 1.0
    assert "Probability all of trad are met: 100.0%" in result.output
    missing = runner.invoke(app, ["montecarlo", str(FIXTURE), "--out", str(tmp_path / "x")])
    assert missing.exit_code == 2 and "uncertainty" in missing.output


def test_cli_compare_two_solution_files_and_two_scenarios(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(solve(load_case(FIXTURE)).to_json())
    b.write_text(solve(load_case(FIXTURE, "pool_halved")).to_json())
    result = runner.invoke(app, ["compare", str(a), str(b), "--json", str(tmp_path / "cmp.json")])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "cmp.json").read_text())
    total = {r["measure"]: r for r in data["summary"]}["total_cost_gbp"]
    assert total["diff"] == pytest.approx(total["b"] - total["a"])
    rec_ = {r["lever"]: r for r in data["allocations_by_lever"]}["recruitment"]
    assert rec_["quantity_a"] == pytest.approx(90) and rec_["quantity_b"] == pytest.approx(45)
    assert {"allocations_by_region", "allocations_by_staff_group", "growth_by_family", "costs_by_lever"} <= set(data)

    result = runner.invoke(app, ["compare", str(FIXTURE), "--scenario", "pool_halved", "--json", str(tmp_path / "s.json")])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "s.json").read_text())["b"] == "pool_halved"
    assert runner.invoke(app, ["compare", str(FIXTURE)]).exit_code == 2
    assert runner.invoke(app, ["compare", str(a)]).exit_code == 2
