r"""Beer's legged agent: a body on legs and its controller stepped together in one compiled,
parallel loop (angle sensors -> network -> foot and swing forces -> body), no Python per step.

**One leg** (Beer and Gallagher 1992; the equations of Beer's ``LeggedAgent``, with the
one-way mechanical limits of its later versions). The leg is a rod of length 15 hinged to
the body at height 12.5, at angle :math:`\phi \in [-\pi/6, \pi/6]` from the vertical
(positive: foot ahead of the hip). Each control step of length :math:`\Delta t`:

1. The foot is down when the foot output exceeds 0.5 (then :math:`\omega = 0`); the swing
   outputs (clipped to [0, 1]) give the forces :math:`F = 0.05\, z_F` and :math:`B = 0.05\, z_B`.
2. A supporting leg pushes the body with :math:`f = F - B` while within its limits (or
   towards them from outside): :math:`v \leftarrow \operatorname{clip}(v + \Delta t f, \pm 6)`,
   :math:`x \leftarrow x + \Delta t\, v`, and the hip moves with the body.
3. A supporting leg's angle follows from the fixed foot and the moved hip
   (:math:`\phi = \operatorname{atan2}(x_{foot} - x_{hip}, y_{foot} - y_{hip})`); a swinging
   leg turns: :math:`\omega \leftarrow \operatorname{clip}(\omega + 0.5 \Delta t (B - F), \pm 1)`,
   :math:`\phi \leftarrow \phi + \Delta t\, \omega`, stopped at the limits, the foot
   carried with it.
4. An unsupported body stops (:math:`v = 0`), and so does a body whose supporting foot is
   more than 20 behind its hip.

The controller senses :math:`5 \phi / (\pi/6)` for each leg, before its Euler step.
Fitness is the average forward velocity :math:`x(T) / T` over :math:`T = 200` time units
from rest (leg forward, foot up, the network in its initial state). Beer's hand-designed
stepping (foot down at the forward limit, up when 20 behind, full force) reaches 0.624 at
:math:`\Delta t = 0.1`; the maximum is 6.

**Six legs** (after Beer and Gallagher 1992; Beer, Chiel and Gallagher 1999): the same
leg at hips 20 ahead of, level with and 20 behind the centre of mass, on each side (order
L1, L2, L3, R1, R2, R3, front first). The supporting legs' forces add, and the body is
supported when its centre of mass lies in the polygon of support of the feet down: with
feet on both sides, between :math:`(\min x_L + \min x_R)/2` and
:math:`(\max x_L + \max x_R)/2`. Leg :math:`l` reads input :math:`l` and outputs
:math:`3l, 3l + 1, 3l + 2` (foot, forward force, backward force).

**Speed.** The walker is a body (:class:`Walker`) with lane kernels for one leg: a batch
of 16 or more one-legged walkers whose controllers offer lanes (the CTRNN) runs in SIMD
lanes (:func:`evornn.tasks.lanes.run_trials_lanes`; blocks of 16 walkers, or 128 for
batches of 512 or more): every loop over walkers
compiles to vector code, the network's sigmoid and the leg's arctangent, sine and cosine
included (plain-arithmetic versions within one or two units in the last place of NumPy's),
with both the stance and the swing update computed and one selected. Other controllers,
six legs and traces take the one-walker-per-thread loop; the two agree to 1e-9 (tested).

References: R. D. Beer and J. C. Gallagher, "Evolving dynamical neural networks for
adaptive behavior", Adaptive Behavior 1(1), 1992; R. D. Beer, H. J. Chiel and J. C.
Gallagher, "Evolution and analysis of model CPGs for walking I and II", J. Comput.
Neurosci. 7, 1999.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from .._checks import positive_float
from .._numba import CONTRACT, ERROR_MODEL, FASTMATH
from .._vecmath import atan, sincos
from ._simulation import trial_steps
from .base import Descriptor, Evaluation, Task
from .body import Body, Trials, register_body, register_body_lanes, run_body, unit

LEG_LENGTH = 15.0
HIP_HEIGHT = 12.5
MAX_LEG_FORCE = 0.05
FORWARD_LIMIT = np.pi / 6
BACKWARD_LIMIT = -np.pi / 6
MAX_VELOCITY = 6.0
MAX_TORQUE = 0.5
MAX_OMEGA = 1.0
STUCK_DISTANCE = 20.0
#: Hip positions along the body (relative to the centre of mass) and sides of the six legs.
HIP_OFFSETS = np.array([20.0, 0.0, -20.0, 20.0, 0.0, -20.0])
# Columns of a leg's state.
ANGLE, OMEGA, FOOT, FOOT_X, FOOT_Y, HIP_X = range(6)


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def reset_legs(n_legs, legs, body):
    """Rest: body at 0, every leg at the forward limit with its foot up. Numba-compiled."""
    body[0] = 0.0
    body[1] = 0.0
    for leg in range(n_legs):
        hip = HIP_OFFSETS[leg] if n_legs == 6 else 0.0
        legs[leg, ANGLE] = FORWARD_LIMIT
        legs[leg, OMEGA] = 0.0
        legs[leg, FOOT] = 0.0
        legs[leg, HIP_X] = hip
        legs[leg, FOOT_X] = hip + LEG_LENGTH * np.sin(FORWARD_LIMIT)
        legs[leg, FOOT_Y] = HIP_HEIGHT + LEG_LENGTH * np.cos(FORWARD_LIMIT)


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _supported(n_legs, legs, x):
    if n_legs == 1:
        return legs[0, FOOT] == 1.0
    lo_left = lo_right = np.inf
    hi_left = hi_right = -np.inf
    for leg in range(n_legs):
        if legs[leg, FOOT] == 1.0:
            foot_x = legs[leg, FOOT_X]
            if leg < 3:
                lo_left, hi_left = min(lo_left, foot_x), max(hi_left, foot_x)
            else:
                lo_right, hi_right = min(lo_right, foot_x), max(hi_right, foot_x)
    if lo_left == np.inf or lo_right == np.inf:
        return False
    return 0.5 * (lo_left + lo_right) <= x <= 0.5 * (hi_left + hi_right)


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def legs_step(n_legs, legs, body, z, dt):
    """One control step of the body given the motor outputs `z` (for leg ``l``: the foot
    goes down when ``z[3l] > 0.5``; ``z[3l + 1]`` and ``z[3l + 2]``, clipped to [0, 1], are
    the forward and backward forces over their maximum; see the module docstring). Updates
    `legs` (n_legs, 6) and `body` ``(x, v)`` in place. Numba-compiled; no validation."""
    force = 0.0
    for leg in range(n_legs):
        if z[3 * leg] > 0.5:
            legs[leg, FOOT] = 1.0
            legs[leg, OMEGA] = 0.0
        else:
            legs[leg, FOOT] = 0.0
        f = unit(z[3 * leg + 1]) * MAX_LEG_FORCE - unit(z[3 * leg + 2]) * MAX_LEG_FORCE
        angle = legs[leg, ANGLE]
        if legs[leg, FOOT] == 1.0 and ((BACKWARD_LIMIT <= angle <= FORWARD_LIMIT) or (angle < BACKWARD_LIMIT and f < 0.0)
                                       or (angle > FORWARD_LIMIT and f > 0.0)):
            force += f
    v = min(max(body[1] + dt * force, -MAX_VELOCITY), MAX_VELOCITY)
    body[0] += dt * v
    for leg in range(n_legs):
        legs[leg, HIP_X] += dt * v
        if legs[leg, FOOT] == 1.0:
            angle = np.arctan2(legs[leg, FOOT_X] - legs[leg, HIP_X], legs[leg, FOOT_Y] - HIP_HEIGHT)
            legs[leg, OMEGA] = (angle - legs[leg, ANGLE]) / dt
            legs[leg, ANGLE] = angle
        else:
            omega = legs[leg, OMEGA] + dt * MAX_TORQUE * (unit(z[3 * leg + 2]) * MAX_LEG_FORCE
                                                          - unit(z[3 * leg + 1]) * MAX_LEG_FORCE)
            omega = min(max(omega, -MAX_OMEGA), MAX_OMEGA)
            angle = legs[leg, ANGLE] + dt * omega
            if angle < BACKWARD_LIMIT:
                angle, omega = BACKWARD_LIMIT, 0.0
            elif angle > FORWARD_LIMIT:
                angle, omega = FORWARD_LIMIT, 0.0
            legs[leg, ANGLE], legs[leg, OMEGA] = angle, omega
            legs[leg, FOOT_X] = legs[leg, HIP_X] + LEG_LENGTH * np.sin(angle)
            legs[leg, FOOT_Y] = HIP_HEIGHT + LEG_LENGTH * np.cos(angle)
    if not _supported(n_legs, legs, body[0]):
        v = 0.0
    for leg in range(n_legs):
        if legs[leg, HIP_X] - legs[leg, FOOT_X] > STUCK_DISTANCE:
            v = 0.0
    body[1] = v


class WalkerParams(NamedTuple):
    """The legged agent's body: its number of legs (1 or 6)."""

    n_legs: np.ndarray  # (1,) int64


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _reset(body, p, trial, draws, state):
    n_legs = body.n_legs[0]
    reset_legs(n_legs, state[2:2 + 6 * n_legs].reshape((n_legs, 6)), state[:2])
    for leg in range(n_legs):
        state[2 + 6 * n_legs + leg] = 0.0


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _sense(body, p, state, u):
    for leg in range(body.n_legs[0]):
        u[leg] = state[2 + 6 * leg + ANGLE] * 5.0 / FORWARD_LIMIT


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _act(body, p, state, z, dt):
    n_legs = body.n_legs[0]
    legs = state[2:2 + 6 * n_legs].reshape((n_legs, 6))
    legs_step(n_legs, legs, state[:2], z, dt)
    for leg in range(n_legs):
        state[2 + 6 * n_legs + leg] += legs[leg, FOOT]
    return 0.0


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _done(body, p, state):
    return False


