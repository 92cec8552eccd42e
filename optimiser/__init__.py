"""NHS mental health workforce allocation engine.

Python API (see README): ``load_case`` reads and validates a case folder; ``solve`` returns
a :class:`Solution` of pandas tables.
"""
from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("mh-workforce-optimiser")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"

from optimiser.case import Case, CaseError, load_case  # noqa: E402
from optimiser.engine import solve  # noqa: E402
from optimiser.solution import Solution  # noqa: E402

__all__ = ["Case", "CaseError", "Solution", "load_case", "solve", "__version__"]
