"""Solver backends behind one small interface: each reads the same assembled LP arrays."""
from optimiser.solvers.base import SolverResult, solve_lp

__all__ = ["SolverResult", "solve_lp"]
