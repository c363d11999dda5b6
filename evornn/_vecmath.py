"""Elementary functions as vectorisable Numba kernels: the activations of the models
(logistic, tanh) and the sine, cosine and arctangent of the bodies.

This machine's Numba has no vector math library, so a loop that calls ``math.exp`` runs one
element at a time. :func:`logistic_into` computes the exponential with plain arithmetic
(Cody-Waite range reduction, a degree-13 Taylor polynomial and an exponent built from the
bits of a float), which the compiler vectorises. Its relative error against
``1 / (1 + numpy.exp(-x))`` is a few units in the last place (tested in
``tests/test_vecmath.py``).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, types
from numba.extending import overload

from ._numba import CONTRACT, ERROR_MODEL, cast

_LOG2E = 1.4426950408889634
# ln 2 split so that k * _LN2_HI is exact for |k| < 2**11 (Cody and Waite).
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
# Adding 1.5 * 2**52 rounds to an integer held in the low bits of the mantissa.
_SHIFTER = 6755399441055744.0
_SHIFTER_BITS = np.float64(_SHIFTER).view(np.int64).item()
_CLAMP = 708.0
# exp(r) to degree 13 = _EXP_EVEN(r**2) + r * _EXP_ODD(r**2); coefficients highest first.
_EXP_EVEN = tuple(1.0 / math.factorial(k) for k in range(12, -1, -2))
_EXP_ODD = tuple(1.0 / math.factorial(k) for k in range(13, 0, -2))


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
    x : ndarray, shape (n,), float64 or float32
    out : ndarray, shape (n,), the same dtype
        Must not share memory with `x`.
    scratch : ndarray, shape (n,), the same dtype, C-contiguous

    float64: within a few units in the last place of NumPy; float32: the same scheme with
    float32 constants and a degree-7 polynomial, within a few float32 ulp. Numba-compiled;
    writes into `out`; no validation. NaN in gives NaN out; +-inf saturate. Compiled
    without reassociation, which would undo the rounding trick below.
    """
    _logistic_scaled_into(x, 1.0, out, scratch)


@njit(cache=True, fastmath=CONTRACT, error_model=ERROR_MODEL)
def tanh_into(x, out, scratch):
    """``out[q] = tanh(x[q]) = 2 / (1 + exp(-2 x[q])) - 1``, vectorised like :func:`logistic_into`.

    The absolute error is below 4e-16 everywhere in float64, a few times 1e-7 in float32
    (the relative error grows near 0, where tanh itself is tiny: what matters for states in
    [-1, 1] is the absolute error). Same arguments and rules as :func:`logistic_into`.
    """
    _logistic_scaled_into(x, 2.0, out, scratch)
    two, one = cast(2.0, out), cast(1.0, out)
    for q in range(x.shape[0]):
        out[q] = two * out[q] - one


@njit(cache=True, inline="always")
def _horner(coefficients, x):
    """The polynomial with `coefficients` (highest degree first) at `x`, by Horner's scheme."""
    acc = coefficients[0]
    for i in range(1, len(coefficients)):
        acc = acc * x + coefficients[i]
    return acc


def _logistic_scaled_into(x, scale, out, scratch):
    """``out[q] = 1 / (1 + exp(-scale x[q]))`` in the precision of `out` (compiled only)."""
    raise NotImplementedError("compiled only: call logistic_into or tanh_into")


@overload(_logistic_scaled_into, inline="always")
def _logistic_scaled_overload(x, scale, out, scratch):
    return _logistic_scaled_32 if out.dtype == types.float32 else _logistic_scaled_64


def _logistic_scaled_64(x, scale, out, scratch):
    """Float64: Cody-Waite reduction, a Taylor polynomial, and 2**k built from the bits of
    a float.

    The reduced argument waits in `out` between the passes, and the polynomial is summed as
    its even and odd halves in r**2: two chains of seven steps rather than one of thirteen,
    which lets more elements be in flight at once (about a third faster than Horner's
    scheme over r).
    """
    n = x.shape[0]
    bits = scratch.view(np.int64)
    for q in range(n):
        z = _negated_clamped(scale * x[q])  # a NaN input stays NaN all the way through
        shifted = z * _LOG2E + _SHIFTER
        scratch[q] = shifted
        k = shifted - _SHIFTER  # k = round(z / ln 2), as a float
        out[q] = (z - k * _LN2_HI) - k * _LN2_LO  # r, with |r| <= ln(2) / 2
    for q in range(n):
        bits[q] = (bits[q] - _SHIFTER_BITS + 1023) << 52  # the bits of 2**k
    for q in range(n):
        r = out[q]
        r2 = r * r
        even = _horner(_EXP_EVEN, r2)
        odd = _horner(_EXP_ODD, r2)
        out[q] = 1.0 / (1.0 + (even + r * odd) * scratch[q])


