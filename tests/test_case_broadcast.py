"""Broadcasting years and areas (optimiser/case/broadcast.py): which row wins, worked out by hand."""
from __future__ import annotations

from conftest import CaseCopy


def _placements(case_copy: CaseCopy, run_out_years: int) -> dict:
    case_copy.write("placement_capacity.csv", "scope,year,placements\n"
                                              "england,,100\n"           # line 2: every year
                                              "england,2018/19,50\n"     # line 3: the last planning year
                                              "north,,30\n"              # line 4: every year, a region
                                              "north,2020/21,7\n")       # line 5: a run-out year named
    case_copy.set_yaml("run_out_years", run_out_years)
    pc = case_copy.load().tables["placement_capacity"]
    return {(s, y): (v, line) for s, y, v, line in zip(pc["scope"], pc["year"], pc["placements"], pc["_row"])}


def test_a_named_year_beats_a_blank_one_and_the_last_year_carries_into_run_out(case_copy: CaseCopy):
    got = _placements(case_copy, run_out_years=2)  # years 2016/17-2018/19, run-out 2019/20 and 2020/21
    assert got == {
        ("england", "2016/17"): (100, 2), ("england", "2017/18"): (100, 2), ("england", "2018/19"): (50, 3),
        # run-out years: the last planning year's 50 carries forward over the blank row's 100
        ("england", "2019/20"): (50, 3), ("england", "2020/21"): (50, 3),
        ("north", "2016/17"): (30, 4), ("north", "2017/18"): (30, 4), ("north", "2018/19"): (30, 4),
        ("north", "2019/20"): (30, 4), ("north", "2020/21"): (7, 5),  # a named run-out year beats the blank row
    }
    assert list(got) == sorted(got)  # in key order


def test_without_run_out_years_nothing_is_carried(case_copy: CaseCopy):
    case_copy.write("placement_capacity.csv", "scope,year,placements\nengland,,100\nengland,2018/19,50\n")
    case_copy.set_yaml("run_out_years", 0)
    pc = case_copy.load().tables["placement_capacity"]
    assert list(zip(pc["year"], pc["placements"])) == [("2016/17", 100), ("2017/18", 100), ("2018/19", 50)]


def test_the_most_specific_area_wins_for_each_stp(case_copy: CaseCopy):
    case_copy.add_row("leaver_rates.csv", area="north", staff_group="nurse", leaver_rate=0.2)  # A is in north
    # B has its own row (0.15); england's 0.1 is overridden for both
    rates = case_copy.load().tables["leaver_rates"]
    nurse = dict(zip(rates.loc[rates["staff_group"] == "nurse", "area"], rates.loc[rates["staff_group"] == "nurse",
                                                                                      "leaver_rate"]))
    assert nurse == {"A": 0.2, "B": 0.15}
