"""Pole balancing: physics against a direct implementation and energy conservation."""

import numpy as np
import pytest

import evornn
from evornn.tasks.cartpole import CartPoleTask, cartpole_derivatives, cartpole_rk4
from tests.reference import wieland_derivatives


@pytest.mark.parametrize("n_poles", [1, 2])
def test_derivatives_match_wielands_equations(rng, n_poles):
    for _ in range(20):
        state = rng.uniform(-0.6, 0.6, size=6)
        force = rng.uniform(-10, 10)
        out = np.empty(6)
        cartpole_derivatives(state, force, n_poles, 5e-4, 2e-6, out)
        np.testing.assert_allclose(out, wieland_derivatives(state, force, n_poles), rtol=1e-12, atol=1e-14)


def test_a_frictionless_single_pole_conserves_energy():
    """Pole centre at (x + half sin theta, half cos theta): E = T + m g half cos theta is constant."""
    m_cart, m, half, g = 1.0, 0.1, 0.5, 9.8
    state = np.array([0.0, 0.2, 0.3, -0.4, 0.0, 0.0])
    scratch = [np.empty(6) for _ in range(5)]

    def energy(s):
        x_dot, theta, omega = s[1], s[2], s[3]
        kinetic = 0.5 * m_cart * x_dot**2 + 0.5 * m * ((x_dot + half * omega * np.cos(theta)) ** 2
                                                       + (half * omega * np.sin(theta)) ** 2) + m * half**2 * omega**2 / 6
        return kinetic + m * g * half * np.cos(theta)

    start = energy(state)
    for _ in range(1000):  # 10 s, through the pole's fall past horizontal and back
        cartpole_rk4(state, 0.0, 1, 0.0, 0.0, 0.01, *scratch)
    assert abs(energy(state) - start) < 1e-6 * abs(start)
    assert abs(state[2]) > 0.5  # it did fall: the test covers large angles


def test_closed_loop_counts_steps_until_failure_like_a_python_loop():
    """A constant controller (zero weights, output 0.5 + bias shift): compare with a loop
    over the same physics written out in Python."""
    net = evornn.CTRNN(np.zeros((2, 1, 1)), bias=[[0.0], [1.0]], input_weights=np.zeros((2, 1, 6)))
    task = CartPoleTask(n_poles=2, max_steps=500)
    steps = task.evaluate(net).metrics["steps"]
    for p, bias in enumerate([0.0, 1.0]):
        state = task.start_state()
        force = 20.0 * (1 / (1 + np.exp(-bias)) - 0.5)  # y stays 0: sigma(0 + bias) throughout
        count = 0
        while count < 500:
            for _ in range(2):
                k1 = np.array(wieland_derivatives(state, force))
                k2 = np.array(wieland_derivatives(state + 0.005 * k1, force))
                k3 = np.array(wieland_derivatives(state + 0.005 * k2, force))
                k4 = np.array(wieland_derivatives(state + 0.01 * k3, force))
                state = state + 0.01 / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
            count += 1
            if abs(state[0]) > 2.4 or abs(state[2]) > np.radians(36) or abs(state[4]) > np.radians(36):
                break
        assert steps[p] == count


def test_wrong_controllers_are_rejected_with_what_the_cart_needs():
    with pytest.raises(ValueError, match="gives 6 sensor inputs; the controller takes 2"):
        CartPoleTask(n_poles=2).check_model(evornn.CTRNN.random(1, 3, n_inputs=2, rng=0))
    with pytest.raises(ValueError, match="gives 3 sensor inputs"):
        CartPoleTask(n_poles=2, velocities=False).check_model(evornn.CTRNN.random(1, 3, n_inputs=6, rng=0))
    with pytest.raises(ValueError, match="n_poles"):
        CartPoleTask(n_poles=3)


def test_cmaes_balances_the_double_pole_with_velocities():
    problem = evornn.Problem(evornn.CTRNN.codec(3, 6), CartPoleTask(n_poles=2, max_steps=10_000))
    result = evornn.evolve(problem, "cmaes", n_pop=40, n_generations=150, rng=1, target_fitness=1.0, progress=False)
    assert result.best_metrics["solved"] == 1.0
