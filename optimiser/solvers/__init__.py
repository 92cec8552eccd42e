"""Solver backends behind one small interface: each reads the same assembled LP arrays."""
from optimiser.solvers.base import BACKENDS, ModelArrays, SolverResult, backend, solve_lp

__all__ = ["BACKENDS", "ModelArrays", "SolverResult", "backend", "solve_lp"]
