"""Fixed-step integration against analytic solutions and the slow NumPy reference."""

import numpy as np
import pytest

import evornn
from evornn import CTRNN, simulate
from tests.reference import ctrnn_trajectory

METHODS = ("euler", "heun", "rk4")


def decaying_neuron(tau=2.0):
    """One neuron with no weights and no inputs: tau dy/dt = -y."""
    return CTRNN([[0.0]], tau=tau)


@pytest.mark.parametrize("fast", [True, False])
def test_single_neuron_follows_exact_discrete_solutions(fast):
    tau, dt, n, y0 = 2.0, 0.1, 200, 1.7
    steps = np.arange(n + 1)
    h = -dt / tau  # dt * lambda for dy/dt = -y / tau
    factors = {
        "euler": 1 + h,
        "heun": 1 + h + h**2 / 2,
        "rk4": 1 + h + h**2 / 2 + h**3 / 6 + h**4 / 24,
    }
    for method, factor in factors.items():
        traj = simulate(decaying_neuron(tau), [y0], dt=dt, n_steps=n, method=method, fast=fast)
        assert np.allclose(traj.y[:, 0, 0], y0 * factor**steps, rtol=1e-13, atol=0)
        assert np.allclose(traj.t, dt * steps, rtol=1e-14)


def test_dop853_follows_the_exponential():
    tau, y0 = 2.0, 1.7
    traj = simulate(decaying_neuron(tau), [y0], dt=0.05, t_max=20.0, method="DOP853", rtol=1e-12, atol=1e-14)
    assert np.abs(traj.y[:, 0, 0] - y0 * np.exp(-traj.t / tau)).max() < 1e-9
    assert traj.success.all() and traj.method == "DOP853"


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("n_neurons", "n_pop", "n_inputs"), [(3, 5, 0), (7, 19, 0), (33, 3, 2)])
def test_random_networks_match_the_reference_loop(method, n_neurons, n_pop, n_inputs, rng):
    # (7, 19) spans two lane blocks with padding. 33 neurons take the row layout, whose
    # product runs in blocks of 12, 12 and 8 rows and one row alone; with per-step inputs.
    net = CTRNN.random(n_pop, n_neurons, n_inputs, rng=rng, tau_range=(1.0, 5.0), weight_range=(-4, 4),
                       bias_range=(-4, 4), input_weight_range=(-2, 2))
    y0 = rng.uniform(-2, 2, (n_pop, n_neurons))
    dt, n_steps = 0.05, 300
    inputs = rng.uniform(-1, 1, (n_steps, n_pop, n_inputs)) if n_inputs else None
    fast = simulate(net, y0, dt=dt, n_steps=n_steps, method=method, inputs=inputs)
    generic = simulate(net, y0, dt=dt, n_steps=n_steps, method=method, inputs=inputs, fast=False)
    for p in range(n_pop):
        u_at = (lambda n, c, p=p: inputs[n, p]) if n_inputs else None
        expected = ctrnn_trajectory(net, p, y0[p], dt, n_steps, method, u_at=u_at)
        assert np.abs(fast.y[:, p] - expected).max() < 1e-10
        assert np.abs(generic.y[:, p] - expected).max() < 1e-10
    assert np.array_equal(fast.y_final, fast.y[-1])
    assert not fast.diverged.any()


@pytest.mark.parametrize("method", ["euler", "rk4"])
def test_wide_lane_blocks_match_the_generic_kernels_and_the_reference(method, rng):
    """520 networks run in blocks of 128 lanes (the last one padded), with per-step inputs."""
    from evornn.models._ctrnn_fast import block_width

    n_pop, n_neurons, n_steps = 520, 4, 100
    assert block_width(n_pop, n_neurons, 2) == 128
    net = CTRNN.random(n_pop, n_neurons, 2, rng=rng, tau_range=(1.0, 5.0), weight_range=(-4, 4))
    y0 = rng.uniform(-2, 2, (n_pop, n_neurons))
    inputs = rng.uniform(-1, 1, (n_steps, n_pop, 2))
    fast = simulate(net, y0, dt=0.05, n_steps=n_steps, method=method, inputs=inputs, record_every=10)
    generic = simulate(net, y0, dt=0.05, n_steps=n_steps, method=method, inputs=inputs, record_every=10, fast=False)
    assert np.abs(fast.y - generic.y).max() < 1e-12
    for p in (0, 127, 128, 519):
        expected = ctrnn_trajectory(net, p, y0[p], 0.05, n_steps, method, u_at=lambda n, c, p=p: inputs[n, p])
        assert np.abs(fast.y[:, p] - expected[::10]).max() < 1e-10


