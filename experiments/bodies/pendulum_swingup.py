"""A body of your own: a torque-limited pendulum to swing up and hold upright.

The pendulum (mass 1, length 1, g = 9.81, damping 0.1) starts hanging down, a little off
centre. Its motor's torque is at most 12 by default, a little more than gravity's 9.81 at
the horizontal, so a straight lift is slow and a swing is faster; below 9.81 (try
``max_torque = 7``) only swinging works, and evolution needs a larger budget. The motor
reads output 0 in [0, 1] (clipped) as a torque from -max to +max. Sensors: cos(theta),
sin(theta), omega / 8 (theta = 0 is upright). Reward: cos(theta) after each step. A trial
is solved when the pendulum ends it upright (within 0.3 rad) for the whole last quarter.
Run it with ``evornn run experiments/pendulum_swingup.toml --allow-import``.
"""

from typing import NamedTuple

import numpy as np
from numba import njit

import evornn.tasks as tasks

GRAVITY, DAMPING, SUBSTEPS, UPRIGHT_ANGLE = 9.81, 0.1, 4, 0.3
THETA, OMEGA, STREAK = range(3)  # the state: angle, angular velocity, steps upright in a row


class PendulumParams(NamedTuple):
    max_torque: np.ndarray  # (1,)


@njit
def reset(body, p, trial, draws, state):
    state[THETA] = np.pi + 0.2 * (draws[0] - 0.5)  # hanging down, up to 0.1 rad off
    state[OMEGA] = 0.0
    state[STREAK] = 0.0


@njit
def sense(body, p, state, u):
    u[0] = np.cos(state[THETA])
    u[1] = np.sin(state[THETA])
    u[2] = state[OMEGA] / 8.0


@njit
def act(body, p, state, z, dt):
    torque = body.max_torque[0] * (2.0 * tasks.unit(z[0]) - 1.0)  # output 0, clipped to [0, 1]
    h = dt / SUBSTEPS
    for _ in range(SUBSTEPS):  # semi-implicit Euler
        state[OMEGA] += h * (GRAVITY * np.sin(state[THETA]) - DAMPING * state[OMEGA] + torque)
        state[THETA] += h * state[OMEGA]
    state[THETA] = (state[THETA] + np.pi) % (2.0 * np.pi) - np.pi  # from upright, in [-pi, pi)
    upright = np.cos(state[THETA]) > np.cos(UPRIGHT_ANGLE)
    state[STREAK] = state[STREAK] + 1.0 if upright else 0.0
    return np.cos(state[THETA])


@njit
def done(body, p, state):
    return False


tasks.register_body(PendulumParams, reset=reset, sense=sense, act=act, done=done)


class Pendulum(tasks.Body):
    """The swing-up pendulum: control steps of `dt`, torque at most `max_torque`."""

    def __init__(self, *, max_torque: float = 12.0, dt: float = 0.05):
        super().__init__(PendulumParams(np.array([float(max_torque)])), n_state=3, n_inputs=3, n_outputs=1, dt=dt,
                         n_draws=1, state_names=("angle from upright (rad)", "velocity (rad/s)", "steps upright"))

    def score(self, trials, max_steps):
        mean_cos = np.where(trials.diverged, np.nan, trials.reward) / max_steps  # in [-1, 1]
        solved = (trials.state[..., STREAK] >= max_steps / 4).mean(axis=1)
        return mean_cos.mean(axis=1), {"solved": solved}
