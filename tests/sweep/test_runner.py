"""Sweeps on a LocalCluster: results, failures, resume; SIGKILL of the driver and of a
worker lose nothing; evolve on Dask is bit-identical to the in-process run."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import evornn
from evornn.optim import METHODS
from evornn.sweep import SweepSpec, SweepStore, run_sweep
from tests.optim.helpers import fingerprint, problem_for
from tests.sweep.helpers import square

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    with Client(cluster) as c:
        yield c
    cluster.close()


def expected(spec):
    return {r.key: square(r.params | {"sleep": 0.0}, r.seed) for r in spec.runs()}


def stored(path):
    with SweepStore(path) as store:
        return {row["key"]: row for row in store.rows()}


def test_a_sweep_stores_every_run_and_records_failures(client, tmp_path):
    spec = SweepSpec("tests.sweep.helpers:square", {"x": [1, 2, 3]}, fixed={"fail": True}, replicates=3, seed=1)
    summary = run_sweep(spec, tmp_path / "s.sqlite", client=client, progress=False)
    assert summary["done"] == 6 and summary["failed"] == 3 and summary["pending"] == 0
    rows = stored(tmp_path / "s.sqlite")
    for run in spec.runs():
        row = rows[run.key]
        if run.params["x"] == 2:
            assert row["status"] == "failed" and "x = 2 is not allowed" in row["error"]
        else:
            want = square(run.params | {"fail": False}, run.seed)
            assert (row["square"], row["noise"]) == (want["square"], want["noise"])
    # Resuming runs nothing again.
    assert run_sweep(spec, tmp_path / "s.sqlite", client=client, progress=False)["ran"] == 0


def test_one_task_per_run_gives_the_same_results(client, tmp_path):
    spec = SweepSpec("tests.sweep.helpers:square", {"x": {"low": 0, "high": 1, "n": 7}}, replicates=2)
    run_sweep(spec, tmp_path / "a.sqlite", client=client, chunk_size=1, progress=False)
    run_sweep(spec, tmp_path / "b.sqlite", client=client, progress=False)
    strip = lambda rows: {k: {c: v for c, v in r.items() if c not in ("seconds", "worker")} for k, r in rows.items()}  # noqa: E731
    assert strip(stored(tmp_path / "a.sqlite")) == strip(stored(tmp_path / "b.sqlite"))


DRIVER = textwrap.dedent(
    """
    import sys
    from evornn.sweep import SweepSpec, run_sweep
    spec = SweepSpec("tests.sweep.helpers:square", {"x": list(range(60))}, fixed={"sleep": 0.05}, seed=3)
    run_sweep(spec, sys.argv[1], n_workers=2, chunk_size=2, progress=False)
    """
)


def count_rows(path):
    try:
        with sqlite3.connect(path, timeout=1) as db:
            return db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_a_killed_driver_resumes_with_every_run_exactly_once(tmp_path, client):
    path = tmp_path / "s.sqlite"
    child = subprocess.Popen([sys.executable, "-c", DRIVER, str(path)], cwd=ROOT)
    try:
        deadline = time.monotonic() + 300
        while count_rows(path) < 10:
            assert child.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait()
    before = stored(path)
    assert 10 <= len(before) < 60
    spec = SweepSpec("tests.sweep.helpers:square", {"x": list(range(60))}, fixed={"sleep": 0.05}, seed=3)
    run_sweep(spec, path, client=client, progress=False)
    after = stored(path)
    assert len(after) == 60 and {r["status"] for r in after.values()} == {"done"}
    for key, row in before.items():
        assert after[key] == row  # rows stored before the crash are untouched
    want = expected(spec)
    assert all((after[k]["square"], after[k]["noise"]) == (w["square"], w["noise"]) for k, w in want.items())
    with SweepStore(path) as store:
        assert store.integrity_ok()


def test_a_killed_worker_loses_nothing(tmp_path):
    from distributed import Client, LocalCluster

    spec = SweepSpec("tests.sweep.helpers:square", {"x": list(range(40))}, fixed={"sleep": 0.05}, seed=4)
    path = tmp_path / "s.sqlite"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster) as c:
        pids = c.run(os.getpid)
        done = {}
        thread = threading.Thread(target=lambda: done.update(run_sweep(spec, path, client=c, chunk_size=2,
                                                                        progress=False)))
        thread.start()
        deadline = time.monotonic() + 300
        while count_rows(path) < 6:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        os.kill(next(iter(pids.values())), signal.SIGKILL)
        thread.join(timeout=300)
    assert done["done"] == 40 and done["failed"] == 0
    rows = stored(path)
    want = expected(spec)
    assert all((rows[k]["square"], rows[k]["noise"]) == (w["square"], w["noise"]) for k, w in want.items())


@pytest.mark.parametrize("method", list(METHODS))
def test_evolve_on_dask_is_bit_identical_to_in_process(client, method):
    problem = problem_for(method)
    local = evornn.evolve(problem, method, n_pop=16, n_generations=4, rng=13, progress=False)
    remote = evornn.evolve(problem, method, n_pop=16, n_generations=4, rng=13, progress=False, client=client)
    assert fingerprint(local) == fingerprint(remote)
    assert json.dumps(local.best_metrics) == json.dumps(remote.best_metrics)


def test_a_run_that_kills_its_worker_fails_alone_and_is_retried_on_request(tmp_path):
    """The chunk whose worker died is split: its innocent runs complete; the culprit is stored
    as failed; ``retry_failed`` runs it again. The store ends with its log folded in."""
    import dask
    from distributed import Client, LocalCluster

    from evornn.errors import ConfigError

    spec = SweepSpec("tests.sweep.helpers:dies", {"x": [0, 1, 2, 3]}, fixed={"marker": str(tmp_path / "died")})
    path = tmp_path / "s.sqlite"
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster) as c:
        first = run_sweep(spec, path, client=c, chunk_size=4, progress=False)
        assert (first["done"], first["failed"]) == (3, 1)
        rows = stored(path)
        failed = [r for r in rows.values() if r["status"] == "failed"]
        assert [r["x"] for r in failed] == [2] and "its worker died" in failed[0]["error"]
        assert not (tmp_path / "s.sqlite-wal").exists() or (tmp_path / "s.sqlite-wal").stat().st_size == 0
        with SweepStore(path, spec, driver=True):  # a second driver on the same store is refused
            with pytest.raises(ConfigError, match=rf"is being run by process {os.getpid()} on"):
                run_sweep(spec, path, client=c, progress=False)
        assert run_sweep(spec, path, client=c, progress=False)["ran"] == 0  # failed runs stay failed ...
        (tmp_path / "died").touch()  # the cause is fixed
        again = run_sweep(spec, path, client=c, progress=False, retry_failed=True)  # ... unless asked
    assert (again["ran"], again["done"], again["failed"]) == (1, 4, 0)
    assert {r["x"]: r["square"] for r in stored(path).values()} == {0: 0, 1: 1, 2: 4, 3: 9}


def test_a_stateful_task_evolves_on_dask_as_in_process(client):
    """Running observation statistics (GymTask with obs_norm): workers get the driver's state
    every generation, their per-individual sums come back, and the run is bit-identical."""
    pytest.importorskip("gymnasium")
    from evornn.tasks import GymTask

    def problem():
        task = GymTask("CartPole-v1", n_episodes=2, num_envs=4, controller_dt=0.5, obs_norm=True)
        return evornn.Problem(evornn.CTRNN.codec(2, n_inputs=4), task)

    local_problem, remote_problem = problem(), problem()
    local = evornn.evolve(local_problem, "cmaes", n_pop=12, n_generations=4, rng=5, progress=False)
    remote = evornn.evolve(remote_problem, "cmaes", n_pop=12, n_generations=4, rng=5, progress=False, client=client)
    assert fingerprint(local) == fingerprint(remote)
    for name, value in local_problem.task.state_dict().items():
        np.testing.assert_array_equal(remote_problem.task.state_dict()[name], value)
    assert local_problem.task.state_dict()["obs_count"][0] > 0


def test_a_store_is_created_whole_or_not_at_all(tmp_path, monkeypatch):
    """A driver stopped while creating its store (Ctrl-C at once) leaves no store, so the next
    run starts afresh instead of finding a store that holds no sweep."""
    from evornn.sweep import store as store_module

    spec = SweepSpec("tests.sweep.helpers:square", {"x": [0, 1]})
    path = tmp_path / "s.sqlite"

    def interrupted():
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(store_module, "provenance", interrupted)  # stops it between the tables and the sweep's row
        with pytest.raises(KeyboardInterrupt):
            SweepStore(path, spec, driver=True)
    assert not path.exists() and [p.name for p in tmp_path.iterdir()] == ["s.sqlite.lock"]  # nothing half-made
    with SweepStore(path, spec, driver=True) as store:
        assert store.status() == {"total": 2, "done": 0, "failed": 0, "pending": 2}
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    with SweepStore(path) as store:  # reopened without the spec: it holds its sweep
        assert store.spec.digest() == spec.digest()
