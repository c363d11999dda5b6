"""Normal forms of codimension-two bifurcations as evornn Systems, for the continuation
tests (Kuznetsov, Elements of Applied Bifurcation Theory, chapter 8)."""

from typing import NamedTuple

import numpy as np
from numba import njit

import evornn


class CuspParams(NamedTuple):
    b1: np.ndarray
    b2: np.ndarray


@njit
def cusp_rhs(t, y, params, p, u, out):
    out[0] = params.b1[p] + params.b2[p] * y[0] - y[0] ** 3


def cusp(b1, b2):
    """``x' = b1 + b2 x - x^3``: folds on ``4 b2^3 = 27 b1^2``, a cusp at the origin."""
    return evornn.System(CuspParams(np.atleast_1d(float(b1)), np.atleast_1d(float(b2))), n_state=1, rhs=cusp_rhs)


class BogdanovTakensParams(NamedTuple):
    beta1: np.ndarray
    beta2: np.ndarray


@njit
def bt_rhs(t, y, params, p, u, out):
    out[0] = y[1]
    out[1] = params.beta1[p] + params.beta2[p] * y[0] + y[0] ** 2 - y[0] * y[1]


def bogdanov_takens(beta1, beta2):
    """``x' = y, y' = beta1 + beta2 x + x^2 - x y``: folds on ``beta2^2 = 4 beta1``, Hopf
    points on ``beta1 = 0, beta2 < 0``, a Bogdanov-Takens point at the origin."""
    params = BogdanovTakensParams(np.atleast_1d(float(beta1)), np.atleast_1d(float(beta2)))
    return evornn.System(params, n_state=2, rhs=bt_rhs)


class DelayedLogisticParams(NamedTuple):
    r: np.ndarray


@njit
def delayed_logistic_rhs(t, y, params, p, u, out):
    out[0] = params.r[p] * y[0] * (1.0 - y[1])
    out[1] = y[0]


def delayed_logistic(r):
    """The delayed logistic map ``x' = r x (1 - y), y' = x``: its fixed point ``x = y = 1 - 1/r``
    has multipliers of modulus ``sqrt(r - 1)``, a Neimark-Sacker bifurcation at ``r = 2``
    with angle ``pi / 3``."""
    return evornn.System(DelayedLogisticParams(np.atleast_1d(float(r))), n_state=2, time="discrete",
                         rhs=delayed_logistic_rhs)
