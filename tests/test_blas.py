"""BLAS called from compiled code (`evornn._blas`): the population's Gram matrices against
NumPy's products, accumulated over chunks, and the same bits on any thread count."""

import numba
import numpy as np

from evornn._blas import add_moments
from evornn._numba import one_blas_thread


def test_add_moments_accumulates_every_individuals_sums():
    rng = np.random.default_rng(0)
    chunks = [(rng.normal(size=(5, n, 30)), rng.normal(size=(n, 2))) for n in (200, 1, 77)]
    xx, xy, x_sum = np.zeros((5, 30, 30)), np.zeros((5, 30, 2)), np.zeros((5, 30))
    with one_blas_thread():
        for features, targets in chunks:
            add_moments(features, features, targets, xx, xy, x_sum)
    np.testing.assert_allclose(xx, sum(np.einsum("psi,psj->pij", f, f) for f, _ in chunks), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(xx, xx.transpose(0, 2, 1))
    np.testing.assert_allclose(xy, sum(np.einsum("psi,sm->pim", f, t) for f, t in chunks), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(x_sum, sum(f.sum(axis=1) for f, _ in chunks), rtol=1e-12, atol=1e-12)


def test_add_moments_bits_do_not_depend_on_the_thread_count():
    rng = np.random.default_rng(1)
    features, targets = rng.normal(size=(7, 500, 40)), rng.normal(size=(500, 1))
    results = []
    for n_threads in (1, numba.config.NUMBA_NUM_THREADS):
        xx, xy, x_sum = np.zeros((7, 40, 40)), np.zeros((7, 40, 1)), np.zeros((7, 40))
        previous = numba.get_num_threads()
        numba.set_num_threads(n_threads)
        try:
            with one_blas_thread():
                add_moments(features, features, targets, xx, xy, x_sum)
        finally:
            numba.set_num_threads(previous)
        results.append((xx, xy, x_sum))
    for a, b in zip(*results, strict=True):
        np.testing.assert_array_equal(a, b)
