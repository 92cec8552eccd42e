"""``optimiser report``: a self-contained HTML file, checked in headless Chromium with the network off.

The browser test is skipped (saying why) only when no Chromium can be found; ``.ci/run`` installs Debian's
``chromium`` package when it is missing.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from optimiser.report import ReportError, gbp, report_html

from browser import Browser, find_chromium
from conftest import FIXTURE, NATIONAL, ROOT, copy_case

OPTIMISER = [sys.executable, "-m", "optimiser"]


def run(*args, ok=(0,)) -> subprocess.CompletedProcess:
    proc = subprocess.run([*OPTIMISER, *map(str, args)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode in ok, proc.stdout + proc.stderr
    return proc


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, tuple[Path, dict | None]]:
    """Reports of the national base case (run-out 0), an infeasible tiny case (with its diagnosis) and a
    tornado of the tiny case, each made by the project's own commands: name -> (report.html, solution)."""
    tmp = tmp_path_factory.mktemp("reports")
    out = {}
    run("solve", NATIONAL, "--run-out-years", "0", "--out", tmp / "base")
    run("report", tmp / "base" / "solution.json", "--case", NATIONAL, "--out", tmp / "base.html")
    out["base"] = tmp / "base.html", json.loads((tmp / "base" / "solution.json").read_text())

    case = copy_case(FIXTURE, tmp / "too_much")  # 10,000 more nurses from 300 in three years: infeasible
    case.set_cell("targets.csv", 2, "minimum_fte", 10_000)
    run("solve", case.path, "--out", tmp / "infeasible", ok=(3,))
    run("report", tmp / "infeasible" / "solution.json", "--out", tmp / "infeasible.html")
    out["infeasible"] = tmp / "infeasible.html", json.loads((tmp / "infeasible" / "solution.json").read_text())

    run("tornado", FIXTURE, "--out", tmp / "tornado", "--executor", "serial", "--xlsx")
    run("report", tmp / "tornado" / "tornado.json", "--case", FIXTURE, "--out", tmp / "tornado.html")
    out["tornado"] = tmp / "tornado.html", None

    run("sweep", FIXTURE, "--set", "targets.minimum_fte[target=trad]=10:40:4", "--out", tmp / "sweep",
        "--executor", "serial", "--elastic", "1000000")
    run("report", tmp / "sweep" / "sweep.json", "--out", tmp / "sweep.html")
    out["sweep"] = tmp / "sweep.html", None

    spec = tmp / "uncertainty.yaml"
    spec.write_text(json.dumps({"seed": 3, "draws": 6, "parameters": [
        {"path": "leaver_rates.leaver_rate", "scale": {"distribution": "uniform", "low": 0.8, "high": 1.6}},
        {"path": "recruitment_pools.pool_fte", "scale": {"distribution": "uniform", "low": 0.2, "high": 1.2}}]}))
    run("montecarlo", FIXTURE, "--spec", spec, "--out", tmp / "mc", "--executor", "serial", "--xlsx")
    run("report", tmp / "mc" / "summary.json", "--case", FIXTURE, "--out", tmp / "montecarlo.html")
    out["montecarlo"] = tmp / "montecarlo.html", None
    return out


def test_report_is_self_contained(reports):
    for name, (path, _) in reports.items():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text), name  # nothing fetched from outside
        assert "<script src" not in text and "@import" not in text, name


def test_analysis_reports_are_the_same_bytes_every_time(reports):
    """matplotlib names SVG clip paths and markers from a random salt unless given one (the tornado chart is
    drawn outside the report's pyplot setup)."""
    tmp = reports["tornado"][0].parent
    for source in (tmp / "tornado" / "tornado.json", tmp / "sweep" / "sweep.json", tmp / "mc" / "summary.json"):
        assert report_html(source) == report_html(source), source.name


def test_base_report_holds_every_section(reports):
    path, sol = reports["base"]
    text = path.read_text(encoding="utf-8")
    for heading in ("Workforce against the targets", "Spend by lever and year", "By STP",
                    "Targets and their marginal cost", "Costliest binding limits", "Plan checks"):
        assert f"<h2>{heading}</h2>" in text, heading
    assert '<table class="sortable stp">' in text and "£ per head" in text and "reference share" in text
    assert 'data-chart="tiles"' in text
    assert text.count("<tr>") > 44  # one row per STP, and more
    assert "<title>England, 44 STPs in 4 regions, 14 staff groups: the national case for Stepping Forward" in text


def test_infeasible_report_gives_the_diagnosis_in_words(reports):
    path, sol = reports["infeasible"]
    text = path.read_text(encoding="utf-8")
    assert sol["status"] == "infeasible" and "<h2>Why there is no plan</h2>" in text
    words = sol["diagnosis"]["elastic"]["shortfalls"][0]["words"]
    assert words.startswith("growth in traditional roles in England ≥ 10,000 FTE by 2018/19: at most")
    assert html_text(words) in text


