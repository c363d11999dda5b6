r"""Pole balancing: a population of carts and their controllers stepped together in one
compiled, parallel loop (sensors -> network -> force -> physics), no Python per step.

**Double pole** (Wieland 1991, as used by SANE, ESP, NEAT and CoSyNE): a cart of mass
:math:`M = 1` kg on a 4.8 m track carries two hinged poles of half-lengths
:math:`\ell_1 = 0.5` m, :math:`\ell_2 = 0.05` m and masses :math:`m_1 = 0.1` kg,
:math:`m_2 = 0.01` kg. With :math:`\tilde m_i = m_i (1 - \tfrac34 \cos^2\theta_i)` and
:math:`\tilde F_i = m_i \ell_i \dot\theta_i^2 \sin\theta_i + \tfrac34 m_i \cos\theta_i
(\mu_p \dot\theta_i / (m_i \ell_i) + g \sin\theta_i)`,

.. math::

    \ddot x = \frac{F - \mu_c \operatorname{sgn}\dot x + \sum_i \tilde F_i}{M + \sum_i \tilde m_i},
    \qquad
    \ddot\theta_i = -\frac{3}{4 \ell_i}\Big(\ddot x \cos\theta_i + g \sin\theta_i
                    + \frac{\mu_p \dot\theta_i}{m_i \ell_i}\Big)

with :math:`g = -9.8` m/s² (the literature's sign convention: :math:`\theta` grows in
the direction the pole falls), :math:`\mu_c = 5 \cdot 10^{-4}`, :math:`\mu_p = 2 \cdot
10^{-6}`. The force is :math:`F = 20 (z - 0.5)` N for a controller output
:math:`z \in [0, 1]` (clipped to it), held for a control step of 0.02 s integrated as two RK4 steps of
0.01 s. A trial fails when :math:`|x| > 2.4` m or any :math:`|\theta_i| > 36°`. The
**single pole** is the same cart with pole 1 only (Barto, Sutton and Anderson 1983, with
the continuous-time model integrated the same way).

**Speed.** The cart-pole is a body (:class:`CartPole`) with lane kernels: with a
controller that offers lanes (the CTRNN), batches of 16 trials or more of at most 10,000
steps run in SIMD lanes (:func:`evornn.tasks.lanes.run_trials_lanes`; blocks of 16 trials,
or 128 for batches of 512 or more), each block refilling a lane from its queue of trials as
soon as that lane's cart falls: each cart's two RK4 steps stay in registers in one
vectorised loop (sine and cosine in plain arithmetic, within one unit in the last place of
NumPy's), and each network's firing rates are computed once per step. Other controllers,
traces and longer trials take the one-trial-per-thread loop; the two count the same steps
(tested).

References: A. Wieland, "Evolving neural network controllers for unstable systems",
IJCNN 1991; F. Gomez and R. Miikkulainen, "Solving non-Markovian control tasks with
neuroevolution", IJCAI 1999; K. Stanley and R. Miikkulainen, "Evolving neural networks
through augmenting topologies", Evolutionary Computation 10(2), 2002.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from .._checks import one_of, positive_float, positive_int
from .._numba import CONTRACT, ERROR_MODEL, FASTMATH
from .._vecmath import sincos
from ._simulation import trial_steps
from .base import Descriptor, Evaluation, Task
from .body import Body, Trials, register_body, register_body_lanes, run_body, unit

GRAVITY = -9.8
CART_MASS = 1.0
# Pole masses (kg) and half-lengths (m).
M1, L1 = 0.1, 0.5
M2, L2 = 0.01, 0.05
CART_FRICTION = 5e-4
POLE_FRICTION = 2e-6
FORCE_MAG = 10.0
TAU = 0.01
TRACK_LIMIT = 2.4
ANGLE_LIMIT = 36.0 * np.pi / 180.0
# Sensor scaling of the ESP / NEAT code: x / 4.8, x' / 2, theta / 0.52, theta' / 2.
SCALE = np.array([4.8, 2.0, 0.52, 2.0, 0.52, 2.0])
# Gruau et al.'s anti-wiggle term sums over the last 100 steps of a 1000-step trial.
WIGGLE_WINDOW = 100


@njit(cache=True, error_model=ERROR_MODEL, inline="always")
def _wieland(force, two, cart_friction, pole_friction, v, w1, w2, s1, c1, s2, c2):
    """Accelerations ``(x'', theta_1'', theta_2'')`` by Wieland's equations, given the cart
    velocity `v`, the poles' angular velocities and the sines and cosines of their angles;
    pole 2 is weighted by `two` (1 or 0). Branch-free, so that a loop over carts
    vectorises. Inlined into the caller (and compiled with its flags). Numba-compiled."""
    sign = (1.0 if v > 0.0 else 0.0) - (1.0 if v < 0.0 else 0.0)
    numerator = (force - cart_friction * sign
                 + M1 * L1 * w1 * w1 * s1 + 0.75 * M1 * c1 * (pole_friction * w1 / (M1 * L1) + GRAVITY * s1)
                 + two * (M2 * L2 * w2 * w2 * s2 + 0.75 * M2 * c2 * (pole_friction * w2 / (M2 * L2) + GRAVITY * s2)))
    denominator = CART_MASS + M1 * (1.0 - 0.75 * c1 * c1) + two * M2 * (1.0 - 0.75 * c2 * c2)
    acc = numerator / denominator
    alpha1 = -0.75 / L1 * (acc * c1 + GRAVITY * s1 + pole_friction * w1 / (M1 * L1))
    alpha2 = two * (-0.75 / L2) * (acc * c2 + GRAVITY * s2 + pole_friction * w2 / (M2 * L2))
    return acc, alpha1, alpha2


@njit(cache=True, fastmath=CONTRACT, error_model=ERROR_MODEL, inline="always")
def _derivatives_scalar(force, two, vector, cart_friction, pole_friction, x, v, t1, w1, t2, w2):
    """Wieland's derivatives of one cart as a tuple, with the vectorisable
    :func:`sincos` if `vector` (a constant at the call site), NumPy's sine and cosine
    otherwise."""
    if vector:
        s1, c1 = sincos(t1)
        s2, c2 = sincos(t2)
    else:
        s1, c1 = np.sin(t1), np.cos(t1)
        s2, c2 = np.sin(t2), np.cos(t2)
    acc, alpha1, alpha2 = _wieland(force, two, cart_friction, pole_friction, v, w1, w2, s1, c1, s2, c2)
    return v, acc, w1, alpha1, two * w2, alpha2


@njit(cache=True, fastmath=CONTRACT, error_model=ERROR_MODEL, inline="always")
def _rk4_scalar(force, two, vector, cart_friction, pole_friction, h, s0, s1, s2, s3, s4, s5):
    """One RK4 step of `h` of one cart held in registers; returns the new state. `vector`
    selects the sine and cosine (see :func:`_derivatives_scalar`). The one cart step of
    every loop: the one-trial loop, the lanes and :func:`cartpole_rk4`."""
    f, t, v, cf, pf = force, two, vector, cart_friction, pole_friction
    a0, a1, a2, a3, a4, a5 = _derivatives_scalar(f, t, v, cf, pf, s0, s1, s2, s3, s4, s5)
    b0, b1, b2, b3, b4, b5 = _derivatives_scalar(f, t, v, cf, pf, s0 + 0.5 * h * a0, s1 + 0.5 * h * a1,
                                                 s2 + 0.5 * h * a2, s3 + 0.5 * h * a3, s4 + 0.5 * h * a4,
                                                 s5 + 0.5 * h * a5)
    c0, c1, c2, c3, c4, c5 = _derivatives_scalar(f, t, v, cf, pf, s0 + 0.5 * h * b0, s1 + 0.5 * h * b1,
                                                 s2 + 0.5 * h * b2, s3 + 0.5 * h * b3, s4 + 0.5 * h * b4,
                                                 s5 + 0.5 * h * b5)
    d0, d1, d2, d3, d4, d5 = _derivatives_scalar(f, t, v, cf, pf, s0 + h * c0, s1 + h * c1, s2 + h * c2,
                                                 s3 + h * c3, s4 + h * c4, s5 + h * c5)
    return (s0 + h / 6.0 * (a0 + 2.0 * b0 + 2.0 * c0 + d0), s1 + h / 6.0 * (a1 + 2.0 * b1 + 2.0 * c1 + d1),
            s2 + h / 6.0 * (a2 + 2.0 * b2 + 2.0 * c2 + d2), s3 + h / 6.0 * (a3 + 2.0 * b3 + 2.0 * c3 + d3),
            s4 + h / 6.0 * (a4 + 2.0 * b4 + 2.0 * c4 + d4), s5 + h / 6.0 * (a5 + 2.0 * b5 + 2.0 * c5 + d5))


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def cartpole_derivatives(state, force, n_poles, cart_friction, pole_friction, out):
    """d/dt of ``state = (x, x', theta_1, theta_1', theta_2, theta_2')`` (Wieland's equations),
    by the kernel every loop uses. Numba-compiled; writes into `out`; no validation. With
    ``n_poles == 1`` pole 2 is absent."""
    two = 1.0 if n_poles == 2 else 0.0
    d = _derivatives_scalar(force, two, False, cart_friction, pole_friction, state[0], state[1], state[2], state[3],
                            state[4], state[5])
    for q in range(6):
        out[q] = d[q]


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def cartpole_rk4(state, force, n_poles, cart_friction, pole_friction, dt):
    """One RK4 step of `dt` of the cart and poles, in place, by the step every loop uses.
    Numba-compiled; no validation."""
    two = 1.0 if n_poles == 2 else 0.0
    new = _rk4_scalar(force, two, False, cart_friction, pole_friction, dt, state[0], state[1], state[2], state[3],
                      state[4], state[5])
    for q in range(6):
        state[q] = new[q]


class CartPoleParams(NamedTuple):
    """The cart-pole's trials: start states and the configuration (poles, velocity sensors)."""

    starts: np.ndarray  # (n_trials, 6): x, x', theta_1, theta_1', theta_2, theta_2'
    config: np.ndarray  # (2,) int64: number of poles, velocity sensors (0 or 1)


