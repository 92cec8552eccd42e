"""Where analysis tasks run: in this process, in a local process pool, or on a Dask cluster.

Every task is a call ``fn(job, task)`` of a module-level function. ``job`` carries what all tasks
share (the case and how to build its live model); each worker builds the model once per job and
keeps it for the tasks it runs (:func:`worker_model`), so a worker re-solves rather than rebuilds.

Executors:

- ``serial``: in this process, one task after another.
- ``local`` (the default): a pool of worker processes (``spawn``), one single-threaded HiGHS each;
  ``workers`` defaults to the number of CPU cores. A run of a single task uses this process.
- ``dask``: a Dask distributed cluster at ``scheduler`` (an address such as ``tcp://host:8786``,
  or a ``distributed.Client`` or ``LocalCluster``). The job is scattered to every worker once.
  Workers need this package installed (the same version) and one thread each is best
  (``dask worker ADDRESS --nthreads 1``).
"""
from __future__ import annotations

import os
import sys
import threading
import uuid
from contextlib import contextmanager
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Literal, Sequence

from optimiser.case import Case
from optimiser.extras import require

ExecutorName = Literal["serial", "local", "dask"]
EXECUTORS = ("serial", "local", "dask")


@dataclass(frozen=True)
class Job:
    """What every task of one run shares: the case and how its live model is built."""

    case: Case
    elastic: float | None = None
    highs_options: tuple[tuple[str, Any], ...] = ()
    key: str = field(default_factory=lambda: uuid.uuid4().hex)


_local = threading.local()
_process_job: Job | None = None


def worker_model(job: Job):
    """The live model of ``job`` in this worker (thread), built on first use and then reused."""
    from optimiser.analysis.live import LiveModel

    cache = getattr(_local, "models", None)
    if cache is None or job.key not in cache:
        cache = {job.key: LiveModel(job.case, elastic=job.elastic, highs_options=dict(job.highs_options))}
        _local.models = cache  # one job at a time per worker: drop older models
    return cache[job.key]


def _init_process(job: Job) -> None:
    global _process_job
    _die_with_parent()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    _process_job = job


def _die_with_parent() -> None:
    """Linux: the kernel kills this worker when the process that started it dies, even by ``kill -9``
    (prctl PR_SET_PDEATHSIG), so a stopped sweep or Monte Carlo leaves no solver running."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except OSError:
        return
    if os.getppid() == 1:  # the parent died before the call above
        os._exit(1)


def _process_call(fn: Callable, task: Any) -> Any:
    return fn(_process_job, task)


def _dask_call(fn: Callable, job: Job, task: Any) -> Any:
    return fn(job, task)


def run_tasks(fn: Callable[[Job, Any], Any], job: Job, tasks: Sequence[Any], *, executor: ExecutorName = "local",
              scheduler: Any = None, workers: int | None = None) -> Iterator[tuple[int, Any]]:
    """Run ``fn(job, task)`` for every task; yield ``(task index, result)`` as each completes.

    Raises:
        ValueError: for an unknown executor, or ``dask`` without a scheduler.
    """
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}; expected one of {', '.join(EXECUTORS)}")
    tasks = list(tasks)
    if not tasks:
        return
    if executor == "dask":
        yield from _run_dask(fn, job, tasks, scheduler)
        return
    n = min(workers or os.cpu_count() or 1, len(tasks))
    if executor == "serial" or n <= 1:
        for i, task in enumerate(tasks):
            yield i, fn(job, task)
        return
    import multiprocessing

    pool = ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_process, initargs=(job,))
    try:
        with _main_not_rerun():  # the workers start during these submits
            pending = {pool.submit(_process_call, fn, task): i for i, task in enumerate(tasks)}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                i = pending.pop(fut)
                yield i, fut.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _main_not_rerun():
    """Start spawned workers without re-running the caller's script in them.

    ``spawn`` normally re-imports the ``__main__`` script in each worker, so a planner's script
    without an ``if __name__ == "__main__":`` guard would start the analysis again in every worker.
    The tasks sent to workers are functions of this package, so the script is not needed there.
    """
    from multiprocessing import spawn

    original = spawn.get_preparation_data

    def preparation_data(name):
        data = original(name)
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
        return data

    spawn.get_preparation_data = preparation_data
    try:
        yield
    finally:
        spawn.get_preparation_data = original


def _run_dask(fn, job: Job, tasks: list, scheduler) -> Iterator[tuple[int, Any]]:
    if scheduler is None:
        raise ValueError("the dask executor needs a scheduler address (--scheduler tcp://HOST:8786) or a Client")
    require("distributed", "distributed", "the dask executor")
    from distributed import Client, as_completed

    own = not isinstance(scheduler, Client)
    client = Client(scheduler) if own else scheduler
    futures = []
    try:
        job_future = client.scatter(job, broadcast=True, hash=False)
        futures = [client.submit(_dask_call, fn, job_future, task, pure=False) for task in tasks]
        index = {f.key: i for i, f in enumerate(futures)}
        for fut in as_completed(futures):
            result = fut.result()
            yield index[fut.key], result
            fut.release()
    finally:
        for f in futures:
            if not f.done():
                f.cancel()
        if own:
            client.close()