register_body(WalkerParams, reset=_reset, sense=_sense, act=_act, done=_done)


class Walker(Body):
    """Beer's legged agent as a :class:`~evornn.tasks.body.Body`: one angle sensor and three
    motors (foot, forward, backward) per leg, the forces' outputs clipped to [0, 1]; state
    ``(x, v)``, then each leg's (angle, omega, foot, foot x, foot y, hip x), then each
    leg's count of steps ended with its foot down (for the duty factor)."""

    def __init__(self, n_legs: int = 1, *, dt: float = 0.1):
        if n_legs not in (1, 6):
            raise ValueError(f"n_legs must be 1 or 6, got {n_legs!r}")
        super().__init__(WalkerParams(np.array([n_legs], dtype=np.int64)), n_state=2 + 7 * n_legs, n_inputs=n_legs,
                         n_outputs=3 * n_legs, dt=dt)

    @property
    def lanes(self) -> bool:
        """Lanes serve the one-legged walker (six legs need the polygon of support)."""
        return self.params.n_legs[0] == 1


# Rows of a one-legged body's state (the layout of Walker's state for one leg).
_X, _V, _ANGLE, _OMEGA, _FOOT, _FOOT_X, _FOOT_Y, _HIP_X, _STANCE = range(9)


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _reset_lane(body, p, trial, draws, state, lane):
    for q in range(state.shape[0]):
        state[q, lane] = 0.0
    state[_ANGLE, lane] = FORWARD_LIMIT
    state[_FOOT_X, lane] = LEG_LENGTH * np.sin(FORWARD_LIMIT)
    state[_FOOT_Y, lane] = HIP_HEIGHT + LEG_LENGTH * np.cos(FORWARD_LIMIT)


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _sense_lanes(body, state, u):
    for lane in range(state.shape[1]):
        u[0, lane] = state[_ANGLE, lane] * 5.0 / FORWARD_LIMIT


