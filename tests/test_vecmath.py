import numpy as np
from numba import njit

from evornn._numba import CONTRACT
from evornn._vecmath import atan, logistic_into, sincos, tanh_into


@njit(fastmath=CONTRACT)
def _elementwise(x, s, c, t):
    """The scalar kernels over an array, as the compiled loops that inline them run them."""
    for q in range(x.shape[0]):
        s[q], c[q] = sincos(x[q])
        t[q] = atan(x[q])


def _apply(x):
    s, c, t = np.empty_like(x), np.empty_like(x), np.empty_like(x)
    _elementwise(x, s, c, t)
    return s, c, t


def test_logistic_into_matches_numpy_to_a_few_ulp(rng):
    x = np.concatenate([rng.uniform(-40, 40, 20000), rng.normal(0, 3, 20000), np.linspace(-700, 700, 5001)])
    out, scratch = np.empty_like(x), np.empty_like(x)
    logistic_into(x, out, scratch)
    expected = 1.0 / (1.0 + np.exp(-x))
    rel = np.abs(out - expected) / expected
    assert rel.max() < 8 * np.finfo(float).eps


def test_logistic_into_saturates_and_propagates_nan():
    x = np.array([np.inf, -np.inf, np.nan, 1e300, -1e300, 0.0])
    out, scratch = np.empty_like(x), np.empty_like(x)
    logistic_into(x, out, scratch)
    assert out[0] == 1.0 and out[3] == 1.0
    assert 0.0 <= out[1] < 1e-300 and 0.0 <= out[4] < 1e-300
    assert np.isnan(out[2])
    assert out[5] == 0.5


def test_vectorised_sine_and_cosine_are_within_one_ulp_of_numpy(rng):
    x = np.concatenate([rng.uniform(-1, 1, 20000), rng.uniform(-100, 100, 20000), np.linspace(-7, 7, 1001),
                        [0.0, -0.0, np.pi / 4, np.pi / 2, np.pi, -np.pi / 2]])
    s, c, _ = _apply(x)
    for ours, theirs in ((s, np.sin(x)), (c, np.cos(x))):
        # One ulp of the result, or of 1e-16 near zeros (where the reduction's absolute error dominates).
        assert np.all(np.abs(ours - theirs) <= np.spacing(np.maximum(np.abs(theirs), 0.5)))


def test_vectorised_arctangent_is_within_two_ulp_of_numpy(rng):
    # Every branch of the reduction (|x| <= 0.66, up to tan(3 pi / 8) = 2.414, above) and its edges.
    x = np.concatenate([rng.uniform(-1, 1, 20000), rng.uniform(-5, 5, 20000), rng.normal(0, 1e3, 5000),
                        np.linspace(-3, 3, 6001), [0.0, -0.0, 0.66, np.nextafter(0.66, 1), 2.414213562373095,
                                                   1e-300, 1e300, -1e300]])
    _, _, ours = _apply(x)
    theirs = np.arctan(x)
    assert np.all(np.abs(ours - theirs) <= 2 * np.spacing(np.abs(theirs)))
    _, _, special = _apply(np.array([np.inf, -np.inf, np.nan]))
    assert special[0] == np.pi / 2 and special[1] == -np.pi / 2 and np.isnan(special[2])


def test_tanh_into_has_a_tiny_absolute_error(rng):
    x = np.concatenate([rng.normal(0, 3, 5000), rng.normal(0, 1e-6, 500), [0.0, 30.0, -30.0, 800.0, -800.0]])
    out, scratch = np.empty_like(x), np.empty_like(x)
    tanh_into(x, out, scratch)
    assert np.abs(out - np.tanh(x)).max() <= 4e-16
    nan_out = np.empty(2)
    tanh_into(np.array([np.nan, np.inf]), nan_out, np.empty(2))
    assert np.isnan(nan_out[0]) and nan_out[1] == 1.0
