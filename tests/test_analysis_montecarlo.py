"""Monte Carlo: seeded and reproducible, saved as it goes, resumable after an interruption."""
from __future__ import annotations

import json

import numpy as np
import pytest

from optimiser import load_case
from optimiser.analysis import MonteCarloSpec, load_spec, run_montecarlo
from optimiser.analysis.montecarlo import Distribution, default_headline
from test_lp_families import Y1, make_case, rec, tgt

from conftest import FIXTURE, national

SPEC = {
    "seed": 11,
    "draws": 12,
    "parameters": [
        {"name": "leavers", "path": "leaver_rates.leaver_rate",
         "scale": {"distribution": "triangular", "low": 0.8, "mode": 1.0, "high": 1.3}},
        {"path": "recruitment_pools.pool_fte", "scale": {"distribution": "uniform", "low": 0.2, "high": 1.2}},
        {"name": "nursing completion", "path": "programmes.completion_rate[programme=nursing]",
         "set": {"distribution": "truncated_normal", "mean": 0.8, "sd": 0.1, "low": 0.5, "high": 0.95}},
    ],
}


def spec(**changes) -> MonteCarloSpec:
    return MonteCarloSpec.model_validate({**SPEC, **changes})


def files(folder):
    return (folder / "draws.csv").read_text(), (folder / "summary.json").read_text()


def test_draws_are_reproducible_from_the_seed(tmp_path):
    case = load_case(FIXTURE)
    a = run_montecarlo(case, spec(), tmp_path / "a", executor="serial")
    b = run_montecarlo(case, spec(), tmp_path / "b", executor="serial")
    assert a.complete and b.complete
    assert files(tmp_path / "a") == files(tmp_path / "b")
    c = run_montecarlo(case, spec(seed=12), tmp_path / "c", executor="serial")
    assert not np.allclose(a.draws["value.leavers"], c.draws["value.leavers"])
    # a draw's values depend only on (seed, draw): the first 5 of 12 are the first 5 of 5
    s = spec()
    assert [s.values(i) for i in range(5)] == [spec(draws=5).values(i) for i in range(5)]
    assert a.summary["draws_solved"] == 12
    assert set(a.summary["total_cost_gbp"]) == {"p05", "p25", "p50", "p75", "p95", "mean"}
    assert a.summary["total_cost_gbp"]["p05"] <= a.summary["total_cost_gbp"]["p50"] <= a.summary["total_cost_gbp"]["p95"]


def test_resumes_after_an_interruption_with_the_same_result(tmp_path):
    case = load_case(FIXTURE)
    run_montecarlo(case, spec(), tmp_path / "whole", executor="serial")

    part = tmp_path / "part"
    first = run_montecarlo(case, spec(), part, executor="serial", max_new_draws=4)
    assert not first.complete and len(first.draws) == 4
    assert not (part / "summary.json").exists()

    class Stop(Exception):
        pass

    def stop_after_two_more(done, total):
        if done >= 6:
            raise Stop

    with pytest.raises(Stop):  # interrupted mid-run (as by Ctrl-C)
        run_montecarlo(case, spec(), part, executor="serial", progress=stop_after_two_more)
    lines = (part / "draws.jsonl").read_text().splitlines()
    assert len(lines) == 6  # each finished draw was on disk before the next began
    with open(part / "draws.jsonl", "a") as f:
        f.write('{"draw": 7, "values": {"leav')  # a write cut off by a crash
    resumed = run_montecarlo(case, spec(), part, executor="serial")
    assert resumed.complete
    assert files(part) == files(tmp_path / "whole")
    assert len((part / "draws.jsonl").read_text().splitlines()) == 12


def test_more_draws_extend_a_finished_run(tmp_path):
    case = load_case(FIXTURE)
    run_montecarlo(case, spec(), tmp_path / "run", executor="serial", draws=5)
    more = run_montecarlo(case, spec(), tmp_path / "run", executor="serial", draws=12)
    whole = run_montecarlo(case, spec(), tmp_path / "whole", executor="serial", draws=12)
    assert more.summary == whole.summary


def test_another_spec_in_the_same_folder_is_refused(tmp_path):
    case = load_case(FIXTURE)
    run_montecarlo(case, spec(draws=2), tmp_path / "run", executor="serial")
    with pytest.raises(ValueError, match="another case or uncertainty spec"):
        run_montecarlo(case, spec(draws=2, seed=99), tmp_path / "run", executor="serial")


