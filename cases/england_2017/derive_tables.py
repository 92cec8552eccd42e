"""Derive the apportioned tables of the england_2017 case from national figures.

Run from anywhere:  python cases/england_2017/derive_tables.py

Reads   stps.csv, leaver_rates.csv (national rows only) from this folder.
Writes  baseline_workforce.csv, pipeline.csv, placement_capacity.csv,
        recruitment_pools.csv, course_capacity.csv, establishment.csv, targets.csv,
        commissioning.csv, absorption.csv.

Every national figure below is explained, with its source or the word *assumption*, in
SOURCES.md (same headings). Apportioning to STPs is by the approximate populations in
stps.csv (REFERENCE.md, +-15%): no STP- or region-level workforce figures were published
for 2016/17, so population share is the stated assumption. Splits use the largest-remainder
method at the stated precision, so every apportioned table adds back exactly to its
national figure. The script uses only the standard library and pandas and is deterministic.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
YEARS = ["2016/17", "2017/18", "2018/19", "2019/20", "2020/21"]

# ---------------------------------------------------------------------------------------
# Baseline workforce, England, start of 2016/17 (FTE). Total 194,000 (seed 001).
# support_worker is the residual that makes the total 194,000 (see SOURCES.md).
# ---------------------------------------------------------------------------------------
TOTAL_IN_POST = 194_000
BASELINE_FTE = {
    "mh_nurse": 60_200,  # 67,800 MH nursing posts - 7,600 vacant (RCNi quoting the plan)
    "consultant_psychiatrist": 4_400,  # assumption: ~50% of 8,819 psychiatrists
    "other_psychiatry_doctor": 4_419,  # 8,819 - 4,400
    "clinical_psychologist": 7_057,  # NHS Digital Oct 2016 (seed 001)
    "iapt_hit": 4_276,  # 62% of 6,897 IAPT FTE (IAPT census Apr 2015, seed 001)
    "cyp_therapist": 3_500,  # assumption
    "ot_ahp": 14_000,  # assumption (includes 4,341 psychotherapists, seed 001)
    "social_worker": 6_000,  # assumption
    "iapt_pwp": 2_483,  # 36% of 6,897 IAPT FTE
    "peer_support_worker": 500,  # assumption
    "nursing_associate": 0,  # role did not exist before 2017
    "call_handler": 1_000,  # assumption
    "assistant_psychologist": 1_825,  # NHS Digital Oct 2016 (seed 001)
}
BASELINE_FTE["support_worker"] = TOTAL_IN_POST - sum(BASELINE_FTE.values())

# ---------------------------------------------------------------------------------------
# Pipeline: students in training at the baseline (enrolled cohort size; the engine applies
# the programme's completion and take-up rates). National, by qualification year.
# ---------------------------------------------------------------------------------------
PIPELINE = {
    ("nursing_degree", "2016/17"): 3_300,
    ("nursing_degree", "2017/18"): 3_300,
    ("clinical_psychology_doctorate", "2016/17"): 560,
    ("clinical_psychology_doctorate", "2017/18"): 580,
    ("pwp_course", "2016/17"): 310,
    ("hit_course", "2016/17"): 470,
    ("cyp_iapt_course", "2016/17"): 300,
    ("ot_ahp_degree", "2016/17"): 700,
    ("ot_ahp_degree", "2017/18"): 700,
    ("social_work_training", "2016/17"): 500,
    ("core_psychiatry", "2016/17"): 300,
    ("core_psychiatry", "2017/18"): 300,
    ("higher_psychiatry_training", "2016/17"): 250,
    ("higher_psychiatry_training", "2017/18"): 250,
    ("higher_psychiatry_training", "2018/19"): 250,
    ("higher_psychiatry_training", "2019/20"): 250,
    ("higher_psychiatry_training", "2020/21"): 250,
}

# ---------------------------------------------------------------------------------------
# Placement capacity: student placement places a year, England; split to STPs by population.
# ---------------------------------------------------------------------------------------
PLACEMENTS_ENGLAND = 8_000

# ---------------------------------------------------------------------------------------
# Recruitment pools (FTE a year).
# experienced_domestic: per staff group and region. For professional groups the pool is the
# share of baseline turnover that stays in the mental health labour market: seed 001 says
# ~10,000 of the baseline leavers leave mental health services a year, so
# share = 1 - 10,000 / (all baseline leavers). For entry-level roles recruited from the wider
# labour market the pool is ENTRY_LEVEL_POOL_FACTOR x baseline leavers (assumption).
# ---------------------------------------------------------------------------------------
LEAVING_MH_SERVICES_A_YEAR = 10_000
ENTRY_LEVEL_GROUPS = ["support_worker", "call_handler", "assistant_psychologist", "peer_support_worker"]
ENTRY_LEVEL_POOL_FACTOR = 1.25
DOMESTIC_CLOSED = ["nursing_associate"]  # no qualified nursing associates exist to hire

INTERNATIONAL_POOL = {  # national, per year
    "mh_nurse": 1_500,
    "consultant_psychiatrist": 50,
    "other_psychiatry_doctor": 300,
    "ot_ahp": 200,
    "social_worker": 100,
}
RETURN_TO_PRACTICE_POOL = {  # national, per year
    "mh_nurse": 1_000,  # 30,000 trained MH nurses not in NHS posts, ~1/30 a year
    "consultant_psychiatrist": 40,  # 4,000 psychiatrists not in NHS posts, 100 a year
    "other_psychiatry_doctor": 60,
    "ot_ahp": 150,
    "social_worker": 150,
}

# ---------------------------------------------------------------------------------------
# Course capacity (starts a year).
# nursing_degree: national MH nursing places by year, split by region in proportion to the
# 2022 UCAS MH nursing acceptances (the REFERENCE.md proxy for regional capacity).
# ---------------------------------------------------------------------------------------
NURSING_PLACES_ENGLAND = {"2016/17": 3_400, "2017/18": 3_900, "2018/19": 4_400, "2019/20": 4_900, "2020/21": 5_340}
UCAS_2022_MH_NURSING = {  # acceptances by UCAS region, mapped to the case's regions
    "north": 905 + 970,  # North East and Yorkshire; North West
    "midlands_east": 1_080 + 565,  # Midlands; East
    "london": 990,
    "south": 505 + 325,  # South East; South West
}
NATIONAL_COURSE_CAPACITY = {  # programme -> starts in each of YEARS
    "nursing_degree_apprenticeship": [0, 100, 200, 300, 300],
    "nursing_associate_apprenticeship": [300, 500, 750, 1_100, 1_100],
    "clinical_psychology_doctorate": [595, 620, 660, 715, 770],
    "pwp_course": [900, 1_100, 1_200, 1_300, 1_300],
    "hit_course": [1_100, 1_300, 1_450, 1_600, 1_650],
    "cyp_iapt_course": [400, 450, 500, 545, 545],
    "ot_ahp_degree": [800, 800, 850, 900, 900],
    "social_work_training": [600, 600, 650, 700, 700],
    "peer_support_training": [200, 250, 300, 300, 300],
    "call_handler_training": [600, 600, 600, 600, 600],
    "assistant_psychologist_entry": [400, 400, 400, 400, 400],
    "core_psychiatry": [304, 304, 343, 405, 422],
    "higher_psychiatry_training": [350, 350, 350, 350, 350],
    "support_worker_to_call_handler": [300, 300, 300, 300, 300],
}

# ---------------------------------------------------------------------------------------
# Establishment: funded posts (England) for the entry-level new roles, so that the
# 8,000 new-role growth is spread across the roles the plan names rather than all taken
# as the cheapest one. posts = baseline + vacancy headroom + new posts phased evenly.
# ---------------------------------------------------------------------------------------
ESTABLISHMENT_NEW_POSTS_2020_21 = {  # group -> (vacancy headroom share of baseline, new posts by 2020/21)
    "support_worker": (0.02, 2_500),
    "call_handler": (0.05, 1_500),
    "assistant_psychologist": (0.05, 800),
}

# ---------------------------------------------------------------------------------------
# Commissioning continuity (MODEL.md §11). Baseline intake: the starts of 2015/16, the cohort
# that started the year before the plan. For a programme with a pipeline it is the pipeline
# cohort that started in 2015/16 (it qualifies at the end of year d-1 of the plan); the
# pipeline's own sources apply. New routes start from 0 and open with an allowance.
# Nursing is commissioned by region (course capacity is regional), the rest nationally.
# Limits (all assumptions, SOURCES.md): rise at most 25% a year, fall at most 10% a year, never
# below 90% of the baseline intake.
# ---------------------------------------------------------------------------------------
MAX_RISE, MAX_FALL, FLOOR = 0.25, 0.10, 0.90
# The training envelope: the plan's £1.3bn (DH press release) is new money on top of the training
# HEE already commissions; the baseline intakes continued for five years at their cost per place
# are added to it (derived: a steady intake B of a d-year course spends B x cost a year).
PLAN_COST_GBP = 1_300_000_000
# The IAPT courses were expanded at national pace with HEE salary support (course capacity 900 PWP
# and 1,100 HIT places in 2016/17 against 310 and 470 trainees of 2015): they may double a year.
# Social work placements need a practice educator each (1 student per mentor, 15% of 6,000 social
# workers: 900); with the 500 students of the pipeline still in training in 2016/17 that leaves 400
# places, so the 2015/16 intake the case can continue is 400, not the pipeline's 500 (derived).
BASELINE_OVERRIDES = {"social_work_training": 400}
RISE_OVERRIDES = {"pwp_course": 1.0, "hit_course": 1.0, "cyp_iapt_course": 1.0}
NEW_ROUTE_OPENING = {  # programme -> (baseline intake, opening allowance, starts a year)
    "nursing_degree_apprenticeship": (0, 100),  # route opened 2017: its 2017/18 course capacity
    "nursing_associate_apprenticeship": (0, 300),  # first wave 2017: its 2016/17 course capacity
    "peer_support_training": (0, 200),  # 2016/17 course capacity
    "call_handler_training": (0, 150),  # a quarter of course capacity: new crisis line roles
    "assistant_psychologist_entry": (0, 100),  # a quarter of course capacity
    "support_worker_to_call_handler": (0, 75),  # a quarter of course capacity
}

# ---------------------------------------------------------------------------------------
# Absorption and local continuity (MODEL.md §12), per staff group, every STP (assumptions).
# Growth a year at most GROWTH_SHARE of last year's staff in post plus GROWTH_FTE per STP (so a
# small or new service can grow); fall a year at most LOCAL_FALL of last year's staff, hard.
# ---------------------------------------------------------------------------------------
GROWTH_SHARE, GROWTH_FTE, LOCAL_FALL = 0.15, 5, 0.05
ABSORPTION_OVERRIDES = {  # group -> (growth share, growth FTE per STP)
    "iapt_hit": (0.20, 10),  # the IAPT trajectory needs ~15% a year in 2017/18
    "iapt_pwp": (0.20, 10),
    "nursing_associate": (0.50, 30),  # a new role from 0 in 2016/17
    "peer_support_worker": (0.30, 10),  # 500 FTE growing towards several thousand
    "call_handler": (0.30, 10),
}

# ---------------------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------------------
FAMILY_TARGETS = {"traditional": 11_000, "new_role": 8_000}
PWP_CUMULATIVE = [210, 560, 898, 1_306, 1_714]
HIT_CUMULATIVE = [390, 1_040, 1_670, 2_430, 3_190]
FAIR_SHARE_FRACTION = 0.8
FAIR_SHARE_PENALTY_GBP = 50_000
CONTINUITY_PENALTY_GBP = 20_000  # soft: no staff group below its baseline in any year


def round_half_up(x: float, places: int) -> Decimal:
    q = Decimal(1).scaleb(-places)
    return Decimal(repr(float(x))).quantize(q, rounding=ROUND_HALF_UP)


def apportion(total: float, weights: pd.Series, places: int) -> pd.Series:
    """Split `total` in proportion to `weights`, rounded to `places` decimals, summing exactly."""
    unit = Decimal(1).scaleb(-places)
    total_units = int(round_half_up(total, places) / unit)
    w = [Decimal(repr(float(v))) for v in weights]
    wsum = sum(w)
    exact = [Decimal(total_units) * v / wsum for v in w]
    floors = [int(e) for e in exact]
    left = total_units - sum(floors)
    order = sorted(range(len(w)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    values = [float(f * unit) if places else int(f) for f in floors]
    return pd.Series(values, index=weights.index)


def fmt(x: float) -> str:
    """Whole numbers without a decimal point, otherwise one decimal."""
    if pd.isna(x):
        return ""
    x = round(float(x), 1)
    return str(int(x)) if x == int(x) else f"{x:.1f}"


def write(df: pd.DataFrame, name: str) -> None:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype.kind in "fi":
            out[col] = out[col].map(fmt)
    out.to_csv(HERE / name, index=False, lineterminator="\n")
    print(f"wrote {name}: {len(out)} rows")


def _shares_as_text(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Shares written as given (fmt would round 0.25 to one decimal)."""
    return df.assign(**{c: df[c].map(lambda v: "" if v == "" or pd.isna(v) else f"{v:g}") for c in columns})


