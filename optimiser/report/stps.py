"""The plan by STP: growth against each STP's reference share, spend, and the tile map."""
from __future__ import annotations

import numpy as np
import pandas as pd

from optimiser.case import Case
from optimiser.report.page import figure, pyplot, shorten, table


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


def stp_section(sol: dict, wf: pd.DataFrame, case: Case | None) -> str:
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

    plt = pyplot()
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
            ax.text(i * 2.6 + 0.06, -j * 0.9 + 0.4, f"{shorten(str(r['stp_name']), 30)}  {r['share_ratio']:.2f}",
                    va="center", fontsize=6.5, color="black" if 0.45 < ratio < 1.55 else "white")
    ax.set_xlim(-0.1, 2.6 * len(regions))
    ax.set_ylim(-0.9 * height, 1.4)
    ax.axis("off")
    sm = matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap)
    fig.colorbar(sm, ax=ax, fraction=0.02, pad=0.01, label="share of growth ÷ reference share")
    return figure(fig, "Tile map of STPs by region (tiles, not geography): each STP's share of the national growth "
                       "over its reference share. 1 (white) is growth in proportion; red below, blue above; the plan "
                       "check flags below 0.5 or above 2.", "tiles")
