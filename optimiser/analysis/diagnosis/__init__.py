"""Why a case is infeasible, in the planner's words (``optimiser explain``; ``optimiser solve`` runs it
when a case is infeasible).

Three answers, all from one live HiGHS model (the case's LP plus one *elastic* column per limit that
may be relaxed; a relaxation opens a column's upper bound, a dropped limit has its row bounds freed):

(a) **Elastic solve.** The smallest priority-weighted shortfalls of the hard targets that make the case
    feasible, and the cost of the cheapest plan that meets the rest (:mod:`.relaxations`).
(b) **Conflict set.** An irreducible inconsistent subset of the case's *limits*: dropping any one of them
    makes the case feasible (:mod:`.conflict`; what a limit is: :mod:`.model`).
(c) **Single relaxations.** For each quantity limit of the conflict set and each target short in (a),
    the least change of that one limit that makes the case feasible and the cheapest plan then, ranked
    by cost and by relative change (:mod:`.relaxations`).

A case with whole cohorts (integer programmes) is diagnosed on its LP relaxation; if that is
feasible, the whole-cohort decisions cause the infeasibility and the diagnosis says so.

The package: :mod:`.model` (the limits and the live elastic model), :mod:`.conflict`,
:mod:`.relaxations` (the computation); :mod:`.words` (sentences and the JSON's plain data) and
:mod:`.tables` (the rich tables) for the words; :mod:`.soft` for soft targets' penalty notes.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from optimiser.analysis.diagnosis.conflict import NARROW_MAX_LIMITS, conflict_set, highs_iis
from optimiser.analysis.diagnosis.model import DiagnosisError, Limit, LiveModel, case_limits
from optimiser.analysis.diagnosis.relaxations import elastic_shortfalls, ranked, single_relaxations
from optimiser.analysis.diagnosis.soft import lever_costs_per_fte, soft_penalty_notes, soft_shortfalls
from optimiser.analysis.diagnosis.tables import print_diagnosis
from optimiser.analysis.diagnosis.words import (Names, conflict_dict, conflict_sentence, elastic_dict, headline,
                                                relaxation_dict, rounded)
from optimiser.case import Case
from optimiser.model.build import build_lp

__all__ = ["Diagnosis", "DiagnosisError", "Limit", "LiveModel", "Names", "case_limits", "conflict_sentence",
           "diagnose", "elastic_dict", "elastic_shortfalls", "highs_iis", "lever_costs_per_fte", "print_diagnosis",
           "soft_penalty_notes", "soft_shortfalls"]


@dataclass
class Diagnosis:
    """What a diagnosis found (see the package docstring). ``to_dict`` gives the JSON form."""

    case_name: str
    scenario: str | None
    status: str  # infeasible | feasible | integer_infeasible
    message: str
    elastic: dict = field(default_factory=dict)
    conflict: dict = field(default_factory=dict)
    relaxations: list[dict] = field(default_factory=list)
    lp_solves: int = 0
    lp_iterations: int = 0  # simplex iterations over every solve (not in the JSON: bench/run.py reads it)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage; not reproducible

    def to_dict(self) -> dict:
        """Plain data in the shape of ``optimiser.export.solution.Diagnosis`` (floats rounded)."""
        return rounded({"status": self.status, "message": self.message, "elastic": self.elastic or None,
                        "conflict": self.conflict or None, "relaxations": self.relaxations,
                        "lp_solves": self.lp_solves})


def diagnose(case: Case, narrow_max_limits: int = NARROW_MAX_LIMITS) -> Diagnosis:
    """Explain why ``case`` is infeasible: elastic shortfalls, a conflict set, single relaxations.

    Args:
        case: a loaded case.
        narrow_max_limits: narrow multi-year quantity limits of the conflict set to their years
            when it holds at most this many of them.

    Returns:
        A :class:`Diagnosis`; ``status`` is ``feasible`` when there is nothing to explain.
    """
    timings: dict[str, float] = {}
    start = time.perf_counter()
    lp, data = build_lp(case)
    limits = case_limits(lp, data)
    live = LiveModel(lp, limits)
    names = Names(data)
    timings["build"] = time.perf_counter() - start

    start = time.perf_counter()
    live.costs(plan=False)
    feasible = live.feasible()
    timings["check"] = time.perf_counter() - start
    diag = Diagnosis(case.name, case.scenario, "infeasible", "")
    if feasible:
        if lp.integrality.any():
            diag.status = "integer_infeasible"
            diag.message = ("The LP relaxation is feasible: the infeasibility comes from whole cohorts (integer "
                            "programmes and minimum cohorts). Lower a minimum cohort or raise the capacity it needs.")
        else:
            diag.status = "feasible"
            diag.message = "The case is feasible: there is nothing to explain."
        diag.lp_solves, diag.lp_iterations = live.solves, live.iterations
        diag.timings = timings
        return diag

    start = time.perf_counter()
    shortfalls = elastic_shortfalls(live, limits)
    diag.elastic = elastic_dict(shortfalls, names)
    timings["elastic"] = time.perf_counter() - start
    start = time.perf_counter()
    conflict = conflict_set(live, limits, narrow_max_limits)
    diag.conflict = conflict_dict(conflict, names)
    timings["conflict"] = time.perf_counter() - start
    start = time.perf_counter()
    candidates = [lim for lim in conflict["limits"] if lim.kind == "quantity"]
    seen = {lim.id for lim in candidates}
    candidates += [lim for lim, _ in shortfalls.short if lim.id not in seen]
    found = single_relaxations(live, candidates)
    diag.relaxations = ranked([relaxation_dict(lim, change, cost, names)
                               for lim, (change, cost) in zip(candidates, found)])
    timings["relaxations"] = time.perf_counter() - start
    diag.lp_solves, diag.lp_iterations = live.solves, live.iterations
    diag.timings = timings
    diag.message = headline(diag.conflict, diag.relaxations)
    return diag
