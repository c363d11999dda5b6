r"""A 2D differential-drive robot (Khepera-like) in a walled arena: phototaxis and obstacle
avoidance. Every robot, trial and controller steps together in one compiled, parallel loop
(proximity and light sensors -> network -> wheels -> body), no Python per step.

**Body** (after the Khepera of Mondada, Franzi and Ienne 1993, as simulated by Nolfi and
Floreano 2000): a disc of radius 0.0275 m; wheel speeds :math:`v_{L,R} = v_{max} (2 z_{0,1} - 1)` (outputs clipped to [0, 1])
with :math:`v_{max} = 0.1` m/s, so that per control step of :math:`\Delta t` = 0.1 s

.. math::

    x \leftarrow x + \Delta t\, \tfrac{v_L + v_R}{2} \cos\phi, \quad
    y \leftarrow y + \Delta t\, \tfrac{v_L + v_R}{2} \sin\phi, \quad
    \phi \leftarrow \phi + \Delta t\, \frac{v_R - v_L}{0.053}

(0.053 m between the wheels). A step that would overlap a wall or an obstacle is not
taken (the robot stays where it was) and counts as a collision.

**Arena**: the square :math:`[0, 1]^2` m with walls, and optional round obstacles
``(x, y, radius)``.

**Sensors** (10 inputs): 8 proximity rays from the body's edge at the Khepera's angles
(-90, -45, -10, 10, 45, 90, 170, -170 degrees from the heading, counter-clockwise positive:
right to left, then the two at the back), reading
:math:`1 - d / 0.1` for the distance :math:`d` to the nearest wall or obstacle along the
ray (0 beyond 0.1 m); then 2 light sensors at +-45 degrees reading
:math:`\max(0, \cos\alpha) / (1 + (r / 0.25)^2)`, with :math:`\alpha` the angle between the
sensor's direction and the light and :math:`r` the distance to it (no shadows).

**Tasks**

- ``"phototaxis"``: from each start pose, approach the light; fitness is the mean over time
  and trials of :math:`1 - r / r_0` (clipped at 0) with :math:`r_0` the starting
  distance; metric ``"reached"`` is the fraction of trials ending within 0.1 m of it.
- ``"avoidance"`` (Floreano and Mondada 1994): fitness is the mean over time and trials of
  :math:`V (1 - \sqrt{\Delta v}) (1 - i)`, with :math:`V` the mean absolute wheel speed and
  :math:`\Delta v` the absolute difference of the wheel speeds (both over :math:`v_{max}`,
  so :math:`\Delta v` is halved to stay in [0, 1]) and :math:`i` the largest proximity
  reading; a colliding step scores 0. Metric ``"collisions"`` is the fraction of colliding
  steps.

References: D. Floreano and F. Mondada, "Automatic creation of an autonomous agent:
genetic evolution of a neural-network driven robot", SAB 1994; S. Nolfi and D. Floreano,
*Evolutionary Robotics*, MIT Press, 2000.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from .._checks import as_float_array, one_of, positive_float, positive_int
from .._numba import ERROR_MODEL, FASTMATH
from ._simulation import trial_steps
from .base import Descriptor, Evaluation, Task
from .body import Body, Trials, register_body, run_body, unit

RADIUS = 0.0275
AXLE = 0.053
MAX_SPEED = 0.1
ARENA = 1.0
PROXIMITY_RANGE = 0.1
PROXIMITY_ANGLES = np.radians([-90.0, -45.0, -10.0, 10.0, 45.0, 90.0, 170.0, -170.0])
LIGHT_ANGLES = np.radians([-45.0, 45.0])
LIGHT_SCALE = 0.25
REACHED = 0.1
N_SENSORS = 10
PHOTOTAXIS, AVOIDANCE = 0, 1


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def ray_distance(sx, sy, dx, dy, obstacles):
    """Distance from (sx, sy) along the unit direction (dx, dy) to the first wall of the
    unit-square arena or the first round obstacle ``(x, y, radius)``. Numba-compiled."""
    best = np.inf
    # Walls x = 0, x = 1, y = 0, y = 1, seen from inside.
    if dx > 0.0:
        best = min(best, (ARENA - sx) / dx)
    elif dx < 0.0:
        best = min(best, -sx / dx)
    if dy > 0.0:
        best = min(best, (ARENA - sy) / dy)
    elif dy < 0.0:
        best = min(best, -sy / dy)
    for k in range(obstacles.shape[0]):
        ox, oy = sx - obstacles[k, 0], sy - obstacles[k, 1]
        r = obstacles[k, 2]
        b = ox * dx + oy * dy
        disc = b * b - (ox * ox + oy * oy - r * r)
        if disc >= 0.0:
            t = -b - np.sqrt(disc)
            if t >= 0.0 and t < best:
                best = t
    return max(best, 0.0)


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def sense(x, y, heading, light, obstacles, out):
    """The 10 sensor readings of a robot at (x, y) facing `heading` (see the module
    docstring) into `out`; returns the largest proximity reading. Numba-compiled."""
    largest = 0.0
    for k in range(PROXIMITY_ANGLES.shape[0]):
        angle = heading + PROXIMITY_ANGLES[k]
        dx, dy = np.cos(angle), np.sin(angle)
        d = ray_distance(x + RADIUS * dx, y + RADIUS * dy, dx, dy, obstacles)
        out[k] = max(0.0, 1.0 - d / PROXIMITY_RANGE)
        largest = max(largest, out[k])
    lx, ly = light[0] - x, light[1] - y
    r = np.sqrt(lx * lx + ly * ly)
    for k in range(LIGHT_ANGLES.shape[0]):
        angle = heading + LIGHT_ANGLES[k]
        cosine = (np.cos(angle) * lx + np.sin(angle) * ly) / r if r > 0.0 else 1.0
        out[8 + k] = max(0.0, cosine) / (1.0 + (r / LIGHT_SCALE) ** 2)
    return largest


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _free(x, y, obstacles):
    if x < RADIUS or x > ARENA - RADIUS or y < RADIUS or y > ARENA - RADIUS:
        return False
    for k in range(obstacles.shape[0]):
        dx, dy = x - obstacles[k, 0], y - obstacles[k, 1]
        if dx * dx + dy * dy < (RADIUS + obstacles[k, 2]) ** 2:
            return False
    return True


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def drive_step(pose, left, right, dt, obstacles):
    """Move the robot ``pose = (x, y, heading)`` in place with wheel speeds `left` and
    `right` (m/s) for `dt`; returns False (and stays put) on a collision. Numba-compiled."""
    v = 0.5 * (left + right)
    x = pose[0] + dt * v * np.cos(pose[2])
    y = pose[1] + dt * v * np.sin(pose[2])
    if not _free(x, y, obstacles):
        return False
    pose[0], pose[1] = x, y
    pose[2] += dt * (right - left) / AXLE
    return True


class WheeledRobotParams(NamedTuple):
    """The wheeled robot's world: start poses, the light, the obstacles and the goal."""

    starts: np.ndarray  # (n_trials, 3): x, y, heading
    light: np.ndarray  # (2,)
    obstacles: np.ndarray  # (n_obstacles, 3): x, y, radius
    goal: np.ndarray  # (1,) int64: PHOTOTAXIS or AVOIDANCE