# The body's state: the cart and poles, the last force, the ring's next slot, the sum of
# the cart's positions and the largest |theta_1| and |theta_2| after each step (the
# behaviour descriptors), and the ring of the last 100 values of
# |x| + |x'| + |theta_1| + |theta_1'| (Gruau's anti-wiggle term).
FORCE, SLOT, SUM_X, AMPLITUDE_1, AMPLITUDE_2, RING = 6, 7, 8, 9, 10, 11
N_CARTPOLE_STATE = RING + WIGGLE_WINDOW


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _reset(body, p, trial, draws, state):
    for q in range(6):
        state[q] = body.starts[trial, q]
    for q in range(6, N_CARTPOLE_STATE):
        state[q] = 0.0


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _sense(body, p, state, u):
    n_poles, velocities = body.config[0], body.config[1]
    k = 0
    for q in range(2 + 2 * n_poles):
        if velocities or q % 2 == 0:
            u[k] = state[q] / SCALE[q]
            k += 1


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _act(body, p, state, z, dt):
    force = FORCE_MAG * 2.0 * (unit(z[0]) - 0.5)
    two = 1.0 if body.config[0] == 2 else 0.0
    x, v, t1, w1, t2, w2 = state[0], state[1], state[2], state[3], state[4], state[5]
    x, v, t1, w1, t2, w2 = _rk4_scalar(force, two, False, CART_FRICTION, POLE_FRICTION, TAU, x, v, t1, w1, t2, w2)
    x, v, t1, w1, t2, w2 = _rk4_scalar(force, two, False, CART_FRICTION, POLE_FRICTION, TAU, x, v, t1, w1, t2, w2)
    state[0], state[1], state[2], state[3], state[4], state[5] = x, v, t1, w1, t2, w2
    state[FORCE] = force
    state[SUM_X] += x
    state[AMPLITUDE_1] = max(state[AMPLITUDE_1], abs(t1))
    state[AMPLITUDE_2] = max(state[AMPLITUDE_2], abs(t2))
    slot = int(state[SLOT])
    state[RING + slot] = abs(x) + abs(v) + abs(t1) + abs(w1)
    state[SLOT] = slot + 1 if slot < WIGGLE_WINDOW - 1 else 0
    return 0.0


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _done(body, p, state):
    failed = abs(state[0]) > TRACK_LIMIT or abs(state[2]) > ANGLE_LIMIT
    return failed or (body.config[0] == 2 and abs(state[4]) > ANGLE_LIMIT)


