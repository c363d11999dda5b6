r"""Hopfield's (1984) continuous, graded-response network, population-batched (see
:class:`ContinuousHopfield`). Its weights can come from any rule of
:mod:`evornn.models.hopfield`."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from .._checks import as_float_array, batched
from .._numba import ERROR_MODEL, FASTMATH
from .base import ContinuousModel, register_kernels
from .hopfield import UnitsMixin, learn, square_weights


class ContinuousHopfieldParams(NamedTuple):
    """Batched parameters of continuous Hopfield networks; axis 0 indexes networks."""

    weights: np.ndarray  # (n_pop, N, N): T_ij, from unit j to unit i
    resistance: np.ndarray  # (n_pop, N), > 0
    capacitance: np.ndarray  # (n_pop, N), > 0
    current: np.ndarray  # (n_pop, N): input currents I_i
    gain: np.ndarray  # (n_pop, N), > 0: V = tanh(gain u)


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def continuous_rhs(t, u, params, p, inputs, out):
    """``C_i du_i/dt = sum_j T_ij V_j - u_i / R_i + I_i`` with ``V = tanh(gain u)``."""
    w = params.weights[p]
    gain = params.gain[p]
    n = u.shape[0]
    v = np.empty(n)
    for j in range(n):
        v[j] = np.tanh(gain[j] * u[j])
    for i in range(n):
        a = params.current[p, i] - u[i] / params.resistance[p, i]
        for j in range(n):
            a += w[i, j] * v[j]
        out[i] = a / params.capacitance[p, i]


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def continuous_output(u, params, p, out):
    for i in range(u.shape[0]):
        out[i] = np.tanh(params.gain[p, i] * u[i])


@njit(cache=True, fastmath=FASTMATH, error_model=ERROR_MODEL)
def continuous_jac(t, u, params, p, inputs, out):
    """``J_ij = (T_ij gain_j (1 - V_j^2) - delta_ij / R_i) / C_i``."""
    w = params.weights[p]
    n = u.shape[0]
    for j in range(n):
        v = np.tanh(params.gain[p, j] * u[j])
        slope = params.gain[p, j] * (1.0 - v * v)
        for i in range(n):
            out[i, j] = w[i, j] * slope / params.capacitance[p, i]
    for i in range(n):
        out[i, i] -= 1.0 / (params.resistance[p, i] * params.capacitance[p, i])


register_kernels(ContinuousHopfieldParams, rhs=continuous_rhs, output=continuous_output, jac=continuous_jac)


class ContinuousHopfield(UnitsMixin, ContinuousModel):
    r"""Hopfield's (1984) graded-response network, population-batched.

    .. math::

        C_i \frac{du_i}{dt} = \sum_j T_{ij} V_j - \frac{u_i}{R_i} + I_i, \qquad V_i = \tanh(\lambda_i u_i)

    with energy (non-increasing along trajectories when T is symmetric)

    .. math::

        E = -\tfrac12 V^T T V + \sum_i \frac{1}{R_i} \int_0^{V_i} g_i^{-1}(v)\, dv - I^T V,
        \qquad \int_0^{V} \frac{\operatorname{artanh} v}{\lambda}\, dv
        = \frac{V \operatorname{artanh} V + \tfrac12 \ln(1 - V^2)}{\lambda}.

    The state is u; the outputs are V. Integrate it with :func:`evornn.simulate` (fixed
    step or any SciPy method); ``jac`` is analytic.

    Parameters
    ----------
    weights : array_like, shape (N, N) or (n_pop, N, N)
    resistance, capacitance, gain : float or array_like, shape (N,) or (n_pop, N), > 0
    current : float or array_like, shape (N,) or (n_pop, N)
    """

    def __init__(self, weights, *, resistance=1.0, capacitance=1.0, current=0.0, gain=1.0):
        w = square_weights(weights)
        n_pop, n = w.shape[0], w.shape[1]
        fields = {"resistance": resistance, "capacitance": capacitance, "current": current, "gain": gain}
        arrays = {name: batched(name, value, n_pop, (n,)) for name, value in fields.items()}
        for name in ("resistance", "capacitance", "gain"):
            if np.any(arrays[name] <= 0):
                raise ValueError(f"{name} must be > 0 everywhere, got a minimum of {arrays[name].min()}")
        for arr in arrays.values():
            arr.flags.writeable = False
        super().__init__(ContinuousHopfieldParams(w, **arrays))

    @classmethod
    def from_patterns(cls, patterns, rule: str = "hebbian", **kwargs) -> ContinuousHopfield:
        """A network whose T stores bipolar `patterns` by `rule` (see :func:`learn`)."""
        return cls(learn(patterns, rule), **kwargs)

    def min_timescale(self) -> float:
        return float(np.min(self.params.resistance * self.params.capacitance))

    def energy(self, u) -> np.ndarray:
        """Hopfield's energy of states u of shape ``(n_pop, N)`` or ``(n_rec, n_pop, N)``."""
        u = as_float_array("u", u)
        prm = self.params
        v = np.tanh(prm.gain * u)
        with np.errstate(divide="ignore", invalid="ignore"):
            integral = (v * np.arctanh(v) + 0.5 * np.log1p(-v * v)) / prm.gain
        integral = np.where(np.abs(v) < 1.0, integral, np.log(2.0) / prm.gain)  # the limit at |V| = 1
        quadratic = np.einsum("...pi,pij,...pj->...p", v, prm.weights, v)
        return -0.5 * quadratic + np.sum(integral / prm.resistance - prm.current * v, axis=-1)
