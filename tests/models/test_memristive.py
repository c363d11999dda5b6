"""Memristive circuits against Kirchhoff's laws and analytic device solutions."""

import numpy as np
import pytest

import evornn
from evornn.models.base import _rhs_batch
from evornn.models.circuits import Circuit
from evornn.models.memristive import MemristiveCircuit, Memristor

GRAPHS = [
    lambda: Circuit.lattice(4, 5),
    lambda: Circuit.random_regular(20, 3, rng=1),
    lambda: Circuit.small_world(24, 4, 0.2, rng=2),
    lambda: Circuit.complete(7),
    lambda: Circuit.crossbar(3, 5),
]


@pytest.mark.parametrize("make", GRAPHS)
def test_omega_is_the_cycle_space_projector(make):
    circuit = make()
    omega = circuit.omega()
    b = circuit.incidence()
    np.testing.assert_allclose(omega @ omega, omega, atol=1e-12)
    np.testing.assert_allclose(omega, omega.T, atol=1e-12)
    assert np.trace(omega) == pytest.approx(circuit.n_edges - circuit.n_nodes + 1, abs=1e-10)
    np.testing.assert_allclose(b @ omega, 0.0, atol=1e-12)  # projected currents obey Kirchhoff's current law
    reference = np.eye(circuit.n_edges) - b.T @ np.linalg.pinv(b @ b.T) @ b
    np.testing.assert_allclose(omega, reference, atol=1e-10)


def nodal_currents(circuit, resistances, sources):
    """Nodal analysis written out: KCL at every node but the grounded node 0, edge currents
    i = G (p_u - p_v + S)."""
    g = 1.0 / resistances
    b = circuit.incidence()
    laplacian = b @ np.diag(g) @ b.T
    potentials = np.zeros(circuit.n_nodes)
    potentials[1:] = np.linalg.solve(laplacian[1:, 1:], (-b @ (g * sources))[1:])
    return g * (b.T @ potentials + sources), potentials


@pytest.mark.parametrize("make", GRAPHS)
def test_currents_equal_a_nodal_kirchhoff_solve(make):
    circuit = make()
    rng = np.random.default_rng(3)
    sources = rng.normal(size=(2, circuit.n_edges))
    w = rng.uniform(0, 1, (2, circuit.n_edges))
    for convention in ("decay", "ctd2017"):
        net = MemristiveCircuit(circuit, sources=sources, alpha=0.1, beta=3.0, convention=convention)
        currents = net.currents(w)
        _, potentials = net.voltages(w)
        for p in range(2):
            expected, nodes = nodal_currents(circuit, net.resistances(w)[p], sources[p])
            np.testing.assert_allclose(currents[p], expected, rtol=0, atol=1e-10 * np.abs(expected).max())
            np.testing.assert_allclose(potentials[p], nodes, atol=1e-9)


@pytest.mark.parametrize("make", [*GRAPHS, lambda: Circuit([(0, 1), (1, 0), (0, 0)])])
def test_compiled_flow_is_the_ctd_equation(make):
    """The kernel's nodal solve gives the flow sign * ((I + xi Omega W)^-1 Omega S / beta - alpha w)
    of the Omega formula, with inputs added to their edges' sources."""
    circuit = make()
    rng = np.random.default_rng(6)
    for convention, sign in (("decay", 1.0), ("ctd2017", -1.0)):
        net = MemristiveCircuit(circuit, sources=rng.normal(size=(3, circuit.n_edges)), alpha=[0.0, 0.2, 0.5],
                                beta=[1.0, 3.0, 0.5], input_edges=[0, circuit.n_edges - 1], convention=convention,
                                bounds="none")
        w = rng.uniform(0, 1, (3, circuit.n_edges))
        u = rng.normal(size=(3, 2))
        out = np.empty_like(w)
        _rhs_batch(0.0, w, net.params, u, out)
        expected = sign * (100.0 * net.currents(w, u) / net.params.beta[:, None] - net.params.alpha[:, None] * w)
        np.testing.assert_allclose(out, expected, rtol=1e-9, atol=1e-13)