register_body(CartPoleParams, reset=_reset, sense=_sense, act=_act, done=_done)


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _reset_lane(body, p, trial, draws, state, lane):
    for q in range(6):
        state[q, lane] = body.starts[trial, q]
    for q in range(6, N_CARTPOLE_STATE):
        state[q, lane] = 0.0


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _sense_lanes(body, state, u):
    n_poles, velocities = body.config[0], body.config[1]
    k = 0
    for q in range(2 + 2 * n_poles):
        if velocities or q % 2 == 0:
            for lane in range(state.shape[1]):
                u[k, lane] = state[q, lane] / SCALE[q]
            k += 1


@njit(cache=True, fastmath=CONTRACT, error_model=ERROR_MODEL)
def _act_lanes(body, state, z, dt, ok, reward, scratch):
    """:func:`_act` for a block of carts: each cart's two RK4 steps stay in registers, so
    the one loop over lanes compiles to SIMD code (sine and cosine included); compiled
    without reassociation for :func:`sincos`."""
    two = 1.0 if body.config[0] == 2 else 0.0
    width = state.shape[1]
    for lane in range(width):
        f = FORCE_MAG * 2.0 * (unit(z[0, lane]) - 0.5)
        x, v, t1, w1, t2, w2 = state[0, lane], state[1, lane], state[2, lane], state[3, lane], state[4, lane], \
            state[5, lane]
        x, v, t1, w1, t2, w2 = _rk4_scalar(f, two, True, CART_FRICTION, POLE_FRICTION, TAU, x, v, t1, w1, t2, w2)
        x, v, t1, w1, t2, w2 = _rk4_scalar(f, two, True, CART_FRICTION, POLE_FRICTION, TAU, x, v, t1, w1, t2, w2)
        state[0, lane], state[1, lane], state[2, lane] = x, v, t1
        state[3, lane], state[4, lane], state[5, lane] = w1, t2, w2
        state[FORCE, lane] = f
        state[SUM_X, lane] = state[SUM_X, lane] + x
        state[AMPLITUDE_1, lane] = max(state[AMPLITUDE_1, lane], abs(t1))
        state[AMPLITUDE_2, lane] = max(state[AMPLITUDE_2, lane], abs(t2))
    for lane in range(width):
        if ok[lane]:
            slot = int(state[SLOT, lane])
            state[RING + slot, lane] = abs(state[0, lane]) + abs(state[1, lane]) + abs(state[2, lane]) \
                + abs(state[3, lane])
            state[SLOT, lane] = slot + 1 if slot < WIGGLE_WINDOW - 1 else 0


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def _done_lanes(body, state, out):
    two = body.config[0] == 2
    for lane in range(state.shape[1]):
        out[lane] = ((abs(state[0, lane]) > TRACK_LIMIT) | (abs(state[2, lane]) > ANGLE_LIMIT)
                     | (two & (abs(state[4, lane]) > ANGLE_LIMIT)))


