"""Sensitivity analysis from scripts: marginal values, sweeps, tornado, Monte Carlo and comparisons."""
from optimiser.analysis.compare import Comparison, compare
from optimiser.analysis.live import LiveModel, make_elastic
from optimiser.analysis.marginal import MarginalReport, marginal_analysis
from optimiser.analysis.montecarlo import MonteCarloSpec, load_spec, run_montecarlo
from optimiser.analysis.params import Assignment, Parameter
from optimiser.analysis.sweep import sweep
from optimiser.analysis.tornado import tornado, tornado_chart

__all__ = ["Assignment", "Comparison", "LiveModel", "MarginalReport", "MonteCarloSpec", "Parameter", "compare",
           "load_spec", "make_elastic", "marginal_analysis", "run_montecarlo", "sweep", "tornado", "tornado_chart"]
