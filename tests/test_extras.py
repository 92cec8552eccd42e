"""Features of optional extras say which extra to install when it is missing, and exit 2 with nothing written."""
from __future__ import annotations

import subprocess
import sys

import pytest

from optimiser import load_case
from optimiser.analysis import sweep
from optimiser.extras import MissingExtra

from conftest import FIXTURE, ROOT

WITHOUT_DASK = "import sys; sys.modules['distributed'] = None; from optimiser.entry import main; sys.argv[0] = 'optimiser'; main()"


def test_the_dask_executor_without_distributed_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed now raises ImportError
    with pytest.raises(MissingExtra, match=r"pip install 'mh-workforce-optimiser\[distributed\]'"):
        sweep(load_case(FIXTURE), {"recruitment_pools.pool_fte": [0.5, 1.0]}, scale=True, executor="dask",
              scheduler="tcp://127.0.0.1:1")


def test_the_command_line_refuses_executor_dask_without_distributed(tmp_path):
    run = subprocess.run([sys.executable, "-c", WITHOUT_DASK, "sweep", str(FIXTURE), "--scale",
                          "recruitment_pools.pool_fte=0.5,1", "--executor", "dask", "--scheduler", "tcp://127.0.0.1:1",
                          "--out", str(tmp_path / "out")], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 2, run.stderr
    assert "--executor dask needs distributed" in run.stderr and "[distributed]" in run.stderr
    assert "Traceback" not in run.stderr and not (tmp_path / "out").exists()
