"""solution.json is written by orjson, byte for byte as Python's json module writes it (issue 16, item 4)."""
from __future__ import annotations

import json
import math

import numpy as np
import orjson
import pandas as pd
import pytest

from optimiser import load_case, solve
from optimiser.export.solution import _as_json_writes, _records, solution_bytes, solution_dict

from conftest import FIXTURE


def _json(data) -> bytes:
    """What the engine wrote before: the standard library's compact JSON."""
    return (json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False) + "\n").encode()


def _small_and_awkward() -> list[float]:
    """Every float a 6-decimal rounding leaves below 1e-4 (k millionths, both signs), and neighbours of where
    Python's repr changes form."""
    small = [round(k * 1e-6, 6) for k in range(1, 100)]
    return small + [-v for v in small] + [0.0, -0.0, 1e-4, 0.000101, 0.1 + 0.2, 1.0, 123456.789012,
                                          9999999999999998.0, 1e16, 1.5e17, -2.5e22]


def test_records_are_written_as_the_json_module_writes_them():
    values = _small_and_awkward()
    n = len(values)
    df = pd.DataFrame({
        "quantity": values,
        "with_gaps": [np.nan if i % 7 == 0 else (np.inf if i % 11 == 0 else 1.25) for i in range(n)],
        "name": [None if i % 5 == 0 else (np.nan if i % 5 == 1 else f"Ünïcode “{i}” \u2028 \\ \x1f") for i in range(n)],
        "binding": [i % 2 == 0 for i in range(n)],
        "options": list(range(n)),
    })
    plain = _records(df, rename={"options": "count"})
    assert plain[0] == {"quantity": 1e-6, "with_gaps": None, "name": None, "binding": True, "count": 0}
    assert plain[1]["name"] is None and plain[11]["with_gaps"] is None  # NaN and infinity: null
    exact = _records(df, rename={"options": "count"}, exact=True)
    scalars = {"tiny": -3e-6, "nested": [{"x": 5e-5}, (7e-6, "a")], "zero": -0.0}
    expected = _json({"table": plain, **scalars})
    assert orjson.dumps(_as_json_writes({"table": exact, **scalars})) + b"\n" == expected
    assert b"1e-06" in expected and b"-5e-05" in expected  # Python's form, which orjson alone does not write
    assert orjson.dumps(1e-6) != b"1e-06"  # else this module would not need the rewrite


def test_a_float_json_cannot_hold_is_refused_as_the_json_module_refuses_it():
    for bad in (math.nan, math.inf):
        with pytest.raises(ValueError):
            _json({"x": bad})
        with pytest.raises(ValueError):
            _as_json_writes({"x": [1.0, {"y": bad}]})


@pytest.fixture(scope="module")
def solved():
    return solve(load_case(FIXTURE))


@pytest.mark.parametrize("constraints", [True, False])
def test_solution_json_is_the_json_modules_bytes(solved, constraints):
    expected = _json(solution_dict(solved, constraints))
    assert solution_bytes(solved, constraints) == expected
    assert solved.to_json(constraints=constraints).encode() == expected