def test_one_loop_circuit_is_the_one_device_equation():
    """A single memristor closed on itself with its source (one edge, one node: Omega = 1):
    dw/dt = alpha w - R_on I / beta with I = S / R(w) in the 2017 convention."""
    circuit = Circuit([(0, 0)])
    assert circuit.omega()[0, 0] == pytest.approx(1.0)
    net = MemristiveCircuit(circuit, sources=[2.0], alpha=0.3, beta=4.0, convention="ctd2017", bounds="none")
    for w in (0.1, 0.4, 0.9):
        out = np.empty((1, 1))
        _rhs_batch(0.0, np.array([[w]]), net.params, np.zeros((1, 0)), out)
        current = 2.0 / (100.0 * (1 - w) + 16_000.0 * w)
        assert out[0, 0] == pytest.approx(0.3 * w - 100.0 * current / 4.0, rel=1e-12)
        assert net.currents([[w]])[0, 0] == pytest.approx(current, rel=1e-12)


def test_conventions_mirror_each_other_and_the_lyapunov_function_decreases():
    """Both conventions: same currents; their flows are negatives of each other. Along an
    RK4 trajectory (small sources, states staying inside (0, 1), no bounds) the Lyapunov
    function of the module docstring never increases, in either convention."""
    circuit = Circuit.lattice(4, 5)
    rng = np.random.default_rng(4)
    sources = 0.02 * rng.normal(size=circuit.n_edges)
    w = rng.uniform(0.2, 0.8, (1, circuit.n_edges))
    flows = []
    for convention in ("decay", "ctd2017"):
        net = MemristiveCircuit(circuit, sources=sources, alpha=0.05, beta=1.0, convention=convention, bounds="none")
        out = np.empty_like(w)
        _rhs_batch(0.0, w, net.params, np.zeros((1, 0)), out)
        flows.append(out)
        traj = evornn.simulate(net, w, dt=0.01, t_max=3.0)
        assert 0 < traj.y.min() and traj.y.max() < 1
        lyapunov = net.lyapunov(traj.y)[:, 0]
        assert np.all(np.diff(lyapunov) <= 1e-12)
    np.testing.assert_allclose(flows[0], -flows[1], rtol=1e-12)


def test_bounds_keep_states_in_the_unit_interval():
    """Joglekar's window keeps states inside [0, 1]; the clipped (projected) flow never moves a
    state further out, so a fixed step overshoots a bound by at most one step."""
    circuit = Circuit.complete(5)
    sources = np.random.default_rng(5).normal(0, 5, circuit.n_edges)
    start = np.full((1, circuit.n_edges), 0.5)
    window = MemristiveCircuit(circuit, sources=sources, alpha=0.0, beta=0.05, bounds="window")
    traj = evornn.simulate(window, start, dt=0.001, t_max=2.0)
    assert traj.y.min() >= 0.0 and traj.y.max() <= 1.0
    clip = MemristiveCircuit(circuit, sources=sources, alpha=0.0, beta=0.05, bounds="clip")
    y = evornn.simulate(clip, start, dt=0.001, t_max=2.0).y[:, 0]
    below, above = y[:-1] < 0, y[:-1] > 1
    assert below.any() or above.any()  # the test reaches the bounds
    assert np.all(y[1:][below] >= y[:-1][below]) and np.all(y[1:][above] <= y[:-1][above])
    assert y.min() > -0.01 and y.max() < 1.01


def test_hp_memristor_under_a_current_source_integrates_the_charge():
    """No window: x(t) = x0 + k q(t) for i(t) = I0 sin(w t), q = I0 (1 - cos w t) / w."""
    device = Memristor()
    k = 1e-14 * 100.0 / (10e-9) ** 2
    i0, omega = 2e-5, 2 * np.pi
    traj = evornn.simulate(device, [[0.3]], dt=1e-3, t_max=1.5, inputs=lambda t: np.array([[i0 * np.sin(omega * t)]]))
    q = i0 * (1 - np.cos(omega * traj.t)) / omega
    np.testing.assert_allclose(traj.y[:, 0, 0], 0.3 + k * q, atol=1e-10)


def test_joglekar_window_gives_the_logistic_solution():
    """Joglekar p = 1 under a constant current I: dx/dq = 4 k x (1 - x), so
    x(q) = 1 / (1 + (1 - x0) / x0 exp(-4 k q))."""
    device = Memristor(window="joglekar", p=1.0)
    k = 1e-14 * 100.0 / (10e-9) ** 2
    current = 5e-5
    traj = evornn.simulate(device, [[0.1]], dt=1e-3, t_max=1.0, inputs=[[current]])
    q = current * traj.t
    expected = 1.0 / (1.0 + (0.9 / 0.1) * np.exp(-4 * k * q))
    np.testing.assert_allclose(traj.y[:, 0, 0], expected, atol=1e-9)