def test_rk4_agrees_with_dop853_over_50_time_units(rng):
    net = CTRNN.random(4, 5, rng=rng, tau_range=(0.5, 5.0), weight_range=(-6, 6), bias_range=(-4, 4))
    y0 = rng.uniform(-1, 1, (4, 5))
    rk4 = simulate(net, y0, dt=0.01, t_max=50.0, method="rk4", record_every=10)
    # SciPy's default atol of 1e-6 would make the reference itself wrong at this level.
    ref = simulate(net, y0, dt=0.01, t_max=50.0, method="DOP853", rtol=1e-10, atol=1e-12, record_every=10)
    assert np.allclose(rk4.t, ref.t)
    assert np.abs(rk4.y - ref.y).max() < 1e-6


@pytest.mark.parametrize("method", METHODS)
def test_per_step_inputs_are_held_over_each_step(method, rng):
    net = CTRNN.random(3, 4, 2, rng=rng, tau_range=(1, 3), weight_range=(-3, 3), input_weight_range=(-2, 2))
    n_steps, dt = 120, 0.05
    u = rng.normal(size=(n_steps, 3, 2))
    traj = simulate(net, np.zeros((3, 4)), dt=dt, inputs=u, method=method)  # n_steps from the inputs
    for p in range(3):
        expected = ctrnn_trajectory(net, p, np.zeros(4), dt, n_steps, method, lambda n, c, p=p: u[n, p])
        assert np.abs(traj.y[:, p] - expected).max() < 1e-10


@pytest.mark.parametrize("method", METHODS)
def test_callable_inputs_are_evaluated_at_every_stage(method, rng):
    net = CTRNN.random(2, 3, 1, rng=rng, tau_range=(1, 3), weight_range=(-3, 3), input_weight_range=(-2, 2))
    dt, n_steps = 0.05, 100
    drive = lambda t: np.array([[np.sin(3 * t)], [np.cos(2 * t)]])  # noqa: E731
    traj = simulate(net, None, dt=dt, n_steps=n_steps, inputs=drive, method=method)
    for p in range(2):
        expected = ctrnn_trajectory(net, p, np.zeros(3), dt, n_steps, method,
                                    lambda n, c, p=p: drive((n + c) * dt)[p])
        assert np.abs(traj.y[:, p] - expected).max() < 1e-10


def test_constant_inputs_broadcast_over_the_population(rng):
    net = CTRNN.random(3, 2, 2, rng=rng)
    a = simulate(net, dt=0.01, n_steps=50, inputs=[0.3, -0.2])
    b = simulate(net, dt=0.01, n_steps=50, inputs=np.tile([0.3, -0.2], (3, 1)))
    assert np.array_equal(a.y, b.y)


def test_record_every_keeps_every_kth_state(rng):
    net = CTRNN.random(3, 4, rng=rng)
    full = simulate(net, dt=0.02, n_steps=100)
    sparse = simulate(net, dt=0.02, n_steps=100, record_every=7)
    assert sparse.y.shape == (100 // 7 + 1, 3, 4)
    assert np.array_equal(sparse.y, full.y[::7])
    assert np.allclose(sparse.t, full.t[::7])
    assert np.array_equal(sparse.y_final, full.y[-1])
    assert sparse.outputs.shape == (15, 3, 4)


def test_divergence_is_flagged_not_raised():
    # Euler with dt = 3 tau is unstable: the state overflows to inf and then NaN.
    net = CTRNN([[[0.0]], [[0.0]]], tau=[[1.0], [100.0]])
    with pytest.warns(evornn.StepSizeWarning):
        traj = simulate(net, [[1.0], [1.0]], dt=3.0, n_steps=2000, method="euler")
    assert traj.diverged.tolist() == [True, False]
    assert not np.isfinite(traj.y_final[0]).all()
    assert np.isfinite(traj.y[:, 1]).all()


def test_divergence_flagged_on_the_fast_and_generic_paths(rng):
    net = CTRNN.random(20, 3, rng=rng, tau_range=(0.01, 0.02))
    with pytest.warns(evornn.StepSizeWarning):
        fast = simulate(net, dt=1.0, n_steps=3000, method="euler")
    with pytest.warns(evornn.StepSizeWarning):
        generic = simulate(net, dt=1.0, n_steps=3000, method="euler", fast=False)
    assert fast.diverged.all() and generic.diverged.all()


def test_discrete_model_is_iterated_as_a_map():
    from tests.integrate.toy_map import LinearMap

    model = LinearMap([[0.5, 0.1], [-0.2, 0.9]])
    traj = simulate(model, [1.0, 2.0], n_steps=10)
    y = np.array([1.0, 2.0])
    for n in range(10):
        assert np.allclose(traj.y[n, 0], y, rtol=1e-15)
        y = np.array([[0.5, 0.1], [-0.2, 0.9]]) @ y
    assert traj.method == "map"
    with pytest.raises(ValueError, match="dt must be None for discrete models"):
        simulate(model, dt=0.1, n_steps=3)
    # No registered Jacobian: central finite differences of the map.
    assert np.allclose(model.jacobian([[0.3, -0.4]])[0], [[0.5, 0.1], [-0.2, 0.9]], atol=1e-9)
