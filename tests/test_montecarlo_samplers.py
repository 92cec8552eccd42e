"""Monte Carlo samplers (random, scrambled Sobol, Latin hypercube) and the standard errors of probabilities.

Expected values are worked by hand: the standard-error formulas on small inputs, the declared
distributions' CDFs written out, and the balance of Sobol points and Latin hypercubes (each of m
equal slices of a parameter's range holds exactly one of m points).
"""
from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from scipy.special import ndtr

from optimiser import load_case
from optimiser.analysis import MonteCarloSpec, run_montecarlo
from optimiser.analysis.montecarlo import binomial_estimate, replicate_estimate
from test_analysis_montecarlo import SPEC, files
from test_lp_families import Y1, make_case, rec, tgt

from conftest import FIXTURE


def spec(**changes) -> MonteCarloSpec:
    return MonteCarloSpec.model_validate({**SPEC, **changes})


# --- standard errors on known inputs ------------------------------------------------------------

def test_binomial_standard_error_and_wilson_interval_by_hand():
    e = binomial_estimate([1, 1, 1, 0, 0, 0, 0, 0, 0, 0])
    assert e.p == pytest.approx(0.3)
    assert e.se == pytest.approx(0.144913767, rel=1e-8)  # sqrt(0.3 x 0.7 / 10) = sqrt(0.021)
    # Wilson, z = 1.96: centre (0.3 + z²/20) / (1 + z²/10) = 0.35551; half-width 0.24772
    assert (e.low, e.high) == pytest.approx((0.107791, 0.603222), abs=1e-6)
    none = binomial_estimate([0] * 20)  # 0 of 20: SE 0, but the interval still reaches z² / (20 + z²)
    assert (none.p, none.se, none.low) == (0.0, 0.0, 0.0)
    assert none.high == pytest.approx(3.841459 / 23.841459, rel=1e-6)


def test_replicate_standard_error_by_hand():
    # 4 replicates (draw i is in replicate i % 4), 4 draws each; replicate shares 0.25, 0.5, 0.75, 0.5
    met = np.zeros(16, dtype=bool)
    for replicate, k in [(0, 1), (1, 2), (2, 3), (3, 2)]:
        met[[replicate + 4 * j for j in range(k)]] = True
    e = replicate_estimate(met, np.arange(16) % 4)
    assert e.p == pytest.approx(0.5)
    # sd of (0.25, 0.5, 0.75, 0.5) with n - 1 = 3: sqrt(0.125 / 3) = 0.204124; / sqrt(4)
    assert e.se == pytest.approx(0.102062073, rel=1e-8)
    # t(3) at 97.5% = 3.182446 (tables): 0.5 -/+ 0.324807
    assert (e.low, e.high) == pytest.approx((0.175193, 0.824807), abs=1e-6)
    # the mean of the replicates' shares, not of the draws: 3 of 3 and 0 of 1 give 0.5, not 0.75
    uneven = replicate_estimate([1, 1, 1, 0], [0, 0, 0, 1])
    assert uneven.p == pytest.approx(0.5) and uneven.se == pytest.approx(0.5)
    assert np.isnan(replicate_estimate([1, 0], [0, 0]).se)  # one replicate: no spread to measure


# --- samplers: the declared marginals ------------------------------------------------------------

def triangular_cdf(x, low, mode, high):
    if x <= mode:
        return (x - low) ** 2 / ((high - low) * (mode - low))
    return 1 - (high - x) ** 2 / ((high - low) * (high - mode))


def cdfs(s: MonteCarloSpec) -> dict:
    """Each parameter's declared CDF, written out from the distribution's textbook formula."""
    out = {}
    for p in s.parameters:
        d = p.dist
        if d.distribution == "uniform":
            out[p.label] = lambda x, d=d: (x - d.low) / (d.high - d.low)
        elif d.distribution == "triangular":
            out[p.label] = lambda x, d=d: triangular_cdf(x, d.low, d.mode, d.high)
        else:
            a, b = ndtr((d.low - d.mean) / d.sd), ndtr((d.high - d.mean) / d.sd)
            out[p.label] = lambda x, d=d, a=a, b=b: (ndtr((x - d.mean) / d.sd) - a) / (b - a)
    return out


