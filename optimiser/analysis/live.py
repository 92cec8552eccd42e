"""A built LP kept alive in HiGHS for many re-solves: sweeps, tornado bars, Monte Carlo draws.

The LP is built once. Each re-solve maps its parameter values onto the LP's arrays
(:mod:`optimiser.analysis.params`), pushes only the entries that differ into the live ``highspy``
object (``changeRowsBounds``, ``changeColsCost``, ``changeColsBounds``, ``changeCoeff``) and runs
simplex from the current basis: primal simplex where no limit or bound changed (only costs, or
matrix coefficients: the last plan stays feasible, or nearly, so primal simplex mostly improves the
cost; a few iterations where dual simplex takes thousands), dual simplex where only limits or bounds
changed (the last basis stays dual feasible). Rates that are matrix coefficients are mapped in place
too (:mod:`optimiser.analysis.coefficients`). Where coefficients changed together with limits
(leaver or completion rates, mentor shares, whose constants also move), the last basis is in general
neither primal nor dual feasible; there primal simplex took 0.52 of dual simplex's iterations over the
national tornado's six such bars (a quarter on completion rates, more on mentor shares;
bench/README.md), so it runs primal too. Other parameters are applied by ``Case.with_changes`` and a
rebuild; the live model is updated the same way, so it still starts from the last basis.

Primal and dual simplex can stop at different optimal vertices where the optimum is not unique.
So that no reported figure depends on the method, the costs HiGHS sees on the target-shortfall
columns carry a tie-break (:data:`TIE_BREAK`): among least-cost plans, HiGHS finds the one whose
shortfalls cost least at penalties raised by distinct, irrational hairs, so that ties between
targets are settled by a fixed rule rather than by the pivoting path and each target's shortfall is
the same by either method. Lever costs and growth by family can still differ between least-cost
plans that share their shortfalls. Costs, penalties and the objective are reported at the case's
own costs.

``start="base"`` instead solves each point in a fresh HiGHS object from the basis of the base
case: the answer then depends only on the point, not on what was solved before it (Monte Carlo
uses this so that a resumed or distributed run gives the same numbers as a single run).
"""
from __future__ import annotations

import time
from dataclasses import replace
from typing import Literal, Sequence

import highspy
import numpy as np

from optimiser.case import Case, CaseError
from optimiser.case.config import SolverSettings
from optimiser.model.build import build_lp
from optimiser.model.data import ModelData
from optimiser.model.lp import LinearProgram
from optimiser.analysis.coefficients import FamilyEntries, Rebuild, apply_coefficients, family_entries
from optimiser.analysis.point import Point, layout
from optimiser.analysis.params import (Assignment, Binding, LPArrays, Parameter, apply_changes, bind,
                                       overlapping)
from optimiser.solvers.base import DEFAULT_MIP_GAP, LP_OPTIONS, relative_gap
from optimiser.solvers.highs import _STATUS, highs_version

Start = Literal["previous", "base", "cold"]

#: More changed matrix entries than this are passed as a whole new model (keeping the basis).
MAX_COEFF_CHANGES = 5000
#: HiGHS options of live models, chosen by measurement on the national case (bench/sweep_bench.py):
#: with Devex pricing (``LP_OPTIONS``, which ``solve`` uses for LPs; here for whole-cohort MIPs
#: too, where it made no difference on ``whole_cohorts``), scaling each row and column so that its
#: largest entry is 1 (``simplex_scale_strategy`` 4) takes fewer and cheaper dual simplex
#: iterations in warm re-solves, and halves the time of a Monte Carlo draw re-solved from the base
#: basis. The optimum is the same.
HIGHS_OPTIONS: dict = {**LP_OPTIONS, "simplex_scale_strategy": 4}
#: HiGHS ``simplex_strategy`` values: dual and primal simplex.
DUAL, PRIMAL = 1, 4
#: Relative tie-break on the shortfall columns' costs (see the module docstring): target ``k``'s
#: penalty, as HiGHS sees it, is raised by ``TIE_BREAK·frac(k·φ)`` of itself (φ the golden ratio, so
#: that no two targets, nor sums of them, weigh the same). Large enough to stand well above HiGHS's
#: dual feasibility tolerance (1e-7) for penalties of £1,000/FTE and up, small enough to leave marginal
#: costs unchanged to 7 significant figures.
TIE_BREAK = 1e-7
Simplex = Literal["by_change", "dual"]
#: The simplex choice of live models built without one (bench/simplex_bench.py sets ``dual`` for its before-figures).
DEFAULT_SIMPLEX: Simplex = "by_change"
#: The penalty (£ per FTE) that makes hard targets elastic by default in tornado and Monte Carlo runs.
ELASTIC_PENALTY = 10_000_000.0


