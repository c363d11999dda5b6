"""float32, opt in (``Model.astype``): the CTRNN's and the ESN's kernels in single precision
against float64 (the reference, itself checked against SciPy and NumPy elsewhere), and the
float32 exponential against NumPy."""

import numpy as np
import pytest

import evornn
from evornn import ESN, datasets
from evornn._vecmath import logistic_into, tanh_into
from evornn.models import Elman
from evornn.optim import Problem
from evornn.tasks import OscillatorTask, WalkerTask

EPS32 = np.finfo(np.float32).eps


def contracting_ctrnn(n_pop, n, n_inputs, rng):
    """Random CTRNNs whose flow contracts (the logistic's slope is at most g / 4, and
    ``g ||W|| / 4 < 1``), so that two roundings of one trajectory cannot part ways: the
    networks the 1e-4 criterion is about (chaotic ones diverge in any two precisions)."""
    weights = rng.normal(0.0, 1.0, (n_pop, n, n))
    weights *= 3.0 / np.linalg.norm(weights, ord=2, axis=(1, 2))[:, None, None]
    return evornn.CTRNN(weights, tau=rng.uniform(0.5, 2.0, (n_pop, n)), bias=rng.uniform(-3, 3, (n_pop, n)),
                        gain=rng.uniform(0.5, 1.0, (n_pop, n)), input_weights=rng.normal(0, 1, (n_pop, n, n_inputs)))


def test_float32_logistic_and_tanh_are_within_a_few_float32_ulp(rng):
    x64 = np.concatenate([rng.uniform(-60, 60, 20000), rng.normal(0, 3, 20000), np.linspace(-60, 60, 4001)])
    x = x64.astype(np.float32)
    out, scratch = np.empty_like(x), np.empty_like(x)
    logistic_into(x, out, scratch)
    assert out.dtype == np.float32
    exact = 1.0 / (1.0 + np.exp(-x.astype(np.float64)))
    assert (np.abs(out - exact) / exact).max() < 3 * EPS32
    tanh_into(x, out, scratch)
    assert np.abs(out - np.tanh(x.astype(np.float64))).max() < 4 * EPS32


def test_float32_logistic_saturates_without_subnormals_and_propagates_nan():
    x = np.array([np.inf, -np.inf, np.nan, 1e30, -1e30, 0.0, -80.0], dtype=np.float32)
    out, scratch = np.empty_like(x), np.empty_like(x)
    logistic_into(x, out, scratch)
    assert out[0] == 1.0 and out[3] == 1.0 and out[5] == 0.5 and np.isnan(out[2])
    # Saturated rates stay normal numbers (products with weights must not turn subnormal).
    tiny = out[[1, 4, 6]]
    assert (tiny > 0).all() and (tiny < 1e-27).all() and (tiny >= np.finfo(np.float32).tiny * 1e9).all()


@pytest.mark.parametrize("n, n_pop", [(3, 40), (10, 7), (40, 5)])
def test_ctrnn_float32_stays_within_1e_4_of_float64_over_1000_rk4_steps(rng, n, n_pop):
    """Lanes (3 and 10 neurons, a full and a padded block) and rows (40: padded columns),
    with per-step inputs."""
    net = contracting_ctrnn(n_pop, n, 2, rng)
    y0 = rng.uniform(-2, 2, (n_pop, n))
    inputs = np.sin(np.linspace(0, 20, 1000))[:, None, None] * rng.normal(0, 1, (1, n_pop, 2))
    reference = evornn.simulate(net, y0, dt=0.05, n_steps=1000, method="rk4", inputs=inputs, record_every=10)
    single = evornn.simulate(net.astype(np.float32), y0, dt=0.05, n_steps=1000, method="rk4", inputs=inputs,
                             record_every=10)
    assert single.y.dtype == np.float32 and single.y_final.dtype == np.float32
    assert np.abs(single.y - reference.y).max() < 1e-4
    assert np.abs(single.outputs - reference.outputs).max() < 1e-4
    assert np.ptp(reference.y[-1]) > 0.1  # the states move: the comparison is not between zeros
    generic = evornn.simulate(net.astype(np.float32), y0, dt=0.05, n_steps=1000, method="rk4", inputs=inputs,
                              record_every=10, fast=False)
    assert np.abs(generic.y - reference.y).max() < 1e-4


