"""Derive the North West case from the national case (cases/england_2017), by a stated rule.

The North West is three STPs of the national case's North region: Greater Manchester (E54000007), Cheshire and
Merseyside (E54000008) and Lancashire and South Cumbria (E54000048). Its share of a figure is:

- a figure the national case gives for an STP of the North West (baseline, pipeline, placements, the STP's
  fair-share targets): the figure itself (the national case apportions its national figures to STPs by
  population, SOURCES.md of england_2017);
- a figure for England (pools, course places, funded posts, commissioned intakes and their opening allowances,
  the training envelope, the headline targets): its **population share**, 6.9 of 55.55 million (12.42%);
- a figure for the North region: the North West's population share of the North, 6.9 of 15.42 million (44.75%);
- rates, shares and unit costs: unchanged (England's, or the North's where the national case gives one).

Every limit of England or the North becomes a limit of the region `north_west` (the sum over its three STPs):
courses are commissioned across the region. Figures are rounded to 0.1 (money to £1). Deterministic; re-run after
changing the national case:

    .venv/bin/python cases/north_west_2017/derive_tables.py
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
NATIONAL = HERE.parent / "england_2017"
REGION = "north_west"
NORTH_WEST = ["E54000007", "E54000008", "E54000048"]
COPIED = ["staff_groups.csv", "programmes.csv", "recruitment_sources.csv"]
PARAMETERS = ["leaver_rates.csv", "recruitment_costs.csv", "retention_segments.csv", "absorption.csv"]
LIMITS = {"recruitment_pools.csv": "pool_fte", "course_capacity.csv": "places", "establishment.csv": "posts_fte",
          "placement_capacity.csv": "placements"}


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(NATIONAL / name, dtype=str, keep_default_na=False)


def shares() -> dict[str, float]:
    stps = pd.read_csv(NATIONAL / "stps.csv")
    nw = stps.loc[stps["stp"].isin(NORTH_WEST), "population_millions"].sum()
    north = stps.loc[stps["region"] == "north", "population_millions"].sum()
    return {"england": nw / stps["population_millions"].sum(), "north": nw / north}


def number(x: float, places: int = 1) -> str:
    x = round(float(x), places)
    return str(int(x)) if x == int(x) else f"{x:.{places}f}"


def scaled(df: pd.DataFrame, scope: str, columns: list[str], share: dict[str, float], places: int = 1) -> pd.DataFrame:
    """Rows of England or the North scaled to the North West's share, and rows of its STPs; others dropped."""
    df = df[df[scope].isin(["england", "", "north"] + NORTH_WEST)].copy()
    factor = df[scope].map(lambda s: 1.0 if s in NORTH_WEST else share["north" if s == "north" else "england"])
    for c in columns:
        filled = df[c] != ""
        df.loc[filled, c] = [number(float(v) * f, places) for v, f in zip(df.loc[filled, c], factor[filled])]
    df[scope] = df[scope].map(lambda s: s if s in NORTH_WEST else REGION)
    return df


def write(df: pd.DataFrame, name: str) -> None:
    df.to_csv(HERE / name, index=False, lineterminator="\n")
    print(f"wrote {name}: {len(df)} rows")


def main() -> None:
    share = shares()
    write(pd.DataFrame({"region": [REGION], "name": ["North West"]}), "regions.csv")
    stps = read("stps.csv")
    write(stps[stps["stp"].isin(NORTH_WEST)].assign(region=REGION), "stps.csv")
    for name in COPIED:
        write(read(name), name)
    for name in ("baseline_workforce.csv", "pipeline.csv"):
        df = read(name)
        write(df[df["stp"].isin(NORTH_WEST)], name)
    for name in PARAMETERS:  # England's rates and costs, the North's where given; other regions' rows dropped
        df = read(name)
        df = df[df["area"].isin(["england", "", "north"] + NORTH_WEST)]
        write(df.assign(area=df["area"].replace({"north": REGION})), name)
    for name, column in LIMITS.items():
        write(scaled(read(name), "scope", [column], share), name)
    write(scaled(read("commissioning.csv"), "scope", ["baseline_intake", "opening_allowance"], share), "commissioning.csv")
    write(scaled(read("budgets.csv"), "scope", ["limit_gbp"], share, places=0)
          .assign(budget="region_training_envelope"), "budgets.csv")

    targets = read("targets.csv")
    national = (targets["region"] == "") & (targets["stp"] == "")
    own = targets["stp"].isin(NORTH_WEST)
    regional = targets[national].copy()
    regional["minimum_fte"] = [number(float(v) * share["england"]) for v in regional["minimum_fte"]]
    regional["target"] = regional["target"].str.replace(r"^", "nw_", regex=True)
    regional["description"] = ("North West share (population, 12.42%) of: " + regional["description"])
    write(pd.concat([regional, targets[own]], ignore_index=True), "targets.csv")
    print(f"shares: England {share['england']:.6f}, North {share['north']:.6f}")


if __name__ == "__main__":
    main()