# Float32: Cephes' expf constants (ln 2 in two parts, k * _LN2_HI_32 exact for |k| < 2**15),
# 1.5 * 2**23 as the rounding shifter, and the Taylor polynomial to degree 7 (truncation
# below 1e-8 on |r| <= ln(2) / 2). The argument is clamped to [-64, 64]: a saturated
# logistic then reads 1.6e-28 rather than a value near float32's smallest normal number
# (1.2e-38), whose products with the weights would fall into the subnormal range, where
# arithmetic runs about a hundred times slower (seen: a saturated 100-neuron CTRNN stepping
# at half speed).
_F32 = np.float32
_LOG2E_32 = _F32(_LOG2E)
_LN2_HI_32 = _F32(0.693359375)
_LN2_LO_32 = _F32(-2.12194440e-4)
_SHIFTER_32 = _F32(12582912.0)
_SHIFTER_BITS_32 = _SHIFTER_32.view(np.int32).item()
_CLAMP_32 = _F32(64.0)
_EXP_EVEN_32 = tuple(_F32(1.0 / math.factorial(k)) for k in range(6, -1, -2))
_EXP_ODD_32 = tuple(_F32(1.0 / math.factorial(k)) for k in range(7, 0, -2))


def _logistic_scaled_32(x, scale, out, scratch):
    """Float32: :func:`_logistic_scaled_64` with float32 constants and integers, so that
    every operation runs on twice as many lanes."""
    n = x.shape[0]
    bits = scratch.view(np.int32)
    s, one = _F32(scale), _F32(1.0)
    for q in range(n):
        z = -(s * x[q])
        if z > _CLAMP_32:
            z = _CLAMP_32
        if z < -_CLAMP_32:
            z = -_CLAMP_32
        shifted = z * _LOG2E_32 + _SHIFTER_32
        scratch[q] = shifted
        k = shifted - _SHIFTER_32
        out[q] = (z - k * _LN2_HI_32) - k * _LN2_LO_32
    for q in range(n):
        bits[q] = (bits[q] - _SHIFTER_BITS_32 + 127) << 23
    for q in range(n):
        r = out[q]
        r2 = r * r
        even = _horner(_EXP_EVEN_32, r2)
        odd = _horner(_EXP_ODD_32, r2)
        out[q] = one / (one + (even + r * odd) * scratch[q])


@njit(cache=True, error_model=ERROR_MODEL)
def logistic(x):
    """Scalar ``1 / (1 + exp(-x))``. Numba-compiled."""
    return 1.0 / (1.0 + math.exp(-x))


_TWO_OVER_PI = 0.6366197723675814
# pi / 2 in three parts (Cody and Waite): k * _PIO2_1 and k * _PIO2_2 are exact for |k| < 2**20.
_PIO2_1 = 1.5707963267341256
_PIO2_2 = 6.077100506506192e-11
_PIO2_3 = 2.0222662487959506e-21
# sin(r) = r + r**3 _SIN_COEFFS(r**2), cos(r) = 1 + r**2 _COS_COEFFS(r**2); highest first.
_SIN_COEFFS = tuple((-1.0) ** k / math.factorial(2 * k + 1) for k in range(8, 0, -1))
_COS_COEFFS = tuple((-1.0) ** k / math.factorial(2 * k) for k in range(8, 0, -1))


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
    sin_r = r + r * r2 * _horner(_SIN_COEFFS, r2)
    cos_r = 1.0 + r2 * _horner(_COS_COEFFS, r2)
    quadrant = k - 4.0 * np.floor(0.25 * k)
    swap = quadrant == 1.0 or quadrant == 3.0
    s = (cos_r if swap else sin_r) * (-1.0 if quadrant >= 2.0 else 1.0)
    c = (sin_r if swap else cos_r) * (-1.0 if quadrant == 1.0 or quadrant == 2.0 else 1.0)
    return s, c


# Cephes atan: tan(3 pi / 8), the rational approximation P / Q on |x| <= 0.66 (highest
# degree first; Q is monic) and pi / 2's tail.
_TAN_3PI_8 = 2.41421356237309504880
_MOREBITS = 6.123233995736765886130e-17
_ATAN_P = (-8.750608600031904122785e-1, -1.615753718733365076637e1, -7.500855792314704667340e1,
           -1.228866684490136173410e2, -6.485021904942025371773e1)
_ATAN_Q = (1.0, 2.485846490142306297962e1, 1.650270098316988542046e2, 4.328810604912902668951e2,
           4.853903996359136964868e2, 1.945506571482613964425e2)


@njit(cache=True, fastmath=CONTRACT, error_model=ERROR_MODEL, inline="always")
def atan(x):
    """``arctan(x)`` of a scalar, in plain arithmetic that vectorises in a loop.

    Cephes' ``atan``: reduces ``|x|`` to at most 0.66 by ``-1 / |x|`` (above tan(3 pi / 8))
    or ``(|x| - 1) / (|x| + 1)`` (above 0.66), chosen by selects rather than branches,
    then a degree 4/5 rational approximation. Within a couple of units in the last place
    of ``numpy.arctan`` (tested); +-inf give +-pi / 2 and NaN stays NaN. Inlined like
    :func:`sincos`, and for the same reason only into kernels compiled without
    reassociation. Numba-compiled.
    """
    a = abs(x)
    big = a > _TAN_3PI_8
    mid = a > 0.66
    numerator = -1.0 if big else (a - 1.0 if mid else a)
    denominator = a if big else (a + 1.0 if mid else 1.0)
    r = numerator / denominator
    base = np.pi / 2 if big else (np.pi / 4 if mid else 0.0)
    tail = _MOREBITS if big else (0.5 * _MOREBITS if mid else 0.0)
    z = r * r
    result = base + (r * (z * _horner(_ATAN_P, z) / _horner(_ATAN_Q, z)) + r + tail)
    return -result if x < 0.0 else result

