"""The plan's charts: staff in post against the targets (by family and by staff group) and spend by lever."""
from __future__ import annotations

import numpy as np
import pandas as pd

from optimiser.report.page import figure, pyplot, shorten, table, thousands

LEVER_COLOURS = {"training": "#1f77b4", "recruitment": "#ff7f0e", "retention": "#2ca02c", "exit": "#7f7f7f"}
RUN_OUT_SHADE = "#eeeeee"


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


def workforce_section(sol: dict, wf: pd.DataFrame) -> str:
    plt = pyplot()
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
        ax.set_title(shorten(g.staff_group_name or g.staff_group, 42), fontsize=9)
        if not np.nan_to_num(series.to_numpy()).any():  # an axis of 0, 0, 0 says nothing: say it in words
            ax.set_ylim(0, 1)
            ax.set_yticks([0])
            ax.text(0.5, 0.5, "none in post in any year", transform=ax.transAxes, ha="center", fontsize=8,
                    color="#425563")
        ax.set_xticks(range(len(years)), [y[2:4] if i % 2 == 0 else "" for i, y in enumerate(years)], fontsize=7)
        ax.tick_params(axis="y", labelsize=7)
        ax.yaxis.set_major_formatter(thousands())
        _shade_run_out(ax, years, periods, label=False)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    fig.tight_layout()
    groups_chart = figure(fig, "Staff in post by staff group (FTE; years labelled by their first two digits, 16 = "
                               "2016/17; grey: run-out years), with the targets on that group alone, a tick a year "
                               "(green met, red not met).", "groups")
    return "<h2>Workforce against the targets</h2>" + chart + groups_chart


def spend_section(sol: dict) -> str:
    plt = pyplot()
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
    ax.yaxis.set_major_formatter(thousands())
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
