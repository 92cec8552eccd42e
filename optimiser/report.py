"""``optimiser report``: one self-contained HTML file for a solution, a sweep, a tornado or a Monte Carlo run.

Charts are static SVG drawn by matplotlib (already a dependency) and written into the page, so the file
opens offline, prints, and needs no JavaScript library; a few lines of inline script only sort the STP
table when a heading is clicked.
"""
from __future__ import annotations

import html
import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from optimiser.case import Case
from optimiser.formatting import fte, gbp, share, year_range

LEVER_COLOURS = {"training": "#1f77b4", "recruitment": "#ff7f0e", "retention": "#2ca02c", "exit": "#7f7f7f"}
RUN_OUT_SHADE = "#eeeeee"


class ReportError(ValueError):
    """The file given is not a solution, sweep, tornado or Monte Carlo output (the message says why)."""


# --------------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------------

def report_html(path: Path, case: Case | None = None) -> str:
    """The report for ``path``: a ``solution.json``, ``sweep.json``, ``tornado.json`` or a Monte Carlo
    ``summary.json`` (with ``draws.csv`` beside it). ``case`` adds reference shares, spend per head and
    the case's description where the file does not carry them."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"{path}: cannot be read as JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ReportError(f"{path}: expected a JSON object")
    if "workforce" in data and "schema_version" in data:
        from optimiser.export.solution import schema_problem

        if (problem := schema_problem(data)) is not None:
            raise ReportError(f"{path}: {problem}")
        return solution_report(data, case)
    if "rows" in data and "delta" in data:
        return tornado_report(data, case)
    if "rows" in data and "parameters" in data:
        return sweep_report(data, case)
    if "probability_met" in data and "draws" in data:
        draws = path.parent / "draws.csv"
        return montecarlo_report(data, pd.read_csv(draws) if draws.is_file() else None, case)
    raise ReportError(f"{path}: not a solution.json, sweep.json, tornado.json or Monte Carlo summary.json")


# --------------------------------------------------------------------------------------------------
# Page, figures and formatting
# --------------------------------------------------------------------------------------------------

CSS = """
body{font-family:"Segoe UI",Arial,Helvetica,sans-serif;margin:0 auto;max-width:1180px;padding:18px 28px;color:#1d1d1d}
h1{font-size:26px;margin:4px 0 2px;color:#005eb8}h2{font-size:20px;border-bottom:2px solid #005eb8;padding-bottom:3px;
margin-top:34px}p.sub{color:#555;margin:2px 0 14px}.cards{display:flex;flex-wrap:wrap;gap:12px;margin:14px 0}
.card{border:1px solid #c8d4e3;border-left:6px solid #005eb8;border-radius:4px;padding:10px 14px;min-width:200px;
flex:1}.card .label{font-size:13px;color:#444}.card .value{font-size:24px;font-weight:600;margin:4px 0}
.card .note{font-size:12px;color:#555}.card.bad{border-left-color:#d5281b}.card.good{border-left-color:#007f3b}
table{border-collapse:collapse;font-size:13px;margin:8px 0}th,td{padding:3px 8px;border-bottom:1px solid #ddd;
text-align:left;vertical-align:top}th{background:#e8eef6}td.n,th.n{text-align:right}table.sortable th{cursor:pointer}
table.sortable th:after{content:" \\2195";color:#888}figure{margin:10px 0}figure svg{max-width:100%;height:auto}
figcaption{font-size:13px;color:#444}.pass{color:#007f3b;font-weight:600}.fail{color:#d5281b;font-weight:600}
.scroll{max-height:520px;overflow:auto;border:1px solid #ddd}small{color:#555}
"""

SORT_JS = """
document.querySelectorAll("table.sortable").forEach(function(t){t.querySelectorAll("th").forEach(function(th,i){
th.addEventListener("click",function(){var b=t.tBodies[0],r=Array.from(b.rows),d=th.dataset.d==="1"?-1:1;
th.dataset.d=d===1?"1":"0";r.sort(function(x,y){var a=x.cells[i].dataset.v||x.cells[i].textContent,
c=y.cells[i].dataset.v||y.cells[i].textContent,p=parseFloat(a),q=parseFloat(c);
return(isNaN(p)||isNaN(q)?a.localeCompare(c):p-q)*d;});r.forEach(function(e){b.appendChild(e);});});});});
"""


def page(title: str, subtitle: str, body: list[str]) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width\"><title>{esc(title)}</title>"
            f"<style>{CSS}</style></head><body>\n<h1>{esc(title)}</h1><p class=\"sub\">{subtitle}</p>\n"
            + "\n".join(body) + f"\n<script>{SORT_JS}</script></body></html>\n")


def esc(v) -> str:
    return html.escape(str(v), quote=True)


def figure(fig, caption: str, name: str) -> str:
    """A matplotlib figure as inline SVG (text kept as text) in a <figure>."""
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    return f'<figure class="chart" data-chart="{esc(name)}">{svg}<figcaption>{caption}</figcaption></figure>'


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "mh-workforce-report", "font.size": 10,
                         "axes.spines.top": False, "axes.spines.right": False})
    return plt


def table(df: pd.DataFrame, numeric: dict[str, str] | None = None, sortable: bool = False, cls: str = "") -> str:
    """An HTML table; ``numeric`` maps a column to its format ('gbp', 'fte', 'share', 'ratio', 'int')."""
    numeric = numeric or {}
    head = "".join(f'<th class="{"n" if c in numeric else ""}">{esc(c)}</th>' for c in df.columns)
    rows = []
    for r in df.itertuples(index=False):
        cells = []
        for c, v in zip(df.columns, r):
            kind = numeric.get(c)
            if kind is None:
                cells.append(f"<td>{esc('' if v is None or (isinstance(v, float) and np.isnan(v)) else v)}</td>")
                continue
            missing = v is None or (isinstance(v, float) and np.isnan(v))
            text = "—" if missing else {"gbp": lambda x: gbp(x), "fte": fte, "share": share,
                                        "ratio": lambda x: f"{x:.2f}", "int": lambda x: f"{x:,.0f}"}[kind](v)
            cells.append(f'<td class="n" data-v="{"" if missing else float(v)!r}">{esc(text)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    classes = " ".join(x for x in ("sortable" if sortable else "", cls) if x)
    return f'<table class="{classes}"><thead><tr>{head}</tr></thead><tbody>' + "".join(rows) + "</tbody></table>"


# --------------------------------------------------------------------------------------------------
# Solution report
# --------------------------------------------------------------------------------------------------

def headline_targets(targets: list[dict]) -> list[dict]:
    """Targets on a whole family in England (no staff group, region or STP filter): Stepping Forward's
    11,000 traditional and 8,000 new-role staff in the national case."""
    return [t for t in targets if t.get("family") and not t.get("staff_group") and not t.get("region")
            and not t.get("stp")]


def solution_report(sol: dict, case: Case | None = None) -> str:
    c = sol["case"]
    description = c.get("description") or (case.config.description if case is not None else "") or c["name"]
    title = _title(description)
    scenario = f" + scenario <b>{esc(c['scenario'])}</b>" if c.get("scenario") else " (base case)"
    subtitle = (f"Case <b>{esc(c['name'])}</b>{scenario}; {esc(year_range(c['first_year'], c['last_year']))}"
                + (f" and {c['run_out_years']} run-out years" if c.get("run_out_years") else "")
                + f"; £ at {esc(c['price_base_year'])} prices, present value at {share(c['discount_rate'])} a year. "
                f"Solver {esc(sol['solver']['name'])} {esc(sol['solver']['version'])}, engine "
                f"{esc(sol['engine']['version'])}, case sha256 {esc(c['sha256'][:12])}….")
    body = [_headline(sol)]
    if sol["status"] == "optimal":
        wf = pd.DataFrame(sol["workforce"])
        body += [_trajectories(sol, wf), _spend(sol), _stp_section(sol, wf, case), _targets_section(sol),
                 _limits_section(sol), _checks_section(sol)]
    else:
        body += [_diagnosis_section(sol), _targets_section(sol)]
    body.append(f"<p><small>{esc(description)}</small></p>")
    return page(title, subtitle, [b for b in body if b])


def _title(description: str) -> str:
    """The case's description, to its first full stop (a page title, not a paragraph)."""
    first = re.split(r"(?<=[a-z0-9)])\. ", " ".join(description.split()), maxsplit=1)[0]
    return first.rstrip(".") if len(first) <= 140 else first[:137] + "…"


def _card(label: str, value: str, note: str, key: str, raw, kind: str = "") -> str:
    data = f' data-headline="{esc(key)}" data-value="{esc(json.dumps(raw))}"'
    return (f'<div class="card {kind}"{data}><div class="label">{esc(label)}</div>'
            f'<div class="value">{esc(value)}</div><div class="note">{note}</div></div>')


def _headline(sol: dict) -> str:
    costs = sol["costs"]
    cards = []
    if sol["status"] != "optimal":
        cards.append(_card("Status", sol["status"], "no plan: the limits of this case cannot all hold (diagnosis below)"
                           if "infeasible" in sol["status"] else esc(sol["solver"]["message"]), "status", sol["status"],
                           "bad"))
    else:
        split = ""
        if costs.get("run_out_gbp"):
            split = (f"plan years {gbp(costs['plan_gbp'], True)}; keeping the {esc(sol['case']['last_year'])} "
                     f"workforce in post afterwards {gbp(costs['run_out_gbp'], True)}")
        if costs.get("penalties_gbp"):
            split += ("; " if split else "") + f"penalties {gbp(costs['penalties_gbp'], True)}"
        cards.append(_card("Total cost (present value)", gbp(costs["total_gbp"]), split or "all levers, penalties "
                           "included", "total_cost_gbp", costs["total_gbp"]))
    reachable = {s["target"]: s["achievable_fte"] for s in
                 ((sol.get("diagnosis") or {}).get("elastic") or {}).get("shortfalls") or []}
    for t in headline_targets(sol["targets"]):
        achieved = t.get("achieved_fte")
        met = achieved is not None and achieved >= t["minimum_fte"] - 1e-6
        note = f"{esc(t['measure'])} by {esc(t['year'])}, {esc(t['kind'])} target"
        if achieved is None and t["target"] in reachable:
            cards.append(_card(t["description"], f"at most {fte(reachable[t['target']])} of {fte(t['minimum_fte'])} FTE",
                               note + "; the most any plan can reach within the other limits", f"target:{t['target']}",
                               reachable[t["target"]], "bad"))
            continue
        if t.get("marginal_cost_per_fte") is not None:
            note += f"; marginal cost {gbp(t['marginal_cost_per_fte'])} per FTE"
        if t.get("shortfall_fte"):
            note += f"; {fte(t['shortfall_fte'])} FTE short"
        cards.append(_card(t["description"], f"{fte(achieved)} of {fte(t['minimum_fte'])} FTE", note,
                           f"target:{t['target']}", achieved, "good" if met else "bad"))
    checks = sol.get("plan_checks") or []
    if checks:
        passed = sum(c["passed"] for c in checks)
        cards.append(_card("Plan checks passed", f"{passed} of {len(checks)}",
                           "; ".join(esc(c["check"].replace("_", " ")) for c in checks if not c["passed"])
                           or "all pass", "plan_checks_passed", passed, "good" if passed == len(checks) else "bad"))
    return '<div class="cards">' + "".join(cards) + "</div>"


def _shade_run_out(ax, years: list[str], periods: dict[str, str], label: bool = True, top: bool = False) -> None:
    run = [i for i, y in enumerate(years) if periods.get(y) == "run_out"]
    if run:
        ax.axvspan(run[0] - 0.5, run[-1] + 0.5, color=RUN_OUT_SHADE, zorder=0)
        if label:
            ax.text(run[0] - 0.35, 0.99 if top else 0.02, "run-out years", va="top" if top else "bottom", fontsize=8,
                    color="#555", transform=ax.get_xaxis_transform())


def _target_levels(sol: dict, wf: pd.DataFrame, match) -> list[tuple[str, float, str, bool]]:
    """(year, level in post the target asks for, label, met) for targets ``match`` accepts."""
    base_year = wf["year"].min()
    out = []
    for t in sol["targets"]:
        if not match(t):
            continue
        sel = wf[wf["family"] == t["family"]] if t.get("family") else wf
        if t.get("staff_group"):
            sel = sel[sel["staff_group"].isin(t["staff_group"].split(";"))]
        base = sel.loc[sel["year"] == base_year, "fte"].sum()
        level = t["minimum_fte"] + (base if t["measure"] == "growth" else 0.0)
        met = t.get("achieved_fte") is not None and t["achieved_fte"] >= t["minimum_fte"] - 1e-6
        out.append((t["year"], level, t["description"], met))
    return out


def _trajectories(sol: dict, wf: pd.DataFrame) -> str:
    plt = _plt()
    years = sorted(wf["year"].unique())
    periods = dict(zip(wf["year"], wf["period"]))
    x = {y: i for i, y in enumerate(years)}
    families = sorted(wf["family"].unique())
    fig, axes = plt.subplots(1, len(families), figsize=(5.2 * len(families), 3.6), squeeze=False)
    for ax, fam in zip(axes[0], families):
        series = wf[wf["family"] == fam].groupby("year")["fte"].sum().reindex(years)
        ax.plot(range(len(years)), series.to_numpy() / 1e3, marker="o", color="#005eb8", label="staff in post")
        for year, level, label, met in _target_levels(
                sol, wf, lambda t, fam=fam: t.get("family") == fam and not t.get("staff_group") and not t.get("region")
                and not t.get("stp")):
            ax.plot([x[year]], [level / 1e3], marker="_", markersize=26, mew=3, color="#007f3b" if met else "#d5281b",
                    label="target (minimum)")
        ax.set_title(f"{fam.replace('_', ' ').capitalize()} staff", fontsize=11)
        ax.set_xticks(range(len(years)), years, rotation=45, ha="right", fontsize=8)
        ax.set_ylabel("staff in post (thousand FTE)")
        _shade_run_out(ax, years, periods)
        handles, labels = ax.get_legend_handles_labels()
        keep = dict(zip(labels, handles))
        ax.legend(keep.values(), keep.keys(), fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=2)
    chart = figure(fig, "Staff in post at the end of each year (thousand FTE), by family, against the targets on the "
                        "whole family (a bar: green met, red not met). The first year is the baseline.", "family")

    groups = wf.drop_duplicates("staff_group")[["staff_group", "staff_group_name", "family"]]
    n = len(groups)
    cols = 4
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(13, 2.5 * rows), squeeze=False)
    for ax, g in zip(axes.flat, groups.itertuples()):
        series = wf[wf["staff_group"] == g.staff_group].groupby("year")["fte"].sum().reindex(years)
        ax.plot(range(len(years)), series.to_numpy(), color="#005eb8", marker=".")
        for year, level, _, met in _target_levels(
                sol, wf, lambda t, g=g.staff_group: t.get("staff_group") == g and not t.get("region") and not t.get("stp")):
            ax.plot([x[year]], [level], marker="_", markersize=9, mew=2.5, color="#007f3b" if met else "#d5281b")
        ax.set_title(_short(g.staff_group_name or g.staff_group, 42), fontsize=9)
        if not np.nan_to_num(series.to_numpy()).any():  # an axis of 0, 0, 0 says nothing: say it in words
            ax.set_ylim(0, 1)
            ax.set_yticks([0])
            ax.text(0.5, 0.5, "none in post in any year", transform=ax.transAxes, ha="center", fontsize=8,
                    color="#425563")
        ax.set_xticks(range(len(years)), [y[2:4] if i % 2 == 0 else "" for i, y in enumerate(years)], fontsize=7)
        ax.tick_params(axis="y", labelsize=7)
        ax.yaxis.set_major_formatter(_thousands())
        _shade_run_out(ax, years, periods, label=False)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    fig.tight_layout()
    groups_chart = figure(fig, "Staff in post by staff group (FTE; years labelled by their first two digits, 16 = "
                               "2016/17; grey: run-out years), with the targets on that group alone, a tick a year "
                               "(green met, red not met).", "groups")
    return "<h2>Workforce against the targets</h2>" + chart + groups_chart


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[:n - 1] + "…"


def _thousands():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _: f"{v:,.0f}".replace("-0", "0") if abs(v) < 0.5 else f"{v:,.0f}")


def _spend(sol: dict) -> str:
    plt = _plt()
    rows = pd.DataFrame(sol["costs"]["by_lever_year_region"])
    if rows.empty:
        return ""
    by = rows.pivot_table(index="year", columns="lever", values="cost_gbp", aggfunc="sum", fill_value=0.0)
    years = list(by.index)
    periods = {r["year"]: r["period"] for r in sol["costs"]["by_year"]}
    fig, ax = plt.subplots(figsize=(10, 3.8))
    bottom = np.zeros(len(years))
    for lever in [lv for lv in LEVER_COLOURS if lv in by.columns]:
        v = by[lever].to_numpy() / 1e6
        ax.bar(range(len(years)), v, bottom=bottom, color=LEVER_COLOURS[lever], label=lever)
        bottom += v
    for i, total in enumerate(bottom):
        ax.text(i, total, f"{total:,.0f}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(years)), years, rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("committed cost (£m, undiscounted)")
    ax.yaxis.set_major_formatter(_thousands())
    ax.set_ylim(0, max(bottom.max(), 1e-9) * 1.15)
    _shade_run_out(ax, years, periods, top=True)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0), title="lever")
    lever_table = pd.DataFrame(sol["costs"]["by_lever"])[["lever", "cost_gbp", "present_value_gbp", "outlay_gbp"]]
    return ("<h2>Spend by lever and year</h2>"
            + figure(fig, "Committed cost by lever and year (£m, undiscounted; a training place's whole cost in the "
                          "year it starts; grey: run-out years after the plan).", "spend")
            + table(lever_table.rename(columns={"cost_gbp": "committed £", "present_value_gbp": "present value £",
                                                "outlay_gbp": "cash outlay £"}),
                    {"committed £": "gbp", "present value £": "gbp", "cash outlay £": "gbp"}))


def stp_table(sol: dict, wf: pd.DataFrame, case: Case | None) -> pd.DataFrame:
    """Each STP: baseline and end-of-plan staff in post, growth, its share of national growth against its
    reference share (the case's ``need``, else population; needs the case), spend and spend per head."""
    last = sol["case"]["last_year"]
    base_year = wf["year"].min()
    keys = ["stp", "stp_name", "region_name"]
    piv = wf[wf["year"].isin([base_year, last])].pivot_table(index=keys, columns="year", values="fte", aggfunc="sum")
    out = piv.reset_index().rename(columns={base_year: "baseline_fte", last: "end_fte"})
    out["growth_fte"] = out["end_fte"] - out["baseline_fte"]
    total = out["growth_fte"].sum()
    out["growth_share"] = out["growth_fte"] / total if abs(total) > 1e-9 else np.nan
    alloc = pd.DataFrame(sol["allocations"])
    plan = alloc[alloc["period"] == "plan"] if len(alloc) else alloc
    spend = plan.groupby("stp")["cost_gbp"].sum() if len(plan) else pd.Series(dtype=float)
    out["spend_gbp"] = out["stp"].map(spend).fillna(0.0)
    if case is not None:
        stps = case.table("stps")
        pop = dict(zip(stps["stp"], stps["population_millions"].astype(float)))
        ref = dict(zip(stps["stp"], stps["need"].astype(float))) if "need" in stps and stps["need"].notna().all() else pop
        ref_total = sum(ref.values())
        out["reference_share"] = out["stp"].map(lambda s: ref.get(s, np.nan) / ref_total)
        out["share_ratio"] = out["growth_share"] / out["reference_share"]
        out["spend_per_head_gbp"] = out["spend_gbp"] / (out["stp"].map(pop) * 1e6)
    return out.sort_values(["region_name", "stp_name"], kind="stable").reset_index(drop=True)


def _stp_section(sol: dict, wf: pd.DataFrame, case: Case | None) -> str:
    t = stp_table(sol, wf, case)
    shown = {"stp": "STP", "stp_name": "name", "region_name": "region", "baseline_fte": "baseline FTE",
             "end_fte": f"FTE {sol['case']['last_year']}", "growth_fte": "growth FTE", "growth_share": "share of growth",
             "reference_share": "reference share", "share_ratio": "share ÷ reference", "spend_gbp": "plan spend £",
             "spend_per_head_gbp": "£ per head"}
    cols = [c for c in shown if c in t]
    numeric = {"baseline FTE": "fte", f"FTE {sol['case']['last_year']}": "fte", "growth FTE": "fte",
               "share of growth": "share", "reference share": "share", "share ÷ reference": "ratio",
               "plan spend £": "gbp", "£ per head": "gbp"}
    note = ("" if case is not None else "<p><small>Give <code>--case CASE</code> for each STP's reference share "
            "(its need, else population) and spend per head.</small></p>")
    tiles = _tile_map(t) if "share_ratio" in t else ""
    return ("<h2>By STP</h2><p>Growth over the plan (all staff groups), each STP's share of the national growth against "
            "its reference share, and the committed spend of the planning years. Click a heading to sort.</p>"
            + note + tiles + '<div class="scroll">'
            + table(t[cols].rename(columns=shown), numeric, sortable=True, cls="stp") + "</div>")


def _tile_map(t: pd.DataFrame) -> str:
    """STPs as tiles in one column per region (not geography: no map data is needed offline), coloured by
    their share of growth over their reference share."""
    import matplotlib
    from matplotlib.colors import TwoSlopeNorm

    plt = _plt()
    regions = list(dict.fromkeys(t["region_name"]))
    height = max(t.groupby("region_name").size())
    fig, ax = plt.subplots(figsize=(2.6 * len(regions) + 1.4, 0.36 * height + 1.0))
    cmap = matplotlib.colormaps["RdBu"]
    norm = TwoSlopeNorm(vmin=0.0, vcenter=1.0, vmax=2.0)
    for i, region in enumerate(regions):
        sub = t[t["region_name"] == region].reset_index(drop=True)
        ax.text(i * 2.6 + 1.2, 0.9, region, ha="center", va="bottom", fontsize=9, weight="bold")
        for j, r in sub.iterrows():
            ratio = float(np.clip(np.nan_to_num(r["share_ratio"], nan=1.0), 0.0, 2.0))
            ax.add_patch(plt.Rectangle((i * 2.6, -j * 0.9), 2.4, 0.8, color=cmap(norm(ratio))))
            ax.text(i * 2.6 + 0.06, -j * 0.9 + 0.4, f"{_short(str(r['stp_name']), 30)}  {r['share_ratio']:.2f}",
                    va="center", fontsize=6.5, color="black" if 0.45 < ratio < 1.55 else "white")
    ax.set_xlim(-0.1, 2.6 * len(regions))
    ax.set_ylim(-0.9 * height, 1.4)
    ax.axis("off")
    sm = matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap)
    fig.colorbar(sm, ax=ax, fraction=0.02, pad=0.01, label="share of growth ÷ reference share")
    return figure(fig, "Tile map of STPs by region (tiles, not geography): each STP's share of the national growth "
                       "over its reference share. 1 (white) is growth in proportion; red below, blue above; the plan "
                       "check flags below 0.5 or above 2.", "tiles")


def _targets_section(sol: dict) -> str:
    t = pd.DataFrame(sol["targets"])
    if t.empty:
        return "<h2>Targets</h2><p>The case has no targets.</p>"
    t = t.sort_values(["kind", "year", "target"], kind="stable")
    cols = {"description": "target", "kind": "kind", "year": "year", "measure": "measure", "minimum_fte": "minimum FTE",
            "achieved_fte": "achieved FTE", "shortfall_fte": "short FTE",
            "marginal_cost_per_fte": "marginal cost £ per FTE"}
    return ("<h2>Targets and their marginal cost</h2><p>The marginal cost is the change in total cost (£, present "
            "value) if the target asked for one more FTE: the shadow price of its minimum. Zero where the target "
            "does not bind.</p><div class=\"scroll\">"
            + table(t[list(cols)].rename(columns=cols), {"minimum FTE": "fte", "achieved FTE": "fte", "short FTE": "fte",
                                                         "marginal cost £ per FTE": "gbp"}, sortable=True)
            + "</div>")


def _limits_section(sol: dict) -> str:
    if sol.get("constraints") is None:
        return ("<h2>Costliest binding limits</h2><p>This solution was written with <code>--no-constraints</code>, so "
                "the shadow prices of its limits are not in the file.</p>")
    if not sol["constraints"]:
        return ""
    from optimiser.console import costliest_limits

    top = costliest_limits(pd.DataFrame(sol["constraints"]))
    if top.empty:
        return "<h2>Costliest binding limits</h2><p>No limit other than the targets binds at a price.</p>"
    return ("<h2>Costliest binding limits</h2><p>" + esc(COSTLIEST_RANKING) + "</p>"
            + table(top.rename(columns={"constraint": "limit", "shadow_price_gbp_per_unit": "£ per extra unit",
                                        "effect_gbp": "total effect £"}),
                    {"£ per extra unit": "gbp", "total effect £": "gbp"}))


COSTLIEST_RANKING = ("Ranked by total effect: the shadow price (the £ change in total cost per extra unit of the limit, "
                     "negative where more of the limit saves money) times the size of the limit, so a budget (in £) "
                     "and a pool (in FTE) compare on one scale, £. Rows alike but for the STP are counted once.")


def _checks_section(sol: dict) -> str:
    checks = sol.get("plan_checks") or []
    if not checks:
        return ""
    items = []
    for c in checks:
        mark = '<span class="pass">pass</span>' if c["passed"] else '<span class="fail">FAIL</span>'
        worst = "".join(f"<li>{esc(w)}</li>" for w in c["worst"])
        items.append(f"<li>{mark} {esc(c['description'])} <small>({esc(c['threshold'])}; {c['offenders']} "
                     f"offender(s))</small>" + (f"<ul>{worst}</ul>" if worst else "") + "</li>")
    return "<h2>Plan checks</h2><ul>" + "".join(items) + "</ul>"


def _diagnosis_section(sol: dict) -> str:
    d = sol.get("diagnosis")
    if not d:
        return (f"<h2>No plan</h2><p>The solve ended {esc(sol['status'])}: {esc(sol['solver']['message'])}. The file has "
                "no diagnosis (run <code>optimiser explain CASE</code>).</p>")
    parts = [f"<h2>Why there is no plan</h2><p>{esc(d['message'])}</p>"]
    el = d.get("elastic")
    if el:
        parts.append(f"<h3>(a) What gives</h3><p>{esc(el['message'])}</p>")
        if el.get("shortfalls"):
            parts.append("<ul>" + "".join(f"<li>{esc(s['words'])}</li>" for s in el["shortfalls"]) + "</ul>")
        if el.get("total_cost_gbp") is not None:
            parts.append(f"<p>With these shortfalls the cheapest plan costs {gbp(el['total_cost_gbp'])}.</p>")
    c = d.get("conflict")
    if c:
        parts.append(f"<h3>(b) The limits in conflict</h3><p>{c['limit_count']} limits cannot all hold; drop any "
                     "one and a plan exists:</p><ul>" + "".join(f"<li>{esc(lim['words'])}</li>" for lim in c["limits"])
                     + "</ul>")
    rel = [r for r in d.get("relaxations") or [] if r.get("rank_by_cost") is not None]
    if rel:
        df = pd.DataFrame(rel).sort_values("rank_by_cost")[["short", "words", "relative_change", "total_cost_gbp"]]
        parts.append("<h3>(c) What to ask for: single changes that make the case feasible</h3>"
                     + table(df.head(15).rename(columns={"short": "change", "words": "in words",
                                                         "relative_change": "relative change",
                                                         "total_cost_gbp": "total cost £"}),
                             {"relative change": "share", "total cost £": "gbp"}))
    return "".join(parts)


# --------------------------------------------------------------------------------------------------
# Analysis outputs
# --------------------------------------------------------------------------------------------------

def _analysis_title(data: dict, case: Case | None, what: str) -> tuple[str, str]:
    description = data.get("description") or (case.config.description if case is not None else "")
    name = data.get("case") or (case.name if case is not None else "?")
    scenario = f" + scenario {data['scenario']}" if data.get("scenario") else ""
    return (f"{what}: {_title(description) if description else name}",
            f"Case <b>{esc(name)}</b>{esc(scenario)}.")


def sweep_report(data: dict, case: Case | None = None) -> str:
    plt = _plt()
    df = pd.DataFrame(data["rows"])
    params = list(data["parameters"])
    column = {p: (data.get("columns") or {}).get(p, p) for p in params}  # sweep.json's plain column names
    title, subtitle = _analysis_title(data, case, "Sweep")
    fig, ax = plt.subplots(figsize=(9, 4))
    x = params[0]
    groups = [(None, df)] if len(params) == 1 else list(df.groupby(column[params[1]], sort=True))
    for value, sub in groups:
        sub = sub.sort_values(column[x])
        ax.plot(sub[column[x]], sub["total_cost_gbp"] / 1e6, marker="o", label=None if value is None else f"{params[1]} = {value:g}")
    ax.set_xlabel(f"{x} ({data['parameters'][x]})")
    ax.set_ylabel("total cost (£m, present value)")
    ax.yaxis.set_major_formatter(_thousands())
    if len(groups) > 1:
        ax.legend(fontsize=8)
    body = [figure(fig, "Total cost at each value (£m, present value; elastic penalties excluded). A missing point "
                        "had no plan.", "sweep")]
    if "shortfall_fte" in df and df["shortfall_fte"].fillna(0).abs().max() > 1e-6:
        fig, ax = plt.subplots(figsize=(9, 3))
        for value, sub in groups:
            sub = sub.sort_values(column[x])
            ax.plot(sub[column[x]], sub["shortfall_fte"], marker="o", label=None if value is None else f"{params[1]} = {value:g}")
        ax.set_xlabel(x)
        ax.set_ylabel("shortfall (FTE)")
        body.append(figure(fig, "Shortfall of the targets at each value (FTE).", "sweep_shortfall"))
    shown = [column[p] for p in params] + [c for c in ("status", "total_cost_gbp", "shortfall_fte") if c in df]
    body.append(table(df[shown], {"total_cost_gbp": "gbp", "shortfall_fte": "fte"}))
    return page(title, subtitle, body)


def tornado_report(data: dict, case: Case | None = None) -> str:
    from optimiser.analysis.tornado import tornado_figure

    df = pd.DataFrame(data["rows"])
    title, subtitle = _analysis_title(data, case, f"Tornado, ±{share(data['delta'], 0)} on each parameter group")
    fig = tornado_figure(df, title)
    cols = ["rank_cost", "group", "total_cost_low_gbp", "total_cost_high_gbp", "cost_effect_gbp",
            "shortfall_low_fte", "shortfall_high_fte"]
    return page(title, subtitle, [
        figure(fig, "Change in total cost from the base when each parameter group is at its low and its high value; "
                    "largest effect on top." + (" Total cost excludes the elastic penalties of targets that fall short "
                                                "(their shortfall is in the right panel)." if len(fig.axes) > 1 else ""),
               "tornado"),
        table(df[[c for c in cols if c in df]], {"total_cost_low_gbp": "gbp", "total_cost_high_gbp": "gbp",
                                                 "cost_effect_gbp": "gbp", "shortfall_low_fte": "fte",
                                                 "shortfall_high_fte": "fte", "rank_cost": "int"})])


def montecarlo_report(summary: dict, draws: pd.DataFrame | None, case: Case | None = None) -> str:
    plt = _plt()
    title, subtitle = _analysis_title(summary, case, "Monte Carlo")
    subtitle += f" {summary.get('draws_done', summary['draws'])} draws, seed {esc(summary.get('seed'))}."
    body = []
    if draws is not None and len(draws):
        fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
        cost = draws["total_cost_gbp"].dropna() / 1e6
        axes[0].hist(cost, bins=30, color="#005eb8")
        axes[0].set_xlabel("total cost (£m, present value)")
        axes[0].set_ylabel("draws")
        short = draws["shortfall_fte"].dropna() if "shortfall_fte" in draws else pd.Series(dtype=float)
        axes[1].hist(short, bins=30, color="#d5281b")
        axes[1].set_xlabel("shortfall, all targets (FTE)")
        body.append(figure(fig, "Distribution of total cost and shortfall over the draws.", "montecarlo"))
    prob = summary.get("probability_met") or {}
    if prob:
        items = sorted(prob.items(), key=lambda kv: kv[1])[:25]
        fig, ax = plt.subplots(figsize=(9, 0.28 * len(items) + 1))
        ax.barh(range(len(items)), [v for _, v in items], color="#007f3b")
        ax.set_yticks(range(len(items)), [k for k, _ in items], fontsize=7)
        ax.set_xlim(0, 1)
        ax.set_xlabel("probability the target is met")
        for i, (_, v) in enumerate(items):
            ax.text(v, i, f" {share(v, 0)}", va="center", fontsize=7)
        body.append(figure(fig, "Probability each target is met (the 25 least likely).", "probability"))
    if "probability_all_headline_met" in summary:
        body.insert(0, f"<p>Probability that all headline targets ({esc(', '.join(summary.get('headline_targets', [])))})"
                       f" are met: <b>{share(summary['probability_all_headline_met'], 0)}</b>.</p>")
    return page(title, subtitle, body)
