"""Independent check of a solution file against the case it claims to solve (``optimiser verify``).

From the case tables and the exported solution JSON alone, with no solver and none of the LP
builder (``optimiser.model``, ``constraints/``, ``optimiser.solvers``, ``optimiser.solution``),
every equation of MODEL.md is re-derived and checked, as numpy arrays. Each family is checked in the
module of its name, the name of the module of ``constraints/`` that builds its rows
(``constraints/budget.py`` builds the budget rows, ``optimiser/verify/budget.py`` checks them); the last
three families have no constraint module of their own. The shared pieces: ``case.py`` (the case as
arrays), ``plan.py`` (the solution as arrays), ``rows.py`` (a row ``lhs ≤ rhs`` with the rounding allowed
for), ``report.py`` (the results), ``solution_check.py`` (every check on one solution) and ``command.py``
(reading the file, the table, ``optimiser verify``).

========================  ==========================================================================
family                    what is checked (one check per row of the model, or per reported figure)
========================  ==========================================================================
stock_flow                ``H[g,s,t]`` equals the flow of MODEL.md §1 for every group, STP and model year
retention                 ``R[g,s,t,j] ≤ φ_j·a[g,s]·H[g,s,t-1]`` for every segment the case offers
upskilling_source         ``X[p,s,t] ≤ σ_p·H[f(p),s,t-1]``
placements                ``Σ_{s∈scope} Σ_p w_p·ST[p,s,t] ≤ PC`` (pipeline students included)
mentoring                 ``Σ_{p: m(p)=m} ST[p,s,t]/ρ_p ≤ μ_m·H[m,s,t-1]``
course_capacity           ``Σ_{s∈scope} X[p,s,t] ≤ CC``
recruitment_pools         ``Σ_{g, s∈scope} Rec[k,g,s,t] ≤ Pool``
establishment             ``Σ_{s∈scope} H[g,s,t] ≤ posts``
budget                    cash outlay (training spread over the course years inside the model years,
                          recruitment, retention, exits; undiscounted) within each budget row (a blank
                          ``to_year`` ends at the last planning year)
targets                   minimum (with the soft shortfall) and maximum of every target; the reported
                          achieved, shortfall, minimum, maximum and penalty cost equal the recomputed ones
commissioning             each commissioned intake ``I[t] = Σ_{s∈scope} X[p,s,t]`` (``I[-1]`` the baseline
                          intake): ``I[t] ≤ (1+rise)·I[t-1] + opening``, ``I[t] ≥ (1−fall)·I[t-1]``,
                          ``I[t] ≥ floor·I[-1]``, where the case gives the share (MODEL.md §11)
absorption                hard limits ``H[t] ≤ (1+γ)·H[t-1] + β`` and ``H[t] ≥ (1−λ)·H[t-1] − E[t]``
                          (MODEL.md §12); a soft one may be broken, its penalty is checked under costs
run_out                   in each run-out year each group's staff in post in each region is at least
                          the last planning year's (MODEL.md §13)
whole_cohorts             an integer programme's starts are whole, and none below its minimum cohort
balance                   the plan (reported and recomputed objective) costs at most the least cost
                          ``C*`` plus ``cost_tolerance·max(|C*|, 1)`` (MODEL.md §14)
costs                     each allocation's cost = quantity × the case's unit cost; costs by lever,
                          year and region (committed, present value, outlay) add up to the allocations;
                          total, objective and penalties (soft targets and soft absorption limits)
                          equal the recomputed objective
bounds                    quantities, staff in post and shortfalls ≥ 0; exits within their limit; levers
                          used only where the case offers them
baseline                  the baseline year's staff in post equal the case's
========================  ==========================================================================

A check passes when its violation is within ``TOLERANCE`` (1e-6) of ``max(1, magnitude of its terms)``,
after allowing for the file's rounding (every figure is written to 6 decimals, so each figure read
is known to ±5e-7; that allowance is added per figure, weighted by its coefficient).

Every family runs over the model years: the planning years, then the case's run-out years;
targets name planning years only.

Besides the families, the report lists *problems* that make the file unusable as a plan of this
case: a status other than optimal, a case sha256 that differs from the loaded case (another case
or scenario), labels the case does not know, missing or duplicated rows.
"""
from optimiser.verify.command import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, read_solution, render, verify_command
from optimiser.verify.plan import LEVERS
from optimiser.verify.report import ROUNDING, TOLERANCE, FamilyResult, SolutionFileError, VerifyReport
from optimiser.verify.solution_check import FAMILIES, verify_solution

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_OK", "FAMILIES", "LEVERS", "ROUNDING", "TOLERANCE", "FamilyResult",
           "SolutionFileError", "VerifyReport", "read_solution", "render", "verify_command", "verify_solution"]
