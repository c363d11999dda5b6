"""The wheeled robot: exact sensors, the closed loop against plain Python, and a hand-wired
Braitenberg vehicle that finds the light."""

import math

import numpy as np
import pytest

import evornn
from evornn.tasks import WheeledRobotTask
from evornn.tasks.agent2d import drive_step, sense

RADIUS, AXLE, SPEED = 0.0275, 0.053, 0.1
PROXIMITY = [math.radians(a) for a in (-90, -45, -10, 10, 45, 90, 170, -170)]


def readings(x, y, heading, light=(0.5, 0.5), obstacles=()):
    out = np.empty(10)
    sense(x, y, heading, np.asarray(light, dtype=float), np.asarray(obstacles, dtype=float).reshape(-1, 3), out)
    return out


def test_proximity_rays_read_the_distance_to_a_wall_and_an_obstacle():
    x, y = 0.95, 0.5  # facing the wall x = 1
    out = readings(x, y, 0.0)
    for k in (2, 3):  # the rays at -10 and +10 degrees
        a = PROXIMITY[k]
        d = (1.0 - x - RADIUS * math.cos(a)) / math.cos(a)
        assert out[k] == pytest.approx(1 - d / 0.1, abs=1e-12)
    assert out[6] == out[7] == 0.0  # the back rays see nothing within 0.1 m
    # A round obstacle straight ahead, on the +10 degree ray's line.
    a = PROXIMITY[3]
    start = (0.3 + RADIUS * math.cos(a), 0.4 + RADIUS * math.sin(a))
    centre = (start[0] + 0.08 * math.cos(a), start[1] + 0.08 * math.sin(a))
    out = readings(0.3, 0.4, 0.0, obstacles=[[centre[0], centre[1], 0.02]])
    assert out[3] == pytest.approx(1 - 0.06 / 0.1, abs=1e-12)


def test_light_sensors_follow_the_cosine_and_distance_law():
    out = readings(0.2, 0.5, 0.0)  # light 0.3 m straight ahead: both sensors at 45 degrees to it
    expected = math.cos(math.pi / 4) / (1 + (0.3 / 0.25) ** 2)
    assert out[8] == pytest.approx(expected, rel=1e-12) and out[9] == pytest.approx(expected, rel=1e-12)
    out = readings(0.2, 0.5, math.pi / 4)  # turned left: the right sensor faces the light
    assert out[8] == pytest.approx(1 / (1 + (0.3 / 0.25) ** 2), rel=1e-12) and out[9] == pytest.approx(0.0, abs=1e-12)


def test_wheels_drive_straight_turn_on_the_spot_and_stop_at_walls():
    pose = np.array([0.5, 0.5, 0.3])
    assert drive_step(pose, 0.1, 0.1, 0.1, np.zeros((0, 3)))
    np.testing.assert_allclose(pose, [0.5 + 0.01 * math.cos(0.3), 0.5 + 0.01 * math.sin(0.3), 0.3])
    drive_step(pose, -0.05, 0.05, 0.1, np.zeros((0, 3)))
    assert pose[2] == pytest.approx(0.3 + 0.1 * 0.1 / AXLE)
    near = np.array([1.0 - RADIUS - 0.001, 0.5, 0.0])
    assert not drive_step(near, 0.1, 0.1, 0.1, np.zeros((0, 3)))
    assert near[0] == 1.0 - RADIUS - 0.001


def robot_reference(net, p, start, light, obstacles, n_steps, goal, dt=0.1):
    """One trial written out in NumPy; returns the summed score and the end measure."""
    w, tau, bias, gain = net.params.weights[p], net.params.tau[p], net.params.bias[p], net.params.gain[p]
    v = net.params.input_weights[p]
    y = np.zeros(net.n_state)
    x, yy, heading = start
    r0 = math.hypot(light[0] - x, light[1] - yy)
    score, collisions = 0.0, 0
    for _ in range(n_steps):
        u = readings(x, yy, heading, light, obstacles)
        y = y + dt * (-y + w @ (1 / (1 + np.exp(-gain * (y + bias)))) + v @ u) / tau
        z = 1 / (1 + np.exp(-gain * (y + bias)))
        left, right = SPEED * (2 * z[0] - 1), SPEED * (2 * z[1] - 1)
        nx = x + dt * 0.5 * (left + right) * math.cos(heading)
        ny = yy + dt * 0.5 * (left + right) * math.sin(heading)
        free = RADIUS <= nx <= 1 - RADIUS and RADIUS <= ny <= 1 - RADIUS and all(
            math.hypot(nx - ox, ny - oy) >= RADIUS + r for ox, oy, r in obstacles)
        if free:
            x, yy, heading = nx, ny, heading + dt * (right - left) / AXLE
        if goal == "phototaxis":
            score += max(0.0, 1 - math.hypot(light[0] - x, light[1] - yy) / r0)
        elif free:
            score += 0.5 * (abs(left) + abs(right)) / SPEED * (1 - math.sqrt(0.5 * abs(left - right) / SPEED)) * (1 - u[:8].max())
        else:
            collisions += 1
    return score, math.hypot(light[0] - x, light[1] - yy) if goal == "phototaxis" else collisions


