"""The Long Term Plan case (cases/england_2019), derived from the national case by re-planning it from actuals to
2018/19: its tables agree with the national case and the actuals, checked from the files themselves."""
from __future__ import annotations

import pandas as pd
import pytest

from conftest import ROOT

LTP = ROOT / "cases" / "england_2019"
NATIONAL = ROOT / "cases" / "england_2017"
SERVICES = {"social_worker_adult": 360, "social_worker_cyp": 170, "social_worker_homelessness": 70}


def table(folder, name):
    return pd.read_csv(folder / f"{name}.csv")


def test_the_baseline_is_the_staff_in_post_at_the_end_of_2018_19():
    actual = table(LTP, "actuals_2016_17_to_2018_19")
    actual = actual[actual["year"] == "2018/19"].set_index(["stp", "staff_group"])["fte_in_post"]
    base = table(LTP, "baseline_workforce")
    services = base["staff_group"].isin(list(SERVICES))
    others = base[~services].set_index(["stp", "staff_group"])["fte_in_post"]
    assert others.to_dict() == pytest.approx(actual.drop("social_worker", level="staff_group").to_dict())
    # social workers split 360 : 170 : 70 in every STP, to 0.1 FTE each
    split = base[services].groupby("stp")["fte_in_post"].sum()
    assert split.to_dict() == pytest.approx(actual.xs("social_worker", level="staff_group").to_dict(), abs=0.15)
    adult = base[base["staff_group"] == "social_worker_adult"].set_index("stp")["fte_in_post"]
    assert adult.to_dict() == pytest.approx((actual.xs("social_worker", level="staff_group") * 0.6).to_dict(), abs=0.051)
    # peer support workers: 862 in post in 2019 (University of Sheffield)
    assert base[base["staff_group"] == "peer_support_worker"]["fte_in_post"].sum() == pytest.approx(862, abs=2.5)


def test_stepping_forward_targets_stand_as_levels_and_the_long_term_plan_adds_its_own():
    targets = table(LTP, "targets").set_index("target")
    national = table(NATIONAL, "baseline_workforce")
    groups = table(NATIONAL, "staff_groups").set_index("staff_group")["family"]
    traditional_2016 = national[national["staff_group"].map(groups) == "traditional"]["fte_in_post"].sum()
    row = targets.loc["traditional_growth_2020_21"]
    assert (row["measure"], row["minimum_fte"]) == ("level", pytest.approx(11_000 + traditional_2016, abs=1e-6))
    assert not targets["year"].isin(["2016/17", "2017/18", "2018/19"]).any()
    for group, fte in SERVICES.items():
        ltp = targets.loc[f"ltp_{group}_2023_24"]
        assert (ltp["measure"], ltp["staff_group"], ltp["year"], ltp["minimum_fte"], ltp["kind"]) == \
            ("growth", group, "2023/24", fte, "hard")
    assert targets.loc["ltp_clinical_support_2023_24", "minimum_fte"] == 6_090
    peer = targets.loc["ltp_peer_support_2023_24"]
    assert (peer["measure"], peer["minimum_fte"], peer["kind"]) == ("level", 4_730, "soft")
    # a national target that counted social workers counts all three services
    assert targets.loc["keep_social_worker_2019_20", "staff_group"] == ";".join(SERVICES)


def test_hee_2020_21_commissions_are_the_baseline_intakes():
    com = table(LTP, "commissioning").set_index("programme")
    assert com.at["pwp_course", "baseline_intake"] + com.at["hit_course", "baseline_intake"] == pytest.approx(2_926, abs=0.1)
    assert com.at["cyp_iapt_course", "baseline_intake"] == 245 + 300
    assert com.at["peer_support_training", "baseline_intake"] == 300


def test_as_shipped_the_case_is_infeasible_and_the_elastic_diagnosis_says_why():
    """Infeasible by design: the national case's experienced-hire pools for support workers cannot supply the
    +6,090 clinical support staff; every other hard target (the 600 social workers among them) can be met. The
    elastic step of ``optimiser explain`` alone (its conflict set and relaxations take minutes on this case; the
    README quotes them)."""
    from optimiser import load_case
    from optimiser.analysis.diagnosis import LiveModel, Names, case_limits, elastic_dict, elastic_shortfalls
    from optimiser.model.build import build_lp

    lp, data = build_lp(load_case(LTP, run_out_years=0))
    limits = case_limits(lp, data)
    live = LiveModel(lp, limits)
    live.costs(plan=False)
    assert not live.feasible()
    short = {s["target"]: s for s in elastic_dict(elastic_shortfalls(live, limits), Names(data))["shortfalls"]}
    assert list(short) == ["ltp_clinical_support_2023_24"]
    gap = short["ltp_clinical_support_2023_24"]["minimum_fte"] - short["ltp_clinical_support_2023_24"]["achievable_fte"]
    assert 0 < gap < 6_090 * 0.05
