"""Constraint families of the allocation LP, one module each (MODEL.md §Constraints).

Every module has the same small contract: a ``FAMILY`` name and ``add(lp, data)``, which
adds named, labelled row blocks built from numpy arrays. ``FAMILIES`` fixes their order.
"""
from constraints import (
    budget,
    course_capacity,
    establishment,
    mentoring,
    placements,
    recruitment_pools,
    retention,
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
    whole_cohorts,
]
