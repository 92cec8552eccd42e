"""The reports of the analysis outputs: a sweep, a tornado and a Monte Carlo run."""
from __future__ import annotations

import pandas as pd

from optimiser.case import Case
from optimiser.formatting import share
from optimiser.report.page import esc, figure, page, pyplot, table, thousands, title_of


def _analysis_title(data: dict, case: Case | None, what: str) -> tuple[str, str]:
    description = data.get("description") or (case.config.description if case is not None else "")
    name = data.get("case") or (case.name if case is not None else "?")
    scenario = f" + scenario {data['scenario']}" if data.get("scenario") else ""
    return (f"{what}: {title_of(description) if description else name}",
            f"Case <b>{esc(name)}</b>{esc(scenario)}.")


def sweep_report(data: dict, case: Case | None = None) -> str:
    plt = pyplot()
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
    ax.yaxis.set_major_formatter(thousands())
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
    plt = pyplot()
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
