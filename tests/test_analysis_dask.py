"""The Dask executor: a LocalCluster of two workers gives the same results as the local run."""
from __future__ import annotations

import pandas as pd
import pytest

from optimiser import load_case
from optimiser.analysis import MonteCarloSpec, run_montecarlo, sweep, tornado

from conftest import FIXTURE

distributed = pytest.importorskip("distributed")

SPEC = MonteCarloSpec.model_validate({"seed": 3, "draws": 10, "parameters": [
    {"name": "leavers", "path": "leaver_rates.leaver_rate",
     "scale": {"distribution": "triangular", "low": 0.8, "mode": 1.0, "high": 1.3}},
    {"name": "pool", "path": "recruitment_pools.pool_fte", "scale": {"distribution": "uniform", "low": 0.2, "high": 1.2}},
]})


@pytest.fixture(scope="module")
def client():
    """Two single-threaded workers in this process (quick to start; each worker thread keeps its own model)."""
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0")
    c = distributed.Client(cluster)
    try:
        yield c
    finally:
        c.close()
        cluster.close()


def test_montecarlo_on_dask_equals_the_local_run(tmp_path, client):
    case = load_case(FIXTURE)
    local = run_montecarlo(case, SPEC, tmp_path / "local", executor="serial")
    dask = run_montecarlo(case, SPEC, tmp_path / "dask", executor="dask", scheduler=client)
    assert dask.complete
    assert (tmp_path / "dask" / "draws.csv").read_text() == (tmp_path / "local" / "draws.csv").read_text()
    assert dask.summary == local.summary
    assert len(client.scheduler_info()["workers"]) == 2


def test_sweep_and_tornado_on_dask_equal_the_local_run(client):
    case = load_case(FIXTURE)
    grid = {"targets.minimum_fte[target=trad]": [10, 20, 30, 40], "recruitment_pools.pool_fte": [0.5, 1.0]}
    local = sweep(case, grid, scale=["recruitment_pools.pool_fte"], executor="serial")
    dask = sweep(case, grid, scale=["recruitment_pools.pool_fte"], executor="dask", scheduler=client, chunk_size=2)
    cols = list(grid) + ["status", "total_cost_gbp", "growth.traditional_fte", "marginal_cost.trad"]
    pd.testing.assert_frame_equal(local[cols], dask[cols], rtol=1e-9)
    t_local = tornado(case, 0.1, executor="serial")
    t_dask = tornado(case, 0.1, executor="dask", scheduler=client)
    pd.testing.assert_frame_equal(t_local, t_dask)


def test_dask_needs_a_scheduler():
    with pytest.raises(ValueError, match="scheduler"):
        sweep(load_case(FIXTURE), {"targets.minimum_fte[target=trad]": [10]}, executor="dask")
