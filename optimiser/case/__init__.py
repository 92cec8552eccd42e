"""Case folders: schema, loading, validation, broadcasting and scenario changes."""
from optimiser.case.changes import Change
from optimiser.case.config import CaseConfig
from optimiser.case.load import Case, list_scenarios, load_case
from optimiser.case.problems import CaseError, Problem

__all__ = ["Case", "CaseConfig", "CaseError", "Change", "Problem", "list_scenarios", "load_case"]
