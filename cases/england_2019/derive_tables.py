"""Derive the Long Term Plan case (2019/20-2023/24) from the national case, by re-planning it from actuals.

1. **The 2018/19 baseline, by `optimiser replan`.** The national case `cases/england_2017` and its plan, with the
   staff in post of `actuals_2016_17_to_2018_19.csv` (`make_actuals.py`; SOURCES.md), are re-planned after 2018/19
   (`optimiser.replan.derive_replan_case`): the staff in post at the end of 2018/19 become the baseline, the
   students then in training the pipeline, the 2018/19 intakes the baseline intakes, the Stepping Forward targets
   of 2019/20 and 2020/21 levels, and the training envelope what is left of it.
2. **The Long Term Plan's horizon**: to 2023/24. Limits named for 2020/21 hold in 2021/22-2023/24; funded posts
   for support workers grow with the plan's +6,090 clinical support staff.
3. **Social workers by service.** The format has no service dimension, so the equivalent it supports: three staff
   groups (adult and community, children and young people's, homelessness), each with its own target. The
   social-worker baseline, pipeline, pools, course places and intakes are split 360 : 170 : 70 (60%, 28.3%, 11.7%),
   the Long Term Plan's split of its 600 (an ***assumption*** for the stock: no split of the 2018/19 workforce by
   service is published in REFERENCE.md); rates and costs are the same for the three.
4. **HEE's 2020/21 commissions** as the baseline intakes of the commissioning-continuity limits.
5. **The Long Term Plan's targets** for 2023/24.

    .venv/bin/python cases/england_2019/derive_tables.py [england_2017 solution.json]

The solution must be the national case's as shipped (its sha256 is checked); without one the case is solved
(minutes: six run-out years).
"""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import pandas as pd

from optimiser import load_case, solve
from optimiser.replan import derive_replan_case, read_actuals

HERE = Path(__file__).resolve().parent
NATIONAL = HERE.parent / "england_2017"
ACTUALS = HERE / "actuals_2016_17_to_2018_19.csv"
THROUGH, LAST = "2018/19", "2023/24"
LATER = ["2021/22", "2022/23", "2023/24"]  # years after the national case's horizon

SOCIAL_WORK = {  # group -> (service, Long Term Plan growth by 2023/24, FTE; seed 004, H)
    "social_worker_adult": ("adult and community", 360),
    "social_worker_cyp": ("children and young people's", 170),
    "social_worker_homelessness": ("homelessness", 70),
}
SHARE = {g: fte / 600 for g, (_, fte) in SOCIAL_WORK.items()}
CLINICAL_SUPPORT_GROWTH = 6_090  # seed 003, H
PEER_SUPPORT_LEVEL = 4_730  # HEE North West notice, H
SUPPORT_WORKER_POSTS_2018_19 = 87_527  # england_2017/establishment.csv
# HEE's 2020/21 commissions (HEE news 30 Jul 2020; seed 003, H) as baseline intakes (starts)
ADULT_IAPT = 2_926  # split between PWP and HIT courses as the national case's 2020/21 places, 1,300 : 1,650
HEE_2020_21 = {"pwp_course": ADULT_IAPT * 1_300 / 2_950, "hit_course": ADULT_IAPT * 1_650 / 2_950,
               "cyp_iapt_course": 245 + 300,  # CYP PWP and CYP IAPT: the national case's CYP course counts both
               "peer_support_training": 300}
CORE_PSYCHIATRY_EXTRA = 17


def num(x: float) -> str:
    x = round(float(x), 1)
    return str(int(x)) if x == int(x) else f"{x:.1f}"


def split_social_work(df: pd.DataFrame, column: str, scaled: tuple[str, ...] = (), programme: bool = False) -> pd.DataFrame:
    """Each social-worker (or social work training) row as three, one per service; ``scaled`` columns × its share."""
    old = "social_work_training" if programme else "social_worker"
    rows = df[df[column] == old]
    parts = [df[df[column] != old]]
    for group in SOCIAL_WORK:
        part = rows.copy()
        part[column] = group.replace("social_worker", "social_work_training") if programme else group
        for c in scaled:
            part[c] = [num(float(v) * SHARE[group]) if v != "" else "" for v in part[c]]
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def extend_years(df: pd.DataFrame, value: str) -> pd.DataFrame:
    """Rows named for 2020/21 repeated in each later year that names none (the limit holds at its 2020/21 level)."""
    if "year" not in df or not (df["year"] == "2020/21").any():
        return df
    keys = [c for c in df.columns if c not in ("year", value)]
    last = df[df["year"] == "2020/21"]
    extra = [last.assign(year=y) for y in LATER]
    both = pd.concat([df] + extra, ignore_index=True)
    return both.drop_duplicates(keys + ["year"], keep="first")


def national_plan(case, path: str | None) -> dict:
    if path:
        plan = json.loads(Path(path).read_text(encoding="utf-8"))
        if plan["case"]["sha256"] != case.content_hash:
            sys.exit(f"{path} is not the plan of {NATIONAL} as shipped")
        return plan
    return json.loads(solve(case).to_json())


