r"""Beer's visually guided categorisation (the "minimally cognitive" agent): catch circles,
avoid diamonds. Every agent, trial and controller steps together in one compiled, parallel
loop (rays -> network -> motors -> body), no Python per step.

**The agent** (Beer 1996, 2003; the constants of Beer's ``VisualAgent``): a circular body
of diameter 30 on the floor (y = 0) of an arena 400 wide, moving horizontally with velocity
:math:`v = 5 (z_0 - z_1)` set by two motor outputs (each clipped to [0, 1]), stopped at the walls. Its eye has 7
rays spread evenly over a visual angle of :math:`\pi/6` about the vertical, starting on the
upper half of its perimeter; a ray's length :math:`L` is the distance to the first point of
the object it meets, at most 220, and its sensor reads :math:`10 (220 - L) / 220`.

**The objects**: a circle of diameter 30, or a diamond (a square standing on a corner)
of the same width 30, falls straight down at speed 3 from height 275, starting at a
horizontal offset from the agent. A trial ends when the object's lowest point reaches the
height of the top of the agent (y = 15); :math:`d` is then the horizontal distance between the centres.

**Fitness** (Beer 2003): the mean over trials of :math:`1 - \hat d` for circles and
:math:`\hat d` for diamonds, with :math:`\hat d = \min(|d|, 45) / 45`. A decision is
correct when a circle lands on the agent (:math:`|d| < 30`, the two overlap) or a diamond
misses it (:math:`|d| \ge 30`); the metric ``"correct"`` is the fraction of correct
decisions. The controller takes an Euler step of `dt` = 0.1 per time step. The agent is
a body (:class:`Categorizer`) in evornn's closed loop (:mod:`evornn.tasks.body`).

References: R. D. Beer, "Toward the evolution of dynamical neural networks for minimally
cognitive behavior", From Animals to Animats 4, 1996; R. D. Beer, "The dynamics of active
categorical perception in an evolved model agent", Adaptive Behavior 11(4), 2003.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from .._checks import positive_float, positive_int
from .._numba import ERROR_MODEL, FASTMATH
from .base import Evaluation, Task
from .body import Body, Trials, register_body, run_body, unit

BODY_RADIUS = 15.0
ARENA_HALF_WIDTH = 200.0
N_RAYS = 7
VISUAL_ANGLE = np.pi / 6
MAX_RAY_LENGTH = 220.0
INPUT_GAIN = 10.0
VELOCITY_GAIN = 5.0
OBJECT_RADIUS = 15.0  # circle radius, diamond half-diagonal
DROP_HEIGHT = 275.0
FALL_SPEED = 3.0
DISTANCE_CLIP = 45.0
CIRCLE, DIAMOND = 0, 1


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _ray_circle(sx, sy, dx, dy, cx, cy, r):
    # |s + t d - c|^2 = r^2 with |d| = 1: the smallest t >= 0, or inf.
    ox, oy = sx - cx, sy - cy
    b = ox * dx + oy * dy
    disc = b * b - (ox * ox + oy * oy - r * r)
    if disc < 0.0:
        return np.inf
    root = np.sqrt(disc)
    t = -b - root
    if t >= 0.0:
        return t
    t = -b + root
    return t if t >= 0.0 else np.inf


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _ray_diamond(sx, sy, dx, dy, cx, cy, h):
    # The four edges of |x - cx| + |y - cy| = h, each as a segment from a corner.
    best = np.inf
    for k in range(4):
        ax = cx + h * (1.0 if k == 0 else (-1.0 if k == 2 else 0.0))
        ay = cy + h * (1.0 if k == 1 else (-1.0 if k == 3 else 0.0))
        j = (k + 1) % 4
        bx = cx + h * (1.0 if j == 0 else (-1.0 if j == 2 else 0.0))
        by = cy + h * (1.0 if j == 1 else (-1.0 if j == 3 else 0.0))
        ex, ey = bx - ax, by - ay
        denom = dx * ey - dy * ex
        if denom == 0.0:
            continue
        wx, wy = ax - sx, ay - sy
        t = (wx * ey - wy * ex) / denom
        u = (wx * dy - wy * dx) / denom
        if t >= 0.0 and 0.0 <= u <= 1.0 and t < best:
            best = t
    return best


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def ray_lengths(agent_x, object_x, object_y, shape, out):
    """Length of each of the 7 rays of an agent at `agent_x` to an object (shape 0: circle,
    1: diamond) centred at (`object_x`, `object_y`), capped at 220. Numba-compiled."""
    for k in range(N_RAYS):
        theta = -0.5 * VISUAL_ANGLE + k * VISUAL_ANGLE / (N_RAYS - 1)
        dx, dy = np.sin(theta), np.cos(theta)
        sx, sy = agent_x + BODY_RADIUS * dx, BODY_RADIUS * dy
        if shape == CIRCLE:
            t = _ray_circle(sx, sy, dx, dy, object_x, object_y, OBJECT_RADIUS)
        else:
            t = _ray_diamond(sx, sy, dx, dy, object_x, object_y, OBJECT_RADIUS)
        out[k] = min(t, MAX_RAY_LENGTH)


class CategorizerParams(NamedTuple):
    """The categorisation agent's trials: drop offsets and shapes (0 circle, 1 diamond)."""

    offsets: np.ndarray  # (n_trials,)
    shapes: np.ndarray  # (n_trials,) int64


