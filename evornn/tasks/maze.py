r"""The deceptive mazes of Lehman and Stanley's novelty search (Evolutionary Computation 19(2),
2011): a round robot with six rangefinders and four pie-slice radars must reach a goal
that the walls hide behind dead ends.

The robot (radius 8, in the maze's units) has rangefinders at -90, -45, 0, 45, 90 and 180
degrees from its heading, each reading the distance to the nearest wall along its ray up to
100 (divided by 100), and four radars that fire (1) when the goal lies within their
quarter of the circle around the robot (front: -45 to 45 degrees, left: 45 to 135, back,
right). Each control step, output 0 changes the angular velocity and output 1 the speed by
``z - 0.5`` (outputs clipped to [0, 1]), both kept within +-3 (degrees and units per step);
the robot moves along its heading by its speed and then turns, unless the move would bring
it within its radius of a wall (then it stays). A trial is 400 steps, or ends when the
robot comes within 5 of the goal. As in the paper, the fitness is ``300 - d`` with ``d`` the
final distance to the goal, the behaviour the final position, and the metric ``"solved"``
is 1 for a robot that reached the goal.

The walls, the start and the goal are those of the paper's medium and hard mazes (as the
original experiment's ``medium_maze.txt`` and ``hard_maze.txt`` give them; the y axis points
down in those files, as on the paper's figures). The paper evolved NEAT networks (with a bias
input, left out here: evornn's networks have biases of their own) in 40 runs per method
and maze, and reports that novelty search solved the hard maze in nearly every run and
fitness-based search in few, within a budget of 250,000 evaluations (as recalled: the
paper's tables could not be consulted when this was written; ``benchmarks/bench_maze.py``
prints evornn's own statistics).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from .._checks import one_of, positive_int
from .._numba import ERROR_MODEL, FASTMATH
from .base import Descriptor
from .body import Body, BodyTask, Trials, register_body, unit

_JIT = {"cache": True, "fastmath": FASTMATH, "error_model": ERROR_MODEL}
X, Y, HEADING, SPEED, TURN, FOUND = range(6)  # the state: position, heading (degrees), speed, turn rate, at the goal
RADIUS, RANGE, MAX_SPEED, EXIT_RANGE, FITNESS_BIAS = 8.0, 100.0, 3.0, 5.0, 300.0
RANGEFINDERS = np.array([-90.0, -45.0, 0.0, 45.0, 90.0, -180.0])
RADARS = np.array([[315.0, 405.0], [45.0, 135.0], [135.0, 225.0], [225.0, 315.0]])

#: The paper's mazes: walls (x0, y0, x1, y1) including the boundary, start (x, y, heading
#: in degrees) and goal (x, y).
MAZES = {
    "medium": {
        "walls": [[5, 5, 295, 5], [295, 5, 295, 135], [295, 135, 5, 135], [5, 135, 5, 5], [241, 135, 58, 65],
                  [114, 5, 73, 42], [130, 91, 107, 46], [196, 5, 139, 51], [219, 125, 182, 63], [267, 5, 214, 63],
                  [271, 135, 237, 88]],
        "start": [30, 22, 0], "goal": [270, 100], "size": (300, 140),
    },
    "hard": {
        "walls": [[5, 5, 5, 200], [5, 200, 200, 200], [200, 200, 200, 5], [200, 5, 5, 5], [5, 49, 57, 53],
                  [56, 54, 56, 157], [57, 106, 158, 162], [77, 200, 108, 164], [5, 80, 33, 121], [200, 146, 87, 91],
                  [56, 55, 133, 30]],
        "start": [36, 184, 0], "goal": [31, 20], "size": (205, 205),
    },
}


class MazeParams(NamedTuple):
    walls: np.ndarray  # (n_walls, 4)
    start: np.ndarray  # (3,): x, y, heading (degrees)
    goal: np.ndarray  # (2,)
    sensors: np.ndarray  # (6,): rangefinder angles (degrees)
    radars: np.ndarray  # (4, 2): radar slices (degrees)


@njit(**_JIT)
def _ray(walls, x, y, angle):
    """The distance from (x, y) along `angle` (degrees) to the nearest wall, at most RANGE."""
    rad = angle / 180.0 * math.pi
    bx, by = x + math.cos(rad) * RANGE, y + math.sin(rad) * RANGE
    best = RANGE
    for w in range(walls.shape[0]):
        ax_, ay_, cx, cy = walls[w, 0], walls[w, 1], x, y
        dx, dy = walls[w, 2] - ax_, walls[w, 3] - ay_
        ex, ey = bx - cx, by - cy
        denominator = dx * ey - dy * ex
        if denominator == 0.0:
            continue  # parallel
        r = ((ay_ - cy) * ex - (ax_ - cx) * ey) / denominator
        s = ((ay_ - cy) * dx - (ax_ - cx) * dy) / denominator
        if 0.0 < r < 1.0 and 0.0 < s < 1.0:
            best = min(best, s * RANGE)
    return best


@njit(**_JIT)
def _wall_distance(walls, x, y):
    """The distance from (x, y) to the nearest wall segment."""
    best = np.inf
    for w in range(walls.shape[0]):
        ax_, ay_ = walls[w, 0], walls[w, 1]
        dx, dy = walls[w, 2] - ax_, walls[w, 3] - ay_
        length2 = dx * dx + dy * dy
        u = ((x - ax_) * dx + (y - ay_) * dy) / length2 if length2 > 0.0 else 0.0
        u = min(max(u, 0.0), 1.0)
        best = min(best, math.hypot(ax_ + u * dx - x, ay_ + u * dy - y))
    return best


@njit(**_JIT)
def reset(body, p, trial, draws, state):
    state[X], state[Y], state[HEADING] = body.start[0], body.start[1], body.start[2]
    state[SPEED] = state[TURN] = state[FOUND] = 0.0


@njit(**_JIT)
def sense(body, p, state, u):
    x, y, heading = state[X], state[Y], state[HEADING]
    for k in range(body.sensors.shape[0]):
        u[k] = _ray(body.walls, x, y, heading + body.sensors[k]) / RANGE
    # The goal's bearing from the heading, in [0, 360).
    bearing = math.atan2(body.goal[1] - y, body.goal[0] - x) / math.pi * 180.0 - heading
    bearing = bearing % 360.0
    n = body.sensors.shape[0]
    for k in range(body.radars.shape[0]):
        low, high = body.radars[k, 0], body.radars[k, 1]
        inside = (low <= bearing < high) or (low <= bearing + 360.0 < high)
        u[n + k] = 1.0 if inside else 0.0


@njit(**_JIT)
def act(body, p, state, z, dt):
    state[TURN] = min(max(state[TURN] + unit(z[0]) - 0.5, -MAX_SPEED), MAX_SPEED)
    state[SPEED] = min(max(state[SPEED] + unit(z[1]) - 0.5, -MAX_SPEED), MAX_SPEED)
    rad = state[HEADING] / 180.0 * math.pi
    x, y = state[X] + math.cos(rad) * state[SPEED], state[Y] + math.sin(rad) * state[SPEED]
    heading = state[HEADING] + state[TURN]
    if heading > 360.0:
        heading -= 360.0
    if heading < 0.0:
        heading += 360.0
    state[HEADING] = heading
    if _wall_distance(body.walls, x, y) >= RADIUS:
        state[X], state[Y] = x, y
    if math.hypot(state[X] - body.goal[0], state[Y] - body.goal[1]) < EXIT_RANGE:
        state[FOUND] = 1.0
    return 0.0


@njit(**_JIT)
def done(body, p, state):
    return state[FOUND] == 1.0


register_body(MazeParams, reset=reset, sense=sense, act=act, done=done)


class Maze(Body):
    """One of the paper's mazes as a body (see the module docstring); 10 sensors (six
    rangefinders, then the front, left, back and right radars) and 2 motors (turn, speed).

    Parameters
    ----------
    maze : {"medium", "hard"}
    """

    def __init__(self, maze: str = "hard"):
        self.name = one_of("maze", maze, tuple(MAZES))
        spec = MAZES[self.name]
        params = MazeParams(np.array(spec["walls"], dtype=np.float64), np.array(spec["start"], dtype=np.float64),
                            np.array(spec["goal"], dtype=np.float64), RANGEFINDERS.copy(), RADARS.copy())
        super().__init__(params, n_state=6, n_inputs=10, n_outputs=2, dt=1.0,
                         state_names=("x", "y", "heading (degrees)", "speed", "turn rate", "at the goal"))
        self.size = spec["size"]

    def score(self, trials: Trials, max_steps: int):
        final = trials.state[..., [X, Y]]
        distance = np.hypot(final[..., 0] - self.params.goal[0], final[..., 1] - self.params.goal[1])
        fitness = np.where(trials.diverged, np.nan, FITNESS_BIAS - distance).mean(axis=1)
        final = np.where(trials.diverged[..., None], np.nan, final).mean(axis=1)
        return fitness, {"solved": (trials.state[..., FOUND] == 1.0).mean(axis=1), "distance": distance.mean(axis=1),
                         "final_x": final[:, 0], "final_y": final[:, 1]}


class MazeTask(BodyTask):
    """Navigate one of Lehman and Stanley's deceptive mazes (see :mod:`evornn.tasks.maze`).

    Parameters
    ----------
    maze : {"medium", "hard"}
    max_steps : int
        Control steps per trial (the paper: 400).
    controller_dt : float
        A continuous controller's step per control step.
    method : {"euler", "heun", "rk4"}

    Metrics: ``"solved"`` (1 when the robot reached the goal), ``"distance"`` (its final
    distance from the goal), ``"final_x"`` and ``"final_y"``; the last two are the behaviour
    descriptors (for ``"novelty"``, ``"map_elites"`` and ``"cma_me"``).

    Examples
    --------
    >>> import evornn
    >>> task = MazeTask("hard")
    >>> net = evornn.CTRNN.random(4, 5, n_inputs=10, rng=0)
    >>> sorted(task.evaluate(net).metrics)
    ['distance', 'final_x', 'final_y', 'solved']
    """

    def __init__(self, maze: str = "hard", *, max_steps: int = 400, controller_dt: float = 0.5,
                 method: str = "euler"):
        body = Maze(maze)
        super().__init__(body, n_trials=1, max_steps=positive_int("max_steps", max_steps), controller_dt=controller_dt,
                         method=method)
        self.maze = body.name
        width, height = body.size
        self.descriptors = (Descriptor("final_x", 0.0, float(width)), Descriptor("final_y", 0.0, float(height)))
        self.worst_fitness = 0.0

    def plot(self, model, *, title=None):
        """Individual 0's path through the maze (:func:`evornn.plotting.plot_maze`)."""
        from ..plotting import plot_maze

        return plot_maze(self, [self.behaviour(model)["state"][:, 0, :2]], title=title)
