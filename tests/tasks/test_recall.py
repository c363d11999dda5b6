"""Recall as a fitness: batched scores against one-probe-at-a-time recall, and a GA that
evolves a small network's weights to store patterns."""

import numpy as np
import pytest

import evornn
from evornn.models.hopfield import Hopfield, flip_bits, hebbian
from evornn.tasks import RecallTask


def test_scores_match_recall_one_network_at_a_time():
    rng = np.random.default_rng(0)
    patterns = np.where(rng.random((3, 30)) < 0.5, -1.0, 1.0)
    weights = np.stack([hebbian(patterns), hebbian(patterns[:1]), rng.normal(size=(30, 30))])
    task = RecallTask(patterns, noise=0.2, n_probes=8, update="sync", max_sweeps=30)
    result = task.evaluate(Hopfield(weights), rng=1)
    probes = flip_bits(np.repeat(patterns, 8, axis=0), 0.2, np.random.default_rng(1))  # the task's draws
    targets = np.repeat(patterns, 8, axis=0)
    for p in range(3):
        one = Hopfield(weights[p]).recall(targets, probes=probes, update="sync", max_sweeps=30)
        assert result.metrics["recall"][p] == one.rate
        assert result.metrics["overlap"][p] == pytest.approx(one.overlap.mean(), abs=1e-12)
        tie_break = 0.5 / 24 * (one.overlap.mean() + 1) / 2
        assert result.fitness[p] == pytest.approx(one.rate + tie_break, abs=1e-12)


def test_ga_evolves_weights_that_store_two_patterns():
    """10 units, 2 random patterns, probes with 1 bit of 10 flipped (10 per pattern); a GA
    (population 60, symmetric weights with zero diagonal as 45 genes) evolves until every probe
    is recalled. The champion must have both patterns as fixed points and recall at least 80%
    of 200 fresh probes."""
    task = RecallTask.random(10, 2, noise=0.1, n_probes=10, rng=0)
    problem = evornn.Problem(Hopfield.codec(10), task)
    result = evornn.evolve(problem, "ga", n_pop=60, n_generations=100, rng=1, target_learned=1.0, progress=False)
    assert result.stop_reason.startswith("target")
    net = result.best_model
    assert net.stored(task.patterns).all()
    assert net.recall(task.patterns, noise=0.1, n_probes=200, rng=5).rate >= 0.8
    w = net.params.weights[0]
    np.testing.assert_array_equal(w, w.T)
    assert np.all(np.diag(w) == 0)


def test_bad_input():
    task = RecallTask.random(8, 2)
    with pytest.raises(ValueError, match="the patterns have 8 units"):
        task.evaluate(Hopfield(np.zeros((9, 9))))
    with pytest.raises(ValueError, match="needs a discrete Hopfield"):
        task.evaluate(evornn.CTRNN([[0.0]]))
    with pytest.raises(ValueError, match="noise must be in"):
        RecallTask(np.ones((1, 4)), noise=1.5)