@pytest.mark.parametrize("sampler", ["sobol", "lhs"])
def test_quasi_random_points_put_one_draw_in_each_slice_of_every_distribution(sampler):
    """m points of a replicate (m a power of 2 for Sobol) put exactly one value in each of m slices of
    equal probability of each parameter's declared distribution: F(value) x m is 0, 1, ..., m - 1 once each."""
    s, m = spec(sampler=sampler, replicates=3), 8
    n = s.design_draws(3 * m)
    assert n == 24
    cdf = cdfs(s)
    for replicate in range(3):
        draws = [s.values(k * 3 + replicate, n) for k in range(m)]
        for p in s.parameters:
            u = np.array([cdf[p.label](v[p.label]) for v in draws])
            assert sorted(np.floor(u * m).astype(int)) == list(range(m)), (p.label, replicate, u)


@pytest.mark.parametrize("sampler", ["random", "sobol", "lhs"])
def test_every_sampler_follows_the_declared_distributions(sampler):
    """256 draws: the largest gap between the empirical and the declared CDF (Kolmogorov-Smirnov
    statistic) is below 1.36 / sqrt(256) = 0.085, the 5% critical value for independent draws; for
    4 replicates of 64 quasi-random points, one in each 1/64 slice, it is at most 1/64."""
    s = spec(sampler=sampler, replicates=4)
    n = s.design_draws(256)
    assert n == 256
    values = [s.values(i, n) for i in range(n)]
    cdf = cdfs(s)
    for p in s.parameters:
        u = np.sort([cdf[p.label](v[p.label]) for v in values])
        ks = max(np.max(np.arange(1, n + 1) / n - u), np.max(u - np.arange(n) / n))
        assert ks < (0.085 if sampler == "random" else 1 / 64 + 1e-12), (p.label, ks)
        assert 0 <= u.min() and u.max() <= 1


def test_sobol_draw_is_point_k_of_scramble_r():
    """Draw i = point i // R of scrambled sequence i % R, whatever the number of draws (so runs extend)."""
    from scipy.stats import qmc

    s = spec(sampler="sobol", replicates=2)
    points = qmc.Sobol(3, scramble=True, rng=np.random.default_rng([s.seed, 1, 1])).random_base2(3)
    for k in range(8):
        np.testing.assert_array_equal(s.unit_point(2 * k + 1), points[k])
    assert s.values(5) == spec(sampler="sobol", replicates=2, draws=1000).values(5, 1024)


def test_draw_counts_are_rounded_up_to_whole_replicates():
    assert spec(sampler="sobol", replicates=8).design_draws(400) == 512  # 8 x 64, a power of 2 each
    assert spec(sampler="sobol", replicates=8).design_draws(512) == 512
    assert spec(sampler="sobol", replicates=3).design_draws(7) == 12  # 3 x 4
    assert spec(sampler="lhs", replicates=8).design_draws(401) == 408  # 8 x 51
    assert spec(sampler="random").design_draws(401) == 401


def test_a_random_spec_hashes_as_before_samplers_were_added():
    """Runs made before the sampler option still resume: their spec hash is unchanged."""
    s = spec()
    old = {k: v for k, v in s.model_dump(mode="json", by_alias=True).items() if k not in ("draws", "sampler", "replicates")}
    assert s.fingerprint() == hashlib.sha256(json.dumps(old, sort_keys=True).encode()).hexdigest()
    assert spec(sampler="sobol").fingerprint() != s.fingerprint() != spec(sampler="lhs").fingerprint()


# --- runs: probabilities and their standard errors ------------------------------------------------

@pytest.fixture(scope="module")
def pool_case(tmp_path_factory):
    """Only domestic recruits can grow nurses; the target needs 20 more in Y1: it is met exactly when
    the drawn pool (uniform on 0-40) is at least 20, that is, with probability 1/2."""
    return make_case(tmp_path_factory.mktemp("pool"), recruitment_costs=[rec(5_000)],
                     recruitment_pools=[dict(scope="england", source="dom", pool_fte=40)],
                     targets=[tgt("grow", Y1, 120)])


