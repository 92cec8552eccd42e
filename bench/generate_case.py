"""Write a synthetic provider-scale case folder for benchmarking.

``python bench/generate_case.py OUT_DIR [--stps 220] [--groups 30] [--years 10] [--seed 0]``

The numbers are made up but shaped like the national case: ~220 "STPs" standing for providers in
4 regions, 30 staff groups (20 traditional, 10 new roles), 10 planning years, an entry programme
per group plus upskilling programmes drawing on other groups, three recruitment sources, retention
segments, planned exits, placement, course, mentoring and establishment limits, budgets, and hard
regional plus soft per-provider targets. Every table is written in the case format of
``cases/README.md``, with national rows overridden by some regional and provider rows, so loading
exercises the broadcast too. The hard targets are modest and the limits loose enough that the case
is feasible; the soft targets make the solver trade off.

With the defaults the LP has about 369,000 variables, 141,000 rows and 1.6 million nonzeros; HiGHS
needs about 80,000 dual simplex iterations (minutes) to solve it.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

SOURCES = [
    ("domestic", "Experienced domestic hires"),
    ("international", "International recruitment"),
    ("return_to_practice", "Return to practice"),
]


def _year(first: int, i: int) -> str:
    y = first + i
    return f"{y}/{(y + 1) % 100:02d}"


def generate(folder: Path, stps: int = 220, regions: int = 4, groups: int = 30, years: int = 10,
             first_year: int = 2016, seed: int = 0) -> Path:
    """Write the case into ``folder`` (created); return the folder."""
    rng = np.random.default_rng(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    yrs = [_year(first_year, i) for i in range(years)]
    first, last = yrs[0], yrs[-1]

    def write(name: str, rows) -> None:
        pd.DataFrame(rows).to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")

    # --- definitions --------------------------------------------------------------------------
    region_codes = [f"R{i + 1}" for i in range(regions)]
    write("regions", {"region": region_codes, "name": [f"Region {i + 1}" for i in range(regions)]})
    stp_codes = np.array([f"P{i + 1:03d}" for i in range(stps)], dtype=object)
    stp_region = np.array([region_codes[i * regions // stps] for i in range(stps)], dtype=object)
    size = rng.lognormal(0.0, 0.5, stps)  # provider size factor
    write("stps", {"stp": stp_codes, "name": [f"Provider {i + 1}" for i in range(stps)], "region": stp_region,
                   "population_millions": np.round(0.3 * size, 3)})

    n_trad = groups * 2 // 3
    group_codes = np.array([f"G{i + 1:02d}" for i in range(groups)], dtype=object)
    family = np.where(np.arange(groups) < n_trad, "traditional", "new_role")
    mentor_share = np.where(np.arange(groups) < n_trad, np.round(rng.uniform(0.15, 0.35, groups), 3), 0.0)
    write("staff_groups", {"staff_group": group_codes, "name": [f"Staff group {i + 1}" for i in range(groups)],
                           "family": family, "mentor_share": mentor_share})

    group_size = rng.uniform(30, 400, groups)
    base = np.round(group_size[:, None] * size[None, :] * rng.uniform(0.8, 1.2, (groups, stps)), 1)  # (G, S)
    g_idx, s_idx = np.meshgrid(np.arange(groups), np.arange(stps), indexing="ij")
    write("baseline_workforce", {"stp": stp_codes[s_idx.ravel()], "staff_group": group_codes[g_idx.ravel()],
                                 "fte_in_post": base.ravel()})

    # --- leaver rates: national, then regional and some provider overrides ----------------------
    rate = np.round(rng.uniform(0.08, 0.14, groups), 3)
    rows = [{"area": "england", "staff_group": g, "leaver_rate": r} for g, r in zip(group_codes, rate)]
    rows += [{"area": region_codes[0], "staff_group": g, "leaver_rate": round(r + 0.01, 3)} for g, r in zip(group_codes, rate)]
    for s in stp_codes[:: max(1, stps // 20)]:
        rows += [{"area": s, "staff_group": g, "leaver_rate": round(r + 0.02, 3)} for g, r in zip(group_codes[:5], rate)]
    write("leaver_rates", rows)

    # --- programmes: an entry programme per group, upskilling into the first third of the groups --
    progs = []
    duration = np.where(np.arange(groups) < n_trad, rng.integers(2, 5, groups), 1)
    for i, g in enumerate(group_codes):
        trad = i < n_trad
        progs.append({"programme": f"{g}_entry", "name": f"Entry training for {g}", "staff_group": g,
                      "source_group": "", "duration_years": int(duration[i]),
                      "completion_rate": round(rng.uniform(0.7, 0.9), 2), "take_up_rate": round(rng.uniform(0.75, 0.95), 2),
                      "cost_per_place_gbp": int(rng.uniform(20_000, 90_000) if trad else rng.uniform(2_000, 10_000)),
                      "placement_use": 0.5 if trad else 0.0, "mentor_group": g if i < groups // 6 else "",
                      "students_per_mentor": 4 if i < groups // 6 else "", "max_source_share": "", "integer": "false",
                      "min_cohort": 0})
    upskill = []
    for j in range(groups // 3):
        into, source = group_codes[j], group_codes[n_trad + j % (groups - n_trad)]
        upskill.append(len(progs))
        progs.append({"programme": f"{into}_from_{source}", "name": f"Upskilling {source} to {into}", "staff_group": into,
                      "source_group": source, "duration_years": 2, "completion_rate": 0.85, "take_up_rate": 0.95,
                      "cost_per_place_gbp": 40_000, "placement_use": 0.3, "mentor_group": into if j < groups // 6 else "",
                      "students_per_mentor": 4 if j < groups // 6 else "",
                      "max_source_share": 0.03, "integer": "false", "min_cohort": 0})
    write("programmes", progs)
    progs_df = pd.DataFrame(progs)

    # pipeline: students of the multi-year entry programmes already in training at the baseline
    rows = []
    for i, p in enumerate(progs[:groups]):
        d = p["duration_years"]
        if d < 2:
            continue
        per_year = base[i] * rate[i] * 0.5  # (S,) a cohort replacing half the leavers
        for q in range(d):
            rows.append(pd.DataFrame({"stp": stp_codes, "programme": p["programme"], "qualification_year": yrs[q],
                                      "students": np.round(per_year, 1)}))
    write("pipeline", pd.concat(rows, ignore_index=True))

    # --- recruitment ----------------------------------------------------------------------------
    write("recruitment_sources", {"source": [s for s, _ in SOURCES], "name": [n for _, n in SOURCES]})
    open_to = {"domestic": group_codes, "international": group_codes, "return_to_practice": group_codes[:n_trad]}
    rows = []
    for src, grps in open_to.items():
        factor = {"domestic": 1.0, "international": 2.5, "return_to_practice": 0.6}[src]
        for g in grps:
            cost = round(float(rng.uniform(2_000, 8_000)) * factor)
            ret = {"domestic": 0.9, "international": 0.8, "return_to_practice": 0.85}[src]
            rows.append({"area": "england", "source": src, "staff_group": g, "cost_per_recruit_gbp": cost,
                         "first_year_retention": ret})
            rows.append({"area": region_codes[-1], "source": src, "staff_group": g, "cost_per_recruit_gbp": round(cost * 1.2),
                         "first_year_retention": ret})
    write("recruitment_costs", rows)

    total = base.sum(axis=1)  # (G,) national baseline by group
    rows = []
    for src, grps in open_to.items():
        share = {"domestic": 0.18, "international": 0.06, "return_to_practice": 0.03}[src]
        rows.append({"scope": "england", "source": src, "staff_group": "", "year": "",
                     "pool_fte": round(float(sum(total[np.flatnonzero(group_codes == g)[0]] for g in grps)) * share)})
        for r_i, r in enumerate(region_codes):
            in_r = stp_region == r
            for g in grps:
                gi = np.flatnonzero(group_codes == g)[0]
                rows.append({"scope": r, "source": src, "staff_group": g, "year": "",
                             "pool_fte": round(float(base[gi, in_r].sum()) * share * 0.4, 1)})
    # a tighter international pool from the middle of the horizon on (a named year overrides the blank one)
    for y in yrs[years // 2:]:
        rows.append({"scope": "england", "source": "international", "staff_group": "", "year": y,
                     "pool_fte": round(float(total.sum()) * 0.03)})
    write("recruitment_pools", rows)

    # --- retention and exits ----------------------------------------------------------------------
    rows = []
    for i, g in enumerate(group_codes):
        if i >= groups // 3:
            continue
        rows.append({"area": "england", "staff_group": g, "segment": 1, "share_of_leavers": 0.1,
                     "cost_per_avoided_leaver_gbp": 2_000})
        if i < groups // 6:
            rows.append({"area": "england", "staff_group": g, "segment": 2, "share_of_leavers": 0.1,
                         "cost_per_avoided_leaver_gbp": 6_000})
    rows += [{"area": region_codes[1], "staff_group": g, "segment": 1, "share_of_leavers": 0.15,
              "cost_per_avoided_leaver_gbp": 1_500} for g in group_codes[: groups // 3]]
    write("retention_segments", rows)
    write("exits", [{"area": region_codes[2], "staff_group": g, "year": "", "cost_per_exit_gbp": 15_000,
                     "max_exits_fte": 5} for g in group_codes[n_trad:]])

    # --- capacities ---------------------------------------------------------------------------
    placement_need = (base[:n_trad] * rate[:n_trad, None]).sum(axis=0) * 3  # (S,)
    write("placement_capacity", {"scope": stp_codes, "year": "", "placements": np.round(placement_need, 0)})
    rows = []
    for i, p in progs_df.iterrows():
        gi = np.flatnonzero(group_codes == p["staff_group"])[0]
        for r in region_codes:
            places = base[gi, stp_region == r].sum() * rate[gi] * (1.5 if i < groups else 0.05)
            rows.append({"scope": r, "programme": p["programme"], "year": "", "places": round(float(places), 0)})
    write("course_capacity", rows)
    rows = [{"scope": r, "staff_group": g, "year": "", "posts_fte": round(float(base[gi, stp_region == r].sum()) * 1.3)}
            for gi, g in enumerate(group_codes) for r in region_codes]
    write("establishment", rows)
    training_spend = float((base * rate[:, None]).sum() * 60_000 * years)
    write("budgets", [
        {"budget": "national_all", "scope": "england", "lever": "all", "from_year": "", "to_year": "",
         "limit_gbp": round(training_spend * 3)},
        *[{"budget": f"{r}_training_early", "scope": r, "lever": "training", "from_year": first,
           "to_year": yrs[min(2, years - 1)], "limit_gbp": round(training_spend)} for r in region_codes],
    ])

    # --- targets: hard regional growth by family, soft national and provider levels --------------
    rows = []
    for r in region_codes:
        for fam in ("traditional", "new_role"):
            in_g = family == fam
            b = base[np.ix_(in_g, stp_region == r)].sum()
            rows.append({"target": f"{r}_{fam}_growth", "description": f"{r}: {fam} growth by {last}", "measure": "growth",
                         "family": fam, "staff_group": "", "region": r, "stp": "", "year": last,
                         "minimum_fte": round(float(b) * (0.03 if fam == "traditional" else 0.08)),
                         "maximum_fte": "", "kind": "hard", "penalty_gbp_per_fte": "", "priority": 1})
    for gi, g in enumerate(group_codes):
        rows.append({"target": f"{g}_level_mid", "description": f"{g} in post by {yrs[years // 2]}", "measure": "level",
                     "family": "", "staff_group": g, "region": "", "stp": "", "year": yrs[years // 2],
                     "minimum_fte": round(float(total[gi]) * 1.02), "maximum_fte": "", "kind": "soft",
                     "penalty_gbp_per_fte": 80_000, "priority": 1})
    for si, s in enumerate(stp_codes):
        for fam in ("traditional", "new_role"):
            b = base[family == fam, si].sum()
            rows.append({"target": f"fair_{fam}_{s}", "description": f"{s}: fair share of {fam} growth", "measure": "growth",
                         "family": fam, "staff_group": "", "region": "", "stp": s, "year": last,
                         "minimum_fte": round(float(b) * 0.05, 1), "maximum_fte": round(float(b) * 0.5, 1), "kind": "soft",
                         "penalty_gbp_per_fte": 50_000, "priority": 1})
    write("targets", rows)

    (folder / "case.yaml").write_text(yaml.safe_dump({
        "name": "provider_scale",
        "description": f"Synthetic benchmark case: {stps} providers in {regions} regions, {groups} staff groups, "
                       f"{years} years (bench/generate_case.py, seed {seed})",
        "first_year": first, "last_year": last, "price_base_year": first, "discount_rate": 0.035,
        "default_penalty_gbp_per_fte": 1_000_000, "solver": {"name": "highs"},
    }, sort_keys=False), encoding="utf-8")
    (folder / "SOURCES.md").write_text("Synthetic data from bench/generate_case.py; no number is real.\n", encoding="utf-8")
    return folder


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--stps", type=int, default=220)
    ap.add_argument("--regions", type=int, default=4)
    ap.add_argument("--groups", type=int, default=30)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    print(generate(a.out, a.stps, a.regions, a.groups, a.years, seed=a.seed))


if __name__ == "__main__":
    main()