register_body_lanes(CartPoleParams, reset=_reset_lane, sense=_sense_lanes, act=_act_lanes, done=_done_lanes)


class CartPole(Body):
    """The cart with one or two poles as a :class:`~evornn.tasks.body.Body`: one trial per
    start state, one control step of 0.02 s (two RK4 steps), done when the cart leaves the
    track or a pole passes 36 degrees. State: the cart and poles, the last force, the
    descriptors' accumulators (:data:`SUM_X`, :data:`AMPLITUDE_1`, :data:`AMPLITUDE_2`) and
    the anti-wiggle ring (see :data:`RING`)."""

    def __init__(self, starts, *, n_poles: int = 2, velocities: bool = True):
        if n_poles not in (1, 2):
            raise ValueError(f"n_poles must be 1 or 2, got {n_poles!r}")
        starts = np.ascontiguousarray(starts, dtype=np.float64)
        if starts.ndim != 2 or starts.shape[1] != 6 or starts.shape[0] < 1:
            raise ValueError(f"starts must have shape (n_starts, 6), got {starts.shape}")
        n_inputs = 2 * (1 + n_poles) if velocities else 1 + n_poles
        super().__init__(CartPoleParams(starts, np.array([n_poles, int(bool(velocities))], dtype=np.int64)),
                         n_state=N_CARTPOLE_STATE, n_inputs=n_inputs, n_outputs=1, dt=2 * TAU)