@njit(cache=True, fastmath=CONTRACT, error_model=ERROR_MODEL)
def _act_lanes(body, state, z, dt, ok, reward, scratch):
    """:func:`legs_step` for a block of one-legged bodies, ``state`` (8, width), driven by
    the rows ``z[0:3]`` (foot, forward, backward) of the controllers' outputs.

    Both the stance and the swing update are computed and one is selected, so that the
    loop over lanes compiles to SIMD code (arctangent, sine and cosine included). The
    stance angle is ``atan(dx / dy)``, which equals ``atan2(dx, dy)`` as the foot is
    always below the hip (``dy >= 15 cos(pi / 6)``). Compiled without reassociation for
    :func:`sincos` and :func:`atan`. Numba-compiled; no validation.
    """
    width = state.shape[1]
    # Every candidate value is computed, then selected (`&` and `|` rather than `and` and
    # `or`, which branch): a branch in the loop would make masked loads and stores, which
    # are slow on some processors. A foot in stance keeps its position, but it is stored
    # as ``x + 0.0``: storing a value just loaded from the same place would be dropped,
    # which again leaves a conditional store (and without "no signed zeros" the compiler
    # may not fold the addition away).
    for lane in range(width):
        angle, omega, v = state[_ANGLE, lane], state[_OMEGA, lane], state[_V, lane]
        down = z[0, lane] > 0.5
        forward = unit(z[1, lane]) * MAX_LEG_FORCE
        backward = unit(z[2, lane]) * MAX_LEG_FORCE
        f = forward - backward
        pushes = down & (((angle >= BACKWARD_LIMIT) & (angle <= FORWARD_LIMIT)) | ((angle < BACKWARD_LIMIT) & (f < 0.0))
                         | ((angle > FORWARD_LIMIT) & (f > 0.0)))
        v = min(max(v + dt * (f if pushes else 0.0), -MAX_VELOCITY), MAX_VELOCITY)
        hip = state[_HIP_X, lane] + dt * v
        state[_X, lane] = state[_X, lane] + dt * v
        state[_HIP_X, lane] = hip
        foot_x, foot_y = state[_FOOT_X, lane], state[_FOOT_Y, lane]
        stance_angle = atan((foot_x - hip) / (foot_y - HIP_HEIGHT))
        stance_omega = (stance_angle - angle) / dt
        swing_omega = min(max(omega + dt * MAX_TORQUE * (backward - forward), -MAX_OMEGA), MAX_OMEGA)
        swing_angle = angle + dt * swing_omega
        stopped = (swing_angle < BACKWARD_LIMIT) | (swing_angle > FORWARD_LIMIT)
        swing_angle = min(max(swing_angle, BACKWARD_LIMIT), FORWARD_LIMIT)
        swing_omega = 0.0 if stopped else swing_omega
        sine, cosine = sincos(swing_angle)
        swing_x = hip + LEG_LENGTH * sine
        swing_y = HIP_HEIGHT + LEG_LENGTH * cosine
        foot_x = (foot_x + 0.0) if down else swing_x
        state[_ANGLE, lane] = stance_angle if down else swing_angle
        state[_OMEGA, lane] = stance_omega if down else swing_omega
        state[_FOOT_X, lane] = foot_x
        state[_FOOT_Y, lane] = (foot_y + 0.0) if down else swing_y
        state[_FOOT, lane] = 1.0 if down else 0.0
        state[_STANCE, lane] = state[_STANCE, lane] + (1.0 if down else 0.0)
        # An unsupported body, or one whose foot is far behind, stops.
        state[_V, lane] = v if down & (hip - foot_x <= STUCK_DISTANCE) else 0.0


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _done_lanes(body, state, out):
    for lane in range(state.shape[1]):
        out[lane] = False


