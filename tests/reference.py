"""Slow, obvious reference implementations used as test oracles. Plain NumPy, one
individual at a time, written straight from the equations (no shared code with evornn)."""

from __future__ import annotations

import numpy as np


def ctrnn_derivative(y, tau, bias, gain, weights, input_weights, u):
    """Beer's CTRNN for one network: tau dy/dt = -y + W sigma(g (y + theta)) + V u."""
    rates = 1.0 / (1.0 + np.exp(-gain * (y + bias)))
    return (-y + weights @ rates + input_weights @ u) / tau


def integrate(f, y0, dt, n_steps, method, u_at):
    """Fixed-step integration of dy/dt = f(y, u); `u_at(step, stage_offset)` gives the input."""
    y = np.array(y0, dtype=float)
    out = [y.copy()]
    for n in range(n_steps):
        if method == "euler":
            y = y + dt * f(y, u_at(n, 0.0))
        elif method == "heun":
            k1 = f(y, u_at(n, 0.0))
            k2 = f(y + dt * k1, u_at(n, 1.0))
            y = y + dt / 2 * (k1 + k2)
        elif method == "rk4":
            k1 = f(y, u_at(n, 0.0))
            k2 = f(y + dt / 2 * k1, u_at(n, 0.5))
            k3 = f(y + dt / 2 * k2, u_at(n, 0.5))
            k4 = f(y + dt * k3, u_at(n, 1.0))
            y = y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        else:
            raise ValueError(method)
        out.append(y.copy())
    return np.array(out)


def ctrnn_trajectory(net, p, y0, dt, n_steps, method, u_at=None):
    """Reference trajectory of individual `p` of an evornn CTRNN, shape (n_steps + 1, n)."""
    prm = net.params
    if u_at is None:
        zero = np.zeros(net.n_inputs)
        u_at = lambda n, c: zero  # noqa: E731

    def f(y, u):
        return ctrnn_derivative(y, prm.tau[p], prm.bias[p], prm.gain[p], prm.weights[p], prm.input_weights[p], u)

    return integrate(f, y0, dt, n_steps, method, u_at)
