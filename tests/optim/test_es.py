"""The evolution-strategy family against functions with known optima, against full CMA-ES on
a separable problem, and on evornn problems through `evolve`."""

import random

import numpy as np
import pytest

import evornn
from evornn.errors import ConfigError
from evornn.optim import METHODS
from evornn.optim.es import centred_ranks, nes_utilities
from evornn.tasks import FunctionTask
from tests.optim.helpers import teacher_sequence_task

ES = ["sep_cmaes", "openai_es", "pgpe", "snes", "xnes"]


def sphere(x):
    return np.sum(x**2, axis=1)


def rosenbrock(x):
    x = x + 1.0  # the optimum moved to the origin, inside the gene box
    return np.sum(100 * (x[:, 1:] - x[:, :-1] ** 2) ** 2 + (1 - x[:, :-1]) ** 2, axis=1)


def minimise(method, f, n_genes, n_pop, budget, seed=0, **options):
    """Drive a strategy by ask and tell on `f`; the best value sampled, the value at the
    distribution's mean, and the evaluations used."""
    strategy = METHODS[method](n_genes, n_pop, 10**9, np.random.default_rng(seed), random.Random(seed), **options)
    evaluations, best = 0, np.inf
    while evaluations < budget:
        genomes = strategy.ask()
        values = f(genomes)
        strategy.tell(genomes, -values)
        evaluations += len(genomes)
        best = min(best, values.min())
    return best, float(f(strategy.mean[None])[0]), evaluations


@pytest.mark.parametrize(("method", "f", "budget", "bound", "n_pop", "options"), [
    ("sep_cmaes", sphere, 50_000, 1e-8, 20, {}),
    ("snes", sphere, 50_000, 1e-8, 20, {}),
    ("xnes", sphere, 50_000, 1e-8, 20, {}),
    ("openai_es", sphere, 50_000, 1e-3, 100, {}),
    # ClipUp moves the mean at up to max_speed: set it to the precision wanted.
    ("pgpe", sphere, 50_000, 1e-3, 100, {"max_speed": 0.02}),
    ("sep_cmaes", rosenbrock, 200_000, 1e-6, 20, {}),
    ("xnes", rosenbrock, 200_000, 1e-6, 20, {}),
])
def test_known_optima_in_ten_dimensions(method, f, budget, bound, n_pop, options):
    best, at_mean, evaluations = minimise(method, f, 10, n_pop, budget, **options)
    assert evaluations <= budget + n_pop + 1
    assert at_mean < bound and best < max(bound, 1e-2)


def test_sep_cmaes_learns_a_separable_ellipsoid_faster_than_full_cmaes():
    # Ros and Hansen 2008: on separable ill-conditioned problems the diagonal covariance,
    # learnt with (n + 2) / 3 times the learning rates, adapts several times sooner.
    n = 20
    scales = 10 ** (6 * np.arange(n) / (n - 1))

    def to_target(method):
        strategy = METHODS[method](n, 12, 10**9, np.random.default_rng(3), random.Random(3), sigma=0.3)
        evaluations = 0
        while evaluations < 100_000:
            genomes = strategy.ask()
            values = (genomes**2) @ scales
            strategy.tell(genomes, -values)
            evaluations += len(genomes)
            if values.min() < 1e-8:
                return evaluations
        return np.inf

    assert to_target("sep_cmaes") < 0.5 * to_target("cmaes")


def test_fitness_shaping():
    np.testing.assert_array_equal(centred_ranks(np.array([3.0, -1.0, 7.0, 0.0, 5.0])), [0.0, -0.5, 0.5, -0.25, 0.25])
    u = nes_utilities(10)  # Wierstra et al. 2014: zero sum, decreasing, the worse half equal
    assert u.sum() == pytest.approx(0.0, abs=1e-15)
    assert np.all(np.diff(u) <= 0) and np.all(u[5:] == -0.1) and u[0] > u[4] > -0.1


@pytest.mark.parametrize("method", ES)
def test_every_strategy_finds_a_known_optimum_through_a_codec_and_a_task(method):
    # Biases of a 3-neuron CTRNN pulled towards (4, -8, 12) (in [-16, 16]), weights to zero:
    # the codec, the clipping and the loop all take part.
    target = np.array([4.0, -8.0, 12.0])

    def pull(model, rng):
        return -np.sum((model.bias - target) ** 2, axis=1) - np.sum(model.weights**2, axis=(1, 2))

    options = {"pgpe": {"max_speed": 0.02}}.get(method, {})  # as on the sphere
    problem = evornn.Problem(evornn.CTRNN.codec(3), FunctionTask(pull, worst_fitness=-1e9))
    result = evornn.evolve(problem, method, n_pop=40, n_generations=400, rng=0, target_fitness=-1e-2, progress=False,
                           **options)
    assert result.stop_reason == "target_fitness"
    np.testing.assert_allclose(result.best_model.bias[0], target, atol=0.1)


@pytest.mark.parametrize("method", ES)
def test_every_strategy_improves_a_small_sequence_task(method):
    problem = evornn.Problem(evornn.CTRNN.codec(2, 1), teacher_sequence_task())
    options = {"openai_es": {"sigma": 0.05, "learning_rate": 0.03}, "pgpe": {"sigma": 0.2},
               "sep_cmaes": {"sigma": 0.3}}.get(method, {})
    result = evornn.evolve(problem, method, n_pop=50, n_generations=60, rng=1, progress=False, **options)
    first = 1 / result.history[0]["max"] - 1  # the best mse of the first generation
    assert result.best_metrics["mse"] < first / 2


def test_the_centre_is_evaluated_last_and_counted():
    problem = evornn.Problem(evornn.CTRNN.codec(1), FunctionTask(lambda model, rng: -model.bias[:, 0] ** 2))
    result = evornn.evolve(problem, "openai_es", n_pop=6, n_generations=3, rng=2, progress=False)
    assert result.n_evaluations == 3 * 7 and result.history[0]["evals"] == 7
    strategy = METHODS["pgpe"](4, 6, 10, np.random.default_rng(0), random.Random(0))
    asked = strategy.ask()
    assert asked.shape == (7, 4)
    np.testing.assert_array_equal(asked[-1], strategy.mean)
    np.testing.assert_array_equal(asked[:3] + asked[3:6], 2 * strategy.mean[None].repeat(3, axis=0))  # symmetric


@pytest.mark.parametrize(("method", "options", "message"), [
    ("openai_es", {}, "n_pop must be even"),
    ("pgpe", {"optimizer": "sgd"}, "optimizer must be one of"),
    ("openai_es", {"evaluate_center": 1}, "evaluate_center must be true or false"),
    ("snes", {"sigma": -1.0}, "sigma must be a number"),
    ("xnes", {"shape_learning_rate": 0.0}, "shape_learning_rate"),
    ("sep_cmaes", {"mu": 0}, "mu must be an integer"),
])
def test_bad_options_raise_before_any_work(method, options, message):
    problem = evornn.Problem(evornn.CTRNN.codec(1), FunctionTask(lambda model, rng: -model.bias[:, 0] ** 2))
    with pytest.raises(ConfigError, match=message):
        evornn.evolve(problem, method, n_pop=7 if not options else 8, n_generations=2, progress=False, **options)
