"""Run a sweep on Dask: chunks of about 0.2 s of work, results gathered as they complete and
stored by the driver, one transaction per chunk. Resumable at any moment."""

from __future__ import annotations

import logging
import math
import os
import signal
import threading
import time
import traceback

import numpy as np

from .design import SweepSpec, load_function
from .store import SweepStore


def _run_chunk(function_path: str, runs: list[tuple]) -> list[dict]:
    """Execute runs on a worker: ``(index, key, params, replicate, seed)`` each. A run that
    raises is returned as failed with its traceback; the others go on."""
    import numba

    numba.set_num_threads(1)  # one process per core: no nested parallelism
    function = load_function(function_path)
    try:
        from distributed import get_worker

        worker = get_worker().address
    except (ImportError, ValueError):
        worker = f"pid-{os.getpid()}"
    out = []
    for index, key, params, replicate, seed in runs:
        started = time.time()
        try:
            metrics = _check_metrics(function(dict(params), seed))
            status, error = "done", None
        except Exception:
            metrics, status, error = None, "failed", traceback.format_exc()
        out.append({"index": index, "key": key, "params": params, "replicate": replicate, "seed": seed,
                    "status": status, "metrics": metrics, "error": error, "started": started,
                    "finished": time.time(), "worker": worker})
    return out


def _check_metrics(metrics) -> dict:
    if not isinstance(metrics, dict):
        raise TypeError(f"a run function must return a dict of metrics, got {type(metrics).__name__}")
    out = {}
    for name, value in metrics.items():
        if isinstance(value, np.generic):
            value = value.item()
        if not isinstance(value, int | float | str | bool | None):
            raise TypeError(f"metric {name!r} must be a number, string or bool, got {type(value).__name__}")
        out[str(name)] = value
    return out


def _warm(function_path: str, params: dict, seed: int) -> float:
    """Import the run function and run it once (compiling or loading its kernels); returns seconds."""
    import numba

    numba.set_num_threads(1)
    function = load_function(function_path)
    start = time.perf_counter()
    try:
        function(dict(params), seed)
    except Exception:
        pass
    return time.perf_counter() - start


def connect(client=None, scheduler: str | None = None, n_workers: int | None = None):
    """A Dask client: `client`, a client of the scheduler at `scheduler`, or a new
    `LocalCluster` with one single-threaded worker process per core (or `n_workers`).
    Returns ``(client, owned)``; an owned client (and its cluster) is closed by the caller."""
    if client is not None:
        return client, False
    from distributed import Client, LocalCluster

    if scheduler is not None:
        return Client(scheduler), True
    workers = n_workers or os.cpu_count() or 1
    # Quiet workers: evornn records every run's error in the store itself, and on Ctrl-C a
    # worker whose scheduler closes under it would print a heartbeat traceback to the terminal.
    # A Ctrl-C while the cluster starts waits until it has started, then closes it and
    # interrupts: interrupted half-way, its workers could not be closed (Dask's exit hook
    # would print a traceback).
    interrupted = []
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, lambda *_: interrupted.append(True)) if main else None
    try:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                               silence_logs=logging.CRITICAL)
    finally:
        if main:
            signal.signal(signal.SIGINT, previous)
    if interrupted:
        cluster.close()
        raise KeyboardInterrupt
    return Client(cluster), True


