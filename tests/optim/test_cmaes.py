"""evornn's CMA-ES drives DEAP's cma.Strategy exactly as DEAP's own update would."""

import numpy as np
import pytest

from evornn.optim import _deap


def test_tell_matches_deaps_update_on_individuals(rng):
    ours = _deap.CMAStrategy(np.zeros(5), 0.5, lambda_=20)
    theirs = _deap.CMAStrategy(np.zeros(5), 0.5, lambda_=20)
    for _ in range(4):
        genomes = ours.sample(rng)
        fitness = -np.sum((genomes - 0.3) ** 2, axis=1)
        fitness[3] = fitness[7]  # a tie: the first stays first in both
        ours.tell(genomes, fitness)
        theirs.update(_deap.individuals(genomes, fitness))  # DEAP's own sort and update
        for name in _deap.CMAStrategy.STATE:
            np.testing.assert_array_equal(getattr(ours, name), getattr(theirs, name))


def test_sampling_uses_only_the_given_generator():
    a = _deap.CMAStrategy(np.zeros(4), 0.3, lambda_=8)
    b = _deap.CMAStrategy(np.zeros(4), 0.3, lambda_=8)
    np.random.seed(1)  # noqa: NPY002 - the global state must not matter
    x = a.sample(np.random.default_rng(5))
    np.random.seed(2)  # noqa: NPY002
    np.testing.assert_array_equal(x, b.sample(np.random.default_rng(5)))


def test_a_covariance_broken_by_round_off_is_repaired_not_sampled_as_nan():
    """A covariance with a tiny negative eigenvalue makes DEAP's square root NaN; the
    strategy floors the eigenvalues (as pycma does) and keeps sampling finite genomes."""
    strategy = _deap.CMAStrategy(np.zeros(3), 0.5, lambda_=6)
    u = np.array([1.0, 1.0, 0.0]) / np.sqrt(2)
    C = np.outer(u, u) - 1e-12 * np.eye(3)  # one positive, two negative eigenvalues
    strategy.C = C
    strategy.diagD = np.full(3, np.nan)  # what DEAP's update leaves after sqrt of a negative number
    strategy.BD = strategy.B * strategy.diagD
    strategy._repair()
    eigenvalues = np.linalg.eigvalsh(strategy.C)
    assert np.all(eigenvalues > 0) and eigenvalues.max() == pytest.approx(1.0, rel=1e-9)
    np.testing.assert_allclose(strategy.BD @ strategy.BD.T, strategy.C, atol=1e-12)
    assert np.all(np.isfinite(strategy.sample(np.random.default_rng(0))))
    genomes = strategy.sample(np.random.default_rng(1))
    strategy.tell(genomes, -np.sum(genomes**2, axis=1))
    assert np.all(np.isfinite(strategy.BD))
