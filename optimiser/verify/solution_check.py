"""Every family's independent check on one solution: :func:`verify_solution`."""
from __future__ import annotations

from optimiser.case import Case
from optimiser.verify import (
    absorption,
    balance,
    baseline,
    bounds,
    budget,
    commissioning,
    costs,
    course_capacity,
    establishment,
    mentoring,
    placements,
    recruitment_pools,
    retention,
    run_out,
    stock_flow,
    targets,
    upskilling_source,
    whole_cohorts,
)
from optimiser.verify.case import CaseArrays
from optimiser.verify.plan import Figures, Plan
from optimiser.verify.report import FamilyResult, SolutionFileError, VerifyReport

#: The families in the order of the report: those of ``constraints/`` (stage 1's, then stage 2's ``balance``),
#: then the checks with no constraint family of their own (the cost figures, the columns' bounds, the baseline).
FAMILY_MODULES = [stock_flow, retention, upskilling_source, placements, mentoring, course_capacity, recruitment_pools,
                  establishment, budget, targets, commissioning, absorption, run_out, whole_cohorts, balance, costs,
                  bounds, baseline]
FAMILIES = [m.FAMILY for m in FAMILY_MODULES]


def verify_solution(case: Case, solution: dict) -> VerifyReport:
    """Check a solution (the parsed solution JSON) against ``case`` without solving anything.

    Raises:
        SolutionFileError: if ``solution`` is not shaped like a solution file at all.
    """
    if not isinstance(solution, dict):
        raise SolutionFileError("a solution file is a JSON object")
    for key in ("case", "status", "costs", "targets", "workforce", "allocations"):
        if key not in solution:
            raise SolutionFileError(f"no '{key}' field; is this a solution.json written by 'optimiser solve'?")
    from optimiser.export.solution import schema_problem

    if (problem := schema_problem(solution)) is not None:
        raise SolutionFileError(problem)
    info = solution["case"] if isinstance(solution["case"], dict) else {}
    status = str(solution.get("status"))
    report = VerifyReport(case.name, case.scenario, status)
    if info.get("sha256") != case.content_hash:
        hint = ""
        if info.get("name") != case.name or info.get("scenario") != case.scenario:
            hint = (f" (the solution is of case '{info.get('name')}'"
                    + (f" with scenario '{info.get('scenario')}'" if info.get("scenario") else " without a scenario")
                    + f"; the loaded case is '{case.name}'"
                    + (f" with scenario '{case.scenario}'" if case.scenario else " without a scenario") + ")")
        report.problems.append("case sha256 differs: the solution was made from another case or scenario, or the case "
                               f"has changed since{hint}; solution {str(info.get('sha256'))[:12]}…, "
                               f"loaded case {case.content_hash[:12]}…")
    if status != "optimal":
        report.problems.append(f"status is '{status}': the solution carries no plan to verify")
        return report

    c = CaseArrays(case)
    x = Plan(c, solution, report.problems)
    res = {name: FamilyResult(name) for name in FAMILIES}
    f = Figures(c, x)
    stock_flow.check(c, x, res[stock_flow.FAMILY])
    for family in (retention, upskilling_source, placements, mentoring, course_capacity, recruitment_pools,
                   establishment, budget):
        family.check(c, x, f, res[family.FAMILY])
    tm = targets.target_measures(c, x)
    targets.check(c, x, solution, tm, res[targets.FAMILY], report.problems)
    for family in (commissioning, absorption, run_out):
        family.check(c, x, f, res[family.FAMILY])
    whole_cohorts.check(c, x, res[whole_cohorts.FAMILY])
    objective, allow = costs.check(c, x, f, solution, tm, res[costs.FAMILY], report.problems)
    balance.check(c, solution, objective, allow, res[balance.FAMILY], report.problems)
    bounds.check(c, x, solution, res[bounds.FAMILY])
    baseline.check(c, x, res[baseline.FAMILY])
    report.families = [res[name] for name in FAMILIES]
    return report
