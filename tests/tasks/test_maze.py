"""The deceptive mazes: sensors at a known pose, whole trials against a Python loop, the
paper's fitness, behaviour and the goal."""

import math

import numpy as np
import pytest

import evornn
from evornn.tasks import MazeTask
from evornn.tasks.maze import MAZES

WALLS = np.array(MAZES["hard"]["walls"], dtype=float)


def ray_reference(x, y, angle, walls):
    """Nearest crossing of the ray (length 100) with any wall, by a 2 x 2 solve per wall."""
    direction = np.array([math.cos(math.radians(angle)), math.sin(math.radians(angle))]) * 100.0
    best = 100.0
    for x0, y0, x1, y1 in walls:
        matrix = np.array([[x1 - x0, -direction[0]], [y1 - y0, -direction[1]]])
        if abs(np.linalg.det(matrix)) < 1e-12:
            continue
        along_wall, along_ray = np.linalg.solve(matrix, [x - x0, y - y0])
        if 0 < along_wall < 1 and 0 < along_ray < 1:
            best = min(best, along_ray * 100.0)
    return best


def segment_distance(x, y, wall):
    a, b, p = wall[:2], wall[2:], np.array([x, y])
    u = np.clip(np.dot(p - a, b - a) / np.dot(b - a, b - a), 0, 1)
    return float(np.linalg.norm(a + u * (b - a) - p))


def trial_reference(net, p, maze, steps):
    """One robot, step by step in Python: the module docstring's physics, the controller by
    Euler steps of 0.5."""
    spec = MAZES[maze]
    walls = np.array(spec["walls"], dtype=float)
    x, y, heading = map(float, spec["start"])
    speed = turn = 0.0
    goal = np.array(spec["goal"], dtype=float)
    w, tau, bias, gain, v = (net.params.weights[p], net.params.tau[p], net.params.bias[p], net.params.gain[p],
                             net.params.input_weights[p])
    state = np.zeros(w.shape[0])
    for _ in range(steps):
        u = [ray_reference(x, y, heading + a, walls) / 100.0 for a in (-90, -45, 0, 45, 90, -180)]
        bearing = (math.degrees(math.atan2(goal[1] - y, goal[0] - x)) - heading) % 360.0
        u += [float(lo <= bearing < hi or lo <= bearing + 360 < hi) for lo, hi in
              ((315, 405), (45, 135), (135, 225), (225, 315))]
        out = 1 / (1 + np.exp(-gain * (state + bias)))
        state = state + 0.5 / tau * (-state + w @ out + v @ np.array(u))
        z = np.clip(1 / (1 + np.exp(-gain * (state + bias))), 0, 1)
        turn = min(max(turn + z[0] - 0.5, -3.0), 3.0)
        speed = min(max(speed + z[1] - 0.5, -3.0), 3.0)
        nx = x + math.cos(math.radians(heading)) * speed
        ny = y + math.sin(math.radians(heading)) * speed
        heading += turn
        heading = heading - 360 if heading > 360 else heading + 360 if heading < 0 else heading
        if min(segment_distance(nx, ny, wall) for wall in walls) >= 8.0:
            x, y = nx, ny
        if math.hypot(x - goal[0], y - goal[1]) < 5.0:
            break
    return x, y


def test_sensors_at_the_start_of_the_hard_maze():
    # At (36, 184) facing +x: the floor (y = 200) 16 below, the left wall 31 behind; nothing
    # within 100 above; the goal (31, 20) lies at a bearing of 268.3 degrees: the fourth radar.
    from evornn.tasks.maze import RADARS, RANGEFINDERS, MazeParams, sense

    body = MazeTask("hard").body
    state = np.array([36.0, 184.0, 0.0, 0.0, 0.0, 0.0])
    u = np.zeros(10)
    sense(body.params, 0, state, u)
    assert isinstance(body.params, MazeParams) and RANGEFINDERS.tolist() == [-90, -45, 0, 45, 90, -180]
    assert u[0] == 1.0 and u[4] == pytest.approx(0.16, abs=1e-12) and u[5] == pytest.approx(0.31, abs=1e-12)
    for k, angle in enumerate(RANGEFINDERS):
        assert u[k] == pytest.approx(ray_reference(36.0, 184.0, angle, WALLS) / 100.0, abs=1e-12)
    assert u[6:].tolist() == [0.0, 0.0, 0.0, 1.0] and RADARS[3].tolist() == [225.0, 315.0]


@pytest.mark.parametrize("maze", ["medium", "hard"])
def test_trials_match_a_python_loop(maze):
    task = MazeTask(maze, max_steps=150)
    nets = evornn.CTRNN.random(3, 4, n_inputs=10, rng=5, tau_range=(1.0, 4.0))
    metrics = task.evaluate(nets).metrics
    for p in range(3):
        x, y = trial_reference(nets, p, maze, 150)
        assert metrics["final_x"][p] == pytest.approx(x, abs=1e-8)
        assert metrics["final_y"][p] == pytest.approx(y, abs=1e-8)


def test_fitness_behaviour_and_the_goal():
    task = MazeTask("medium")
    nets = evornn.CTRNN.random(20, 3, n_inputs=10, rng=1)
    ev = task.evaluate(nets)
    goal = np.array(MAZES["medium"]["goal"])
    distance = np.hypot(ev.metrics["final_x"] - goal[0], ev.metrics["final_y"] - goal[1])
    np.testing.assert_allclose(ev.fitness, 300 - distance, rtol=1e-12)
    np.testing.assert_allclose(ev.metrics["distance"], distance, rtol=1e-12)
    assert [(d.name, d.low, d.high) for d in task.descriptors] == [("final_x", 0, 300), ("final_y", 0, 140)]
    # A robot placed near the goal that does not move has reached it.
    from evornn.tasks.maze import act

    state = np.array([goal[0] + 3.0, goal[1], 0.0, 0.0, 0.0, 0.0])
    act(task.body.params, 0, state, np.array([0.5, 0.5]), 1.0)
    assert state[5] == 1.0
    with pytest.raises(ValueError, match="maze"):
        MazeTask("easy")
