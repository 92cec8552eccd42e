"""Every ```python block of the README runs, in a scratch folder, as a planner would paste it.

For time, cases load without their run-out years (``load_case(..., run_out_years=0)``, as every test
here) and a Monte Carlo run stops after 4 draws; the code is otherwise the README's, line for line.
"""
from __future__ import annotations

import os
import re

import pytest

import optimiser
import optimiser.analysis
from conftest import ROOT

BLOCKS = re.findall(r"^```python\n(.*?)^```", (ROOT / "README.md").read_text(encoding="utf-8"), re.M | re.S)


def test_the_readme_has_python_snippets():
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_python_snippet_runs(index, tmp_path, monkeypatch):
    quick_load = optimiser.load_case

    def load_case(path, scenario=None, run_out_years=0):
        return quick_load(ROOT / path, scenario, run_out_years)

    run_montecarlo = optimiser.analysis.run_montecarlo

    def few_draws(case, spec, out_dir, draws=None, **kw):
        return run_montecarlo(case, ROOT / spec if isinstance(spec, str) else spec, out_dir, draws=min(draws or 4, 4),
                              **kw)

    monkeypatch.setattr(optimiser, "load_case", load_case)
    monkeypatch.setattr(optimiser.analysis, "run_montecarlo", few_draws)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(BLOCKS[index], f"README.md python block {index + 1}", "exec"), namespace)  # noqa: S102
    if "sol" in namespace:  # the API snippet: its comment says the solve is optimal
        assert namespace["sol"].status == "optimal" and namespace["sol"].objective > 0
        assert os.path.getsize(tmp_path / "solution.json") > 0
