r"""Classic dynamical systems as evornn models, for checking the analyses against known
results and for teaching. Each factory takes parameters as scalars or arrays of shape
``(n_pop,)`` (one system per value, e.g. a whole bifurcation sweep) and returns a
:class:`evornn.models.System` with analytic Jacobians.

=========================  =========  ==============================================================
factory                    time       equations
=========================  =========  ==============================================================
``lorenz``                 flow       :math:`\dot x = \sigma (y - x),\ \dot y = x (\rho - z) - y,\ \dot z = x y - \beta z`
``van_der_pol``            flow       :math:`\dot x = y,\ \dot y = \mu (1 - x^2) y - x`
``brusselator``            flow       :math:`\dot x = a - (b + 1) x + x^2 y,\ \dot y = b x - x^2 y`
``rossler``                flow       :math:`\dot x = -y - z,\ \dot y = x + a y,\ \dot z = b + z (x - c)`
``bautin``                 flow       :math:`\dot r = r (\mu + \nu r^2 - r^4),\ \dot\varphi = 1` (in Cartesian coordinates)
``cubic``                  flow       :math:`\dot x_i = x_i - x_i^3` (``n`` uncoupled bistable units)
``henon``                  map        :math:`x' = 1 - a x^2 + y,\ y' = b x`
``logistic``               map        :math:`x' = r x (1 - x)`
``newton_cubic``           map        Newton's method for :math:`z^3 = 1` on :math:`z = x + i y`
=========================  =========  ==============================================================
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from ._checks import as_float_array, positive_int
from ._numba import ERROR_MODEL, FASTMATH
from .models.base import register_kernels
from .models.system import System, state_output

_JIT = {"cache": True, "fastmath": FASTMATH, "error_model": ERROR_MODEL}


def _batched(**values) -> list[np.ndarray]:
    arrays = {name: np.atleast_1d(as_float_array(name, v)) for name, v in values.items()}
    for name, arr in arrays.items():
        if arr.ndim != 1:
            raise ValueError(f"{name} must be a number or an array of shape (n_pop,), got shape {arr.shape}")
    try:
        return list(np.broadcast_arrays(*arrays.values()))
    except ValueError as exc:
        shapes = {name: arr.shape for name, arr in arrays.items()}
        raise ValueError(f"parameters must broadcast to one population size, got {shapes}") from exc


class LorenzParams(NamedTuple):
    sigma: np.ndarray
    rho: np.ndarray
    beta: np.ndarray


@njit(**_JIT)
def _lorenz_rhs(t, y, params, p, u, out):
    out[0] = params.sigma[p] * (y[1] - y[0])
    out[1] = y[0] * (params.rho[p] - y[2]) - y[1]
    out[2] = y[0] * y[1] - params.beta[p] * y[2]


@njit(**_JIT)
def _lorenz_jac(t, y, params, p, u, out):
    s, r, b = params.sigma[p], params.rho[p], params.beta[p]
    out[0, 0], out[0, 1], out[0, 2] = -s, s, 0.0
    out[1, 0], out[1, 1], out[1, 2] = r - y[2], -1.0, -y[0]
    out[2, 0], out[2, 1], out[2, 2] = y[1], y[0], -b


register_kernels(LorenzParams, rhs=_lorenz_rhs, output=state_output, jac=_lorenz_jac)


def lorenz(sigma=10.0, rho=28.0, beta=8.0 / 3.0) -> System:
    """The Lorenz system (classic chaotic parameters by default)."""
    return System(LorenzParams(*_batched(sigma=sigma, rho=rho, beta=beta)), n_state=3)


class VanDerPolParams(NamedTuple):
    mu: np.ndarray


@njit(**_JIT)
def _vdp_rhs(t, y, params, p, u, out):
    out[0] = y[1]
    out[1] = params.mu[p] * (1.0 - y[0] * y[0]) * y[1] - y[0]


@njit(**_JIT)
def _vdp_jac(t, y, params, p, u, out):
    mu = params.mu[p]
    out[0, 0], out[0, 1] = 0.0, 1.0
    out[1, 0], out[1, 1] = -2.0 * mu * y[0] * y[1] - 1.0, mu * (1.0 - y[0] * y[0])


register_kernels(VanDerPolParams, rhs=_vdp_rhs, output=state_output, jac=_vdp_jac)


def van_der_pol(mu=1.0) -> System:
    """The Van der Pol oscillator."""
    return System(VanDerPolParams(*_batched(mu=mu)), n_state=2)


class BrusselatorParams(NamedTuple):
    a: np.ndarray
    b: np.ndarray


@njit(**_JIT)
def _brusselator_rhs(t, y, params, p, u, out):
    a, b = params.a[p], params.b[p]
    out[0] = a - (b + 1.0) * y[0] + y[0] * y[0] * y[1]
    out[1] = b * y[0] - y[0] * y[0] * y[1]


@njit(**_JIT)
def _brusselator_jac(t, y, params, p, u, out):
    b = params.b[p]
    out[0, 0], out[0, 1] = -(b + 1.0) + 2.0 * y[0] * y[1], y[0] * y[0]
    out[1, 0], out[1, 1] = b - 2.0 * y[0] * y[1], -y[0] * y[0]


register_kernels(BrusselatorParams, rhs=_brusselator_rhs, output=state_output, jac=_brusselator_jac)


def brusselator(a=1.0, b=1.5) -> System:
    """Prigogine and Lefever's Brusselator: one equilibrium ``(a, b / a)``, which loses
    stability in a supercritical Hopf bifurcation at ``b = 1 + a^2`` with period
    ``2 pi / a`` at onset."""
    return System(BrusselatorParams(*_batched(a=a, b=b)), n_state=2)


class RosslerParams(NamedTuple):
    a: np.ndarray
    b: np.ndarray
    c: np.ndarray


@njit(**_JIT)
def _rossler_rhs(t, y, params, p, u, out):
    out[0] = -y[1] - y[2]
    out[1] = y[0] + params.a[p] * y[1]
    out[2] = params.b[p] + y[2] * (y[0] - params.c[p])


@njit(**_JIT)
def _rossler_jac(t, y, params, p, u, out):
    out[0, 0], out[0, 1], out[0, 2] = 0.0, -1.0, -1.0
    out[1, 0], out[1, 1], out[1, 2] = 1.0, params.a[p], 0.0
    out[2, 0], out[2, 1], out[2, 2] = y[2], 0.0, y[0] - params.c[p]


register_kernels(RosslerParams, rhs=_rossler_rhs, output=state_output, jac=_rossler_jac)


def rossler(a=0.2, b=0.2, c=5.7) -> System:
    """The Rossler system (chaotic at the classic parameters; with a = b = 0.2 a cascade of
    period doublings as c grows from about 2.8)."""
    return System(RosslerParams(*_batched(a=a, b=b, c=c)), n_state=3)


class BautinParams(NamedTuple):
    mu: np.ndarray
    nu: np.ndarray


@njit(**_JIT)
def _bautin_rhs(t, y, params, p, u, out):
    r2 = y[0] * y[0] + y[1] * y[1]
    radial = params.mu[p] + params.nu[p] * r2 - r2 * r2
    out[0] = radial * y[0] - y[1]
    out[1] = radial * y[1] + y[0]


@njit(**_JIT)
def _bautin_jac(t, y, params, p, u, out):
    r2 = y[0] * y[0] + y[1] * y[1]
    radial = params.mu[p] + params.nu[p] * r2 - r2 * r2
    slope = 2.0 * (params.nu[p] - 2.0 * r2)  # d radial / d(x, y) = slope * (x, y)
    out[0, 0], out[0, 1] = radial + slope * y[0] * y[0], slope * y[0] * y[1] - 1.0
    out[1, 0], out[1, 1] = slope * y[0] * y[1] + 1.0, radial + slope * y[1] * y[1]


register_kernels(BautinParams, rhs=_bautin_rhs, output=state_output, jac=_bautin_jac)


def bautin(mu=-0.5, nu=1.0) -> System:
    """The normal form of the generalised Hopf (Bautin) bifurcation (Kuznetsov, *Elements of
    Applied Bifurcation Theory*, section 8.3), in Cartesian coordinates: in polar ones
    ``r' = r (mu + nu r^2 - r^4)``, ``phi' = 1``. The origin has a Hopf point at ``mu = 0``
    with first Lyapunov coefficient ``nu``; the generalised Hopf point is ``mu = nu = 0``;
    for ``nu > 0`` the cycles (radius ``r``, period ``2 pi``, ``mu = r^4 - nu r^2``) fold at
    ``mu = -nu^2 / 4``, radius ``sqrt(nu / 2)``."""
    return System(BautinParams(*_batched(mu=mu, nu=nu)), n_state=2)


class CubicParams(NamedTuple):
    scale: np.ndarray


@njit(**_JIT)
def _cubic_rhs(t, y, params, p, u, out):
    for i in range(y.shape[0]):
        out[i] = params.scale[p] * (y[i] - y[i] ** 3)


@njit(**_JIT)
def _cubic_jac(t, y, params, p, u, out):
    out[:, :] = 0.0
    for i in range(y.shape[0]):
        out[i, i] = params.scale[p] * (1.0 - 3.0 * y[i] * y[i])


register_kernels(CubicParams, rhs=_cubic_rhs, output=state_output, jac=_cubic_jac)


def cubic(n: int = 1, scale=1.0) -> System:
    """`n` uncoupled bistable units ``dx_i/dt = scale (x_i - x_i^3)``: 2^n stable equilibria."""
    return System(CubicParams(*_batched(scale=scale)), n_state=positive_int("n", n))


class HenonParams(NamedTuple):
    a: np.ndarray
    b: np.ndarray


@njit(**_JIT)
def _henon_rhs(t, y, params, p, u, out):
    x = y[0]
    out[0] = 1.0 - params.a[p] * x * x + y[1]
    out[1] = params.b[p] * x


@njit(**_JIT)
def _henon_jac(t, y, params, p, u, out):
    out[0, 0], out[0, 1] = -2.0 * params.a[p] * y[0], 1.0
    out[1, 0], out[1, 1] = params.b[p], 0.0


register_kernels(HenonParams, rhs=_henon_rhs, output=state_output, jac=_henon_jac)


def henon(a=1.4, b=0.3) -> System:
    """The Henon map (classic chaotic parameters by default)."""
    return System(HenonParams(*_batched(a=a, b=b)), n_state=2, time="discrete")


class LogisticParams(NamedTuple):
    r: np.ndarray


@njit(**_JIT)
def _logistic_rhs(t, y, params, p, u, out):
    out[0] = params.r[p] * y[0] * (1.0 - y[0])


@njit(**_JIT)
def _logistic_jac(t, y, params, p, u, out):
    out[0, 0] = params.r[p] * (1.0 - 2.0 * y[0])


register_kernels(LogisticParams, rhs=_logistic_rhs, output=state_output, jac=_logistic_jac)


def logistic(r=4.0) -> System:
    """The logistic map ``x' = r x (1 - x)``."""
    return System(LogisticParams(*_batched(r=r)), n_state=1, time="discrete")


