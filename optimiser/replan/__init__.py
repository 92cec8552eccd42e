"""Re-planning from actuals (issue 12): read what happened up to a year, re-optimise the years after it from the
observed workforce, and report the variance against the original plan.

- :mod:`optimiser.replan.actuals` reads and validates the actuals table;
- :mod:`optimiser.replan.derive` writes the re-plan case: the original case from the year after, with the
  observed staff in post as its baseline and training already started as its pipeline;
- :mod:`optimiser.replan.variance` compares the plan, what happened and the re-plan, and prices the difference;
- :mod:`optimiser.replan.command` is ``optimiser replan``.
"""
from optimiser.replan.actuals import read_actuals
from optimiser.replan.derive import derive_replan_case
from optimiser.replan.variance import replan_report

__all__ = ["read_actuals", "derive_replan_case", "replan_report"]
