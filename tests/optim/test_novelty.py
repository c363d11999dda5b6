"""Novelty search: novelty against a brute-force reference, the archive's rules, and a
deceptive trap that fitness-based search does not escape."""

import random

import numpy as np
import pytest

import evornn
from evornn.errors import ConfigError
from evornn.optim import METHODS
from evornn.optim.novelty import novelty
from evornn.tasks import Evaluation, FunctionTask
from tests.optim.helpers import bias_plane_problem


def slow_novelty(behaviours, archive, k):
    out = []
    for i, b in enumerate(behaviours):
        if not np.isfinite(b).all():
            out.append(0.0)
            continue
        others = [o for j, o in enumerate(behaviours) if j != i and np.isfinite(o).all()] + list(archive)
        distances = sorted(float(np.linalg.norm(b - o)) for o in others)
        out.append(float(np.mean(distances[:k])))
    return np.array(out)


def test_novelty_is_the_mean_distance_to_the_k_nearest_others(rng):
    behaviours = rng.uniform(size=(40, 3))
    behaviours[5] = behaviours[6]  # twins: each is the other's nearest, at distance 0
    behaviours[9, 1] = np.nan  # no behaviour: novelty 0, nobody's neighbour
    archive = rng.uniform(size=(25, 3))
    np.testing.assert_allclose(novelty(behaviours, archive, 7), slow_novelty(behaviours, archive, 7), rtol=1e-12)
    np.testing.assert_allclose(novelty(behaviours[:4], archive[:0], 15), slow_novelty(behaviours[:4], [], 15),
                               rtol=1e-12)  # fewer than k others: all of them


def evaluation_of(values):
    return Evaluation.from_raw(np.zeros(len(values)), {"bias0": values[:, 0], "bias1": values[:, 1]})


def test_the_threshold_rises_after_many_additions_and_falls_after_a_quiet_spell():
    strategy = METHODS["novelty"](8, 10, 100, np.random.default_rng(0), random.Random(0), threshold=0.01, k=3,
                                  n_elite=0)
    strategy.attach(bias_plane_problem())
    spread = np.linspace(-16, 16, 10)
    strategy.tell_evaluation(strategy.ask(), evaluation_of(np.stack([spread, spread], axis=1)))
    assert strategy.novelty_archive.shape == (10, 2) and strategy.threshold == pytest.approx(0.012)  # > 4 added: +20%
    same = np.zeros((10, 2))  # behaviours already seen, over and over: novelty 0
    for _ in range(249):
        strategy.tell_evaluation(strategy.ask(), evaluation_of(same))
    assert strategy.threshold == pytest.approx(0.012)
    strategy.tell_evaluation(strategy.ask(), evaluation_of(same))  # 2,500 evaluations without an addition
    assert strategy.threshold == pytest.approx(0.012 * 0.95) and strategy.novelty_archive.shape[0] == 10


def trap(model, rng=None):
    """A deceptive plane of two biases: fitness pulls towards (-12, -12), the goal is a disc of
    radius 0.5 around (14, 14)."""
    b = model.bias
    solved = np.linalg.norm(b - [14.0, 14.0], axis=1) < 0.5
    fitness = np.where(solved, 100.0, -np.linalg.norm(b - [-12.0, -12.0], axis=1))
    return fitness, {"bias0": b[:, 0], "bias1": b[:, 1], "solved": solved.astype(float)}


TRAP = evornn.Problem(evornn.CTRNN.codec(2), FunctionTask(trap, descriptors=[("bias0", -16, 16), ("bias1", -16, 16)]))


@pytest.mark.parametrize(("method", "options", "solves"), [
    ("ga", {}, False), ("novelty", {}, True), ("novelty", {"archive_add": "random"}, True),
])
def test_novelty_search_escapes_a_deceptive_trap_that_fitness_does_not(method, options, solves):
    result = evornn.evolve(TRAP, method, n_pop=100, n_generations=100, rng=0, target_solved=1, progress=False,
                           **options)
    assert (result.stop_reason == "target_solved") == solves
    if method == "novelty":
        assert {"archive_size", "novelty_threshold", "mean_novelty"} <= set(result.history[-1])


@pytest.mark.parametrize("objective", ["weighted", "pareto"])
def test_novelty_with_fitness_keeps_the_tasks_fitness_in_the_history(objective):
    result = evornn.evolve(bias_plane_problem(), "novelty", n_pop=20, n_generations=6, rng=1, progress=False,
                           objective=objective)
    decoded = bias_plane_problem().codec.decode(result.population)
    np.testing.assert_allclose(result.population_fitness, -np.sum(decoded.weights**2, axis=(1, 2)) / 256, rtol=1e-12)
    assert result.history[-1]["max"] <= 0.0


def test_novelty_checks_its_settings():
    with pytest.raises(ConfigError, match="behaviour descriptors"):
        evornn.evolve(evornn.Problem(evornn.CTRNN.codec(1), FunctionTask(lambda m, r: -m.bias[:, 0] ** 2)),
                      "novelty", n_pop=8, n_generations=2, progress=False)
    with pytest.raises(ConfigError, match="multiple of 4"):
        evornn.evolve(bias_plane_problem(), "novelty", n_pop=10, n_generations=2, progress=False, objective="pareto")
    with pytest.raises(ConfigError, match="archive_add must be one of"):
        evornn.evolve(bias_plane_problem(), "novelty", n_pop=8, n_generations=2, progress=False, archive_add="all")


def test_a_run_with_missing_behaviours_resumes_bit_identically(tmp_path):
    # Oscillators that do not oscillate have no period: NaN behaviours, kept in checkpoints.
    from tests.optim.helpers import Wrapped, fingerprint, oscillator_problem

    problem = oscillator_problem()
    kwargs = dict(n_pop=16, n_generations=8, rng=2, progress=False, checkpoint_every=2)
    full = evornn.evolve(problem, "novelty", **kwargs)
    path = tmp_path / "run.npz"
    with pytest.raises(KeyboardInterrupt):
        evornn.evolve(evornn.Problem(problem.codec, Wrapped(problem.task, fail_at=6)), "novelty", checkpoint_path=path,
                      **kwargs)
    resumed = evornn.evolve(problem, "novelty", checkpoint_path=path, resume=True, **kwargs)
    assert fingerprint(resumed) == fingerprint(full)