def pool_spec(sampler: str) -> MonteCarloSpec:
    return MonteCarloSpec.model_validate({"seed": 5, "draws": 16, "sampler": sampler, "replicates": 4, "parameters": [
        {"name": "pool", "path": "recruitment_pools.pool_fte", "set": {"distribution": "uniform", "low": 0, "high": 40}}]})


def test_random_draws_report_the_binomial_standard_error(pool_case, tmp_path):
    r = run_montecarlo(pool_case, pool_spec("random"), tmp_path / "mc", executor="serial")
    met = r.draws["value.pool"].to_numpy() >= 20
    p = met.mean()
    s = r.summary
    assert s["sampler"] == "random" and s["draws"] == 16 and "replicates" not in s
    assert s["probability_met"]["grow"] == pytest.approx(p)
    assert s["probability_met_se"]["grow"] == pytest.approx(np.sqrt(p * (1 - p) / 16))
    assert s["probability_all_hard_met_se"] == pytest.approx(np.sqrt(p * (1 - p) / 16))
    low, high = s["probability_met_ci95"]["grow"]
    assert low < p < high
    assert "binomial" in s["standard_error"]


@pytest.mark.parametrize("sampler", ["sobol", "lhs"])
def test_quasi_random_draws_meet_a_half_probability_exactly(pool_case, tmp_path, sampler):
    """4 replicates of 4 points: each replicate puts 2 pools below 20 and 2 above (one point in each
    quarter of 0-40), so every replicate's share is 1/2: P = 0.5 with a standard error of 0."""
    r = run_montecarlo(pool_case, pool_spec(sampler), tmp_path / "mc", executor="serial")
    s = r.summary
    assert s["sampler"] == sampler and s["replicates"] == 4 and s["draws"] == 16
    assert list(r.draws["replicate"]) == [i % 4 for i in range(16)]
    assert (r.draws.groupby("replicate")["value.pool"].apply(lambda v: (v >= 20).sum()) == 2).all()
    assert s["probability_met"]["grow"] == 0.5
    assert s["probability_met_se"]["grow"] == 0.0
    assert s["probability_met_ci95"]["grow"] == [0.5, 0.5]
    assert "replicate" in s["standard_error"]
    manifest = json.loads((tmp_path / "mc" / "montecarlo.json").read_text())
    assert manifest["sampler"] == sampler and manifest["replicates"] == 4


def test_quasi_random_standard_error_is_the_spread_of_the_replicates(pool_case, tmp_path):
    """Pools uniform on 0-64: a draw meets the target above 20, 5/16 of the way, in the middle of one of
    8 equal slices, so each replicate of 8 Sobol points meets it 5 or 6 times. The
    summary's probability and SE are the mean and sd / sqrt(R) of those shares, counted here from the draws."""
    # seed 6: one replicate of the four meets it 6 times (with seed 5 all do, and the SE would be 0)
    s = MonteCarloSpec.model_validate({"seed": 6, "draws": 32, "sampler": "sobol", "replicates": 4, "parameters": [
        {"name": "pool", "path": "recruitment_pools.pool_fte", "set": {"distribution": "uniform", "low": 0, "high": 64}}]})
    r = run_montecarlo(pool_case, s, tmp_path / "mc", executor="serial")
    assert r.summary["draws"] == 32  # 4 x 8
    shares = [(r.draws["value.pool"][r.draws["draw"] % 4 == k] >= 20).mean() for k in range(4)]
    assert set(shares) == {5 / 8, 6 / 8}
    assert r.summary["probability_met"]["grow"] == pytest.approx(np.mean(shares))
    assert r.summary["probability_met_se"]["grow"] == pytest.approx(np.std(shares, ddof=1) / np.sqrt(4), abs=1e-12)


# --- seeded, resumable, byte-identical -----------------------------------------------------------

