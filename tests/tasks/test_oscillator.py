"""OscillatorTask: periods against an adaptive SciPy reference, scores by the formula."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import evornn
from evornn.tasks import OscillatorTask
from tests.reference import ctrnn_derivative

BEER = {"weights": [[4.5, 1.0], [-1.0, 4.5]], "bias": [-2.75, -1.75]}


def reference_period(net, t_end=400.0):
    """Period of output 0 from DOP853 at tight tolerance: spacing of late upward crossings of 0.5."""
    p = net.params
    f = lambda t, y: ctrnn_derivative(y, p.tau[0], p.bias[0], p.gain[0], p.weights[0], p.input_weights[0], np.zeros(0))  # noqa: E731

    def crossing(t, y):
        return 1 / (1 + np.exp(-(y[0] + p.bias[0, 0]))) - 0.5

    crossing.direction = 1
    sol = solve_ivp(f, (0, t_end), np.zeros(2), method="DOP853", rtol=1e-10, atol=1e-12, events=crossing)
    times = sol.t_events[0]
    return np.diff(times[len(times) // 2:]).mean()


def test_period_of_beers_oscillator_matches_scipy():
    net = evornn.CTRNN(**BEER)
    period = reference_period(net)
    task = OscillatorTask(period=period, amplitude=0.5, dt=0.01, transient=100, measure=200)
    ev = task.evaluate(net)
    assert ev.metrics["period"][0] == pytest.approx(period, rel=1e-3)
    assert ev.metrics["period_error"][0] < 1e-3


def test_scores_follow_the_formula():
    nets = evornn.CTRNN(np.stack([np.array(BEER["weights"]), np.zeros((2, 2))]), bias=BEER["bias"])
    task = OscillatorTask(period=20.0, amplitude=0.6, dt=0.05, transient=60, measure=150)
    ev = task.evaluate(nets)
    period, amplitude = ev.metrics["period"], ev.metrics["amplitude"]
    expected = 0.5 * (min(((period[0] - 20) / 20) ** 2, 1) + min(((amplitude[0] - 0.6) / 0.6) ** 2, 1))
    assert ev.metrics["mse"][0] == pytest.approx(expected, rel=1e-12)
    # The uncoupled network relaxes to a fixed point: no period, the full period penalty.
    assert np.isnan(period[1]) and amplitude[1] < 1e-6
    assert ev.metrics["mse"][1] == pytest.approx(0.5 * (1 + min(((amplitude[1] - 0.6) / 0.6) ** 2, 1)))
    np.testing.assert_allclose(ev.fitness, 1 / (1 + ev.metrics["mse"]))


def test_bad_arguments_raise_naming_them():
    with pytest.raises(ValueError, match="period"):
        OscillatorTask(period=-1, amplitude=0.5)
    with pytest.raises(ValueError, match="measure"):
        OscillatorTask(period=10, amplitude=0.5, measure=5)
    task = OscillatorTask(period=10, amplitude=0.5, output=3)
    with pytest.raises(ValueError, match="output 3"):
        task.check_model(evornn.CTRNN.random(1, 2, rng=0))
    with pytest.raises(ValueError, match="autonomous"):
        OscillatorTask(period=10, amplitude=0.5).check_model(evornn.CTRNN.random(1, 2, n_inputs=1, rng=0))


def test_a_diverging_network_gets_the_worst_fitness_and_the_others_are_scored():
    # RK4 with dt = 0.5 on tau = 0.01 blows up; the other 19 networks are Beer's oscillator.
    tau = np.ones((20, 2))
    tau[3] = 0.01
    nets = evornn.CTRNN(np.broadcast_to(np.array(BEER["weights"]), (20, 2, 2)), bias=BEER["bias"], tau=tau)
    task = OscillatorTask(period=29.0, amplitude=0.9, dt=0.5, transient=60, measure=120)
    with pytest.warns(evornn.StepSizeWarning):
        task.check_model(nets)
    ev = task.evaluate(nets)
    assert ev.nonfinite.tolist() == [p == 3 for p in range(20)]
    assert ev.fitness[3] == task.worst_fitness
    assert np.isfinite(ev.metrics["period"][np.arange(20) != 3]).all()
