"""Checkpoints across processes: SIGKILL at a random generation, then resume; thread counts;
corrupt and mismatched files."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import evornn
from evornn.errors import CheckpointError
from evornn.optim import METHODS, checkpoint
from tests.optim.helpers import fingerprint, oscillator_problem, problem_for

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = dict(n_pop=16, n_generations=12, rng=21, checkpoint_every=1)

CHILD = textwrap.dedent(
    """
    import sys
    import evornn
    from tests.optim.helpers import Wrapped, problem_for
    method, path = sys.argv[1], sys.argv[2]
    problem = problem_for(method)
    slow = evornn.Problem(problem.codec, Wrapped(problem.task, sleep=0.15))
    evornn.evolve(slow, method, checkpoint_path=path, progress=False, **{settings})
    """
).replace("{settings}", repr(SETTINGS))


def checkpoint_generation(path: Path) -> int:
    try:
        header, _ = checkpoint.load(path)
    except (FileNotFoundError, CheckpointError):
        return -1
    return header["progress"]["generation"]


@pytest.mark.parametrize("method", list(METHODS))
def test_a_run_killed_at_a_random_generation_resumes_bit_identically(method, tmp_path, rng):
    path = tmp_path / "run.npz"
    kill_after = int(rng.integers(1, SETTINGS["n_generations"] - 3))
    child = subprocess.Popen([sys.executable, "-c", CHILD, method, str(path)], cwd=ROOT)
    try:
        deadline = time.monotonic() + 300
        while checkpoint_generation(path) < kill_after:
            assert child.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait()
    assert child.returncode == -signal.SIGKILL
    assert checkpoint_generation(path) < SETTINGS["n_generations"]
    problem = problem_for(method)
    resumed = evornn.evolve(problem, method, checkpoint_path=path, resume=True, progress=False, **SETTINGS)
    uninterrupted = evornn.evolve(problem, method, progress=False, **SETTINGS)
    assert fingerprint(resumed) == fingerprint(uninterrupted)


THREADS = textwrap.dedent(
    """
    import json, sys
    import evornn
    from tests.optim.helpers import fingerprint, problem_for
    out = {m: fingerprint(evornn.evolve(problem_for(m), m, n_pop=40, n_generations=4, rng=8, progress=False))
           for m in ("ga", "sa", "pso", "cmaes", "sep_cmaes", "openai_es", "pgpe", "snes", "xnes", "map_elites",
                     "cma_me", "novelty", "nsga2")}
    json.dump(out, sys.stdout)
    """
)


def test_runs_are_bit_identical_with_one_and_two_threads():
    outs = []
    for n in ("1", "2"):
        done = subprocess.run([sys.executable, "-c", THREADS], cwd=ROOT, env={**os.environ, "NUMBA_NUM_THREADS": n},
                              capture_output=True, text=True, check=True, timeout=600)
        outs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    assert outs[0] == outs[1]


def test_corrupt_or_mismatched_checkpoints_give_clear_errors(tmp_path):
    problem = oscillator_problem()
    path = tmp_path / "run.npz"
    evornn.evolve(problem, "ga", n_pop=8, n_generations=3, rng=0, checkpoint_path=path, progress=False)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match=r"run.npz.*corrupt or truncated"):
        evornn.evolve(problem, "ga", n_pop=8, n_generations=3, rng=0, checkpoint_path=path, resume=True)
    path.write_bytes(data)
    with pytest.raises(CheckpointError, match=r"different settings.*n_pop"):
        evornn.evolve(problem, "ga", n_pop=10, n_generations=3, rng=0, checkpoint_path=path, resume=True)
    with pytest.raises(CheckpointError, match="seed 0, not 1"):
        evornn.evolve(problem, "ga", n_pop=8, n_generations=3, rng=1, checkpoint_path=path, resume=True)
    other = tmp_path / "other.npz"
    np.savez(other, x=np.zeros(3))
    with pytest.raises(CheckpointError, match="not a readable evornn checkpoint"):
        checkpoint.load(other)


def test_a_checkpoint_does_not_grow_with_the_history_and_a_killed_tail_is_cut(tmp_path):
    """The history goes to an appended log: the checkpoint file is the same size at
    generation 5 and at generation 60. Lines a killed run appended after its last checkpoint
    (here a torn line) are cut on resume, which then ends as an uninterrupted run."""
    problem = oscillator_problem()
    settings = dict(n_pop=8, rng=3, checkpoint_every=1, progress=False)
    path = tmp_path / "run.npz"
    evornn.evolve(problem, "ga", n_generations=5, checkpoint_path=path, **settings)
    early = path.stat().st_size
    resumed = evornn.evolve(problem, "ga", n_generations=60, checkpoint_path=path, resume=True, extend=True, **settings)
    assert abs(path.stat().st_size - early) < 200
    log = tmp_path / "run.history.jsonl"
    assert len(log.read_text().splitlines()) == 60
    assert fingerprint(resumed) == fingerprint(evornn.evolve(problem, "ga", n_generations=60, **settings))
    short = tmp_path / "short.npz"
    evornn.evolve(problem, "ga", n_generations=30, checkpoint_path=short, **{**settings, "checkpoint_every": 10})
    with open(tmp_path / "short.history.jsonl", "a") as handle:
        handle.write('{"gen": 30, "best": 1.0}\n{"gen": 31, "be')  # as a run killed after its checkpoint
    again = evornn.evolve(problem, "ga", n_generations=60, checkpoint_path=short, resume=True, extend=True, **settings)
    assert fingerprint(again) == fingerprint(resumed)
    (tmp_path / "short.history.jsonl").write_text("")
    with pytest.raises(CheckpointError, match=r"short.history.jsonl holds 0 generations in 0 bytes"):
        evornn.evolve(problem, "ga", n_generations=70, checkpoint_path=short, resume=True, extend=True, **settings)