class NewtonParams(NamedTuple):
    unused: np.ndarray


@njit(**_JIT)
def _newton_rhs(t, y, params, p, u, out):
    # z' = (2 z^3 + 1) / (3 z^2) with z = x + i y, in real arithmetic so that z = 0 gives
    # inf/NaN (flagged as divergence) instead of raising ZeroDivisionError.
    x, v = y[0], y[1]
    sq_re, sq_im = x * x - v * v, 2.0 * x * v
    num_re = 2.0 * (sq_re * x - sq_im * v) + 1.0
    num_im = 2.0 * (sq_re * v + sq_im * x)
    den_re, den_im = 3.0 * sq_re, 3.0 * sq_im
    norm = den_re * den_re + den_im * den_im
    out[0] = (num_re * den_re + num_im * den_im) / norm
    out[1] = (num_im * den_re - num_re * den_im) / norm


register_kernels(NewtonParams, rhs=_newton_rhs, output=state_output)


def newton_cubic(n_pop: int = 1) -> System:
    """Newton's method for ``z^3 = 1`` as a map of the plane (x, y) = (Re z, Im z).

    Its three attracting fixed points are the cube roots of unity. No analytic Jacobian:
    the finite-difference fallback serves.
    """
    return System(NewtonParams(np.zeros(positive_int("n_pop", n_pop))), n_state=2, time="discrete")
