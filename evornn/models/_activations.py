"""Activation functions as Numba kernels.

This machine's Numba has no vector math library, so a loop that calls ``math.exp`` runs one
element at a time. :func:`logistic_into` computes the exponential with plain arithmetic
(Cody-Waite range reduction, a degree-13 Taylor polynomial and an exponent built from the
bits of a float), which the compiler vectorises. Its relative error against
``1 / (1 + numpy.exp(-x))`` is a few units in the last place (tested in
``tests/models/test_activations.py``).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .._numba import CONTRACT, ERROR_MODEL

_LOG2E = 1.4426950408889634
# ln 2 split so that k * _LN2_HI is exact for |k| < 2**11 (Cody and Waite).
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
# Adding 1.5 * 2**52 rounds to an integer held in the low bits of the mantissa.
_SHIFTER = 6755399441055744.0
_SHIFTER_BITS = np.float64(_SHIFTER).view(np.int64).item()
_CLAMP = 708.0
_INV_FACTORIAL = tuple(1.0 / math.factorial(k) for k in range(14))


@njit(cache=True, inline="always")
def _negated_clamped(x):
    """-x limited to [-708, 708]; the comparisons let NaN through unchanged."""
    z = -x
    if z > _CLAMP:
        z = _CLAMP
    if z < -_CLAMP:
        z = -_CLAMP
    return z


@njit(cache=True, fastmath=CONTRACT, error_model=ERROR_MODEL)
def logistic_into(x, out, scratch):
    """``out[q] = 1 / (1 + exp(-x[q]))`` over 1-D arrays, in a form the compiler vectorises.

    Parameters
    ----------
    x : ndarray, shape (n,)
    out : ndarray, shape (n,)
        Must not share memory with `x`.
    scratch : ndarray, shape (n,), float64, C-contiguous

    Numba-compiled; writes into `out`; no validation. NaN in gives NaN out; +-inf saturate.
    Compiled without reassociation, which would undo the rounding trick below.
    """
    _logistic_scaled_into(x, 1.0, out, scratch)


@njit(cache=True, fastmath=CONTRACT, error_model=ERROR_MODEL)
def tanh_into(x, out, scratch):
    """``out[q] = tanh(x[q]) = 2 / (1 + exp(-2 x[q])) - 1``, vectorised like :func:`logistic_into`.

    The absolute error is below 4e-16 everywhere (the relative error grows near 0, where
    tanh itself is tiny: what matters for states in [-1, 1] is the absolute error).
    Same arguments and rules as :func:`logistic_into`.
    """
    _logistic_scaled_into(x, 2.0, out, scratch)
    for q in range(x.shape[0]):
        out[q] = 2.0 * out[q] - 1.0


@njit(cache=True, fastmath=CONTRACT, error_model=ERROR_MODEL, inline="always")
def _logistic_scaled_into(x, scale, out, scratch):
    """``out[q] = 1 / (1 + exp(-scale x[q]))``: Cody-Waite reduction, a Taylor polynomial,
    and 2**k built from the bits of a float."""
    n = x.shape[0]
    bits = scratch.view(np.int64)
    for q in range(n):
        z = _negated_clamped(scale * x[q])  # a NaN input stays NaN all the way through
        shifted = z * _LOG2E + _SHIFTER
        scratch[q] = shifted
        out[q] = shifted - _SHIFTER  # k = round(z / ln 2), as a float
    for q in range(n):
        bits[q] = (bits[q] - _SHIFTER_BITS + 1023) << 52  # the bits of 2**k
    for q in range(n):
        z = _negated_clamped(scale * x[q])
        k = out[q]
        r = (z - k * _LN2_HI) - k * _LN2_LO  # |r| <= ln(2) / 2
        poly = _INV_FACTORIAL[13]
        poly = poly * r + _INV_FACTORIAL[12]
        poly = poly * r + _INV_FACTORIAL[11]
        poly = poly * r + _INV_FACTORIAL[10]
        poly = poly * r + _INV_FACTORIAL[9]
        poly = poly * r + _INV_FACTORIAL[8]
        poly = poly * r + _INV_FACTORIAL[7]
        poly = poly * r + _INV_FACTORIAL[6]
        poly = poly * r + _INV_FACTORIAL[5]
        poly = poly * r + _INV_FACTORIAL[4]
        poly = poly * r + _INV_FACTORIAL[3]
        poly = poly * r + _INV_FACTORIAL[2]
        poly = poly * r + 1.0
        poly = poly * r + 1.0
        out[q] = 1.0 / (1.0 + poly * scratch[q])


@njit(cache=True, error_model=ERROR_MODEL)
def logistic(x):
    """Scalar ``1 / (1 + exp(-x))``. Numba-compiled."""
    return 1.0 / (1.0 + math.exp(-x))


_TWO_OVER_PI = 0.6366197723675814
# pi / 2 in three parts (Cody and Waite): k * _PIO2_1 and k * _PIO2_2 are exact for |k| < 2**20.
_PIO2_1 = 1.5707963267341256
_PIO2_2 = 6.077100506506192e-11
_PIO2_3 = 2.0222662487959506e-21
_SIN_COEFFS = tuple((-1.0) ** k / math.factorial(2 * k + 1) for k in range(1, 9))
_COS_COEFFS = tuple((-1.0) ** k / math.factorial(2 * k) for k in range(1, 9))


@njit(cache=True, fastmath=CONTRACT, error_model=ERROR_MODEL, inline="always")
def sincos(x):
    """``(sin(x), cos(x))`` of a scalar, in plain arithmetic that vectorises in a loop.

    Reduces by the nearest multiple of pi / 2 (three-part Cody-Waite, accurate for
    ``|x| < 1e5``), evaluates the Taylor series of sine and cosine to degree 17 and 16 on
    ``[-pi/4, pi/4]`` (truncation below 1e-19) and picks the quadrant by arithmetic
    selects. Within a few units in the last place of ``numpy.sin`` / ``numpy.cos`` (tested).
    Inlined into the caller: call it only from kernels compiled without reassociation
    (``fastmath=CONTRACT``), which would undo the range reduction. Numba-compiled.
    """
    k = np.floor(x * _TWO_OVER_PI + 0.5)
    r = ((x - k * _PIO2_1) - k * _PIO2_2) - k * _PIO2_3
    r2 = r * r
    ps = _SIN_COEFFS[7]
    pc = _COS_COEFFS[7]
    for m in range(6, -1, -1):
        ps = ps * r2 + _SIN_COEFFS[m]
        pc = pc * r2 + _COS_COEFFS[m]
    sin_r = r + r * r2 * ps
    cos_r = 1.0 + r2 * pc
    quadrant = k - 4.0 * np.floor(0.25 * k)
    swap = quadrant == 1.0 or quadrant == 3.0
    s = (cos_r if swap else sin_r) * (-1.0 if quadrant >= 2.0 else 1.0)
    c = (sin_r if swap else cos_r) * (-1.0 if quadrant == 1.0 or quadrant == 2.0 else 1.0)
    return s, c


@njit(cache=True, fastmath=CONTRACT, error_model=ERROR_MODEL)
def sincos_into(x, s, c):
    """``s[q], c[q] = sin(x[q]), cos(x[q])`` over 1-D arrays with :func:`sincos`, a loop
    the compiler vectorises. Numba-compiled; writes into `s` and `c`; no validation.
    """
    for q in range(x.shape[0]):
        s[q], c[q] = sincos(x[q])
