"""Constraint families of the allocation LP, one module each (MODEL.md §Constraints).

Every module has the same small contract: a ``FAMILY`` name and ``add(lp, data)``, which
adds named, labelled row blocks built from numpy arrays. ``FAMILIES`` fixes their order.
A family that needs columns of its own (soft absorption, whole cohorts) adds them too.
"""
from constraints import (
    absorption,
    budget,
    commissioning,
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

FAMILIES = [
    stock_flow,
    retention,
    upskilling_source,
    placements,
    mentoring,
    course_capacity,
    recruitment_pools,
    establishment,
    budget,
    targets,
    commissioning,
    absorption,
    run_out,
    whole_cohorts,
]
"""Stage 1's families, in order. Stage 2 (MODEL.md §14) adds :mod:`constraints.balance` to the solved LP."""