# The body's state: pose, the starting distance to the light, the largest proximity
# reading of the last sensing, and the colliding steps so far.
X, Y, HEADING, START_DISTANCE, PROXIMITY, COLLISIONS = range(6)


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _reset(body, p, trial, draws, state):
    for q in range(3):
        state[q] = body.starts[trial, q]
    state[START_DISTANCE] = np.hypot(body.light[0] - state[X], body.light[1] - state[Y])
    state[PROXIMITY] = 0.0
    state[COLLISIONS] = 0.0


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _sense(body, p, state, u):
    state[PROXIMITY] = sense(state[X], state[Y], state[HEADING], body.light, body.obstacles, u)


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _act(body, p, state, z, dt):
    left = MAX_SPEED * (2.0 * unit(z[0]) - 1.0)
    right = MAX_SPEED * (2.0 * unit(z[1]) - 1.0)
    moved = drive_step(state[:3], left, right, dt, body.obstacles)
    if body.goal[0] == PHOTOTAXIS:
        return max(0.0, 1.0 - np.hypot(body.light[0] - state[X], body.light[1] - state[Y]) / state[START_DISTANCE])
    if not moved:
        state[COLLISIONS] += 1.0
        return 0.0
    speed = 0.5 * (abs(left) + abs(right)) / MAX_SPEED
    turning = 0.5 * abs(left - right) / MAX_SPEED
    return speed * (1.0 - np.sqrt(turning)) * (1.0 - state[PROXIMITY])


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _done(body, p, state):
    return False


