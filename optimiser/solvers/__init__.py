"""Solver backends behind one small interface: each reads the same assembled LP arrays."""
from optimiser.solvers.base import BACKENDS, MipSummary, ModelArrays, SolverResult, backend, solve_lp

__all__ = ["BACKENDS", "MipSummary", "ModelArrays", "SolverResult", "backend", "solve_lp"]