def generalisation_starts() -> np.ndarray:
    """The 625 start states of the generalisation test (Gomez and Miikkulainen 1999, NEAT).

    Each of x, x', theta_1, theta_1' takes the values 0.05, 0.25, 0.5, 0.75, 0.95 of its
    range (x in +-2.16 m, x' in +-1.35 m/s, theta_1 in +-3.6 degrees, theta_1' in +-8.6
    degrees/s); pole 2 starts upright and still. Shape (625, 6).
    """
    levels = np.array([0.05, 0.25, 0.5, 0.75, 0.95])
    half_ranges = np.array([2.16, 1.35, 0.06283152, 0.15009752])
    grid = np.stack(np.meshgrid(*[levels] * 4, indexing="ij"), axis=-1).reshape(-1, 4)
    starts = np.zeros((grid.shape[0], 6))
    starts[:, :4] = (2.0 * grid - 1.0) * half_ranges
    return starts


class CartPoleTask(Task):
    """Balance one or two poles on a cart (see the module docstring for the physics).

    Two fitness functions, as in the literature:

    - ``"steps"`` (the Markovian task, with velocities): the fraction of `max_steps` control
      steps (0.02 s each) balanced; ``"solved"`` is 1 when all of them were (the literature
      balances 100,000 steps).
    - ``"gruau"`` (without velocities; Gruau, Whitley and Pyeatt 1996): over a trial of
      `max_steps` (1000) steps, ``f = 0.1 t / 1000 + 0.9 f_2`` with ``f_2 = 0`` for
      ``t < 100`` balanced steps and ``f_2 = 0.75 / sum(|x| + |x'| + |theta_1| +
      |theta_1'|)`` over the last 100 steps otherwise, which penalises controllers that
      keep the poles up by wiggling the cart. The fittest network of each batch is then
      tested as the literature does: it must balance 100,000 steps from the standard start,
      then at least 200 of the 625 :func:`generalisation_starts` for 1000 steps each; it
      alone gets ``"solved"`` = 1 when it passes, and ``"generalisation"`` holds its count
      (NaN for the others). The tests are not counted as evaluations (nor are they in
      Gruau et al., ESP, NEAT or CoSyNE). With Dask each chunk tests its own champion.

    Evaluations are counted the literature's way: one per network trial, however long, up
    to the end of the generation that found the solution (``evolve(..., target_solved=1)``).

    Behaviour descriptors (for quality-diversity and novelty search; see
    :meth:`descriptor_values`): the cart's mean position ``"mean_x"`` in [-2.4, 2.4] m and
    each pole's angle amplitude ``"amplitude_1"`` (``"amplitude_2"``) in [0, 36] degrees,
    in radians.

    Parameters
    ----------
    n_poles : {1, 2}
    velocities : bool
        Sensors: ``(x, x', theta_i, theta_i')`` scaled as in the ESP / NEAT code (True), or
        positions and angles only (False).
    max_steps : int, optional
        Steps of a trial: 100,000 for ``"steps"``, 1000 for ``"gruau"`` by default.
    theta0 : float
        Initial angle of pole 1 in radians (the literature uses 4.5 degrees for the double
        pole; the other state variables start at 0).
    controller_dt : float
        Network time per control step: a continuous controller takes one Euler step of
        this size every 0.02 s of physics (so its time constants, 0.5 to 10 in Beer's
        ranges, are in units of 0.02 s / controller_dt). Discrete models step once.
    fitness : {"steps", "gruau"}, optional
        Default ``"steps"`` with velocities, ``"gruau"`` without.

    The controller needs ``2 (1 + n_poles)`` inputs with velocities, ``1 + n_poles``
    without, and its output 0 drives the force.

    Examples
    --------
    >>> import evornn
    >>> task = CartPoleTask(n_poles=2, max_steps=100)
    >>> net = evornn.CTRNN.random(3, 3, n_inputs=6, rng=0)
    >>> task.evaluate(net).metrics["steps"].shape
    (3,)
    """

    #: Steps a champion must balance, and the start states it must generalise to.
    champion_steps = 100_000
    generalisation_steps = 1000
    generalisation_needed = 200

    def __init__(self, n_poles: int = 2, *, velocities: bool = True, max_steps: int | None = None,
                 theta0: float = 4.5 * np.pi / 180.0, controller_dt: float = 0.1, fitness: str | None = None):
        if n_poles not in (1, 2):
            raise ValueError(f"n_poles must be 1 or 2, got {n_poles!r}")
        self.n_poles = n_poles
        self.velocities = bool(velocities)
        self.fitness = one_of("fitness", fitness if fitness is not None else ("steps" if velocities else "gruau"),
                              ("steps", "gruau"))
        default_steps = 100_000 if self.fitness == "steps" else 1000
        self.max_steps = trial_steps("max_steps", default_steps if max_steps is None else max_steps)
        if self.fitness == "gruau" and self.max_steps < WIGGLE_WINDOW:
            raise ValueError(f"max_steps must be at least {WIGGLE_WINDOW} for the 'gruau' fitness, got {max_steps}")
        self.theta0 = float(theta0)
        if not abs(self.theta0) < ANGLE_LIMIT:
            raise ValueError(f"theta0 must be within the failure angle (36 degrees), got {theta0}")
        self.controller_dt = positive_float("controller_dt", controller_dt)
        amplitudes = tuple(Descriptor(f"amplitude_{i}", 0.0, ANGLE_LIMIT) for i in range(1, n_poles + 1))
        self.descriptors = (Descriptor("mean_x", -TRACK_LIMIT, TRACK_LIMIT), *amplitudes)

    @property
    def n_inputs(self) -> int:
        return 2 * (1 + self.n_poles) if self.velocities else 1 + self.n_poles

    def check_model(self, model) -> None:
        if model.n_inputs != self.n_inputs:
            what = "with" if self.velocities else "without"
            raise ValueError(f"the {self.n_poles}-pole cart {what} velocities gives {self.n_inputs} sensor inputs; "
                             f"the controller takes {model.n_inputs}")
        if model.n_outputs < 1:
            raise ValueError("the controller needs at least one output (output 0 drives the force)")

    def start_state(self) -> np.ndarray:
        return np.array([0.0, 0.0, self.theta0, 0.0, 0.0, 0.0])

    def balance(self, model, starts=None, max_steps: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Run every individual from every start state.

        Parameters
        ----------
        model : Model
        starts : array_like, shape (n_starts, 6), optional
            Cart and pole states ``(x, x', theta_1, theta_1', theta_2, theta_2')``; default
            the task's start state.
        max_steps : int, optional
            Default the task's.

        Returns
        -------
        steps : ndarray of int, shape (n_pop, n_starts)
            Control steps balanced.
        wiggle : ndarray, shape (n_pop, n_starts)
            ``sum(|x| + |x'| + |theta_1| + |theta_1'|)`` over the last 100 steps.
        """
        trials = self.trials(model, starts, max_steps)
        return trials.steps, trials.state[..., RING:].sum(axis=2)

    def _starts(self, starts) -> np.ndarray:
        starts = self.start_state()[None, :] if starts is None else np.ascontiguousarray(starts, dtype=np.float64)
        if starts.ndim != 2 or starts.shape[1] != 6:
            raise ValueError(f"starts must have shape (n_starts, 6), got {starts.shape}")
        return starts

    def trials(self, model, starts=None, max_steps: int | None = None, *, trace_steps: int = 0,
               lanes: bool | None = None) -> Trials:
        """Every individual from every start state through the closed loop (see
        :func:`run_body`: in SIMD lanes where the controller offers them)."""
        self.check_model(model)
        starts = self._starts(starts)
        max_steps = self.max_steps if max_steps is None else trial_steps("max_steps", max_steps)
        body = CartPole(starts, n_poles=self.n_poles, velocities=self.velocities)
        return run_body(body, model, n_trials=starts.shape[0], max_steps=max_steps, controller_dt=self.controller_dt,
                        trace_jobs=1 if trace_steps else 0, trace_steps=trace_steps, lanes=lanes)

    def behaviour(self, model, max_steps: int = 3000) -> dict[str, np.ndarray]:
        """Individual 0 from the start state, for at most `max_steps` steps: ``t`` (s),
        ``state`` (n, 6) after each control step, ``force`` (n,) (N) and ``outputs``
        (the angles) for generic plots."""
        n = min(self.max_steps, positive_int("max_steps", max_steps))
        trials = self.trials(model.take([0]), max_steps=n, trace_steps=n)
        n_steps = trials.steps[0, 0]
        state, force = trials.trace[0, :n_steps, :6], trials.trace[0, :n_steps, FORCE]
        t = 2 * TAU * np.arange(1, n_steps + 1)
        return {"t": t, "state": state, "force": force, "outputs": state[:, 2::2]}

    def animate(self, model, path, *, max_steps: int = 1000):
        """A GIF of individual 0 balancing for at most `max_steps` steps (see
        :func:`evornn.plotting.animate_cartpole`)."""
        from ..plotting import animate_cartpole

        return animate_cartpole(self.behaviour(model, max_steps), path)

    def plot(self, model, *, title=None):
        """Cart position, pole angles and force of individual 0 (:func:`evornn.plotting.plot_cartpole`)."""
        from ..plotting import plot_cartpole

        return plot_cartpole(self.behaviour(model), title=title)

    def generalisation(self, model) -> np.ndarray:
        """How many of the 625 :func:`generalisation_starts` each individual balances for
        1000 steps; shape (n_pop,). The literature's pass mark is 200."""
        steps, _ = self.balance(model, generalisation_starts(), self.generalisation_steps)
        return (steps == self.generalisation_steps).sum(axis=1)

    def descriptor_values(self, trials: Trials) -> dict[str, np.ndarray]:
        """The behaviour descriptors of finished trials, shape (n_pop, n_trials) each:
        ``mean_x``, the cart's mean position over the steps balanced, and ``amplitude_1``
        (and ``amplitude_2`` with two poles), the largest ``|theta_i|`` reached (radians;
        past 36 degrees for a trial that failed on its angle). NaN for diverged trials."""
        state, bad = trials.state, trials.diverged | (trials.steps == 0)
        values = {"mean_x": state[..., SUM_X] / np.maximum(trials.steps, 1), "amplitude_1": state[..., AMPLITUDE_1]}
        if self.n_poles == 2:
            values["amplitude_2"] = state[..., AMPLITUDE_2]
        return {name: np.where(bad, np.nan, value) for name, value in values.items()}

    def evaluate(self, model, rng=None) -> Evaluation:
        trials = self.trials(model)
        steps, wiggle = trials.steps[:, 0], trials.state[:, 0, RING:].sum(axis=1)
        described = {name: value[:, 0] for name, value in self.descriptor_values(trials).items()}
        if self.fitness == "steps":
            fitness = steps / self.max_steps
            solved = (steps == self.max_steps).astype(np.float64)
            return Evaluation.from_raw(fitness, {"steps": steps.astype(np.float64), "solved": solved, **described},
                                       worst_fitness=self.worst_fitness)
        # A cart that never moves at all would divide by zero: floor the sum.
        stability = np.where(steps >= WIGGLE_WINDOW, 0.75 / np.maximum(wiggle, 1e-12), 0.0)
        fitness = 0.1 * steps / self.max_steps + 0.9 * stability
        evaluation = Evaluation.from_raw(fitness, {"steps": steps.astype(np.float64), **described},
                                         worst_fitness=self.worst_fitness)
        solved = np.zeros(model.n_pop)
        generalised = np.full(model.n_pop, np.nan)
        champion = int(np.argmax(evaluation.fitness))
        if steps[champion] == self.max_steps:
            one = model.take([champion])
            long_run, _ = self.balance(one, max_steps=self.champion_steps)
            if long_run[0, 0] == self.champion_steps:
                generalised[champion] = self.generalisation(one)[0]
                solved[champion] = float(generalised[champion] >= self.generalisation_needed)
        evaluation.metrics.update({"solved": solved, "generalisation": generalised})
        return evaluation