def main() -> None:
    stps = pd.read_csv(HERE / "stps.csv", dtype={"stp": str})
    pop = stps.set_index("stp")["population_millions"]
    region_of = stps.set_index("stp")["region"]
    region_pop = stps.groupby("region", sort=False)["population_millions"].sum()
    regions = list(region_pop.index)

    # baseline_workforce ------------------------------------------------------------------
    rows = []
    for g, fte in BASELINE_FTE.items():
        if fte <= 0:
            continue
        split = apportion(fte, pop, 1)
        rows += [{"stp": s, "staff_group": g, "fte_in_post": v} for s, v in split.items()]
    write(pd.DataFrame(rows), "baseline_workforce.csv")

    # pipeline ----------------------------------------------------------------------------
    rows = []
    for (prog, year), n in PIPELINE.items():
        split = apportion(n, pop, 1)
        rows += [{"stp": s, "programme": prog, "qualification_year": year, "students": v} for s, v in split.items()]
    write(pd.DataFrame(rows), "pipeline.csv")

    # placement_capacity (STP scope, every year) -----------------------------------------
    split = apportion(PLACEMENTS_ENGLAND, pop, 0)
    write(pd.DataFrame({"scope": split.index, "year": "", "placements": split.values}), "placement_capacity.csv")

    # recruitment_pools -------------------------------------------------------------------
    leavers = pd.read_csv(HERE / "leaver_rates.csv")
    national_rate = leavers[leavers["area"].fillna("england").eq("england")].set_index("staff_group")["leaver_rate"]
    all_leavers = sum(BASELINE_FTE[g] * national_rate[g] for g in BASELINE_FTE)
    stay_share = 1 - LEAVING_MH_SERVICES_A_YEAR / all_leavers
    rows = []
    for g, fte in BASELINE_FTE.items():
        if g in DOMESTIC_CLOSED:
            continue
        factor = ENTRY_LEVEL_POOL_FACTOR if g in ENTRY_LEVEL_GROUPS else stay_share
        national = fte * national_rate[g] * factor
        split = apportion(national, region_pop, 0)
        rows += [
            {"scope": r, "source": "experienced_domestic", "staff_group": g, "year": "", "pool_fte": v}
            for r, v in split.items()
        ]
    for source, pools in (("international", INTERNATIONAL_POOL), ("return_to_practice", RETURN_TO_PRACTICE_POOL)):
        rows += [
            {"scope": "england", "source": source, "staff_group": g, "year": "", "pool_fte": v} for g, v in pools.items()
        ]
    write(pd.DataFrame(rows), "recruitment_pools.csv")
    print(f"  all baseline leavers {all_leavers:,.0f} FTE a year; experienced_domestic share {stay_share:.3f}")

    # course_capacity ---------------------------------------------------------------------
    rows = []
    ucas = pd.Series(UCAS_2022_MH_NURSING).reindex(regions)
    for year in YEARS:
        split = apportion(NURSING_PLACES_ENGLAND[year], ucas, 0)
        rows += [{"scope": r, "programme": "nursing_degree", "year": year, "places": v} for r, v in split.items()]
    for prog, per_year in NATIONAL_COURSE_CAPACITY.items():
        rows += [{"scope": "england", "programme": prog, "year": y, "places": v} for y, v in zip(YEARS, per_year)]
    write(pd.DataFrame(rows), "course_capacity.csv")

    # establishment -----------------------------------------------------------------------
    rows = []
    for g, (vacancy, new_posts) in ESTABLISHMENT_NEW_POSTS_2020_21.items():
        base = BASELINE_FTE[g] * (1 + vacancy)
        for t, year in enumerate(YEARS, start=1):
            rows.append(
                {"scope": "england", "staff_group": g, "year": year, "posts_fte": round(base + new_posts * t / len(YEARS))}
            )
    write(pd.DataFrame(rows), "establishment.csv")

    # targets -----------------------------------------------------------------------------
    cols = ["target", "description", "measure", "family", "staff_group", "region", "stp", "year",
            "minimum_fte", "maximum_fte", "kind", "penalty_gbp_per_fte", "priority"]
    rows = []
    last = YEARS[-1]
    label = {"traditional": "traditional, professionally regulated", "new_role": "new-role"}
    short = {"traditional": "traditional", "new_role": "new_role"}
    for fam, n in FAMILY_TARGETS.items():
        rows.append({"target": f"{short[fam]}_growth_{last.replace('/', '_')}", "measure": "growth", "family": fam, "year": last,
                     "minimum_fte": n, "kind": "hard",
                     "description": f"England: {n:,} more {label[fam]} staff in post by 2020/21 than at the baseline (Stepping Forward)"})
    for group, what, path in (("iapt_pwp", "IAPT psychological wellbeing practitioners", PWP_CUMULATIVE),
                              ("iapt_hit", "IAPT high-intensity therapists", HIT_CUMULATIVE)):
        tag = "pwp" if group == "iapt_pwp" else "hit"
        for year, n in zip(YEARS, path):
            rows.append({"target": f"{tag}_growth_{year.replace('/', '_')}", "measure": "growth", "staff_group": group,
                         "year": year, "minimum_fte": n, "kind": "hard",
                         "description": f"England: at least {n:,} more {what} in post by the end of {year} than at the baseline (IAPT trajectory)"})
    names = pd.read_csv(HERE / "staff_groups.csv").set_index("staff_group")["name"]
    for g in BASELINE_FTE:
        if BASELINE_FTE[g] <= 0:
            continue
        for year in YEARS:
            rows.append({"target": f"keep_{g}_{year.replace('/', '_')}", "measure": "growth", "staff_group": g,
                         "year": year, "minimum_fte": 0, "kind": "soft", "penalty_gbp_per_fte": CONTINUITY_PENALTY_GBP,
                         "description": f"England: {names[g].lower()} in post at the end of {year} at least the baseline (service continuity)"})
    for s, name in stps.set_index("stp")["name"].items():
        share = pop[s] / pop.sum()
        for fam, n in FAMILY_TARGETS.items():
            minimum = float(round_half_up(FAIR_SHARE_FRACTION * share * n, 1))
            rows.append({"target": f"fair_{short[fam]}_{s.lower()}", "measure": "growth", "family": fam, "stp": s,
                         "year": last, "minimum_fte": minimum, "kind": "soft", "penalty_gbp_per_fte": FAIR_SHARE_PENALTY_GBP,
                         "description": f"{name}: {label[fam]} growth by 2020/21 at least {int(FAIR_SHARE_FRACTION * 100)}% of its population share of the England target"})
    targets = pd.DataFrame(rows).reindex(columns=cols)
    targets["priority"] = 1
    write(targets, "targets.csv")

    # commissioning -----------------------------------------------------------------------
    programmes = pd.read_csv(HERE / "programmes.csv").set_index("programme")
    rows = []
    for prog, duration in programmes["duration_years"].items():
        if prog in NEW_ROUTE_OPENING:
            base, opening = NEW_ROUTE_OPENING[prog]
            rows.append({"scope": "england", "programme": prog, "baseline_intake": base, "max_rise_share": MAX_RISE,
                         "max_fall_share": MAX_FALL, "opening_allowance": opening, "floor_share": ""})
            continue
        started_2015 = YEARS[int(duration) - 2] if duration >= 2 else YEARS[0]
        base = BASELINE_OVERRIDES.get(prog, PIPELINE[(prog, started_2015)])
        split = apportion(base, ucas, 0) if prog == "nursing_degree" else pd.Series({"england": base})
        rows += [{"scope": scope, "programme": prog, "baseline_intake": v,
                  "max_rise_share": RISE_OVERRIDES.get(prog, MAX_RISE),
                  "max_fall_share": MAX_FALL, "opening_allowance": 0, "floor_share": FLOOR} for scope, v in split.items()]
    write(_shares_as_text(pd.DataFrame(rows), ["max_rise_share", "max_fall_share", "floor_share"]), "commissioning.csv")

    # budgets: the plan's £1.3bn on top of the baseline commissions continued --------------
    cost = programmes["cost_per_place_gbp"]
    baseline_a_year = sum(r["baseline_intake"] * cost[r["programme"]] for r in rows)
    envelope = PLAN_COST_GBP + len(YEARS) * baseline_a_year
    print(f"  baseline commissions £{baseline_a_year:,.0f} a year; training envelope £{envelope:,.0f}")
    write(pd.DataFrame([{"budget": "plan_training_envelope", "scope": "england", "lever": "training",
                         "from_year": YEARS[0], "to_year": YEARS[-1], "limit_gbp": envelope}]), "budgets.csv")

    # absorption --------------------------------------------------------------------------
    groups = pd.read_csv(HERE / "staff_groups.csv")["staff_group"]
    rows = [{"area": "england", "staff_group": g,
             "max_growth_share": ABSORPTION_OVERRIDES.get(g, (GROWTH_SHARE, GROWTH_FTE))[0],
             "max_growth_fte": ABSORPTION_OVERRIDES.get(g, (GROWTH_SHARE, GROWTH_FTE))[1],
             "max_fall_share": LOCAL_FALL, "kind": "hard", "penalty_gbp_per_fte": ""} for g in groups]
    write(_shares_as_text(pd.DataFrame(rows), ["max_growth_share", "max_fall_share"]), "absorption.csv")


if __name__ == "__main__":
    main()
