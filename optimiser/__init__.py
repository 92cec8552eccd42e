"""NHS mental health workforce allocation engine.

Python API (see docs/getting-started.md): ``load_case`` reads and validates a case folder; ``solve`` returns
a :class:`Solution` of pandas tables. They are imported on first use, so that the command line
starts (and can be interrupted) before pandas and the solvers load.
"""
from importlib import import_module

_API = {"Case": "optimiser.case", "CaseError": "optimiser.case", "load_case": "optimiser.case",
        "solve": "optimiser.engine", "Solution": "optimiser.solution"}
__all__ = [*_API, "__version__"]


def __getattr__(name: str):
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("mh-workforce-optimiser")
        except PackageNotFoundError:  # running from a source tree that is not installed
            return "0.0.0+source"
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'optimiser' has no attribute {name!r}")