def html_text(s: str) -> str:
    import html

    return html.escape(s, quote=True)


def test_analysis_workbooks(reports):
    from openpyxl import load_workbook

    folder = reports["tornado"][0].parent
    wb = load_workbook(folder / "tornado" / "tornado.xlsx")
    assert wb.sheetnames == ["summary", "tornado"] and wb["tornado"].freeze_panes == "A2"
    about = {r[0]: r[1] for r in wb["summary"].iter_rows(values_only=True)}
    assert about["case"] == "two_stp" and about["delta"] == 0.1
    header = [c.value for c in wb["tornado"][1]]
    assert "total_cost_low_gbp" in header and wb["tornado"].max_row == 7  # six parameter groups
    wb = load_workbook(folder / "mc" / "montecarlo.xlsx")
    assert wb.sheetnames == ["summary", "draws", "quantiles", "probability_met"]
    assert wb["draws"].max_row == 7  # six draws
    assert [c.value for c in wb["probability_met"][2]][0] == "trad"


def test_report_refuses_what_it_cannot_read(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text('{"a": 1}')
    with pytest.raises(ReportError, match="not a solution.json"):
        report_html(bad)
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"schema_version": "1.1", "workforce": []}))
    proc = run("report", old, "--out", tmp_path / "r.html", ok=(2,))
    assert "schema_version 1.1" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "r.html").exists()


# --------------------------------------------------------------------------------------------------
# In a real browser
# --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def chromium():
    path = find_chromium()
    if path is None:
        pytest.skip("no Chromium found (install Debian's chromium package, or set CHROMIUM=/path/to/chrome): "
                    "the report's browser test did not run")
    return path


CHARTS = """Array.from(document.querySelectorAll("figure.chart")).map(function(f){
  var s = f.querySelector("svg"), r = s ? s.getBoundingClientRect() : {width: 0, height: 0};
  return {name: f.dataset.chart, width: r.width, height: r.height,
          marks: s ? s.querySelectorAll("path,rect,use,line,polyline,image").length : 0};})"""

HEADLINES = """Array.from(document.querySelectorAll("[data-headline]")).map(function(c){
  return {key: c.dataset.headline, value: JSON.parse(c.dataset.value),
          shown: c.querySelector(".value").textContent};})"""

EXPECTED_CHARTS = {"base": {"family", "groups", "spend", "tiles"}, "infeasible": set(), "tornado": {"tornado"},
                   "sweep": {"sweep"}, "montecarlo": {"montecarlo", "probability"}}


@pytest.mark.parametrize("name", list(EXPECTED_CHARTS))
def test_report_renders_offline_in_chromium(reports, chromium, name, tmp_path):
    path, sol = reports[name]
    with Browser(chromium) as browser:
        browser.open(path.resolve().as_uri())
        charts = browser.evaluate(CHARTS)
        headlines = browser.evaluate(HEADLINES)
        fetched = [u for u in browser.requests() if not u.startswith(("file:", "data:"))]
        shot = browser.screenshot(tmp_path / f"{name}.png")
    assert fetched == []  # with the network off, nothing was even tried
    assert {c["name"] for c in charts} - {"sweep_shortfall"} == EXPECTED_CHARTS[name]  # shortfall: if any
    for c in charts:  # every chart drawn: an SVG with a size and marks in it
        assert c["width"] > 200 and c["height"] > 100 and c["marks"] > 10, c
    assert shot.stat().st_size > 20_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if sol is None:
        return
    shown = {h["key"]: h for h in headlines}
    if sol["status"] == "optimal":
        total = shown.pop("total_cost_gbp")
        assert total["value"] == sol["costs"]["total_gbp"] and total["shown"] == gbp(sol["costs"]["total_gbp"])
        checks = shown.pop("plan_checks_passed")
        assert checks["value"] == sum(c["passed"] for c in sol["plan_checks"])
        assert checks["shown"] == f"{checks['value']} of {len(sol['plan_checks'])}"
    else:
        assert shown.pop("status")["shown"] == sol["status"] == "infeasible"
    targets = {t["target"]: t for t in sol["targets"]}
    headline = {k for k in targets if targets[k]["family"] and not (targets[k]["staff_group"] or targets[k]["region"]
                                                                    or targets[k]["stp"])}
    assert {k.removeprefix("target:") for k in shown} == headline and headline
    reachable = {s["target"]: s["achievable_fte"] for s in (sol.get("diagnosis") or {}).get("elastic", {}).get("shortfalls", [])}
    for key, h in shown.items():
        t = targets[key.removeprefix("target:")]
        value = t["achieved_fte"] if t["achieved_fte"] is not None else reachable[t["target"]]
        assert h["value"] == value
        assert h["shown"].endswith(f"{value:,.0f} of {t['minimum_fte']:,.0f} FTE")
