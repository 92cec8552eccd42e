"""Monte Carlo: solve the case for many seeded draws of its uncertain parameters.

Distributions are declared per parameter in a YAML file (``CASE/uncertainty.yaml`` is used when
no other file is given)::

    seed: 2017                # draws are reproducible from this
    draws: 400                # how many (the command line may ask for more or fewer)
    headline: [traditional_growth_2020_21, new_role_growth_2020_21]   # joint probability of meeting these
    elastic_penalty_gbp_per_fte: 10000000   # hard targets are soft at this penalty (default 1e7)
    parameters:
      - name: leaver rates                 # a label for outputs (default: the path)
        path: leaver_rates.leaver_rate     # a parameter path (see optimiser.analysis.params)
        scale: {distribution: triangular, low: 0.9, mode: 1.0, high: 1.2}
      - path: programmes.completion_rate[programme=nursing_degree]
        set: {distribution: truncated_normal, mean: 0.75, sd: 0.05, low: 0.6, high: 0.9}
      - path: recruitment_pools.pool_fte[source=international]
        scale: {distribution: uniform, low: 0.5, high: 1.0}

Each parameter gives ``set`` (the drawn value replaces the case's) or ``scale`` (the case's values
are multiplied by it; shares are capped at 1). Distributions: ``uniform`` (low, high),
``triangular`` (low, mode, high) and ``truncated_normal`` (mean, sd, low, high).

Samplers (``sampler:`` in the file, or ``--sampler``); each maps points of the unit cube through
every parameter's inverse CDF (``ppf``), one coordinate per parameter:

- ``random`` (plain Monte Carlo, the default): draw ``i`` uses the random stream seeded by
  ``(seed, i)``. A probability's standard error is the binomial ``sqrt(p (1 - p) / n)``, its 95%
  interval the Wilson score interval.
- ``sobol`` (randomised quasi-Monte Carlo): ``replicates`` independently scrambled Sobol sequences
  (scipy's ``qmc.Sobol``, scramble seeded by ``(seed, 1, r)``), taken in turn: draw ``i`` is
  point ``i // replicates`` of sequence ``i % replicates``. A point of a Sobol sequence does not
  depend on how many are taken, so runs resume and extend like plain ones. Sobol points are
  balanced in blocks of a power of 2, so the number of draws is rounded up to ``replicates x 2^k``.
- ``lhs`` (Latin hypercube): ``replicates`` independent Latin hypercubes of ``draws / replicates``
  points each (scipy's ``qmc.LatinHypercube``, seeded by ``(seed, 2, r)``), taken in turn. A
  hypercube's points depend on its size, so an ``lhs`` run resumes but cannot be extended to more
  draws (use another folder). The number of draws is rounded up to a multiple of ``replicates``.

Quasi-random points are not independent, so the binomial formula does not hold for them. Each
replicate is an independent, unbiased estimate, so a probability is the mean of the replicates'
estimates, its standard error ``sd / sqrt(replicates)`` of the spread between them, and its 95%
interval ``p +/- t(replicates - 1) x SE``.

Draw values do not depend on the order the draws are solved in. Each draw is solved in a fresh HiGHS
object from the basis of the base case, so its result does not depend on which worker solved it
or what that worker solved before.

Hard targets are made elastic (soft at a large penalty): a draw the case cannot meet reports which
targets fall short, and by how much, instead of "infeasible".

Output folder:

- ``montecarlo.json``: the settings of the run (case, spec and their hashes);
- ``draws.jsonl``: one line per finished draw, appended and flushed to disk as each completes;
  running the same command again skips the draws already there (a half-written last line is
  dropped) and gives the same result as an uninterrupted run;
- ``draws.csv`` (sobol and lhs: with each draw's replicate) and ``summary.json``: written when every draw is done.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from optimiser.case import Case
from optimiser.analysis.executors import ExecutorName, Job, run_tasks, worker_model
from optimiser.analysis.live import ELASTIC_PENALTY
from optimiser.analysis.montecarlo_summary import (MET_TOL, Estimate, binomial_estimate, default_headline,
                                                   draws_table, replicate_estimate, summarise)
from optimiser.analysis.params import Assignment, Parameter, matched_rows
from optimiser.analysis.sweep import Progress

Sampler = Literal["random", "sobol", "lhs"]


class Distribution(BaseModel):
    """A distribution to draw one parameter's value from."""

    model_config = ConfigDict(extra="forbid")

    distribution: Literal["uniform", "triangular", "truncated_normal"]
    low: float = Field(description="Smallest value")
    high: float = Field(description="Largest value")
    mode: float | None = Field(None, description="triangular: the most likely value")
    mean: float | None = Field(None, description="truncated_normal: mean before truncation")
    sd: float | None = Field(None, gt=0, description="truncated_normal: standard deviation before truncation")

    @model_validator(mode="after")
    def _check(self):
        if not self.low < self.high:
            raise ValueError("low must be below high")
        if self.distribution == "triangular":
            if self.mode is None or not self.low <= self.mode <= self.high:
                raise ValueError("a triangular distribution needs low <= mode <= high")
        if self.distribution == "truncated_normal" and (self.mean is None or self.sd is None):
            raise ValueError("a truncated_normal distribution needs mean and sd")
        return self

    def ppf(self, u: float) -> float:
        """The value at cumulative probability ``u`` (inverse CDF)."""
        if self.distribution == "uniform":
            return float(self.low + u * (self.high - self.low))
        from scipy import stats

        if self.distribution == "triangular":
            width = self.high - self.low
            return float(stats.triang.ppf(u, (self.mode - self.low) / width, loc=self.low, scale=width))
        a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
        return float(stats.truncnorm.ppf(u, a, b, loc=self.mean, scale=self.sd))