register_body_lanes(WalkerParams, reset=_reset_lane, sense=_sense_lanes, act=_act_lanes, done=_done_lanes)


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def hand_designed_walk(n_legs, n_steps, dt):
    """Beer's hand-designed stepping for every leg: the foot goes down at the forward limit
    and up when 20 behind the hip; full forward force in stance, full swing force in swing.
    Returns the final x. Numba-compiled."""
    legs = np.empty((n_legs, 6))
    body = np.empty(2)
    reset_legs(n_legs, legs, body)
    z = np.empty(3 * n_legs)
    for _ in range(n_steps):
        for leg in range(n_legs):
            down = legs[leg, FOOT] == 1.0
            if not down and legs[leg, ANGLE] >= FORWARD_LIMIT:
                down = True
            elif down and legs[leg, HIP_X] - legs[leg, FOOT_X] > STUCK_DISTANCE:
                down = False
            z[3 * leg] = 1.0 if down else 0.0
            z[3 * leg + 1] = 1.0 if down else 0.0
            z[3 * leg + 2] = 0.0 if down else 1.0
        legs_step(n_legs, legs, body, z, dt)
    return body[0]


class WalkerTask(Task):
    """Walk forward with Beer's legged agent (one leg or six; see the module docstring).

    Fitness is the average forward velocity over `duration` (metric ``"velocity"``); a
    network that diverges gets the worst fitness (0).

    Behaviour descriptors (for ``"map_elites"``, ``"cma_me"`` and ``"novelty"``): the gait's
    ``"duty_factor"`` (the fraction of control steps that end with a foot down, averaged
    over the legs; in [0, 1]) and its ``"velocity"`` (in [0, 1]: Beer's hand-designed gait
    walks at 0.624). The six-legged walker also describes each leg's duty factor,
    ``"duty_L1"`` ... ``"duty_R3"``, the six-dimensional descriptor of Cully, Clune, Tarapore
    and Mouret's hexapod repertoire (Nature 521, 2015); pick descriptors with the
    strategies' ``descriptors`` option. Diverged walkers have NaN descriptors.

    Parameters
    ----------
    n_legs : {1, 6}
    duration : float
        Simulated time (Beer: 200).
    dt : float
        Control and Euler step (Beer: 0.1).

    The controller needs `n_legs` inputs (leg angles, scaled to [-5, 5]) and at least
    ``3 n_legs`` outputs: for leg ``l``, output ``3l`` puts the foot down above 0.5 and
    outputs ``3l + 1`` and ``3l + 2`` (in [0, 1]) are the forward and backward swing forces.
    A CTRNN's first ``3 n_legs`` neurons are the motor neurons; any further ones are
    interneurons.

    Examples
    --------
    >>> import evornn
    >>> task = WalkerTask()
    >>> round(task.hand_designed_velocity(), 3)
    0.624
    >>> net = evornn.CTRNN.random(4, 5, n_inputs=1, rng=0)
    >>> task.evaluate(net).metrics["velocity"].shape
    (4,)
    >>> [d.name for d in task.descriptors]
    ['duty_factor', 'velocity']
    """

    #: Names of the six legs, front first (left, then right).
    LEG_NAMES = ("L1", "L2", "L3", "R1", "R2", "R3")

    def __init__(self, n_legs: int = 1, *, duration: float = 200.0, dt: float = 0.1):
        if n_legs not in (1, 6):
            raise ValueError(f"n_legs must be 1 or 6, got {n_legs!r}")
        self.n_legs = n_legs
        self.duration = positive_float("duration", duration)
        self.dt = positive_float("dt", dt)
        self.n_steps = round(self.duration / self.dt)
        if self.n_steps < 1:
            raise ValueError(f"duration must be at least one step dt={dt}, got {duration}")
        trial_steps("duration", self.n_steps, what=f" (duration / dt = {self.duration:g} / {self.dt:g})")
        self.body = Walker(n_legs, dt=self.dt)
        legs = tuple(Descriptor(f"duty_{name}", 0.0, 1.0) for name in self.LEG_NAMES) if n_legs == 6 else ()
        self.descriptors = (Descriptor("duty_factor", 0.0, 1.0), Descriptor("velocity", 0.0, 1.0), *legs)

    def check_model(self, model) -> None:
        if model.n_inputs != self.n_legs or model.n_outputs < 3 * self.n_legs:
            raise ValueError(f"the {self.n_legs}-legged walker needs a controller with {self.n_legs} input(s) (leg angles) "
                             f"and at least {3 * self.n_legs} outputs (foot, forward, backward per leg); "
                             f"this one has {model.n_inputs} inputs and {model.n_outputs} outputs")

    def _run(self, model) -> tuple[np.ndarray, np.ndarray]:
        """Final x of every individual and each leg's duty factor, shapes (n_pop,) and
        (n_pop, n_legs) (NaN where its network diverged)."""
        trials = self.trials(model)
        diverged = trials.diverged[:, 0]
        stance = trials.state[:, 0, 2 + 6 * self.n_legs:] / self.n_steps
        return np.where(diverged, np.nan, trials.state[:, 0, 0]), np.where(diverged[:, None], np.nan, stance)

    def trials(self, model, trace_steps: int = 0, lanes: bool | None = None) -> Trials:
        """Every individual's walk through the closed loop (see :func:`run_body`; one-legged
        walkers with controllers that offer lanes run in SIMD lanes)."""
        self.check_model(model)
        return run_body(self.body, model, n_trials=1, max_steps=self.n_steps, trace_jobs=1 if trace_steps else 0,
                        trace_steps=trace_steps, lanes=lanes)

    def evaluate(self, model, rng=None) -> Evaluation:
        x, duty = self._run(model)
        velocity = x / (self.n_steps * self.dt)
        metrics = {"velocity": velocity, "duty_factor": duty.mean(axis=1)}
        if self.n_legs == 6:
            metrics.update({f"duty_{name}": duty[:, leg] for leg, name in enumerate(self.LEG_NAMES)})
        return Evaluation.from_raw(velocity, metrics, worst_fitness=self.worst_fitness)

    def hand_designed_velocity(self) -> float:
        """Average velocity of Beer's hand-designed stepping on this body (0.624 for one leg)."""
        return hand_designed_walk(self.n_legs, self.n_steps, self.dt) / (self.n_steps * self.dt)

    def behaviour(self, model) -> dict[str, np.ndarray]:
        """Individual 0 walking: ``t``, ``x``, ``velocity``, ``angle`` and ``foot``
        (shape (n_steps, n_legs)), and ``outputs`` (the angles) for generic plots."""
        trace = self.trials(model.take([0]), trace_steps=self.n_steps).trace[0]
        legs = trace[:, 2:2 + 6 * self.n_legs].reshape(self.n_steps, self.n_legs, 6)
        t = self.dt * np.arange(1, self.n_steps + 1)
        angle, foot = legs[:, :, ANGLE], legs[:, :, FOOT]
        return {"t": t, "x": trace[:, 0], "velocity": trace[:, 1], "angle": angle, "foot": foot, "outputs": angle}

    def plot(self, model, *, title=None):
        """Position over time and the gait diagram of individual 0 (see :func:`evornn.plotting.plot_gait`)."""
        from ..plotting import plot_gait

        return plot_gait(self.behaviour(model), title=title)

    def animate(self, model, path):
        """A GIF of individual 0 walking (:func:`evornn.plotting.animate_walker`)."""
        from ..plotting import animate_walker

        return animate_walker(self.behaviour(model), path)
