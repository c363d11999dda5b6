"""evornn's CMA-ES drives DEAP's cma.Strategy exactly as DEAP's own update would."""

import numpy as np

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