def test_voltage_driven_memristor_shows_a_pinched_hysteresis_loop():
    device = Memristor(drive="voltage", window="biolek")
    v0 = 1.0

    def drive(t):
        return np.array([[v0 * np.sin(2 * np.pi * t)]])

    traj = evornn.simulate(device, [[0.5]], dt=1e-4, t_max=2.0, inputs=drive, method="rk4")
    v = v0 * np.sin(2 * np.pi * traj.t)
    current = v / traj.outputs[:, 0, 0]
    assert np.all(np.abs(current[np.abs(v) < 1e-12]) < 1e-12)  # pinched: i = 0 where v = 0
    # a loop, not a line: at the same voltage the current differs between the rising and falling branch
    rising, falling = round(0.1 / 1e-4), round(0.4 / 1e-4)  # sin(0.2 pi) = sin(0.8 pi)
    assert v[rising] == pytest.approx(v[falling], abs=1e-9)
    assert abs(current[rising] - current[falling]) > 1e-3 * abs(current[rising])


def test_bad_input():
    with pytest.raises(ValueError, match="must be connected"):
        Circuit([(0, 1), (2, 3)])
    with pytest.raises(ValueError, match="r_on must be below r_off"):
        MemristiveCircuit(Circuit.complete(3), r_on=200.0, r_off=100.0)
    net = MemristiveCircuit(Circuit.complete(3))
    with pytest.raises(ValueError, match=r"memory states must lie in \[0, 1\]"):
        net.currents([[0.5, 1.2, 0.0]])
    with pytest.raises(ValueError, match="input_edges must name edges"):
        MemristiveCircuit(Circuit.complete(3), input_edges=[5])
    with pytest.raises(ValueError, match="one value per edge"):
        MemristiveCircuit(Circuit.complete(3), sources=[1.0, 2.0])


def test_diverging_or_overshooting_states_never_crash_the_solver():
    circuit = Circuit.random_regular(80, 4, rng=3)  # conjugate gradients (more than 64 nodes)
    net = MemristiveCircuit(circuit, sources=np.ones(circuit.n_edges), alpha=0.0, beta=1.0, bounds="none")
    w = np.full((1, circuit.n_edges), 0.5)
    w[0, 3] = -0.5  # outside the bounds: read as 0
    w[0, 7] = 2.0  # read as 1
    out = np.empty_like(w)
    _rhs_batch(0.0, w, net.params, np.zeros((1, 0)), out)
    clipped = np.clip(w, 0, 1)
    np.testing.assert_allclose(out, 100.0 * net.currents(clipped), rtol=1e-9, atol=1e-12)
    w[0, 5] = np.nan
    _rhs_batch(0.0, w, net.params, np.zeros((1, 0)), out)
    assert np.isnan(out).all()


def test_reservoir_features_are_the_states_and_currents_after_each_sample():
    circuit = Circuit.lattice(3, 4)
    rng = np.random.default_rng(7)
    win = rng.uniform(-1, 1, (circuit.n_edges, 2))
    net = MemristiveCircuit(circuit, sources=rng.uniform(-0.2, 0.2, circuit.n_edges), input_weights=win, alpha=0.5,
                            beta=0.1, bounds="window")
    u = rng.uniform(-1, 1, (6, 2))
    states = net.features(u, dt=0.05, steps_per_input=4, readout="states")
    currents = net.features(u, dt=0.05, steps_per_input=4)
    w = net.initial_state()
    for n in range(6):  # hold each input for 4 RK4 steps, then read
        w = evornn.simulate(net, w, dt=0.05, n_steps=4, inputs=u[n][None]).y_final
        np.testing.assert_allclose(states[:, n], w, atol=1e-14)
        np.testing.assert_allclose(currents[:, n], net.currents(w, u[n][None]), rtol=1e-9, atol=1e-15)


