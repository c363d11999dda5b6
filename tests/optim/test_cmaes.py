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


def rastrigin_fitness(model, rng=None):
    """Rastrigin on the weights and biases of a 2-neuron CTRNN (6 of its 8 genes; Beer's
    [-16, 16] scaled to Rastrigin's [-5.12, 5.12]), maximised."""
    genes = np.concatenate([model.weights.reshape(model.n_pop, -1), model.bias], axis=1) / 16 * 5.12
    return -(10 * genes.shape[1] + np.sum(genes**2 - 10 * np.cos(2 * np.pi * genes), axis=1))


def restart_problem():
    import evornn
    from evornn.tasks import FunctionTask

    return evornn.Problem(evornn.CTRNN.codec(2), FunctionTask(rastrigin_fitness, worst_fitness=-1e9))


@pytest.mark.parametrize("restarts", ["ipop", "bipop"])
def test_restarts_change_the_population_as_their_papers_say_and_resume_bit_identically(restarts, tmp_path):
    import evornn
    from tests.optim.helpers import Wrapped, fingerprint

    problem = restart_problem()
    # BIPOP's first large restart comes once the small runs (each at most half the evaluations
    # of the first run, about 200 generations here) have used as many evaluations as it: after
    # about 560 generations, so 800 leave room whatever the CPU's rounding does to the runs.
    kwargs = dict(n_pop=8, n_generations=800, rng=4, progress=False, checkpoint_every=7, restarts=restarts, tolfun=1e-6)
    full = evornn.evolve(problem, "cmaes", **kwargs)
    sizes = [record["evals"] for record in full.history]
    changes = [k for k in range(1, len(sizes)) if sizes[k] != sizes[k - 1]]
    assert len(changes) >= 2  # at least two restarts within the budget
    if restarts == "ipop":
        # Each restart doubles the population: 8, 16, 32 ...
        assert sorted(set(sizes)) == [8 * 2**k for k in range(len(set(sizes)))]
        assert all(sizes[k] == 2 * sizes[k - 1] for k in changes)
    else:
        # Small runs (fewer than the last large population, at most half its budget) and
        # large ones (doubling) alternate.
        assert any(sizes[k] < sizes[k - 1] for k in changes) and max(sizes) >= 16
    crashing = evornn.Problem(problem.codec, Wrapped(problem.task, fail_at=changes[1] + 3))
    path = tmp_path / "run.npz"
    with pytest.raises(KeyboardInterrupt):
        evornn.evolve(crashing, "cmaes", checkpoint_path=path, **kwargs)
    resumed = evornn.evolve(problem, "cmaes", checkpoint_path=path, resume=True, **kwargs)
    assert fingerprint(resumed) == fingerprint(full)
