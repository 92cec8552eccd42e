"""Monte Carlo figures: the table of draws, and the summary with each probability's standard error.

How standard errors are worked out for each sampler: see :data:`STANDARD_ERROR` and the
:mod:`optimiser.analysis.montecarlo` docstring.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from optimiser.case import Case

if TYPE_CHECKING:
    from optimiser.analysis.montecarlo import MonteCarloSpec

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
MET_TOL = 1e-6  # FTE: a shortfall at most this is a target met
Z95 = 1.959963984540054  # the standard normal's 97.5% point
STANDARD_ERROR = {  # how each sampler's standard errors are worked out (summary.json says which)
    "random": "binomial: SE = sqrt(p (1 - p) / n) over the n solved draws; 95% interval: Wilson score",
    "sobol": "spread between independently scrambled Sobol replicates: SE = sd(replicate shares) / sqrt(replicates); "
             "95% interval: p +/- t(replicates - 1) x SE",
    "lhs": "spread between independent Latin hypercube replicates: SE = sd(replicate shares) / sqrt(replicates); "
           "95% interval: p +/- t(replicates - 1) x SE",
}


def draws_table(records: list[dict], spec: MonteCarloSpec) -> pd.DataFrame:
    """One row per draw: its replicate (sobol, lhs), values, status, costs, shortfalls and growth by family."""
    rows = []
    for r in records:
        row = {"draw": r["draw"], **({"replicate": spec.replicate(r["draw"])} if spec.sampler != "random" else {}),
               **{f"value.{p.label}": r["values"][p.label] for p in spec.parameters},
               "status": r["status"],
               "total_cost_gbp": r["total_cost_gbp"], "penalties_gbp": r["penalties_gbp"],
               "shortfall_fte": r["shortfall_fte"], "hard_shortfall_fte": r["hard_shortfall_fte"]}
        row.update({f"growth.{k}_fte": r["growth"][k] for k in sorted(r["growth"])})
        row["targets_short"] = ";".join(sorted(r["target_shortfall"]))
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Estimate:
    """A probability (share 0-1) estimated from draws, its standard error and 95% interval."""

    p: float
    se: float
    low: float
    high: float


def binomial_estimate(met) -> Estimate:
    """Independent draws (plain Monte Carlo): ``p = k / n``, ``SE = sqrt(p (1 - p) / n)``, and the
    Wilson score 95% interval (which, unlike ``p +/- 1.96 SE``, is not empty when k is 0 or n)."""
    met = np.asarray(met, dtype=bool)
    n = len(met)
    if n == 0:
        return Estimate(*[float("nan")] * 4)
    p = float(met.mean())
    z = Z95
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return Estimate(p, float(np.sqrt(p * (1 - p) / n)), float(max(0.0, centre - half)), float(min(1.0, centre + half)))


def replicate_estimate(met, replicate) -> Estimate:
    """Randomised quasi-Monte Carlo: each replicate (an independent scramble) gives an unbiased
    estimate, its share of draws met. ``p`` is their mean, ``SE = sd(estimates) / sqrt(R)`` over the R
    replicates, and the 95% interval ``p +/- t(R - 1) x SE`` (cut to 0-1)."""
    from scipy import stats

    met, replicate = np.asarray(met, dtype=bool), np.asarray(replicate)
    means = np.array([met[replicate == r].mean() for r in np.unique(replicate)])
    if len(means) < 2:
        return Estimate(float(means[0]) if len(means) else float("nan"), *[float("nan")] * 3)
    p = float(means.mean())
    se = float(means.std(ddof=1) / np.sqrt(len(means)))
    t = float(stats.t.ppf(0.975, len(means) - 1))
    return Estimate(p, se, float(max(0.0, p - t * se)), float(min(1.0, p + t * se)))


def summarise(table: pd.DataFrame, case: Case, spec: MonteCarloSpec, n: int) -> dict:
    """Quantiles of cost and shortfall, and the probability that each target is met, with its
    standard error and 95% interval (:func:`binomial_estimate` or :func:`replicate_estimate`)."""
    targets = case.table("targets")
    headline = spec.headline or default_headline(case)
    out: dict = {"case": case.name, "scenario": case.scenario, "seed": spec.seed, "sampler": spec.sampler,
                 **({"replicates": spec.replicates} if spec.sampler != "random" else {}),
                 "draws": n, "draws_done": int(len(table)), "headline_targets": headline,
                 "standard_error": STANDARD_ERROR[spec.sampler]}
    if table.empty:
        return out
    ok = table[table["status"] == "optimal"]
    out["draws_solved"] = int(len(ok))

    def q(col):
        v = ok[col].to_numpy(float)
        return {f"p{int(round(p * 100)):02d}": float(np.quantile(v, p)) for p in QUANTILES} | {"mean": float(v.mean())}

    if len(ok):
        out["total_cost_gbp"] = q("total_cost_gbp")
        out["shortfall_fte"] = q("shortfall_fte")
        out["hard_shortfall_fte"] = q("hard_shortfall_fte")
    short_sets = [set(s.split(";")) - {""} for s in ok["targets_short"]]
    if spec.sampler == "random":
        estimate = binomial_estimate
    else:
        def estimate(met):
            return replicate_estimate(met, ok["draw"].to_numpy() % spec.replicates)

    events = {t: [t not in s for s in short_sets] for t in targets["target"]}
    met = {t: estimate(v) for t, v in events.items()}
    out["probability_met"] = {t: e.p for t, e in met.items()}
    out["probability_met_se"] = {t: e.se for t, e in met.items()}
    out["probability_met_ci95"] = {t: [e.low, e.high] for t, e in met.items()}
    for key, event in [("probability_all_headline_met", [not (s & set(headline)) for s in short_sets]),
                       ("probability_all_hard_met", ok["hard_shortfall_fte"].to_numpy(float) <= MET_TOL)]:
        e = estimate(event)
        out[key], out[key + "_se"], out[key + "_ci95"] = e.p, e.se, [e.low, e.high]
    return out


def default_headline(case: Case) -> list[str]:
    """Hard targets on a whole family with no other filter (nationally: 11,000 traditional, 8,000 new roles)."""
    tg = case.table("targets")
    mask = (tg["kind"] == "hard") & tg["family"].notna() & tg["staff_group"].isna() & tg["region"].isna() & tg["stp"].isna()
    return list(tg.loc[mask, "target"])