def test_memristive_reservoir_predicts_the_henon_map():
    """Henon map one-step prediction (x only), a published memristive-hardware reservoir reports
    NRMSE about 0.046: a 60-edge random 4-regular circuit (30 nodes, graph seed 1), input
    weights and sources uniform in [-1, 1] from seed 0, scaled by 0.0808 and 0.190, decay
    alpha 14.07, beta 0.0110 ("decay" convention, clipped bounds), each input held for 4 RK4
    steps of 0.02; currents read after every sample; ridge readout (1e-12) on 1900 samples
    after a washout of 100, tested on the next 1000 of a Henon orbit from (0.1, 0.05): NRMSE
    at most 0.05. (Hyperparameters from a 32-sample random search on another orbit; see
    experiments/memristive_reservoir.toml for the evolved version.)"""
    from evornn import datasets, nrmse
    from evornn.models.readout import RidgeStatistics

    codec = MemristiveCircuit.reservoir_codec(Circuit.random_regular(30, 4, rng=1), seed=0)
    net = codec.build(alpha=np.array([14.068885]), beta=np.array([0.010986944]), input_scaling=np.array([0.08082721]),
                      source_scaling=np.array([0.18996026]))
    orbit = datasets.henon(3100, x0=(0.1, 0.05), n_discard=500)[:, :1]
    u, y = orbit[:-1], orbit[1:]
    features = net.features(u, dt=0.02, steps_per_input=4)
    stats = RidgeStatistics.zeros(1, features.shape[2], 1)
    stats.add(features[:, 100:2000], y[100:2000])
    weights, bias = stats.solve(1e-12)
    prediction = np.einsum("ptn,pmn->ptm", features[:, 2000:], weights) + bias[:, None]
    assert nrmse(prediction[0], y[2000:])[0] <= 0.05


def test_time_series_task_scores_circuits_with_a_fitted_readout():
    from evornn import nrmse
    from evornn.models.readout import RidgeStatistics
    from evornn.tasks import TimeSeriesTask

    task = TimeSeriesTask.from_dataset("henon", n_train=300, n_validation=100, washout=20, ridges=[1e-10, 1e-6],
                                       dt=0.02, steps_per_input=3)
    codec = MemristiveCircuit.reservoir_codec(Circuit.lattice(3, 4), seed=2)
    nets = codec.decode(codec.random(3, rng=4))
    result = task.evaluate(nets)
    features = nets.features(task.inputs, dt=0.02, steps_per_input=3)
    for p in range(3):
        errors = []
        for ridge in (1e-10, 1e-6):
            stats = RidgeStatistics.zeros(1, features.shape[2], 1)
            stats.add(features[p:p + 1, 20:300], task.targets[20:300])
            w, b = stats.solve(ridge)
            errors.append(nrmse(features[p, 300:] @ w[0].T + b[0], task.targets[300:])[0])
        assert result.metrics["nrmse"][p] == pytest.approx(min(errors), rel=1e-6)
    with pytest.raises(ValueError, match="circuits are scored with a fitted readout"):
        TimeSeriesTask(task.inputs, task.targets, n_train=300, free_run=10).evaluate(nets)


def test_relaxation_from_random_states():
    circuit = Circuit.random_regular(12, 4, rng=2)
    net = MemristiveCircuit(circuit, sources=0.01 * np.random.default_rng(8).normal(size=circuit.n_edges), alpha=0.2,
                            beta=1.0, bounds="none")
    t, w, lyapunov = net.relax(5, t_max=2.0, dt=0.01, rng=3)
    assert w.shape == (t.size, 5, circuit.n_edges) and lyapunov.shape == (t.size, 5)
    inside = np.all((w > 0) & (w < 1), axis=2)
    assert inside.all()
    assert np.all(np.diff(lyapunov, axis=0) <= 1e-12)
    np.testing.assert_allclose(lyapunov, net.take(np.zeros(5, dtype=int)).lyapunov(w))


def test_circuits_work_with_scipy_and_the_fixed_point_finder():
    """A 6-memristor circuit with decay, inside its bounds: SciPy's Radau agrees with RK4 at a
    small step, and the generic fixed-point finder (finite-difference Jacobian) finds the
    stable equilibrium that a long relaxation reaches."""
    from evornn.analysis import fixed_points

    circuit = Circuit.complete(4)
    sources = 0.02 * np.random.default_rng(9).normal(size=circuit.n_edges)
    net = MemristiveCircuit(circuit, sources=sources, alpha=1.0, beta=1.0, bounds="none")
    w0 = np.full((1, circuit.n_edges), 0.5)
    rk4 = evornn.simulate(net, w0, dt=0.001, t_max=5.0)
    radau = evornn.simulate(net, w0, dt=0.01, t_max=5.0, method="Radau", rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(radau.y_final, rk4.y_final, atol=1e-8)
    end = evornn.simulate(net, w0, dt=0.01, t_max=60.0).y_final[0]
    found = fixed_points(net, seeds="random", n_seeds=8, bounds=(-0.5, 1.0), rng=10)
    stable = found.state[found.kind == "stable node"]
    assert any(np.allclose(s, end, atol=1e-7) for s in stable)