def _coefficients_changed(base: LPArrays, arrays: LPArrays) -> bool:
    """Whether ``arrays`` (of ``base``'s structure) has other matrix coefficients than ``base``."""
    return arrays.data is not base.data and base.same_structure(arrays) and not np.array_equal(arrays.data, base.data)


def make_elastic(case: Case, penalty: float = ELASTIC_PENALTY) -> Case:
    """A copy of ``case`` in which every hard target is soft at ``penalty`` £ per FTE short.

    With a penalty above every marginal cost the plan is the same where the case is feasible, and
    where it is not the shortfall shows which targets give way (instead of a bare "infeasible").
    """
    targets = case.table("targets")
    if not (targets["kind"] == "hard").any():
        return case
    return case.with_changes([
        {"table": "targets", "column": "penalty_gbp_per_fte", "set": float(penalty), "where": {"kind": "hard"}},
        {"table": "targets", "column": "kind", "set": "soft", "where": {"kind": "hard"}},
    ], label="elastic targets")


class LiveModel:
    """A case's LP built once and held in a live HiGHS object for fast re-solves.

    Args:
        case: the case to analyse (not changed).
        elastic: if given, hard targets become soft at this penalty (£/FTE) — see :func:`make_elastic`.
        settings: solver settings; defaults to the case's, with one thread.
        highs_options: extra HiGHS options (over :data:`HIGHS_OPTIONS`).
        simplex: ``by_change`` re-solves with primal simplex where no limit or bound changed since
            the starting basis (costs or coefficients only) and dual simplex otherwise; ``dual``
            always uses dual simplex (the behaviour before; kept for measurement). Default
            :data:`DEFAULT_SIMPLEX`.
    """

    def __init__(self, case: Case, elastic: float | None = None, settings: SolverSettings | None = None,
                 highs_options: dict | None = None, simplex: Simplex | None = None):
        self.original = case
        self.hard_targets = set(case.table("targets").query("kind == 'hard'")["target"])
        self.elastic = elastic
        self.case = make_elastic(case, elastic) if elastic else case
        base_settings = settings or self.case.config.solver
        self.settings = base_settings.model_copy(update={"threads": base_settings.threads or 1})
        self.highs_options = {**HIGHS_OPTIONS, **(highs_options or {})}
        self.simplex = simplex or DEFAULT_SIMPLEX
        #: relative MIP gap for whole-cohort cases: the case's, else the engine's default (as ``solve``)
        self.mip_gap = DEFAULT_MIP_GAP if self.settings.mip_gap is None else self.settings.mip_gap
        self.lp, self.data = build_lp(self.case)
        self.base = LPArrays.from_lp(self.lp)
        self.layout = layout(self.lp, self.data)
        self.highs: highspy.Highs | None = None
        self.current: LPArrays | None = None  # what the live HiGHS object holds
        self._bindings: dict[Parameter, Binding | None] = {}
        self._entries: dict[tuple[str, ...], FamilyEntries | None] = {}
        self._base_basis = None
        self._tie_break: np.ndarray | None = None  # of self.lp
        self.solves = 0

    # --- mapping values onto arrays ------------------------------------------------------------------
    def binding(self, parameter: Parameter) -> Binding | None:
        """The in-place mapping of a parameter, or None if it needs a rebuild (cached)."""
        if parameter not in self._bindings:
            self._bindings[parameter] = bind(parameter, self.case, self.lp, self.data)
        return self._bindings[parameter]

    def arrays_for(self, assignments: Sequence[Assignment]) -> tuple[LPArrays, LinearProgram, ModelData, bool]:
        """The LP arrays with ``assignments`` applied, and the LP and model data they belong to; ``True`` if rebuilt."""
        bindings = [self.binding(a.parameter) for a in assignments]
        if all(b is not None and b.valid(a.value, a.how) for b, a in zip(bindings, assignments)):
            found = self._in_place(list(zip(bindings, assignments)))
            if found is not None:
                return found[0], self.lp, found[1], False
        changed = apply_changes(self.case, assignments)
        lp, data = build_lp(changed)
        return LPArrays.from_lp(lp), lp, data, True

    def _in_place(self, pairs: list[tuple[Binding, Assignment]]) -> tuple[LPArrays, ModelData] | None:
        """The base arrays with every binding applied, and their model data; None if bindings clash or a
        replayed family would change the matrix's structure. Where a family is replayed anyway, the
        limits' families are too, so that every entry is the one a rebuild gives."""
        families = {f for b, _ in pairs for f in b.families}
        replaying = bool(families)
        families |= {b.family for b, _ in pairs if replaying and b.family}
        key = tuple(sorted(families))
        if replaying and key not in self._entries:  # where the families write in the base LP
            self._entries[key] = family_entries(self.lp, self.data, self.base, key)
        entries = self._entries.get(key)
        if replaying and entries is None:
            return None
        patched = [(b, a) for b, a in pairs if b.families or (replaying and b.family)]
        direct = [(b, a) for b, a in pairs if b.direct(replaying)]
        if overlapping([b for b, _ in patched], [b for b, _ in direct], entries):
            return None
        arrays, data = self.base.shallow(), self.data
        if replaying:
            cells = [(b.parameter.table, b.parameter.column, b.cells, b.new_values(a.value, a.how)) for b, a in patched]
            try:
                data = apply_coefficients(arrays, self.base, self.lp, self.case, cells, entries)
            except Rebuild:
                return None
        for b, a in direct:
            b.apply(arrays, self.base, a.value, a.how)
        return arrays, data

    # --- solving -------------------------------------------------------------------------------------
    def _new_highs(self) -> highspy.Highs:
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        s = self.settings
        if s.time_limit_seconds is not None:
            h.setOptionValue("time_limit", float(s.time_limit_seconds))
        h.setOptionValue("mip_rel_gap", float(self.mip_gap))
        h.setOptionValue("threads", int(s.threads or 1))
        if s.random_seed is not None:
            h.setOptionValue("random_seed", int(s.random_seed))
        for name, value in self.highs_options.items():
            if h.setOptionValue(name, value) == highspy.HighsStatus.kError:
                raise ValueError(f"HiGHS option {name}={value!r} was refused")
        return h

    def tie_break(self, lp: LinearProgram) -> np.ndarray:
        """Factor on each column's cost as HiGHS sees it: 1, or a hair over 1 on shortfall columns."""
        if lp is self.lp and self._tie_break is not None:
            return self._tie_break
        factor = np.ones(lp.num_col)
        short = lp.variables.get("target_shortfall")
        if short is not None and not lp.integrality.any():  # a MIP's gap is read on the case's cost
            k = np.arange(1, short.size + 1)
            factor[short.offset:short.offset + short.size] += TIE_BREAK * np.modf(k * (1 + 5 ** 0.5) / 2)[0]
        if lp is self.lp:
            self._tie_break = factor
        return factor

    def _pass(self, h: highspy.Highs, arrays: LPArrays, lp: LinearProgram) -> None:
        rows, cols = arrays.shape
        status = h.passModel(cols, rows, len(arrays.data), int(highspy.MatrixFormat.kColwise),
                             int(highspy.ObjSense.kMinimize), 0.0, arrays.cost * self.tie_break(lp),
                             arrays.col_lower, arrays.col_upper,
                             arrays.row_lower, arrays.row_upper, arrays.indptr, arrays.indices, arrays.data,
                             arrays.integrality)
        if status == highspy.HighsStatus.kError:
            raise RuntimeError("HiGHS rejected the model")

    def _pass_from_basis(self, h: highspy.Highs, arrays: LPArrays, lp: LinearProgram, keep_basis: bool) -> None:
        """Pass ``arrays`` as a whole new model; with ``keep_basis``, restart from the current basis."""
        basis = h.getBasis() if keep_basis else None
        self._pass(h, arrays, lp)
        if basis is not None and basis.valid:
            h.setBasis(basis)

    def _sync(self, target: LPArrays, lp: LinearProgram) -> bool:
        """Make the live HiGHS model equal ``target``, changing only what differs (keeps the basis).

        Returns True for primal simplex's case: no limit or bound changed, or some coefficient did.
        """
        h, cur = self.highs, self.current
        self.current = target
        if not cur.same_structure(target):
            self._pass_from_basis(h, target, lp, keep_basis=cur.shape == target.shape)
            return False
        primal = True  # until a limit or bound changes
        if target.row_lower is not cur.row_lower or target.row_upper is not cur.row_upper:
            rows = np.flatnonzero((target.row_lower != cur.row_lower) | (target.row_upper != cur.row_upper))
            if rows.size:
                h.changeRowsBounds(rows.size, rows.astype(np.int32), target.row_lower[rows], target.row_upper[rows])
                primal = False
        if target.col_lower is not cur.col_lower or target.col_upper is not cur.col_upper:
            cols = np.flatnonzero((target.col_lower != cur.col_lower) | (target.col_upper != cur.col_upper))
            if cols.size:
                h.changeColsBounds(cols.size, cols.astype(np.int32), target.col_lower[cols], target.col_upper[cols])
                primal = False
        if target.data is not cur.data:
            pos = np.flatnonzero(target.data != cur.data)
            if pos.size > MAX_COEFF_CHANGES:
                self._pass_from_basis(h, target, lp, keep_basis=True)
                return True
            if pos.size:
                primal = True  # coefficients changed: primal simplex whatever else did
                col_of = np.searchsorted(target.indptr, pos, side="right") - 1
                row_of = target.indices[pos]
                for r, c, v in zip(row_of.tolist(), col_of.tolist(), target.data[pos].tolist()):
                    h.changeCoeff(r, c, v)
        if target.cost is not cur.cost:  # the tie-break depends only on the LP's structure, unchanged here
            cols = np.flatnonzero(target.cost != cur.cost)
            if cols.size:
                cost = target.cost[cols] * self.tie_break(lp)[cols]
                h.changeColsCost(cols.size, cols.astype(np.int32), cost)
        return primal

    def base_basis(self):
        """The optimal basis of the base case (solved once, cold, in its own HiGHS object)."""
        if self._base_basis is None:
            h = self._new_highs()
            self._pass(h, self.base, self.lp)
            h.run()
            self._base_basis = h.getBasis()
        return self._base_basis

    def solve(self, assignments: Sequence[Assignment] = (), start: Start = "previous") -> Point:
        """Solve with ``assignments`` applied.

        Args:
            assignments: parameter values for this point (the base case for none).
            start: ``previous`` re-solves the live model from its last basis (the first solve is cold);
                ``base`` solves in a fresh HiGHS object from the base case's basis, so that the result
                depends only on the point; ``cold`` solves in a fresh object from scratch.

        From a kept basis, primal simplex runs where no limit or bound changed or where a matrix
        coefficient changed, and dual simplex where only limits or bounds changed
        (``simplex="by_change"``); a cold solve is HiGHS's dual simplex.
        """
        try:
            arrays, lp, data, rebuilt = self.arrays_for(list(assignments))
        except CaseError as exc:
            return Point("invalid", None, None, None, self.lp, self.data, self.base, 0, 0.0, True,
                         message="; ".join(str(p) for p in exc.problems))
        primal = False
        if start == "previous":
            if self.highs is None:
                self.highs = self._new_highs()
                self._pass(self.highs, arrays, lp)
                self.current = arrays
            else:
                primal = self._sync(arrays, lp)
            h = self.highs
        else:
            h = self._new_highs()
            basis = self.base_basis() if start == "base" else None
            self._pass(h, arrays, lp)
            if basis is not None and basis.valid and arrays.shape == self.base.shape:
                h.setBasis(basis)
                primal = self.base.same_limits(arrays) or _coefficients_changed(self.base, arrays)
        method = PRIMAL if primal and self.simplex == "by_change" and not arrays.integrality.any() else DUAL
        h.setOptionValue("simplex_strategy", method)
        t0 = time.perf_counter()
        h.run()
        seconds = time.perf_counter() - t0
        self.solves += 1
        point = self._point(h, arrays, lp, data, rebuilt, seconds)
        point.assignments = tuple(assignments)
        point.simplex = "primal" if method == PRIMAL else "dual"
        return point

    def _point(self, h, arrays, lp, data, rebuilt, seconds) -> Point:
        model_status = h.getModelStatus()
        status = _STATUS.get(model_status, "error")
        info = h.getInfo()
        point = Point(status, None, None, None, lp, data, arrays, int(info.simplex_iteration_count),
                      seconds, rebuilt, message=h.modelStatusToString(model_status))
        if status == "optimal":
            sol = h.getSolution()  # a copy, unchanged by later solves
            point.x = np.asarray(sol.col_value)
            # at the case's costs, not the tie-broken ones HiGHS saw
            point.objective = float(arrays.cost @ point.x) if not arrays.integrality.any() else \
                float(info.objective_function_value)
            if sol.dual_valid:
                point.row_dual = np.asarray(sol.row_dual)
            if arrays.integrality.any():
                point.best_bound = float(info.mip_dual_bound)
            point._solution = sol
        return point

    # --- reading a point -------------------------------------------------------------------------------
    def summary(self, point: Point, marginals: Sequence[str] | None = None) -> dict:
        """One flat record of a point: status, costs, growth, shortfalls and marginal costs.

        Keys: ``status``; ``total_cost_gbp`` (present value of the levers plus the case's own
        soft-target and soft-absorption penalties: the objective ``solve`` reports); ``cost.<lever>_gbp`` (present value);
        ``penalties_gbp``; ``growth.<family>_fte`` (end of horizon over the baseline);
        ``shortfall_fte`` (every target) and ``hard_shortfall_fte`` (targets that are hard in the
        case: non-zero only in elastic runs); ``marginal_cost.<target>`` (£ per extra FTE required);
        ``budget_value.<budget>`` (£ of cost saved per extra £ of budget); for whole-cohort (MIP)
        cases ``mip_gap`` (relative gap to HiGHS's proven bound; marginal costs are NaN, a MIP having
        no duals); ``iterations``, ``seconds``.
        """
        lay = self.layout if point.lp is self.lp else layout(point.lp, point.data)
        rec: dict = {"status": point.status}
        chosen = list(marginals) if marginals is not None else [t for t, k in zip(self.layout.targets, self.layout.target_kind)
                                                                if t in self.hard_targets]
        if point.x is None:
            rec.update({"total_cost_gbp": np.nan})
            for lever in lay.levers:
                rec[f"cost.{lever}_gbp"] = np.nan
            rec.update({"penalties_gbp": np.nan, "shortfall_fte": np.nan, "hard_shortfall_fte": np.nan})
            for fam in lay.families:
                rec[f"growth.{fam}_fte"] = np.nan
            for t in chosen:
                rec[f"marginal_cost.{t}"] = np.nan
            for b in lay.budgets:
                rec[f"budget_value.{b}"] = np.nan
            rec.update({"iterations": point.iterations, "seconds": point.seconds})
            return rec
        x, cost = point.x, point.arrays.cost
        levers = {lever: float(cost[o:o + n] @ x[o:o + n]) for lever, (o, n) in lay.levers.items()}
        short = np.where(lay.shortfall_cols >= 0, x[np.maximum(lay.shortfall_cols, 0)], 0.0)
        short = np.where(short > 1e-9, short, 0.0)
        pen_rate = np.where(lay.shortfall_cols >= 0, cost[np.maximum(lay.shortfall_cols, 0)], 0.0)
        hard = np.array([t in self.hard_targets for t in lay.targets], bool)
        penalties = float((short * pen_rate)[~hard].sum())
        for block in (point.lp.variables.get(n) for n in ("absorption_growth_excess", "local_fall_excess")):
            if block is not None:  # soft absorption limits broken (MODEL.md §12)
                penalties += float(cost[block.offset:block.offset + block.size] @ x[block.offset:block.offset + block.size])
        rec["total_cost_gbp"] = sum(levers.values()) + penalties
        for lever, v in levers.items():
            rec[f"cost.{lever}_gbp"] = v
        rec["penalties_gbp"] = penalties
        rec["shortfall_fte"] = float(short.sum())
        rec["hard_shortfall_fte"] = float(short[hard].sum())
        for fam, (cols, base) in lay.families.items():
            rec[f"growth.{fam}_fte"] = float(x[cols].sum() - base)
        index = {t: i for i, t in enumerate(lay.targets)}
        for t in chosen:
            i = index.get(t)
            rec[f"marginal_cost.{t}"] = (float(point.row_dual[lay.target_rows[i]])
                                         if i is not None and point.row_dual is not None else np.nan)
        for b, r in zip(lay.budgets, lay.budget_rows):
            rec[f"budget_value.{b}"] = float(-point.row_dual[r]) if point.row_dual is not None else np.nan
        if point.best_bound is not None:
            rec["mip_gap"] = relative_gap(point.objective, point.best_bound)
        rec.update({"iterations": point.iterations, "seconds": point.seconds})
        return rec

    def target_shortfalls(self, point: Point) -> dict[str, float]:
        """Shortfall (FTE) of every target at a point (0 for hard ones outside elastic runs)."""
        lay = self.layout if point.lp is self.lp else layout(point.lp, point.data)
        if point.x is None:
            return {t: float("nan") for t in lay.targets}
        out = {}
        for t, c in zip(lay.targets, lay.shortfall_cols):
            v = float(point.x[c]) if c >= 0 else 0.0
            out[t] = v if v > 1e-9 else 0.0
        return out

    def solution(self, point: Point):
        """A full :class:`~optimiser.solution.Solution` of a point, with tables as ``solve`` gives them.

        The LP is rebuilt from the changed case (labels, unit costs and limits all current); the
        solver's vectors are read back into it.
        """
        from optimiser.solution import extract
        from optimiser.solvers.base import SolverResult

        if point.rebuilt or not point.assignments:
            lp, data = point.lp, point.data
        else:
            lp, data = build_lp(apply_changes(self.case, point.assignments))
        result = SolverResult("highs", highs_version(), point.status, point.seconds, message=point.message,
                              objective=point.objective, x=point.x, row_activity=point.row_activity,
                              row_dual=point.row_dual, col_dual=point.col_dual,
                              duals_note="from the LP solve" if point.row_dual is not None else None)
        cohorts = int(np.count_nonzero(point.arrays.integrality))
        if cohorts:
            result = replace(result, best_bound=point.best_bound, mip_objective=point.objective,
                             mip_gap_tolerance=self.mip_gap, integer_columns=cohorts,
                             duals_note="none: a MIP has no duals, and analysis points are not re-solved with the "
                                        "whole-cohort decisions fixed (optimiser solve does that)")
        sol = extract(lp, data, result)
        sol.lp = lp
        return sol
