"""Beer's categorisation agent: exact rays, and the closed loop against plain Python."""

import math

import numpy as np
import pytest

import evornn
from evornn.tasks import CategorizationTask
from evornn.tasks.categorize import ray_lengths
from tests.reference import ray_hit_reference


def rays(agent_x, object_x, object_y, shape):
    out = np.empty(7)
    ray_lengths(agent_x, object_x, object_y, shape, out)
    return out


def test_the_middle_ray_meets_an_object_straight_above_at_its_lowest_point():
    # The middle ray starts at the top of the body (y = 15) and meets either shape at y - 15.
    for shape in (0, 1):
        assert rays(10.0, 10.0, 100.0, shape)[3] == pytest.approx(100.0 - 15.0 - 15.0, abs=1e-12)
    assert np.all(rays(0.0, 0.0, 400.0, 0) == 220.0)  # out of range: the cap


@pytest.mark.parametrize("shape", [0, 1])
def test_every_ray_matches_a_marched_ray(rng, shape):
    if shape == 0:
        def inside(x, y, cx, cy):
            return (x - cx) ** 2 + (y - cy) ** 2 <= 15.0**2
    else:
        def inside(x, y, cx, cy):
            return abs(x - cx) + abs(y - cy) <= 15.0
    for _ in range(4):
        agent, cx, cy = rng.uniform(-20, 20), rng.uniform(-40, 40), rng.uniform(60, 200)
        lengths = rays(agent, cx, cy, shape)
        for k in range(7):
            theta = -math.pi / 12 + k * math.pi / 36
            d = (math.sin(theta), math.cos(theta))
            start = (agent + 15 * d[0], 15 * d[1])
            expected = ray_hit_reference(start, d, lambda x, y, cx=cx, cy=cy: inside(x, y, cx, cy), step=0.05)
            assert lengths[k] == pytest.approx(expected, abs=1e-9)


def agent_reference(net, p, offset, shape, n_steps, dt=0.1):
    """One trial written out in NumPy: returns object x - agent x at the end."""
    w, tau, bias, gain = net.params.weights[p], net.params.tau[p], net.params.bias[p], net.params.gain[p]
    v = net.params.input_weights[p]
    y = np.zeros(net.n_state)
    agent, obj_y = 0.0, 275.0
    for _ in range(n_steps):
        u = 10.0 * (220.0 - rays(agent, offset, obj_y, shape)) / 220.0
        y = y + dt * (-y + w @ (1 / (1 + np.exp(-gain * (y + bias)))) + v @ u) / tau
        z = 1 / (1 + np.exp(-gain * (y + bias)))
        agent = min(max(agent + dt * 5.0 * (z[0] - z[1]), -200.0), 200.0)
        obj_y -= dt * 3.0
    return offset - agent


def test_trials_match_a_python_loop_and_the_fitness_its_definition():
    net = evornn.CTRNN.random(3, 4, n_inputs=7, rng=5)
    task = CategorizationTask(n_positions=3)
    assert task.n_steps == 817  # the object's bottom falls from 260 to the body's top at 15, at 3 per unit time
    distances = task.distances(net)
    expected = np.array([[agent_reference(net, p, task.offsets[s], task.shapes[s], task.n_steps) for s in range(6)]
                         for p in range(3)])
    np.testing.assert_allclose(distances, expected, rtol=1e-9, atol=1e-9)
    evaluation = task.evaluate(net)
    for p in range(3):
        scores, correct = [], []
        for s in range(6):
            d = min(abs(expected[p, s]), 45.0) / 45.0
            circle = task.shapes[s] == 0
            scores.append(1 - d if circle else d)
            correct.append((abs(expected[p, s]) < 30.0) == circle)
        assert evaluation.fitness[p] == pytest.approx(np.mean(scores), rel=1e-9)
        assert evaluation.metrics["correct"][p] == pytest.approx(np.mean(correct))


def test_wrong_controllers_are_rejected_with_what_the_agent_needs():
    with pytest.raises(ValueError, match="needs a controller with 7 inputs"):
        CategorizationTask().check_model(evornn.CTRNN.random(1, 5, n_inputs=6, rng=0))
    with pytest.raises(ValueError, match="n_positions"):
        CategorizationTask(n_positions=0)