def test_the_float32_stepper_steps_as_the_float32_simulation(rng):
    net = contracting_ctrnn(4, 5, 1, rng).astype(np.float32)
    stepper = net.stepper(0.05, method="rk4")
    outputs = [stepper.step(np.full((4, 1), 0.3)) for _ in range(50)]
    traj = evornn.simulate(net, dt=0.05, n_steps=50, method="rk4", inputs=[0.3])
    assert stepper.state.dtype == np.float32
    np.testing.assert_allclose(stepper.state, traj.y_final, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(outputs[-1], traj.outputs[-1], rtol=1e-6, atol=1e-6)


def test_esn_float32_states_and_predictions_follow_float64():
    series = datasets.mackey_glass(2200)
    x_train, y_train, x_test, y_test = datasets.train_test(series, 2000)
    esn = ESN.random(100, spectral_radius=1.25, leak=0.3, input_scaling=1.0, rng=0, n_pop=3)
    single = esn.astype(np.float32)
    states = single.states(x_train[:1000])
    assert states.dtype == np.float32
    assert np.abs(states - esn.states(x_train[:1000])).max() < 1e-4
    fitted, fitted32 = esn.fit(x_train, y_train, washout=100), single.fit(x_train, y_train, washout=100)
    assert fitted32.dtype == np.float32 and fitted32.state_.dtype == np.float32
    error, error32 = evornn.nrmse(fitted.predict(x_test)[0], y_test), evornn.nrmse(fitted32.predict(x_test)[0], y_test)
    assert error < 0.01 and error32 < 0.01 and abs(error32 - error) < 0.2 * error
    generated = fitted32.generate(50, warmup=x_test[:100])
    assert generated.dtype == np.float32 and np.isfinite(generated).all()


def test_walkers_walk_at_the_same_speed_in_float32():
    """The closed loop in float32 (SIMD lanes) against float64: the walkers' velocities
    agree to float32 rounding (their gaits are stable limit cycles)."""
    net = evornn.CTRNN.random(200, 4, n_inputs=1, rng=3)
    task = WalkerTask(duration=60.0)
    double, single = task.evaluate(net), task.evaluate(net.astype(np.float32))
    assert (double.metrics["velocity"] > 0.2).sum() >= 5  # some of them walk
    np.testing.assert_allclose(single.metrics["velocity"], double.metrics["velocity"], rtol=1e-4, atol=1e-5)


def test_a_problem_evaluates_in_float32_and_rejects_models_without_it(rng):
    task = OscillatorTask(period=10.0, amplitude=0.5)
    problem = Problem(evornn.CTRNN.codec(2), task, dtype=np.float32)
    genomes = rng.uniform(0, 1, (6, problem.n_genes))
    assert problem.decode(genomes).dtype == np.float32
    np.testing.assert_allclose(problem.evaluate(genomes).fitness,
                               Problem(evornn.CTRNN.codec(2), task).evaluate(genomes).fitness, rtol=1e-3, atol=1e-4)
    with pytest.raises(ValueError, match="dtype must be one of float64 for Elman"):
        Elman.random(2, 3, 1, 1, rng=0).astype(np.float32)
    with pytest.raises(ValueError, match="float16"):
        evornn.CTRNN.random(2, 3, rng=0).astype(np.float16)


def test_a_model_refuses_mixed_floating_fields():
    params = ESN.random(30, rng=0).params
    with pytest.raises(TypeError, match="must share one dtype"):
        ESN(params._replace(data=params.data.astype(np.float32)))
    assert ESN(ESN.random(30, rng=0).astype(np.float32).params).dtype == np.float32


def test_an_experiment_file_asks_for_float32_in_its_model_table():
    from evornn import ConfigError
    from evornn.config import build_problem, resolve

    task = {"type": "oscillator", "period": 10.0, "amplitude": 0.5}
    problem = build_problem(resolve({"model": {"type": "ctrnn", "n_neurons": 2, "dtype": "float32"}, "task": task}))
    assert problem.dtype == np.float32
    with pytest.raises(ConfigError, match=r"\[model\] dtype = 'float32': Elman computes in float64 only"):
        resolve({"model": {"type": "elman", "n_hidden": 2, "n_inputs": 1, "dtype": "float32"}, "task": task})
    with pytest.raises(ConfigError, match=r"\[model\] dtype must be"):
        resolve({"model": {"type": "ctrnn", "n_neurons": 2, "dtype": "half"}, "task": task})