register_body(WheeledRobotParams, reset=_reset, sense=_sense, act=_act, done=_done)


class WheeledRobot(Body):
    """The Khepera-like robot as a :class:`~evornn.tasks.body.Body`: 10 sensors, 2 wheels;
    state (x, y, heading, start distance to the light, last largest proximity reading,
    collisions); reward per step as the module docstring's fitness; one trial per start pose."""

    def __init__(self, starts, *, goal: str = "phototaxis", light=(0.5, 0.5), obstacles=None, dt: float = 0.1):
        goal = one_of("goal", goal, ("phototaxis", "avoidance"))
        params = WheeledRobotParams(
            starts=np.ascontiguousarray(starts, dtype=np.float64), light=np.ascontiguousarray(light, dtype=np.float64),
            obstacles=np.zeros((0, 3)) if obstacles is None else np.ascontiguousarray(obstacles, dtype=np.float64),
            goal=np.array([PHOTOTAXIS if goal == "phototaxis" else AVOIDANCE], dtype=np.int64))
        super().__init__(params, n_state=6, n_inputs=N_SENSORS, n_outputs=2, dt=dt)


def _grid_starts(n: int) -> np.ndarray:
    # Poses on a circle of radius 0.3 about the arena's centre, facing outwards (away
    # from a central light), so every trial must turn round.
    angles = 2.0 * np.pi * (np.arange(n) + 0.5) / n
    return np.column_stack([0.5 + 0.3 * np.cos(angles), 0.5 + 0.3 * np.sin(angles), angles])