# The body's state: the agent's x, the object's x and y, and its shape code.
AGENT_X, OBJECT_X, OBJECT_Y, SHAPE = range(4)


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _reset(body, p, trial, draws, state):
    state[AGENT_X] = 0.0
    state[OBJECT_X] = body.offsets[trial]
    state[OBJECT_Y] = DROP_HEIGHT
    state[SHAPE] = body.shapes[trial]


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _sense(body, p, state, u):
    ray_lengths(state[AGENT_X], state[OBJECT_X], state[OBJECT_Y], int(state[SHAPE]), u)
    for k in range(N_RAYS):
        u[k] = INPUT_GAIN * (MAX_RAY_LENGTH - u[k]) / MAX_RAY_LENGTH


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _act(body, p, state, z, dt):
    velocity = VELOCITY_GAIN * (unit(z[0]) - unit(z[1]))
    state[AGENT_X] = min(max(state[AGENT_X] + dt * velocity, -ARENA_HALF_WIDTH), ARENA_HALF_WIDTH)
    state[OBJECT_Y] -= dt * FALL_SPEED
    return 0.0


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _done(body, p, state):
    return False


register_body(CategorizerParams, reset=_reset, sense=_sense, act=_act, done=_done)


class Categorizer(Body):
    """Beer's visually guided agent as a :class:`~evornn.tasks.body.Body`: 7 ray sensors,
    2 motors, state (agent x, object x, object y, shape); one trial per (offset, shape)."""

    def __init__(self, offsets, shapes, *, dt: float = 0.1):
        params = CategorizerParams(np.ascontiguousarray(offsets, dtype=np.float64),
                                   np.ascontiguousarray(shapes, dtype=np.int64))
        super().__init__(params, n_state=4, n_inputs=N_RAYS, n_outputs=2, dt=dt)