@pytest.mark.parametrize("goal", ["phototaxis", "avoidance"])
def test_trials_match_a_python_loop(goal):
    obstacles = np.array([[0.3, 0.3, 0.05], [0.75, 0.6, 0.08]])
    task = WheeledRobotTask(goal, n_trials=3, duration=20.0, obstacles=obstacles)
    net = evornn.CTRNN.random(2, 3, n_inputs=10, rng=7)
    score, end = task.run(net)
    for p in range(2):
        for s in range(3):
            expected = robot_reference(net, p, task.starts[s], task.light, obstacles, task.n_steps, goal)
            assert score[p, s] == pytest.approx(expected[0], rel=1e-9, abs=1e-12)
            assert end[p, s] == pytest.approx(expected[1], rel=1e-9, abs=1e-12)


def test_a_braitenberg_vehicle_finds_the_light_and_stops_there():
    """Vehicle 3a ("love"): each light sensor inhibits the wheel on its own side, so the
    robot turns towards the light and slows as it nears it."""
    v = np.zeros((2, 10))
    v[0, 9] = v[1, 8] = -3.0  # left wheel <- left sensor, right wheel <- right sensor; z = 0.5 about 0.06 m away
    net = evornn.CTRNN(np.zeros((2, 2)), tau=0.2, bias=[2.0, 2.0], input_weights=v)
    starts = [[0.15, 0.3, 0.2], [0.8, 0.85, 3.0], [0.15, 0.8, -0.9]]
    task = WheeledRobotTask("phototaxis", starts=starts, duration=60.0)
    assert task.evaluate(net).metrics["reached"][0] == 1.0
    # It stops facing the light, where both sensors (45 degrees off) read 2/3 and the
    # wheels stand still: cos(45) / (1 + (r / 0.25)^2) = 2 / 3.
    r = 0.25 * math.sqrt(1.5 * math.cos(math.pi / 4) - 1)
    np.testing.assert_allclose(task.run(net)[1][0], r, rtol=1e-3)


def test_bad_input_is_rejected_with_what_the_robot_needs():
    with pytest.raises(ValueError, match="needs a controller with 10 inputs"):
        WheeledRobotTask().check_model(evornn.CTRNN.random(1, 3, n_inputs=8, rng=0))
    with pytest.raises(ValueError, match="goal"):
        WheeledRobotTask("dance")
    with pytest.raises(ValueError, match="overlaps"):
        WheeledRobotTask(starts=[[0.01, 0.5, 0.0]])
    with pytest.raises(ValueError, match="light"):
        WheeledRobotTask(light=(2.0, 0.5))


def test_the_behaviour_descriptors_are_where_the_robot_ends():
    # The Braitenberg vehicle above stops facing the light, 0.25 sqrt(1.5 cos 45 - 1) m from it.
    v = np.zeros((2, 10))
    v[0, 9] = v[1, 8] = -3.0
    net = evornn.CTRNN(np.zeros((2, 2)), tau=0.2, bias=[2.0, 2.0], input_weights=v)
    task = WheeledRobotTask("phototaxis", starts=[[0.15, 0.3, 0.2]], duration=60.0)
    metrics = task.evaluate(net).metrics
    r = 0.25 * math.sqrt(1.5 * math.cos(math.pi / 4) - 1)
    assert math.hypot(metrics["final_x"][0] - 0.5, metrics["final_y"][0] - 0.5) == pytest.approx(r, rel=1e-3)
    assert [d.name for d in task.descriptors] == ["final_x", "final_y"]
    # Averaged over trials: the mean of each trial's end (a Python loop's, trial by trial).
    obstacles = np.array([[0.3, 0.3, 0.05]])
    task = WheeledRobotTask("avoidance", n_trials=3, duration=10.0, obstacles=obstacles)
    nets = evornn.CTRNN.random(2, 3, n_inputs=10, rng=7)
    poses = [task.behaviour(nets.take([p]))["pose"][-1] for p in range(2)]  # (n_trials, 3) at the last step
    metrics = task.evaluate(nets).metrics
    np.testing.assert_allclose(metrics["final_x"], [pose[:, 0].mean() for pose in poses], rtol=1e-12)
    np.testing.assert_allclose(metrics["final_y"], [pose[:, 1].mean() for pose in poses], rtol=1e-12)