def main() -> None:
    case = load_case(NATIONAL)
    plan = national_plan(case, sys.argv[1] if len(sys.argv) > 1 else None)
    actuals = read_actuals(ACTUALS, case, THROUGH)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "replan"
        derived = derive_replan_case(case, plan, actuals, THROUGH, folder)
        t = {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted(folder.glob("*.csv"))}
    for note in derived.notes:
        print("replan:", note)

    groups = t["staff_groups"]
    sw = groups[groups["staff_group"] == "social_worker"].iloc[0]
    t["staff_groups"] = pd.concat([groups[groups["staff_group"] != "social_worker"]] + [
        sw.to_frame().T.assign(staff_group=g, name=f"Mental health social worker, {service} services")
        for g, (service, _) in SOCIAL_WORK.items()], ignore_index=True)
    t["baseline_workforce"] = split_social_work(t["baseline_workforce"], "staff_group", ("fte_in_post",))
    for name in ("leaver_rates", "recruitment_costs", "retention_segments"):
        t[name] = split_social_work(t[name], "staff_group")
    t["absorption"] = split_social_work(t["absorption"], "staff_group", ("max_growth_fte",))
    t["recruitment_pools"] = split_social_work(t["recruitment_pools"], "staff_group", ("pool_fte",))
    progs = split_social_work(t["programmes"], "programme", programme=True)
    new = progs["programme"].str.startswith("social_work_training_")
    progs.loc[new, "staff_group"] = progs.loc[new, "programme"].str.replace("social_work_training", "social_worker")
    progs.loc[new, "mentor_group"] = progs.loc[new, "staff_group"]
    progs.loc[new, "name"] = progs.loc[new, "name"] + ", " + progs.loc[new, "staff_group"].map(
        {g: s for g, (s, _) in SOCIAL_WORK.items()}) + " services"
    t["programmes"] = progs
    t["pipeline"] = split_social_work(t["pipeline"], "programme", ("students",), programme=True)
    t["course_capacity"] = split_social_work(t["course_capacity"], "programme", ("places",), programme=True)
    t["commissioning"] = split_social_work(t["commissioning"], "programme", ("baseline_intake", "opening_allowance"),
                                           programme=True)
    all_sw = ";".join(SOCIAL_WORK)
    t["targets"]["staff_group"] = t["targets"]["staff_group"].replace({"social_worker": all_sw})

    for name, value in (("course_capacity", "places"), ("recruitment_pools", "pool_fte"),
                        ("placement_capacity", "placements"), ("establishment", "posts_fte")):
        t[name] = extend_years(t[name], value)
    est = t["establishment"]
    years = ["2019/20", "2020/21"] + LATER
    for k, year in enumerate(years, start=1):  # the LTP's clinical support growth comes with funded posts
        rows = (est["staff_group"] == "support_worker") & (est["year"] == year)
        est.loc[rows, "posts_fte"] = [num(max(float(v), SUPPORT_WORKER_POSTS_2018_19 + CLINICAL_SUPPORT_GROWTH * k / 5))
                                      for v in est.loc[rows, "posts_fte"]]

    com = t["commissioning"]
    for programme, intake in HEE_2020_21.items():
        rows = com["programme"] == programme
        com.loc[rows, "baseline_intake"] = num(intake)
        com.loc[rows & (com["floor_share"] != ""), "floor_share"] = "0.9"  # the national case's rule: 90% of it
    rows = com["programme"] == "core_psychiatry"
    com.loc[rows, "baseline_intake"] = [num(float(v) + CORE_PSYCHIATRY_EXTRA) for v in com.loc[rows, "baseline_intake"]]

    ltp = [("ltp_social_worker_adult_2023_24", "social_worker_adult", 360, "adult and community"),
           ("ltp_social_worker_cyp_2023_24", "social_worker_cyp", 170, "children and young people's"),
           ("ltp_social_worker_homelessness_2023_24", "social_worker_homelessness", 70, "homelessness")]
    rows = [{"target": tid, "description": f"England: {fte} more mental health social workers in {service} services "
                                           "by 2023/24 than at the end of 2018/19 (NHS Long Term Plan, MH implementation plan)",
             "measure": "growth", "staff_group": g, "year": LAST, "minimum_fte": str(fte), "kind": "hard", "priority": "1"}
            for tid, g, fte, service in ltp]
    rows.append({"target": "ltp_clinical_support_2023_24", "description": "England: 6,090 more clinical support staff "
                 "(support workers) by 2023/24 than at the end of 2018/19 (NHS Long Term Plan, MH implementation plan)",
                 "measure": "growth", "staff_group": "support_worker", "year": LAST, "minimum_fte": str(CLINICAL_SUPPORT_GROWTH),
                 "kind": "hard", "priority": "1"})
    rows.append({"target": "ltp_peer_support_2023_24", "description": "England: 4,730 peer support workers in post by "
                 "2023/24 (NHS Long Term Plan, as HEE North West gives it); soft at the case's default penalty",
                 "measure": "level", "staff_group": "peer_support_worker", "year": LAST,
                 "minimum_fte": str(PEER_SUPPORT_LEVEL), "kind": "soft", "priority": "1"})
    t["targets"] = pd.concat([t["targets"], pd.DataFrame(rows)], ignore_index=True).fillna("")

    for name, df in t.items():
        df.to_csv(HERE / f"{name}.csv", index=False, lineterminator="\n")
        print(f"wrote {name}.csv: {len(df)} rows")


if __name__ == "__main__":
    main()