class WheeledRobotTask(Task):
    """Phototaxis or obstacle avoidance with a Khepera-like robot (see the module docstring).

    Parameters
    ----------
    goal : {"phototaxis", "avoidance"}
    n_trials : int
        Start poses, evenly spread on a circle of radius 0.3 m about the arena's centre and
        facing outwards (ignored when `starts` is given).
    duration : float
        Seconds per trial.
    dt : float
        Control and integration step (s).
    light : (float, float)
        Where the light is (m); default the arena's centre.
    obstacles : array_like, shape (n, 3), optional
        Round obstacles ``(x, y, radius)`` (m).
    starts : array_like, shape (n_trials, 3), optional
        Start poses ``(x, y, heading)``.

    Metrics: ``"reached"`` (phototaxis: the fraction of trials that end within reach of the
    light) or ``"collisions"`` (avoidance: the fraction of steps in contact), and
    ``"final_x"``, ``"final_y"``: where the robot ends, averaged over the trials, which are
    also its behaviour descriptors (in the arena, ``[0, 1]`` m each) for quality-diversity
    and novelty search.

    The controller needs 10 inputs (8 proximity sensors, then the right and left light
    sensors) and at least 2 outputs (left and right wheels). The robot is a
    :class:`WheeledRobot` body, run by :func:`evornn.tasks.body.run_body`.

    Examples
    --------
    >>> import evornn
    >>> task = WheeledRobotTask("phototaxis", n_trials=2, duration=5.0)
    >>> net = evornn.CTRNN.random(3, 4, n_inputs=10, rng=0)
    >>> task.evaluate(net).metrics["reached"].shape
    (3,)
    """

    def __init__(self, goal: str = "phototaxis", *, n_trials: int = 4, duration: float = 30.0, dt: float = 0.1,
                 light=(0.5, 0.5), obstacles=None, starts=None):
        self.goal = one_of("goal", goal, ("phototaxis", "avoidance"))
        self.descriptors = (Descriptor("final_x", 0.0, ARENA), Descriptor("final_y", 0.0, ARENA))
        self.dt = positive_float("dt", dt)
        self.duration = positive_float("duration", duration)
        self.n_steps = trial_steps("duration", max(1, round(self.duration / self.dt)),
                                   what=f" (duration / dt = {self.duration:g} / {self.dt:g})")
        self.light = as_float_array("light", light)
        if self.light.shape != (2,) or not np.all((self.light >= 0) & (self.light <= ARENA)):
            raise ValueError(f"light must be a point (x, y) in the arena [0, 1]^2, got {light!r}")
        self.obstacles = np.zeros((0, 3)) if obstacles is None else np.ascontiguousarray(as_float_array("obstacles", obstacles))
        if self.obstacles.ndim != 2 or self.obstacles.shape[1] != 3 or np.any(self.obstacles[:, 2] <= 0):
            raise ValueError("obstacles must have shape (n, 3): x, y and a positive radius for each")
        if starts is None:
            self.starts = _grid_starts(positive_int("n_trials", n_trials))
        else:
            self.starts = np.ascontiguousarray(as_float_array("starts", starts))
            if self.starts.ndim != 2 or self.starts.shape[1] != 3 or self.starts.shape[0] < 1:
                raise ValueError(f"starts must have shape (n_trials, 3): x, y, heading; got {self.starts.shape}")
        for x, y, _ in self.starts:
            if not _free(x, y, self.obstacles):
                raise ValueError(f"start pose ({x}, {y}) overlaps a wall or an obstacle")
        self.body = WheeledRobot(self.starts, goal=self.goal, light=self.light, obstacles=self.obstacles, dt=self.dt)

    def check_model(self, model) -> None:
        if model.n_inputs != N_SENSORS or model.n_outputs < 2:
            raise ValueError(f"the wheeled robot needs a controller with {N_SENSORS} inputs (8 proximity, 2 light) and "
                             f"at least 2 outputs (left and right wheels); this one has {model.n_inputs} inputs and "
                             f"{model.n_outputs} outputs")

    def trials(self, model, trace_steps: int = 0) -> Trials:
        """Every individual on every start pose through the closed loop (see :func:`run_body`)."""
        self.check_model(model)
        n_trials = self.starts.shape[0]
        return run_body(self.body, model, n_trials=n_trials, max_steps=self.n_steps,
                        trace_jobs=n_trials if trace_steps else 0, trace_steps=trace_steps)

    def run(self, model) -> tuple[np.ndarray, np.ndarray]:
        """Scores summed over steps (NaN where the network diverged) and end measures
        (distance to the light, or colliding steps) of every individual on every trial;
        each of shape (n_pop, n_trials)."""
        return self._measure(self.trials(model))

    def _measure(self, trials) -> tuple[np.ndarray, np.ndarray]:
        score = np.where(trials.diverged, np.nan, trials.reward)
        state = trials.state
        if self.goal == "phototaxis":
            end = np.hypot(self.light[0] - state[..., X], self.light[1] - state[..., Y])
        else:
            end = state[..., COLLISIONS]
        return score, end

    def evaluate(self, model, rng=None) -> Evaluation:
        trials = self.trials(model)
        score, end = self._measure(trials)
        fitness = score.mean(axis=1) / self.n_steps
        if self.goal == "phototaxis":
            metrics = {"reached": (end < REACHED).mean(axis=1)}
        else:
            metrics = {"collisions": end.mean(axis=1) / self.n_steps}
        # Behaviour: where the robot ends, averaged over the trials (NaN where it diverged).
        final = np.where(trials.diverged[..., None], np.nan, trials.state[..., [X, Y]]).mean(axis=1)
        metrics.update(final_x=final[:, 0], final_y=final[:, 1])
        return Evaluation.from_raw(fitness, metrics, worst_fitness=self.worst_fitness)

    def behaviour(self, model) -> dict[str, np.ndarray]:
        """Individual 0 on every trial: ``t`` and ``pose`` (shape (n_steps, n_trials, 3)),
        ``outputs`` (x and y of trial 0) for generic plots."""
        trace = self.trials(model.take([0]), trace_steps=self.n_steps).trace
        pose = trace[:, :, :3].transpose(1, 0, 2)
        return {"t": self.dt * np.arange(1, self.n_steps + 1), "pose": pose, "outputs": pose[:, 0, :2]}

    def plot(self, model, *, title=None):
        """The paths of individual 0 in the arena (:func:`evornn.plotting.plot_arena`)."""
        from ..plotting import plot_arena

        return plot_arena(self.behaviour(model), light=self.light if self.goal == "phototaxis" else None,
                          obstacles=self.obstacles, title=title)

    def animate(self, model, path):
        """A GIF of individual 0 on every trial (:func:`evornn.plotting.animate_arena`)."""
        from ..plotting import animate_arena

        return animate_arena(self.behaviour(model), path, radius=RADIUS,
                             light=self.light if self.goal == "phototaxis" else None, obstacles=self.obstacles)
