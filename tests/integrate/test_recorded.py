"""`simulate_outputs`: the tasks' one-call run that records a few outputs after a transient
and measures them, against `simulate` and a textbook loop for the measures."""

import numpy as np
import pytest

import evornn
from evornn.integrate.simulate import simulate_outputs
from evornn.models.rnn import Elman
from tests.reference import crossings_and_range


def reference(model, dt, n_skip, n_record, outputs, n_tail, method="rk4"):
    """Two `simulate` calls (transient, then the record of every state), the outputs read
    from the states, the measures by the textbook loop."""
    kwargs = {"dt": dt} if model.time == "continuous" else {}
    warm = evornn.simulate(model, n_steps=n_skip, method=method, **kwargs)
    traj = evornn.simulate(model, y0=warm.y_final, n_steps=n_record, method=method, **kwargs)
    z = traj.outputs[:, :, outputs]
    step = dt if model.time == "continuous" else 1.0
    t = step * (n_skip + np.arange(n_record + 1))
    measures = np.array([[crossings_and_range(t, z[:, p, k], n_tail) for k in range(len(outputs))]
                         for p in range(model.n_pop)])
    return t, z, warm.diverged | traj.diverged, measures[..., 0], measures[..., 1]


@pytest.mark.parametrize("n_pop", [40, 5])
def test_ctrnn_outputs_and_measures_equal_simulate(n_pop):
    # In the CTRNN's SIMD lanes: three blocks of 16 (the last partly empty), or one.
    # Random networks, and every third one Beer's two-neuron oscillator (period about 29)
    # with its biases shifted a little, so that fixed points and oscillations both occur.
    rng = np.random.default_rng(4)
    weights = rng.uniform(-8, 8, (n_pop, 3, 3))
    bias = rng.uniform(-4, 4, (n_pop, 3))
    weights[::3] = [[4.5, 1.0, 0.0], [-1.0, 4.5, 0.0], [0.0, 0.0, 1.0]]
    bias[::3] = np.array([-2.75, -1.75, 0.0]) + rng.uniform(-0.1, 0.1, (len(bias[::3]), 3))
    model = evornn.CTRNN(weights, bias=bias, tau=rng.uniform(1, 2, (n_pop, 3)))
    rec = simulate_outputs(model, 0.1, 150, 900, [1, 0], n_tail=300)
    t, z, diverged, period, span = reference(model, 0.1, 150, 900, [1, 0], 300)
    np.testing.assert_array_equal(rec.t, t)
    np.testing.assert_allclose(rec.z, z, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(rec.diverged, diverged)
    np.testing.assert_allclose(rec.period, period, rtol=1e-9, equal_nan=True)
    np.testing.assert_allclose(rec.span, span, rtol=0, atol=1e-12, equal_nan=True)
    assert np.isfinite(rec.period).any() and np.isnan(rec.period).any()  # oscillators and fixed points both


def test_scipy_method_takes_the_simulate_path():
    model = evornn.CTRNN.random(3, 2, rng=2)
    rec = simulate_outputs(model, 0.1, 20, 60, [1], n_tail=30, method="RK45")
    _t, z, _diverged, period, span = reference(model, 0.1, 20, 60, [1], 30, method="RK45")
    np.testing.assert_allclose(rec.z, z, rtol=0, atol=1e-12)
    np.testing.assert_allclose(rec.span, span, rtol=0, atol=1e-12, equal_nan=True)
    np.testing.assert_allclose(rec.period, period, rtol=1e-9, equal_nan=True)


def test_a_chunk_computes_like_the_population():
    # Dask evaluates a population in chunks: each individual's bits must not depend on it.
    model = evornn.CTRNN.random(40, 2, rng=5)
    whole = simulate_outputs(model, 0.05, 50, 200, [0], n_tail=60)
    part = simulate_outputs(model.take(np.arange(17, 23)), 0.05, 50, 200, [0], n_tail=60)
    np.testing.assert_array_equal(part.z, whole.z[:, 17:23])
    np.testing.assert_array_equal(part.period, whole.period[17:23])


def test_model_without_lanes():
    model = Elman.random(6, 4, 1, 2, rng=1, scale=2.0)
    rec = simulate_outputs(model, None, 5, 30, [1, 0], n_tail=10)
    t, z, _diverged, period, span = reference(model, None, 5, 30, [1, 0], 10, method="map")
    np.testing.assert_array_equal(rec.t, t)
    np.testing.assert_allclose(rec.z, z, rtol=0, atol=1e-12)
    np.testing.assert_allclose(rec.span, span, rtol=0, atol=1e-12, equal_nan=True)
    np.testing.assert_allclose(rec.period, period, rtol=1e-9, equal_nan=True)


def test_diverging_individuals_are_flagged_alone():
    # RK4 with dt = 1 on tau = 0.01 is unstable: that individual blows up, the others do not.
    tau = np.ones((20, 2))
    tau[7] = 0.01
    model = evornn.CTRNN(np.full((20, 2, 2), 2.0), tau=tau, bias=-1.0)
    rec = simulate_outputs(model, 1.0, 10, 50, [0], n_tail=10)
    assert rec.diverged.tolist() == [p == 7 for p in range(20)]
    assert np.isnan(rec.span[7, 0]) and np.isnan(rec.period[7, 0])
    assert np.isfinite(rec.span[np.arange(20) != 7]).all()


def test_float32_model_records_in_float32():
    model = evornn.CTRNN.random(32, 2, rng=3)
    rec32 = simulate_outputs(model.astype(np.float32), 0.05, 100, 200, [0], n_tail=50)
    rec64 = simulate_outputs(model, 0.05, 100, 200, [0], n_tail=50)
    assert rec32.z.dtype == np.float32
    np.testing.assert_allclose(rec32.z, rec64.z, rtol=0, atol=1e-4)
