"""A one-screen description of a case, as tables a planner can read."""
from __future__ import annotations

import pandas as pd

from optimiser.case.load import Case


def case_summary(case: Case) -> dict[str, pd.DataFrame | str | float]:
    """The case at a glance.

    Returns a dict with ``regions`` (STPs and baseline FTE per region), ``families``
    (staff groups and baseline FTE per family), ``programmes``, ``sources`` and ``targets``
    tables, the ``years`` label and ``baseline_fte`` (total FTE in post at the baseline).
    """
    stps, groups = case.table("stps"), case.table("staff_groups")
    base = case.table("baseline_workforce").merge(stps[["stp", "region"]], on="stp")
    base = base.merge(groups[["staff_group", "family"]], on="staff_group")
    regions = (
        stps.groupby("region").agg(stps=("stp", "size")).join(base.groupby("region")["fte_in_post"].sum())
        .reindex(case.table("regions")["region"]).fillna(0).reset_index()
        .rename(columns={"fte_in_post": "baseline_fte"})
    )
    group_fte = base.groupby("staff_group")["fte_in_post"].sum()
    families = groups[["family", "staff_group", "name"]].assign(
        baseline_fte=lambda d: d["staff_group"].map(group_fte).fillna(0.0)
    )
    programmes = case.table("programmes")[
        ["programme", "staff_group", "source_group", "duration_years", "completion_rate", "cost_per_place_gbp"]
    ]
    sources = case.table("recruitment_costs").groupby("source")["staff_group"].nunique().rename("staff_groups").reset_index()
    targets = case.table("targets")[["target", "kind", "measure", "year", "minimum_fte", "maximum_fte"]]
    return {
        "regions": regions,
        "families": families,
        "programmes": programmes,
        "sources": sources,
        "targets": targets,
        "years": f"{case.years[0]} to {case.years[-1]} ({len(case.years)} years)",
        "baseline_fte": float(base["fte_in_post"].sum()),
    }
