"""Optional extras: packages that only some features need, and the message that says how to install one.

| extra | packages | what needs it |
|---|---|---|
| ``parquet`` | pyarrow | ``solve --format parquet`` |
| ``distributed`` | dask, distributed | ``--executor dask`` for sweeps, tornado and Monte Carlo |
| ``docs`` | mkdocs and its plugins | building the documentation site |
| ``test`` | pytest, and every extra above | the test suite |
"""
from __future__ import annotations

import importlib


class MissingExtra(RuntimeError):
    """An optional package a feature needs is not installed (the message says how to install it)."""


def require(module: str, extra: str, feature: str) -> None:
    """Import ``module``, or raise :class:`MissingExtra` naming the ``extra`` that installs it."""
    try:
        importlib.import_module(module)
    except ImportError:
        raise MissingExtra(f"{feature} needs {module}, an optional extra: "
                           f"pip install 'mh-workforce-optimiser[{extra}]'") from None