class CategorizationTask(Task):
    """Catch falling circles and avoid falling diamonds (see the module docstring).

    Trials drop each shape from `n_positions` horizontal offsets evenly spaced over
    ``[-max_offset, max_offset]``. Fitness is Beer's mean closeness score; metrics:
    ``"correct"`` (fraction of correct catch / avoid decisions), ``"circles_caught"`` and
    ``"diamonds_avoided"`` (fractions).

    Parameters
    ----------
    n_positions : int
        Drop positions per shape (trials: twice as many).
    max_offset : float
        Largest horizontal offset of a drop (Beer: 50).
    dt : float
        Euler step of the controller and the world (Beer: 0.1).

    The controller needs 7 inputs (the rays, left to right) and at least 2 outputs
    (``v = 5 (z_0 - z_1)``); a continuous controller takes an Euler step of `dt` per
    step, a discrete one a map step. The agent is a :class:`Categorizer` body, run by
    :func:`evornn.tasks.body.run_body`.

    Examples
    --------
    >>> import evornn
    >>> task = CategorizationTask(n_positions=4)
    >>> net = evornn.CTRNN.random(3, 5, n_inputs=7, rng=0)
    >>> task.evaluate(net).metrics["correct"].shape
    (3,)
    """

    def __init__(self, *, n_positions: int = 24, max_offset: float = 50.0, dt: float = 0.1):
        self.n_positions = positive_int("n_positions", n_positions)
        self.max_offset = positive_float("max_offset", max_offset)
        self.dt = positive_float("dt", dt)
        fall = DROP_HEIGHT - OBJECT_RADIUS - BODY_RADIUS
        self.n_steps = int(np.ceil(fall / (FALL_SPEED * self.dt) - 1e-9))
        offsets = np.linspace(-self.max_offset, self.max_offset, self.n_positions)
        self.offsets = np.concatenate([offsets, offsets])
        self.shapes = np.repeat(np.array([CIRCLE, DIAMOND], dtype=np.int64), self.n_positions)
        self.body = Categorizer(self.offsets, self.shapes, dt=self.dt)

    def check_model(self, model) -> None:
        if model.n_inputs != N_RAYS or model.n_outputs < 2:
            raise ValueError(f"the categorisation agent needs a controller with {N_RAYS} inputs (rays) and at least "
                             f"2 outputs (left and right motors); this one has {model.n_inputs} inputs and "
                             f"{model.n_outputs} outputs")

    def run(self, model, trace_steps: int = 0) -> Trials:
        """Every individual on every trial through the closed loop (see :func:`run_body`)."""
        self.check_model(model)
        return run_body(self.body, model, n_trials=self.offsets.shape[0], max_steps=self.n_steps,
                        trace_jobs=self.offsets.shape[0] if trace_steps else 0, trace_steps=trace_steps)

    def distances(self, model) -> np.ndarray:
        """Final horizontal distance (object - agent) of every individual on every trial;
        shape (n_pop, 2 n_positions), circles first. NaN where the network diverged."""
        trials = self.run(model)
        return np.where(trials.diverged, np.nan, trials.state[..., OBJECT_X] - trials.state[..., AGENT_X])

    def evaluate(self, model, rng=None) -> Evaluation:
        d = np.abs(self.distances(model))
        closeness = np.minimum(d, DISTANCE_CLIP) / DISTANCE_CLIP
        circle = self.shapes == CIRCLE
        scores = np.where(circle, 1.0 - closeness, closeness)
        landed = d < BODY_RADIUS + OBJECT_RADIUS
        caught = (landed & circle).sum(axis=1) / circle.sum()
        avoided = (~landed & ~circle & np.isfinite(d)).sum(axis=1) / (~circle).sum()
        correct = 0.5 * (caught + avoided)
        return Evaluation.from_raw(scores.mean(axis=1), {"correct": correct, "circles_caught": caught,
                                                         "diamonds_avoided": avoided}, worst_fitness=self.worst_fitness)

    def behaviour(self, model) -> dict[str, np.ndarray]:
        """Individual 0 on every trial: ``t``, ``agent_x`` and ``object_x`` (shape
        (n_steps, n_trials)), ``object_y`` (n_steps,), ``shapes`` and ``offsets``
        (n_trials,), and ``outputs`` (the agent's position relative to each object)."""
        trace = self.run(model.take([0]), trace_steps=self.n_steps).trace
        agent, obj = trace[:, :, AGENT_X].T, trace[:, :, OBJECT_X].T
        return {"t": self.dt * np.arange(1, self.n_steps + 1), "agent_x": agent, "object_x": obj,
                "object_y": trace[0, :, OBJECT_Y], "shapes": self.shapes, "offsets": self.offsets, "outputs": agent - obj}

    def plot(self, model, *, title=None):
        """Every trial of individual 0: the agent's horizontal position relative to the
        object as the object falls (:func:`evornn.plotting.plot_categorisation`)."""
        from ..plotting import plot_categorisation

        return plot_categorisation(self.behaviour(model), title=title)

    def animate(self, model, path):
        """A GIF of individual 0 on a circle trial and a diamond trial
        (:func:`evornn.plotting.animate_categorisation`)."""
        from ..plotting import animate_categorisation

        return animate_categorisation(self.behaviour(model), path, object_radius=OBJECT_RADIUS, body_radius=BODY_RADIUS)