@pytest.mark.parametrize("sampler", ["sobol", "lhs"])
def test_quasi_random_runs_are_byte_identical_and_resume_to_the_same_result(tmp_path, sampler):
    case = load_case(FIXTURE)
    s = spec(sampler=sampler, replicates=4)  # 12 draws: sobol runs 16 (4 x 4), lhs 12 (4 x 3)
    whole = run_montecarlo(case, s, tmp_path / "whole", executor="serial")
    again = run_montecarlo(case, s, tmp_path / "again", executor="serial")
    assert whole.complete and len(whole.draws) == {"sobol": 16, "lhs": 12}[sampler]
    assert files(tmp_path / "whole") == files(tmp_path / "again")
    other_seed = run_montecarlo(case, spec(sampler=sampler, replicates=4, seed=12), tmp_path / "seed12", executor="serial")
    assert not np.allclose(whole.draws["value.leavers"], other_seed.draws["value.leavers"])

    part = tmp_path / "part"
    first = run_montecarlo(case, s, part, executor="serial", max_new_draws=5)
    assert not first.complete and not (part / "summary.json").exists()

    class Stop(Exception):
        pass

    def stop(done, total):
        if done >= 8:
            raise Stop

    with pytest.raises(Stop):
        run_montecarlo(case, s, part, executor="serial", progress=stop)
    with open(part / "draws.jsonl", "a") as f:
        f.write('{"draw": 9, "values": {"leav')  # a write cut off by a crash
    resumed = run_montecarlo(case, s, part, executor="serial")
    assert resumed.complete
    assert files(part) == files(tmp_path / "whole")


def test_a_sobol_run_extends_but_a_latin_hypercube_run_does_not(tmp_path):
    case = load_case(FIXTURE)
    s = spec(sampler="sobol", replicates=2)
    run_montecarlo(case, s, tmp_path / "sobol", executor="serial", draws=4)
    more = run_montecarlo(case, s, tmp_path / "sobol", executor="serial", draws=8)
    whole = run_montecarlo(case, s, tmp_path / "sobol8", executor="serial", draws=8)
    assert more.summary == whole.summary
    assert files(tmp_path / "sobol") == files(tmp_path / "sobol8")

    h = spec(sampler="lhs", replicates=2)
    run_montecarlo(case, h, tmp_path / "lhs", executor="serial", draws=4)
    with pytest.raises(ValueError, match="Latin hypercube run of 4 draws, not 8"):
        run_montecarlo(case, h, tmp_path / "lhs", executor="serial", draws=8)
    with pytest.raises(ValueError, match="another case or uncertainty spec"):  # another sampler, same folder
        run_montecarlo(case, s, tmp_path / "lhs", executor="serial", draws=4)


def test_cli_sampler_option_is_recorded_and_standard_errors_printed(tmp_path):
    from typer.testing import CliRunner

    from optimiser.cli import app

    spec_file = tmp_path / "u.yaml"
    spec_file.write_text("seed: 4\ndraws: 5\nparameters:\n  - path: recruitment_pools.pool_fte\n"
                         "    scale: {distribution: uniform, low: 0.3, high: 1.0}\n")
    args = ["montecarlo", str(FIXTURE), "--spec", str(spec_file), "--out", str(tmp_path / "mc"), "--executor", "serial"]
    result = CliRunner().invoke(app, args + ["--sampler", "lhs", "--replicates", "2"])
    assert result.exit_code == 0, result.output
    assert "5 draws rounded up to 6 = 2 replicates × 3" in result.output
    assert "Probability all of trad are met: 100.0% ± 0.0 pp (standard error)" in result.output
    summary = json.loads((tmp_path / "mc" / "summary.json").read_text())
    assert (summary["sampler"], summary["replicates"], summary["draws"]) == ("lhs", 2, 6)
    assert summary["probability_met_se"]["trad"] == 0.0 and summary["probability_met_ci95"]["trad"] == [1.0, 1.0]
    assert json.loads((tmp_path / "mc" / "montecarlo.json").read_text())["sampler"] == "lhs"
    bad = CliRunner().invoke(app, args + ["--sampler", "halton"])
    assert bad.exit_code == 2 and "unknown sampler 'halton'" in bad.output and "Traceback" not in bad.output
    spec_file.write_text(spec_file.read_text() + "sampler: halton\nreplicates: 1\n")
    bad = CliRunner().invoke(app, args)
    assert bad.exit_code == 2 and "Traceback" not in bad.output
    assert "u.yaml" in bad.output and "sampler" in bad.output and "replicates" in bad.output