def test_probability_a_target_is_met(tmp_path):
    """Only domestic recruits (pool U(0, 40) a year, first-year retention 1) can grow nurses; the target
    needs 20 more in Y1. A draw meets it exactly when its pool is at least 20 (hard targets are elastic)."""
    case = make_case(tmp_path, recruitment_costs=[rec(5_000)],
                     recruitment_pools=[dict(scope="england", source="dom", pool_fte=40)],
                     targets=[tgt("grow", Y1, 120)])
    s = MonteCarloSpec.model_validate({"seed": 5, "draws": 30, "parameters": [
        {"name": "pool", "path": "recruitment_pools.pool_fte", "set": {"distribution": "uniform", "low": 0, "high": 40}}]})
    r = run_montecarlo(case, s, tmp_path / "mc", executor="serial")
    pool = r.draws["value.pool"].to_numpy()
    met = r.draws["targets_short"] == ""
    assert (met.to_numpy() == (pool >= 20 - 1e-9)).all()
    assert r.summary["probability_met"]["grow"] == pytest.approx(met.mean())
    assert r.summary["headline_targets"] == []  # no family-wide target in this case
    short = r.draws["hard_shortfall_fte"].to_numpy()
    np.testing.assert_allclose(short, np.maximum(0, 20 - pool), atol=1e-6)


def test_distributions_stay_in_range_and_follow_their_shape():
    u = np.linspace(0.001, 0.999, 999)
    tri = Distribution(distribution="triangular", low=0.5, mode=1.0, high=2.0)
    v = np.array([tri.ppf(x) for x in u])
    assert v.min() >= 0.5 and v.max() <= 2.0
    assert tri.ppf(1 / 3) == pytest.approx(1.0)  # P(X <= mode) = (mode - low) / (high - low)
    tn = Distribution(distribution="truncated_normal", mean=0.75, sd=0.1, low=0.6, high=0.8)
    v = np.array([tn.ppf(x) for x in u])
    assert v.min() >= 0.6 and v.max() <= 0.8
    assert Distribution(distribution="uniform", low=2, high=4).ppf(0.25) == pytest.approx(2.5)
    with pytest.raises(ValueError):
        Distribution(distribution="triangular", low=1, high=2, mode=3)
    with pytest.raises(ValueError):
        Distribution(distribution="truncated_normal", low=1, high=2)


def test_spec_file_errors_are_reported(tmp_path):
    bad = tmp_path / "u.yaml"
    bad.write_text("seed: 1\nparameters:\n  - path: leaver_rates.leaver_rate\n    scale: {distribution: lognormal, low: 1, high: 2}\n")
    with pytest.raises(ValueError, match="u.yaml"):
        load_spec(bad)
    good = tmp_path / "g.yaml"
    good.write_text(json.dumps(SPEC))
    assert load_spec(good).seed == 11
    case = load_case(FIXTURE)
    with pytest.raises(Exception, match="matches no row"):
        run_montecarlo(case, spec(parameters=[{"path": "programmes.completion_rate[programme=nope]",
                                               "set": {"distribution": "uniform", "low": 0.5, "high": 0.6}}]),
                       tmp_path / "x", executor="serial")


def test_default_headline_targets_are_the_family_wide_hard_ones():
    assert default_headline(national()) == ["traditional_growth_2020_21", "new_role_growth_2020_21"]


def test_draws_updated_in_place_equal_draws_of_rebuilt_cases(tmp_path, monkeypatch):
    """Leaver and completion rates are updated in place (issue 16): every draw, and so every figure of
    the summary, is what rebuilding each draw's case gives, to the byte."""
    from optimiser.analysis.live import LiveModel

    case = load_case(FIXTURE)
    solved: list[bool] = []
    original = LiveModel.solve

    def solve(model, *args, **kwargs):
        point = original(model, *args, **kwargs)
        solved.append(point.rebuilt)
        return point

    monkeypatch.setattr(LiveModel, "solve", solve)
    run_montecarlo(case, spec(), tmp_path / "in_place", executor="serial")
    assert solved == [False] * 12
    monkeypatch.setattr(LiveModel, "binding", lambda model, parameter: None)  # every draw rebuilt
    run_montecarlo(case, spec(), tmp_path / "rebuilt", executor="serial")
    assert solved[12:] == [True] * 12
    assert files(tmp_path / "in_place") == files(tmp_path / "rebuilt")