class UncertainParameter(BaseModel):
    """One uncertain parameter: a path and how its value is drawn."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str | None = None
    path: str
    set_: Distribution | None = Field(None, alias="set")
    scale: Distribution | None = None

    @model_validator(mode="after")
    def _one(self):
        if (self.set_ is None) == (self.scale is None):
            raise ValueError("give exactly one of 'set' or 'scale'")
        Parameter.parse(self.path)
        return self

    @property
    def label(self) -> str:
        return self.name or self.path

    @property
    def how(self) -> str:
        return "set" if self.set_ is not None else "scale"

    @property
    def dist(self) -> Distribution:
        return self.set_ or self.scale


class MonteCarloSpec(BaseModel):
    """The uncertainty file: seed, number of draws and the uncertain parameters."""

    model_config = ConfigDict(extra="forbid")

    seed: int = Field(ge=0)
    draws: int = Field(100, ge=1)
    sampler: Sampler = Field("random", description="random (plain Monte Carlo), sobol or lhs (quasi-random)")
    replicates: int = Field(8, ge=2, description="sobol and lhs: independent scrambles or hypercubes, whose spread "
                                                 "gives the standard error")
    headline: list[str] | None = Field(None, description="Targets whose joint probability of being met is reported")
    elastic_penalty_gbp_per_fte: float = Field(ELASTIC_PENALTY, gt=0)
    parameters: list[UncertainParameter] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self):
        labels = [p.label for p in self.parameters]
        if len(set(labels)) != len(labels):
            raise ValueError("parameter names (or paths) must be unique")
        return self

    def design_draws(self, draws: int) -> int:
        """The number of draws run when ``draws`` are asked for: ``replicates x 2^k`` (sobol, the
        smallest not below ``draws``), a multiple of ``replicates`` (lhs), or ``draws`` (random)."""
        if self.sampler == "random":
            return draws
        per_replicate = -(-draws // self.replicates)
        if self.sampler == "sobol":
            per_replicate = 1 << (per_replicate - 1).bit_length()
        return self.replicates * per_replicate

    def replicate(self, draw: int) -> int | None:
        """Which scramble (sobol) or hypercube (lhs) draw ``draw`` belongs to; None for random."""
        return None if self.sampler == "random" else draw % self.replicates

    def unit_point(self, draw: int, draws: int | None = None) -> np.ndarray:
        """Draw ``draw``'s point in the unit cube, one coordinate per parameter.

        ``draws`` (the run's total, after :meth:`design_draws`) is needed for lhs only.
        """
        d = len(self.parameters)
        if self.sampler == "random":
            return np.random.default_rng([self.seed, draw]).random(d)
        k, r = divmod(draw, self.replicates)  # point k of replicate r
        if self.sampler == "sobol":
            from scipy.stats import qmc

            sequence = qmc.Sobol(d, scramble=True, rng=np.random.default_rng([self.seed, 1, r]))
            if k:  # (scipy's fast_forward(0) fails)
                sequence.fast_forward(k)
            return sequence.random(1)[0]
        if draws is None or draws % self.replicates:
            raise ValueError("a Latin hypercube draw needs the run's number of draws, a multiple of replicates")
        return _latin_hypercube(self.seed, r, d, draws // self.replicates)[k]

    def values(self, draw: int, draws: int | None = None) -> dict[str, float]:
        """The parameter values of draw ``draw`` (reproducible from the seed; see :meth:`unit_point`)."""
        u = self.unit_point(draw, draws)
        return {p.label: p.dist.ppf(float(x)) for p, x in zip(self.parameters, u)}

    def assignments(self, values: dict[str, float]) -> list[Assignment]:
        return [Assignment(Parameter.parse(p.path), values[p.label], p.how) for p in self.parameters]

    def fingerprint(self) -> str:
        """sha256 of everything that decides a draw's result (not the number of draws; a random
        spec hashes as it did before samplers were added, so older runs still resume)."""
        exclude = {"draws"} | ({"sampler", "replicates"} if self.sampler == "random" else set())
        data = self.model_dump(mode="json", by_alias=True, exclude=exclude)
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


@lru_cache(maxsize=64)
def _latin_hypercube(seed: int, replicate: int, d: int, n: int) -> np.ndarray:
    """Latin hypercube ``replicate`` of a run: ``n`` points in ``d`` dimensions."""
    from scipy.stats import qmc

    return qmc.LatinHypercube(d, scramble=True, rng=np.random.default_rng([seed, 2, replicate])).random(n)


def load_spec(path: str | Path) -> MonteCarloSpec:
    """Read and check an uncertainty YAML file.

    Raises:
        ValueError: naming the file and what is wrong.
    """
    from pydantic import ValidationError

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: could not be read: {exc}") from None
    try:
        return MonteCarloSpec.model_validate(data)
    except ValidationError as exc:
        details = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ValueError(f"{path}: {details}") from None


@dataclass
class MonteCarloResult:
    """Draws (one row each, in draw order) and the summary of a finished (or partial) run."""

    draws: pd.DataFrame
    summary: dict
    complete: bool
    out_dir: Path


def _mc_task(job: Job, task: dict) -> dict:
    model = worker_model(job)
    spec: MonteCarloSpec = task["spec"]
    point = model.solve(spec.assignments(task["values"]), start="base")
    rec = model.summary(point, marginals=[])
    shortfalls = model.target_shortfalls(point)
    return {
        "draw": task["draw"], "values": task["values"], "status": point.status,
        "total_cost_gbp": _round(rec["total_cost_gbp"]), "penalties_gbp": _round(rec["penalties_gbp"]),
        "shortfall_fte": _round(rec["shortfall_fte"]), "hard_shortfall_fte": _round(rec["hard_shortfall_fte"]),
        "growth": {k.split(".", 1)[1].removesuffix("_fte"): _round(v) for k, v in rec.items() if k.startswith("growth.")},
        "target_shortfall": {t: _round(v) for t, v in shortfalls.items() if not (v <= MET_TOL)},
        "iterations": point.iterations, "message": point.message,
    }


def _round(v: float) -> float | None:
    if v is None or not np.isfinite(v):
        return None
    return round(float(v), 6) + 0.0


def run_montecarlo(case: Case, spec: MonteCarloSpec | str | Path, out_dir: str | Path, *, draws: int | None = None,
                   executor: ExecutorName = "local", scheduler: Any = None, workers: int | None = None,
                   max_new_draws: int | None = None, progress: Progress | None = None) -> MonteCarloResult:
    """Run (or resume) a Monte Carlo analysis, saving each draw as it completes.

    Args:
        case: the case (unchanged).
        spec: the uncertainty spec, or the path of its YAML file.
        out_dir: folder for ``montecarlo.json``, ``draws.jsonl``, ``draws.csv`` and ``summary.json``.
            Draws already in ``draws.jsonl`` (from an interrupted run) are not solved again.
        draws: number of draws (default: the spec's); sobol and lhs round it up (see
            :meth:`MonteCarloSpec.design_draws`), and the summary's ``draws`` says how many were run.
        executor, scheduler, workers: where to solve (see :func:`optimiser.analysis.sweep.sweep`).
        max_new_draws: stop after solving this many new draws (the run is then partial; run again to finish).
        progress: called with (draws done, draws in all) as draws complete.

    Raises:
        ValueError: if ``out_dir`` holds a run of another case or spec (or an lhs run of another number
            of draws), or the spec names no such parameter.
    """
    if not isinstance(spec, MonteCarloSpec):
        spec = load_spec(spec)
    n = spec.design_draws(draws or spec.draws)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for p in spec.parameters:  # a path that matches nothing fails here, not in every worker
        par = Parameter.parse(p.path)
        if par.setting is None:
            matched_rows(case, par)
    _manifest(out, case, spec, n)
    done = _read_draws(out / "draws.jsonl")
    todo = [i for i in range(n) if i not in done]
    if max_new_draws is not None:
        todo = todo[:max_new_draws]
    tasks = [{"draw": i, "values": spec.values(i, n), "spec": spec} for i in todo]
    finished = sum(1 for i in done if i < n)
    if progress:
        progress(finished, n)
    if tasks:
        job = Job(case, elastic=spec.elastic_penalty_gbp_per_fte)
        with open(out / "draws.jsonl", "a", encoding="utf-8") as f:
            for _, rec in run_tasks(_mc_task, job, tasks, executor=executor, scheduler=scheduler, workers=workers):
                f.write(json.dumps(rec, sort_keys=True, allow_nan=False) + "\n")
                f.flush()
                os.fsync(f.fileno())
                done[rec["draw"]] = rec
                finished += 1
                if progress:
                    progress(finished, n)
    records = [done[i] for i in range(n) if i in done]
    table = draws_table(records, spec)
    complete = len(records) == n
    summary = summarise(table, case, spec, n)
    if complete:
        from optimiser.export.atomic import write_atomic

        write_atomic(out / "draws.csv", table.to_csv(index=False, lineterminator="\n"))
        write_atomic(out / "summary.json", json.dumps(_json_safe(summary), indent=2, allow_nan=False) + "\n")
    return MonteCarloResult(table, summary, complete, out)


def _json_safe(v):
    if isinstance(v, dict):
        return {k: _json_safe(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_json_safe(x) for x in v]
    if isinstance(v, float) and not np.isfinite(v):
        return None
    return v


def _manifest(out: Path, case: Case, spec: MonteCarloSpec, n: int) -> None:
    manifest = {"case": case.name, "scenario": case.scenario, "case_sha256": case.content_hash,
                "spec_sha256": spec.fingerprint(), "seed": spec.seed, "sampler": spec.sampler,
                **({"replicates": spec.replicates} if spec.sampler != "random" else {}),
                **({"lhs_draws": n} if spec.sampler == "lhs" else {}),
                "spec": spec.model_dump(mode="json", by_alias=True, exclude={"draws"})}
    path = out / "montecarlo.json"
    if path.exists():
        old = json.loads(path.read_text(encoding="utf-8"))
        if (old.get("case_sha256"), old.get("spec_sha256")) != (manifest["case_sha256"], manifest["spec_sha256"]):
            raise ValueError(f"{out} holds a Monte Carlo run of another case or uncertainty spec; "
                             "use another output folder (or delete it to start again)")
        if old.get("lhs_draws") != manifest.get("lhs_draws"):
            raise ValueError(f"{out} holds a Latin hypercube run of {old['lhs_draws']} draws, not {n}: a hypercube's "
                             "points depend on its size, so it cannot be extended or cut; use another output folder "
                             "(or the sobol sampler, whose runs extend)")
        return
    from optimiser.export.atomic import write_atomic

    write_atomic(path, json.dumps(manifest, indent=2) + "\n")


def _read_draws(path: Path) -> dict[int, dict]:
    """The complete draws in a draws.jsonl; a partial last line (an interrupted write) is cut off."""
    done: dict[int, dict] = {}
    if not path.exists():
        return done
    raw = path.read_bytes()
    good = 0
    for line in raw.splitlines(keepends=True):
        if not line.endswith(b"\n"):
            break
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            break
        done[int(rec["draw"])] = rec
        good += len(line)
    if good < len(raw):
        with open(path, "r+b") as f:
            f.truncate(good)
            f.flush()
            os.fsync(f.fileno())
    return done


__all__ = ["Distribution", "Estimate", "MonteCarloResult", "MonteCarloSpec", "UncertainParameter", "binomial_estimate",
           "default_headline", "load_spec", "replicate_estimate", "run_montecarlo"]