def run_sweep(spec: SweepSpec, store_path, *, client=None, scheduler: str | None = None, n_workers: int | None = None,
              chunk_seconds: float = 0.2, chunk_size: int | None = None, progress: bool | None = None,
              retry_failed: bool = False) -> dict:
    """Run every run of `spec` not yet in the store at `store_path`, on Dask.

    Parameters
    ----------
    client : dask.distributed.Client, optional
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``); default a `LocalCluster`.
    n_workers : int, optional
        Workers of the `LocalCluster` (default one per core).
    chunk_seconds : float
        Target work per task: runs are grouped so that a task lasts about this long (the
        duration of one run is measured while warming the workers), with at least two
        tasks per worker.
    chunk_size : int, optional
        Runs per task, overriding `chunk_seconds` (1 gives one task per run).
    retry_failed : bool
        Run the runs stored as failed again (a run function fixed since, a worker killed
        for memory).

    The runs of a task whose worker died (an out-of-memory kill, say) are retried one at
    a time after the others, so that only the run that killed it is recorded as failed. The store has
    one driver at a time: a second `run_sweep` on the same store raises
    :class:`evornn.ConfigError` naming the process that holds it.

    Returns
    -------
    dict
        ``{"total", "done", "failed", "pending", "ran", "seconds"}``.

    A run function may carry ``validate(params)``; the built-in ones do, so unknown
    parameters raise :class:`evornn.ConfigError` before any work starts.
    """
    function = load_function(spec.run)  # fails here, before any work, if it cannot be imported
    validate = getattr(function, "validate", None)
    if validate is not None:  # a run function may check its parameters before any work
        for run in {tuple(sorted(r.params)): r for r in spec.runs()}.values():
            validate(run.params)
    with SweepStore(store_path, spec, driver=True) as store:
        if retry_failed:
            store.forget_failed()
        done = store.done_keys()
        pending = [run for run in spec.runs() if run.key not in done]
        if not pending:
            return {**store.status(), "ran": 0, "seconds": 0.0}
        client, owned = connect(client, scheduler, n_workers)
        start = time.perf_counter()
        try:
            workers = max(1, len(client.scheduler_info()["workers"]))
            first = pending[0]
            warm = client.run(_warm, spec.run, first.params, first.seed)
            per_run = max(1e-6, float(np.median(list(warm.values())))) if warm else 1e-3
            if chunk_size is None:
                chunk_size = max(1, min(round(chunk_seconds / per_run), math.ceil(len(pending) / (2 * workers))))
            chunks = [pending[i:i + chunk_size] for i in range(0, len(pending), chunk_size)]
            _submit_and_store(client, spec.run, chunks, store, progress)
        finally:
            if owned:
                cluster = getattr(client, "cluster", None)
                client.close()
                if cluster is not None:
                    cluster.close()
        return {**store.status(), "ran": len(pending), "seconds": time.perf_counter() - start}


def _submit_and_store(client, function_path: str, chunks: list, store: SweepStore, progress) -> None:
    from distributed import as_completed
    from tqdm.auto import tqdm

    total = sum(len(c) for c in chunks)

    def submit(chunk):
        return client.submit(_run_chunk, function_path, [(r.index, r.key, r.params, r.replicate, r.seed) for r in chunk],
                             pure=False)

    futures = {submit(chunk): chunk for chunk in chunks}
    bar = tqdm(total=total, unit="run", desc="sweep", disable=(None if progress is None else not progress))
    failed, start = 0, time.perf_counter()
    suspects = []  # runs of tasks whose worker died: the culprit and the innocent runs beside it

    def store_results(results):
        nonlocal failed
        store.record(results)
        failed += sum(r["status"] == "failed" for r in results)
        bar.update(len(results))
        rate = bar.n / max(time.perf_counter() - start, 1e-9)
        bar.set_postfix(failed=failed, runs_per_s=f"{rate:.3g}", refresh=False)

    try:
        for future in as_completed(futures):
            try:
                store_results(future.result())
            except Exception:  # the task itself failed: its worker died (killed, out of memory ...)
                suspects.extend(futures[future])
        for run in suspects:  # one at a time, so a run that kills its worker takes no other with it
            try:
                results = submit([run]).result()
            except Exception as exc:
                results = [{"index": run.index, "key": run.key, "params": run.params, "replicate": run.replicate,
                            "seed": run.seed, "status": "failed", "metrics": None,
                            "error": f"its worker died running it: {exc!r}", "started": None, "finished": None,
                            "worker": None}]
            store_results(results)
    finally:
        bar.close()
