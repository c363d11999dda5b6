"""simulate(): argument validation, the SciPy path, and Beer's oscillator."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import evornn
from evornn import CTRNN, simulate
from evornn.analysis import estimate_period
from evornn.cli import BEER_OSCILLATOR
from tests.reference import ctrnn_derivative


@pytest.fixture(scope="module")
def net():
    return CTRNN.random(3, 2, 1, rng=5)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_steps": 10}, ValueError, "dt is required"),
        ({"dt": 0.0, "n_steps": 10}, ValueError, r"dt must be a finite number > 0, got 0.0"),
        ({"dt": -0.1, "n_steps": 10}, ValueError, "dt must be a finite number > 0"),
        ({"dt": float("nan"), "n_steps": 10}, ValueError, "dt must be a finite number > 0"),
        ({"dt": 0.1}, ValueError, "give n_steps or t_max"),
        ({"dt": 0.1, "n_steps": 0}, ValueError, "n_steps must be an integer >= 1"),
        ({"dt": 0.1, "t_max": 1.05}, ValueError, "t_max must be a whole number of steps"),
        ({"dt": 0.1, "t_max": 1.0, "n_steps": 5}, ValueError, "disagree"),
        ({"dt": 0.1, "n_steps": 5, "method": "rk5"}, ValueError, "method must be one of"),
        ({"dt": 0.1, "n_steps": 5, "record_every": 0}, ValueError, "record_every must be an integer >= 1"),
        ({"dt": 0.1, "n_steps": 5, "inputs": np.ones(2)}, ValueError, r"inputs must have shape .* got \(2,\)"),
        ({"dt": 0.1, "n_steps": 5, "inputs": np.ones((2, 1))}, ValueError, r"inputs must have shape .* got \(2, 1\)"),
        ({"dt": 0.1, "n_steps": 5, "inputs": np.ones((4, 3, 1))}, ValueError, "n_steps = 5 rows, got 4"),
        ({"dt": 0.1, "n_steps": 5, "inputs": lambda t: np.ones(3)}, ValueError, r"inputs\(t\) must return"),
        ({"dt": 0.1, "n_steps": 5, "inputs": [np.nan]}, ValueError, "inputs must be finite"),
        ({"dt": 0.1, "n_steps": 5, "n_threads": 0}, ValueError, "n_threads must be an integer"),
        ({"dt": 0.1, "n_steps": 5, "events": [lambda t, y: y[0]]}, ValueError, "events and dense_output need a SciPy"),
    ],
)
def test_bad_arguments_raise_before_any_work(net, kwargs, error, match):
    with pytest.raises(error, match=match):
        simulate(net, **kwargs)


def test_bad_initial_state_and_model(net):
    with pytest.raises(ValueError, match=r"y0 must have shape \(2,\) .* got \(3,\)"):
        simulate(net, np.zeros(3), dt=0.1, n_steps=5)
    with pytest.raises(ValueError, match="y0 must be finite"):
        simulate(net, [np.nan, 0.0], dt=0.1, n_steps=5)
    with pytest.raises(TypeError, match="model must be an evornn Model"):
        simulate("net", dt=0.1, n_steps=5)


def test_large_step_warns_once_per_call():
    net = CTRNN([[0.0]], tau=0.5)
    with pytest.warns(evornn.StepSizeWarning, match=r"dt = 0.1 exceeds min\(tau\) / 10 = 0.05") as record:
        simulate(net, dt=0.1, n_steps=100)
    assert len(record) == 1


def test_implicit_solvers_use_the_analytic_jacobian(rng):
    net = CTRNN.random(2, 3, rng=rng, tau_range=(0.5, 2))
    y0 = rng.normal(size=(2, 3))
    ref = simulate(net, y0, dt=0.1, t_max=5.0, method="DOP853", rtol=1e-11, atol=1e-13)
    for method in ("BDF", "Radau", "LSODA"):
        traj = simulate(net, y0, dt=0.1, t_max=5.0, method=method, rtol=1e-9, atol=1e-11)
        assert traj.success.all(), traj.message
        assert np.abs(traj.y - ref.y).max() < 1e-6


def test_scipy_events_and_dense_output(rng):
    # One decaying neuron: y = 2 exp(-t) crosses 1 at t = ln 2.
    net = CTRNN([[0.0]])

    def crossing(t, y):
        return y[0] - 1.0

    traj = simulate(net, [2.0], dt=0.1, t_max=3.0, method="RK45", rtol=1e-10, atol=1e-12,
                    events=[crossing], dense_output=True)
    assert traj.t_events[0][0][0] == pytest.approx(np.log(2), abs=1e-8)
    assert traj.sol[0](0.25)[0] == pytest.approx(2 * np.exp(-0.25), abs=1e-8)


def test_scipy_path_uses_inputs(rng):
    net = CTRNN.random(2, 3, 2, rng=rng, tau_range=(1, 3), input_weight_range=(-2, 2))
    u = np.array([0.4, -0.7])
    traj = simulate(net, dt=0.1, t_max=4.0, method="DOP853", inputs=u, rtol=1e-11, atol=1e-13)
    prm = net.params
    for p in range(2):
        sol = solve_ivp(lambda t, y, p=p: ctrnn_derivative(y, prm.tau[p], prm.bias[p], prm.gain[p], prm.weights[p],
                                                           prm.input_weights[p], u),
                        (0, 4.0), np.zeros(3), method="DOP853", t_eval=traj.t, rtol=1e-11, atol=1e-13)
        assert np.abs(traj.y[:, p] - sol.y.T).max() < 1e-9


def test_beer_oscillator_period_matches_an_adaptive_scipy_reference():
    """Beer's 2-neuron oscillator (Beer 1995): the RK4 period at dt = 0.01 equals the
    period from SciPy's DOP853 at tight tolerance, with crossings found by event location."""
    w = np.array(BEER_OSCILLATOR["weights"])
    bias = np.array(BEER_OSCILLATOR["bias"])

    def f(t, y):
        return -y + w @ (1 / (1 + np.exp(-(y + bias))))

    def up_crossing(t, y):  # neuron 1's output crosses 1/2 upwards
        return y[0] + bias[0]

    up_crossing.direction = 1
    sol = solve_ivp(f, (0, 400), [0.0, 0.0], method="DOP853", rtol=1e-12, atol=1e-12, events=up_crossing)
    reference_period = np.diff(sol.t_events[0][-6:]).mean()

    traj = simulate(CTRNN(**BEER_OSCILLATOR), dt=0.01, t_max=400.0, method="rk4")
    # Crossings of 1/2 by neuron 1's output, interpolated linearly between samples.
    v = traj.outputs[:, 0, 0] - 0.5
    up = np.flatnonzero((v[:-1] < 0) & (v[1:] >= 0))
    times = traj.t[up] - v[up] * 0.01 / (v[up + 1] - v[up])
    assert np.diff(times[-6:]).mean() == pytest.approx(reference_period, rel=1e-6)
    # The mean-crossing estimator used by `evornn demo` agrees to its sampling accuracy.
    assert estimate_period(traj.t, traj.outputs[:, 0, 0]) == pytest.approx(reference_period, rel=1e-4)
